//! The API's contract against its standards (issue 24): an OpenAPI 3.1 document that says every
//! answer an operation can give, and RFC 9457 problem details for every refusal under `/api/v1`.

use crate::helpers::{TestApp, EVERY_SCOPE, PASSWORD};
use crate::rest::problem;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[test]
fn every_answer_of_every_operation_is_described_and_refusals_are_problem_details() {
    let doc = serde_json::to_value(candor_server::rest::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 9, "{paths:?}");
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let write = method == "post";
            let mut expected = vec!["400", "401", "403", "406", "429"];
            if write {
                expected.extend(["404", "409", "413", "415", "422"]);
            }
            if path.contains('{') {
                expected.push("404");
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not say it may answer {status}"
                );
            }
            for (status, response) in responses {
                let description = response["description"].as_str().unwrap_or_default();
                assert!(
                    description.len() > 10,
                    "{method} {path} {status} has no description"
                );
                let content = response["content"].as_object().unwrap();
                let expected_type = if status.starts_with('2') {
                    "application/json"
                } else {
                    "application/problem+json"
                };
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    [expected_type],
                    "{method} {path} {status}"
                );
                if !status.starts_with('2') {
                    assert_eq!(
                        content[expected_type]["schema"]["$ref"],
                        Value::from("#/components/schemas/ProblemDetails")
                    );
                }
            }
        }
    }
}

/// Asserts an RFC 9457 problem of `code` with its stable type, and returns its body.
async fn assert_problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let (got, content_type, body) = problem(res).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["code"], code);
    assert_eq!(body["type"], format!("urn:candor:problem:{code}"));
    assert!(body["title"].as_str().unwrap().len() > 5, "{body}");
    assert!(body["request_id"].as_str().is_some(), "{body}");
    body
}

