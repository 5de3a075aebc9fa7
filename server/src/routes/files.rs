//! File routes (S12): multipart uploads and attachment downloads. Thin: read the request, let the
//! guard decide, call the use case, answer. A browser's plain form post is redirected (to the
//! next page, or back to the form with the error's code); a client asking for JSON gets the
//! outcome as JSON with the status of `AppError::status`.

use axum::{
    body::Body,
    extract::{multipart::Field, Multipart, Path, Query, State},
    response::{IntoResponse, Redirect, Response},
    Extension, Json,
};
use candor_app::backend::{
    audit_log,
    candidates::{self, CandidateForm},
    documents::{self, Upload},
    files::FileVault,
    guard::{authorize, error_location, Caller, Ctx, AUTHZ_HEADER},
    privacy,
    request::RequestMeta,
    state::AppState,
};
use candor_app::domain::upload::FileKind;
use candor_app::error::AppError;
use candor_app::routes::{
    FileRoute, ADD_CANDIDATE_WITH_CV, DOWNLOAD_DOCUMENT, EXPORT_AUDIT_LOG, EXPORT_CANDIDATES,
    EXPORT_MY_DATA, UPLOAD_CANDIDATE_DOCUMENT, UPLOAD_INTERVIEW_FILE,
};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::collections::HashMap;
use tower_sessions::Session;

/// The largest request an upload route reads: the largest file plus room for the form fields.
pub const UPLOAD_BODY_LIMIT: usize = FileKind::Recording.max_bytes() as usize + 256 * 1024;

/// Text fields of an upload form are short; anything longer is not a form of ours.
const MAX_TEXT_FIELD: usize = 8 * 1024;

/// The request as the use cases need it.
pub struct Request {
    state: AppState,
    session: Session,
    meta: RequestMeta,
    wants_json: bool,
}

impl Request {
    fn new(state: AppState, session: Session, meta: RequestMeta, headers: &HeaderMap) -> Self {
        let wants_json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        Self {
            state,
            session,
            meta,
            wants_json,
        }
    }

    async fn ctx(&self, route: &FileRoute) -> Result<(Ctx, Caller), AppError> {
        let caller = authorize(&self.state, &self.session, None, route.access)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let ctx = Ctx {
            state: self.state.clone(),
            meta: self.meta.clone(),
            session: self.session.clone(),
            caller: Some(caller.clone()),
        };
        Ok((ctx, caller))
    }

    fn with_decision(&self, route: &FileRoute, mut response: Response) -> Response {
        if self.state.settings.expose_authz_decisions {
            if let Ok(v) = HeaderValue::from_str(&route.access.describe()) {
                response.headers_mut().insert(AUTHZ_HEADER, v);
            }
        }
        response
    }

    fn error_response(&self, err: AppError) -> Response {
        let err = match err {
            AppError::Internal { .. } => AppError::Internal {
                request_id: self.meta.request_id.clone(),
            },
            other => other,
        };
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if self.wants_json {
            return (status, Json(err)).into_response();
        }
        // A link followed in the browser: a plain page. Messages are ours, escaped all the same.
        let message = err
            .to_string()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Not available · Candor</title><link rel=\"stylesheet\" href=\"/pkg/candor.css\">\
             </head><body><main class=\"narrow\"><h1>Not available</h1><p>{message}</p>\
             <p><a href=\"/app\">Back to the dashboard</a></p></main></body></html>"
        );
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    }

    /// The answer to a form post: where to go next, or back to `form_page` with the error.
    fn after_post(
        &self,
        result: Result<String, AppError>,
        form_page: &str,
        anchor: &str,
    ) -> Response {
        match (result, self.wants_json) {
            (Ok(location), true) => {
                Json(serde_json::json!({ "location": location })).into_response()
            }
            (Ok(location), false) => Redirect::to(&location).into_response(),
            (Err(AppError::Unauthenticated), false) => Redirect::to("/login").into_response(),
            (Err(err), true) => self.error_response(err),
            (Err(err @ (AppError::Forbidden | AppError::NotFound)), false) => {
                self.error_response(err)
            }
            (Err(err), false) => {
                let back = error_location(form_page, &err);
                Redirect::to(&format!("{back}&form={anchor}#{anchor}")).into_response()
            }
        }
    }
}

/// The fields of a multipart form: text values by name, and the one file field asked for.
#[derive(Default)]
struct Form {
    text: HashMap<String, String>,
    file: Option<Upload>,
}

