//! Completes the generated OpenAPI document with what every operation shares: the problem
//! answers each one can give (RFC 9457, `application/problem+json`), each with its description,
//! so that no status the handlers answer is left out of the contract.

use utoipa::openapi::{
    header::Header,
    path::{Operation, PathItem},
    schema::{Ref, Type},
    Content, OpenApi, RefOr, Response, ResponseBuilder,
};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The error statuses any operation of the API may answer, and why.
const EVERY_OPERATION: &[(u16, &str)] = &[
    (
        400,
        "The query string, a header or the body is malformed; `detail` names what and what is \
         expected.",
    ),
    (
        401,
        "No valid API key: missing, unknown, revoked or expired (`code` `unauthenticated`).",
    ),
    (
        403,
        "The key lacks the scope the operation needs, or the request comes from a network the \
         key is not allowed from (`code` `forbidden`).",
    ),
    (
        406,
        "The `Accept` header admits neither `application/json` nor `application/problem+json` \
         (`code` `not_acceptable`).",
    ),
    (
        429,
        "The key's rate limit is reached (`code` `rate_limited`); try again after `Retry-After` \
         seconds.",
    ),
];

/// Statuses only the writes answer.
const WRITES: &[(u16, &str)] = &[
    (
        409,
        "The request clashes with the current state (`code` `conflict`), e.g. the same \
         `Idempotency-Key` is still being answered.",
    ),
    (
        413,
        "The body is larger than the 64 KiB the API reads (`code` `content_too_large`).",
    ),
    (
        415,
        "The body is not sent as `Content-Type: application/json` (`code` \
         `unsupported_media_type`).",
    ),
    (
        422,
        "The body is well-formed JSON of the right shape, but a field is not acceptable (`code` \
         `invalid`): `errors` lists each field with a message.",
    ),
];

const NOT_FOUND: (u16, &str) = (
    404,
    "No such record in the key's organisation (`code` `not_found`); another organisation's \
     records are not found either.",
);

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_CONTENT_TYPE,
            Content::new(Some(Ref::from_schema_name("ProblemDetails"))),
        )
        .build()
}

fn retry_after() -> Header {
    Header::builder()
        .schema(Some(utoipa::openapi::schema::Object::with_type(
            Type::Integer,
        )))
        .description(Some("Seconds to wait before trying again."))
        .build()
}

/// Adds the shared problem answers to one operation; an answer the handler describes itself
/// (more precisely) is kept.
fn complete_operation(path: &str, is_write: bool, operation: &mut Operation) {
    let mut statuses: Vec<(u16, &str)> = EVERY_OPERATION.to_vec();
    if is_write {
        statuses.extend_from_slice(WRITES);
    }
    // A record named in the path, or in a write's body, may not exist.
    if path.contains('{') || is_write {
        statuses.push(NOT_FOUND);
    }
    for (status, description) in statuses {
        let mut response = problem_response(description);
        if status == 429 {
            response
                .headers
                .insert("Retry-After".into(), RefOr::T(retry_after()));
        }
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert(RefOr::T(response));
    }
}

/// The document as served: the generated one, completed.
pub fn complete(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let PathItem { get, post, .. } = item;
        if let Some(op) = get {
            complete_operation(path, false, op);
        }
        if let Some(op) = post {
            complete_operation(path, true, op);
        }
    }
    doc
}