/// An organisation's admin with a key of every scope, and the admin's user id.
async fn integration(app: &TestApp) -> (String, String) {
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let key = app.create_api_key(&ada, EVERY_SCOPE).await;
    (key, app.user_id("ada@acme.example").await)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_method_the_resource_does_not_answer_is_a_405_problem_with_allow(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (key, _) = integration(&app).await;
    let res = Client::new()
        .delete(app.url("/api/v1/recruitments"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_accept_the_api_cannot_serve_is_a_406_problem(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let (key, _) = integration(&app).await;
    let res = Client::new()
        .get(app.url("/api/v1/recruitments"))
        .bearer_auth(&key)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_ACCEPTABLE, "not_acceptable").await;
    // JSON among what the client accepts is served.
    let res = Client::new()
        .get(app.url("/api/v1/recruitments"))
        .bearer_auth(&key)
        .header("accept", "text/html, application/json;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_over_the_limit_is_a_413_problem_and_writes_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (key, ada_id) = integration(&app).await;
    let huge = "x".repeat(candor_server::startup::BODY_LIMIT + 1);
    let body = serde_json::json!({"title": huge, "on_behalf_of": ada_id});
    let res = Client::new()
        .post(app.url("/api/v1/recruitments"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "content_too_large").await;
    assert!(problem["detail"].as_str().unwrap().contains("65536"));
    assert_eq!(app.count("SELECT count(*) FROM recruitments").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_that_is_not_sent_as_json_is_a_415_problem(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (key, ada_id) = integration(&app).await;
    let body = serde_json::json!({"title": "Backend", "on_behalf_of": ada_id}).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = Client::new()
            .post(app.url("/api/v1/recruitments"))
            .bearer_auth(&key)
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let res = request.send().await.unwrap();
        assert_problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    assert_eq!(app.count("SELECT count(*) FROM recruitments").await, 0);
    let res = Client::new()
        .post(app.url("/api/v1/recruitments"))
        .bearer_auth(&key)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_problem_type_has_one_title_and_the_specifics_go_to_detail(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (key, _) = integration(&app).await;
    let mut bodies = Vec::new();
    for query in [
        "limit=0",
        "limit=ten",
        "cursor=not-a-cursor",
        "limit=1&limit=2",
    ] {
        let res = app
            .api(Some(&key), &format!("/api/v1/candidates?{query}"))
            .await;
        bodies.push(assert_problem(res, StatusCode::BAD_REQUEST, "bad_request").await);
    }
    let details: Vec<&str> = bodies
        .iter()
        .map(|b| b["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            "limit must be between 1 and 100.",
            "limit must be an integer from 1 to 100.",
            "cursor is not one this API gave out.",
            "limit is given more than once; give it once.",
        ]
    );
    for body in &bodies {
        assert_eq!(body["title"], bodies[0]["title"]);
        assert_ne!(body["title"], body["detail"]);
        let text = body.to_string();
        assert!(!text.contains("deserialize"), "{text}");
    }
}

/// The schema of parameter `name` of `method path` in the served document.
fn parameter<'d>(doc: &'d Value, path: &str, method: &str, name: &str) -> &'d Value {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no {name}"))
}

#[test]
fn the_document_says_the_form_of_every_id_cursor_and_idempotency_key() {
    let doc = serde_json::to_value(candor_server::rest::openapi()).unwrap();
    let id = |prefix: &str| format!("^{prefix}_[0-9a-hjkmnp-tv-z]{{26}}$");
    for (path, name, prefix) in [
        ("/api/v1/recruitments/{id}", "id", "rec"),
        ("/api/v1/candidates/{id}", "id", "cand"),
        ("/api/v1/candidates/{id}/consents", "id", "cand"),
        ("/api/v1/applications/{id}", "id", "app"),
        ("/api/v1/interviews/{id}", "id", "int"),
        ("/api/v1/recruitments", "cursor", "rec"),
        ("/api/v1/candidates", "cursor", "cand"),
        ("/api/v1/applications", "cursor", "app"),
        ("/api/v1/applications", "recruitment", "rec"),
        ("/api/v1/interviews", "cursor", "int"),
    ] {
        let schema = &parameter(&doc, path, "get", name)["schema"];
        assert_eq!(schema["pattern"], id(prefix), "{path} {name}");
    }
    let consents = &parameter(&doc, "/api/v1/candidates/{id}/consents", "get", "cursor");
    assert_eq!(consents["schema"]["pattern"], "^[1-9][0-9]{0,17}$");
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(post) = item.get("post") else {
            continue;
        };
        let key = &parameter(&doc, path, "post", "Idempotency-Key")["schema"];
        assert_eq!(
            (&key["minLength"], &key["maxLength"], &key["pattern"]),
            (
                &Value::from(1),
                &Value::from(255),
                &Value::from("^[\\x21-\\x7e]{1,255}$")
            ),
            "{path}"
        );
        assert!(post["requestBody"].is_object(), "{path}");
    }
    let schemas = &doc["components"]["schemas"];
    for (schema, field, prefix) in [
        ("NewRecruitment", "on_behalf_of", "usr"),
        ("NewRecruitment", "owner", "usr"),
        ("NewCandidate", "on_behalf_of", "usr"),
        ("NewCandidate", "recruitment_id", "rec"),
        ("NewCandidate", "confirm_deletion_request", "dsr"),
        ("StageMove", "on_behalf_of", "usr"),
        ("HiringDecision", "decided_by", "usr"),
        ("HiringDecision", "confirm_deletion_request", "dsr"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["pattern"],
            id(prefix),
            "{schema}.{field}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_cursors_the_api_gives_out_have_the_documented_form(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (key, ada_id) = integration(&app).await;
    for n in 0..2 {
        let body = serde_json::json!({"title": format!("Role {n}"), "on_behalf_of": ada_id});
        let res = Client::new()
            .post(app.url("/api/v1/recruitments"))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let doc = serde_json::to_value(candor_server::rest::openapi()).unwrap();
    let pattern = parameter(&doc, "/api/v1/recruitments", "get", "cursor")["schema"]["pattern"]
        .as_str()
        .unwrap()
        .to_owned();
    let page: Value = app
        .api(Some(&key), "/api/v1/recruitments?limit=1")
        .await
        .json()
        .await
        .unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    assert!(
        regex::Regex::new(&pattern).unwrap().is_match(cursor),
        "{cursor} against {pattern}"
    );
    // Any value of that form is a cursor the API takes (schemathesis sends made-up ones).
    let made_up = app
        .api(
            Some(&key),
            "/api/v1/recruitments?cursor=rec_00000000000000000000000000",
        )
        .await;
    assert_eq!(made_up.status(), StatusCode::OK);
}