impl Form {
    fn get(&self, name: &str) -> String {
        self.text.get(name).cloned().unwrap_or_default()
    }
}

fn malformed() -> AppError {
    AppError::BadRequest {
        message: "The upload could not be read. Choose the file again and resend the form.".into(),
    }
}

async fn read_capped(
    mut field: Field<'_>,
    cap: usize,
    too_large: impl Fn() -> AppError,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            malformed()
        }
    })? {
        if bytes.len() + chunk.len() > cap {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the form, keeping at most `kind`'s limit (plus one byte, so "too large" is told apart
/// from "exactly at the limit") of the file field named `file_field`. An empty file input (no
/// file chosen) counts as no file.
async fn read_form(
    mut multipart: Multipart,
    file_field: &str,
    kind: FileKind,
) -> Result<Form, AppError> {
    let mut form = Form::default();
    let too_large = || {
        AppError::invalid(
            file_field,
            format!(
                "The file is larger than {}. {}",
                candor_app::domain::upload::human_size(kind.max_bytes()),
                kind.hint()
            ),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| malformed())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field && field.file_name().is_some() {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = read_capped(field, kind.max_bytes() as usize + 1, too_large).await?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                form.file = Some(Upload { file_name, bytes });
            }
        } else {
            let bytes = read_capped(field, MAX_TEXT_FIELD, malformed).await?;
            let value = String::from_utf8(bytes).map_err(|_| malformed())?;
            form.text.insert(name, value);
        }
    }
    Ok(form)
}

pub async fn add_candidate_with_cv(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Path(recruitment): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let route = &ADD_CANDIDATE_WITH_CV;
    let request = Request::new(state, session, meta, &headers);
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        let form = read_form(multipart, "cv", FileKind::Cv).await?;
        let candidate_form = CandidateForm {
            full_name: form.get("full_name"),
            email: form.get("email"),
            phone: form.get("phone"),
        };
        let confirmed_deletion = form.text.get("confirm_deletion_request");
        let candidate = documents::add_candidate_with_cv(
            &ctx,
            &caller,
            &recruitment,
            candidate_form,
            form.file,
            confirmed_deletion.map(String::as_str),
        )
        .await?;
        Ok(format!("/app/candidates/{candidate}"))
    }
    .await;
    let page = format!("/app/recruitments/{}", page_segment(&recruitment));
    request.with_decision(route, request.after_post(result, &page, "add-candidate"))
}

pub async fn upload_candidate_document(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Path(candidate): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let route = &UPLOAD_CANDIDATE_DOCUMENT;
    let request = Request::new(state, session, meta, &headers);
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        let form = read_form(multipart, "file", FileKind::Document).await?;
        let kind = form.get("kind");
        let file = form
            .file
            .ok_or_else(|| AppError::invalid("file", "Choose a file to upload."))?;
        let candidate =
            documents::attach_to_candidate(&ctx, &caller, &candidate, &kind, file).await?;
        Ok(format!("/app/candidates/{candidate}#documents"))
    }
    .await;
    let page = format!("/app/candidates/{}", page_segment(&candidate));
    request.with_decision(route, request.after_post(result, &page, "documents"))
}

pub async fn upload_interview_file(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Path(interview): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let route = &UPLOAD_INTERVIEW_FILE;
    let request = Request::new(state, session, meta, &headers);
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        // The kind is only known once the form is read, so read up to the largest of the two.
        let form = read_form(multipart, "file", FileKind::Recording).await?;
        let kind = form.get("kind");
        let file = form
            .file
            .ok_or_else(|| AppError::invalid("file", "Choose a file to upload."))?;
        let interview =
            documents::attach_to_interview(&ctx, &caller, &interview, &kind, file).await?;
        Ok(format!("/app/interviews/{interview}#files"))
    }
    .await;
    let page = format!("/app/interviews/{}", page_segment(&interview));
    request.with_decision(route, request.after_post(result, &page, "files"))
}

pub async fn download_document(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Path(document): Path<String>,
    headers: HeaderMap,
) -> Response {
    let route = &DOWNLOAD_DOCUMENT;
    let request = Request::new(state, session, meta, &headers);
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        documents::download(&ctx, &caller, &document).await
    }
    .await;
    let response = match result {
        Ok(file) => attachment_response(file.content_type, &file.file_name, file.bytes),
        Err(AppError::Unauthenticated) if !request.wants_json => {
            Redirect::to("/login").into_response()
        }
        Err(err) => request.error_response(err),
    };
    request.with_decision(route, response)
}

pub async fn export_candidates(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Path(recruitment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let route = &EXPORT_CANDIDATES;
    let request = Request::new(state, session, meta, &headers);
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        candidates::export(&ctx, &caller, &recruitment).await
    }
    .await;
    let response = match result {
        Ok(export) => {
            attachment_response("text/csv; charset=utf-8", &export.file_name, export.bytes)
        }
        Err(AppError::Unauthenticated) if !request.wants_json => {
            Redirect::to("/login").into_response()
        }
        Err(err) => request.error_response(err),
    };
    request.with_decision(route, response)
}

/// The audit log as CSV for the filter in the query (F12).
pub async fn export_audit_log(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    Query(filter): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let route = &EXPORT_AUDIT_LOG;
    let request = Request::new(state, session, meta, &headers);
    let field = |name: &str| filter.get(name).cloned().unwrap_or_default();
    let form = audit_log::FilterForm {
        actor: field("actor"),
        action: field("action"),
        target: field("target"),
        from: field("from"),
        until: field("until"),
    };
    let result = async {
        let (ctx, caller) = request.ctx(route).await?;
        audit_log::export(&ctx, &caller, &form).await
    }
    .await;
    let response = match result {
        Ok(export) => {
            attachment_response("text/csv; charset=utf-8", &export.file_name, export.bytes)
        }
        Err(AppError::Unauthenticated) if !request.wants_json => {
            Redirect::to("/login").into_response()
        }
        Err(err) => request.error_response(err),
    };
    request.with_decision(route, response)
}

/// The candidate's own data as one JSON file (F9), for the browser's privacy session.
pub async fn export_my_data(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
) -> Response {
    let route = &EXPORT_MY_DATA;
    let request = Request::new(state, session, meta, &headers);
    let result = privacy::export(&request.state, &request.meta, &request.session).await;
    let response = match result {
        Ok(export) => {
            let file_name = export.file_name.clone();
            attachment_response(
                "application/json",
                &file_name,
                Body::from_stream(export_chunks(export, request.state.files.clone())),
            )
        }
        Err(AppError::Unauthenticated) if !request.wants_json => {
            Redirect::to("/privacy").into_response()
        }
        Err(err) => request.error_response(err),
    };
    request.with_decision(route, response)
}

/// The export written as it is read: its head, each document in turn, its tail. A document that
/// cannot be read aborts the download, so a client never takes a cut-short file for a whole one.
fn export_chunks(
    export: privacy::PersonalDataExport,
    files: FileVault,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, AppError>> {
    enum Next {
        Head,
        Document(usize),
        Done,
    }
    futures_util::stream::unfold(
        (Next::Head, export, files),
        |(next, export, files)| async move {
            let (chunk, after) = match next {
                Next::Head => (Ok(export.head()), Next::Document(0)),
                Next::Document(i) if i < export.document_count() => {
                    (export.document(&files, i).await, Next::Document(i + 1))
                }
                Next::Document(_) => (Ok(export.tail().to_vec()), Next::Done),
                Next::Done => return None,
            };
            let after = if chunk.is_err() { Next::Done } else { after };
            Some((chunk, (after, export, files)))
        },
    )
}

/// A file handed out: never a page of ours, so no script, no plugin, no same-origin rights.
fn attachment_response(content_type: &str, file_name: &str, bytes: impl Into<Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, attachment(file_name)),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes.into(),
    )
        .into_response()
}

/// A path segment we put in a redirect: an id as typed, or nothing when it is not id-shaped.
fn page_segment(raw: &str) -> &str {
    if raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        raw
    } else {
        ""
    }
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266, RFC 8187).
fn attachment(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(file_name, NON_ALPHANUMERIC)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_cannot_break_out_of_the_header() {
        assert_eq!(
            attachment("Lebenslauf Jürgen.pdf"),
            "attachment; filename=\"Lebenslauf J_rgen.pdf\"; \
             filename*=UTF-8''Lebenslauf%20J%C3%BCrgen%2Epdf"
        );
        let hostile = attachment("a\";\r\nSet-Cookie: x=1.pdf");
        assert!(!hostile.contains('\r') && !hostile.contains('\n'));
        assert_eq!(hostile.matches('"').count(), 2);
    }

    #[test]
    fn only_id_shaped_segments_go_into_redirects() {
        assert_eq!(page_segment("cand_abc123"), "cand_abc123");
        assert_eq!(page_segment("..%2F..%2Fevil"), "");
        assert_eq!(page_segment("//evil.example"), "");
    }
}
