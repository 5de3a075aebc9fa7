//! A candidate who asked for the deletion of their data (F9) while the request is open: marked on
//! their page, on the recruitment board and in the candidate list, and adding them to another
//! recruitment, asking them for consent again or deciding about them waits for a confirmation
//! that names the request — in the portal (with and without JavaScript) and through the API.

use crate::helpers::{TestApp, EVERY_SCOPE, PASSWORD};
use crate::privacy::{acme, file_request, grace_session, GRACE};
use candor_app::routes::ADD_CANDIDATE_WITH_CV;
use reqwest::{header, Client, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Acme as `privacy::acme` makes it, with a second open recruitment and Grace's deletion request.
struct World {
    rita: Client,
    grace: String,
    application: String,
    backend: String,
    frontend: String,
    /// Grace's deletion request: (public id, day received).
    request: (String, String),
}

async fn world(app: &TestApp) -> World {
    let (rita, grace) = acme(app).await;
    let view = candidate(app, &rita, &grace).await;
    let application = view["applications"][0]["id"].as_str().unwrap().to_owned();
    let backend = view["applications"][0]["recruitment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Frontend")])
        .await;
    let frontend = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    let session = grace_session(app).await;
    file_request(app, &session, "deletion", "Please forget me").await;
    let queue: Value = app
        .call(&rita, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    let request = &queue["requests"][0];
    assert_eq!(request["kind"], "deletion");
    let request = (
        request["id"].as_str().unwrap().to_owned(),
        request["received_on"].as_str().unwrap().to_owned(),
    );
    World {
        rita,
        grace,
        application,
        backend,
        frontend,
        request,
    }
}

async fn candidate(app: &TestApp, client: &Client, id: &str) -> Value {
    app.call(client, "candidate", &[("id", id)])
        .await
        .json()
        .await
        .unwrap()
}

/// Asserts the refusal of a step that did not confirm the open request: a 409 naming it.
async fn refused_naming(res: reqwest::Response, request: &(String, String)) {
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "deletion_request_pending");
    assert_eq!(body["request_id"], request.0.as_str());
    assert_eq!(body["received_on"], request.1.as_str());
}

async fn applications(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM applications").await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_candidate_with_an_open_deletion_request_is_marked_on_their_page_the_board_and_the_list(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let w = world(&app).await;
    let (id, received) = &w.request;
    // Alan, added after Grace, has asked for nothing.
    let res = app
        .call(
            &w.rita,
            "add_candidate",
            &[
                ("recruitment", &w.backend),
                ("full_name", "Alan Turing"),
                ("email", "alan@example.org"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let view = candidate(&app, &w.rita, &w.grace).await;
    assert_eq!(
        view["pending_deletion"],
        json!({"request_id": id, "received_on": received})
    );
    let page = app
        .html(&w.rita, &format!("/app/candidates/{}", w.grace))
        .await;
    assert!(page.contains("Deletion requested"), "{page}");
    assert!(
        page.contains(&format!("request {id}, received {received}, is still open")),
        "the page names the request: {page}"
    );
    // Asking again and deciding each carry the confirmation naming the request.
    let confirmation = format!(r#"name="confirm_deletion_request" value="{id}""#);
    assert_eq!(page.matches(&confirmation).count(), 2, "{page}");

    let board = app
        .html(&w.rita, &format!("/app/recruitments/{}", w.backend))
        .await;
    let marked = |html: &str, name: &str| {
        let row = html.split(name).nth(1).unwrap_or_default();
        let end = [row.find("</li>"), row.find("</tr>")]
            .into_iter()
            .flatten()
            .min();
        let row = &row[..end.unwrap_or(row.len())];
        row.contains("Deletion requested")
    };
    assert!(marked(&board, "Grace Hopper</a>"), "{board}");
    assert!(!marked(&board, "Alan Turing</a>"), "{board}");
    let list = app.html(&w.rita, "/app/candidates").await;
    assert!(marked(&list, "Grace Hopper</a>"), "{list}");
    assert!(!marked(&list, "Alan Turing</a>"), "{list}");

    // Declined, the request no longer marks her anywhere.
    let res = app
        .call(
            &w.rita,
            "update_data_request",
            &[
                ("id", id),
                ("step", "reject"),
                ("text", "We are legally bound to keep it"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(candidate(&app, &w.rita, &w.grace).await["pending_deletion"].is_null());
    let page = app
        .html(&w.rita, &format!("/app/candidates/{}", w.grace))
        .await;
    assert!(!page.contains("Deletion requested"));
    assert!(!page.contains("confirm_deletion_request"));
    let board = app
        .html(&w.rita, &format!("/app/recruitments/{}", w.backend))
        .await;
    assert!(!board.contains("Deletion requested"));
    assert!(!app
        .html(&w.rita, "/app/candidates")
        .await
        .contains("Deletion requested"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_approved_deletion_waiting_for_the_worker_still_marks_the_candidate(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let w = world(&app).await;
    let res = app
        .call(
            &w.rita,
            "update_data_request",
            &[
                ("id", &w.request.0),
                ("step", "complete"),
                ("text", "Everything is deleted"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM candidates WHERE deletion_requested_at IS NOT NULL")
            .await,
        1
    );
    let view = candidate(&app, &w.rita, &w.grace).await;
    assert_eq!(view["pending_deletion"]["request_id"], w.request.0.as_str());
    let res = app
        .call(
            &w.rita,
            "resend_consent",
            &[("application", &w.application), ("candidate", &w.grace)],
        )
        .await;
    refused_naming(res, &w.request).await;
}

/// Grace added to the Frontend recruitment, `confirm` naming a deletion request.
async fn add_again(app: &TestApp, w: &World, confirm: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("recruitment", w.frontend.as_str()),
        ("full_name", "Grace Hopper"),
        ("email", GRACE),
    ];
    form.extend(confirm.map(|c| ("confirm_deletion_request", c)));
    app.call(&w.rita, "add_candidate", &form).await
}

/// Grace asked again for her consent to the Backend application.
async fn ask_again(app: &TestApp, w: &World, confirm: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("application", w.application.as_str()),
        ("candidate", w.grace.as_str()),
    ];
    form.extend(confirm.map(|c| ("confirm_deletion_request", c)));
    app.call(&w.rita, "resend_consent", &form).await
}

/// Grace hired for the Backend recruitment (the decision's own box ticked).
async fn hire(app: &TestApp, w: &World, confirm: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("application", w.application.as_str()),
        ("decision", "hired"),
        ("reason", "Strongest systems design"),
        ("candidate", w.grace.as_str()),
        ("confirm", "yes"),
    ];
    form.extend(confirm.map(|c| ("confirm_deletion_request", c)));
    app.call(&w.rita, "record_decision", &form).await
}

#[sqlx::test(migrations = "../migrations")]
async fn adding_asking_again_or_deciding_about_a_candidate_who_asked_for_deletion_needs_that_request_confirmed(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let w = world(&app).await;
    let add = |confirm| add_again(&app, &w, confirm);
    // Added to another recruitment: refused, naming the request, and nothing is written.
    let before = applications(&app).await;
    let mails = app.deliver_mail().await.len();
    refused_naming(add(None).await, &w.request).await;
    refused_naming(
        add(Some("dsr_00000000000000000000000000")).await,
        &w.request,
    )
    .await;
    assert_eq!(applications(&app).await, before);
    assert_eq!(app.deliver_mail().await.len(), mails, "no consent request");
    // The upload form without JavaScript is sent back to the page, which asks for the
    // confirmation naming the request; a client asking for JSON gets the refusal itself.
    let form = [("full_name", "Grace Hopper"), ("email", GRACE)];
    let path = ADD_CANDIDATE_WITH_CV.at(&w.frontend);
    let res = app
        .upload_as(&w.rita, &path, &form, None, "text/html")
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        format!(
            "/app/recruitments/{}?error=deletion_request_pending&request={}&received={}\
             &form=add-candidate#add-candidate",
            w.frontend, w.request.0, w.request.1
        )
    );
    let page = app.html(&w.rita, &back).await;
    assert!(
        page.contains(&format!(
            "The candidate asked for the deletion of their data (request {}, received {}). \
             Add them to this recruitment regardless.",
            w.request.0, w.request.1
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"name="confirm_deletion_request" value="{}""#,
        w.request.0
    )));
    refused_naming(app.upload(&w.rita, &path, &form, None).await, &w.request).await;
    assert_eq!(applications(&app).await, before);
    // Confirmed by its id, she is added.
    let res = app
        .upload(
            &w.rita,
            &path,
            &[
                ("full_name", "Grace Hopper"),
                ("email", GRACE),
                ("confirm_deletion_request", &w.request.0),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(applications(&app).await, before + 1);
    // A URL cannot put words in the page: a request id or day of the wrong shape shows nothing.
    let crafted = app
        .html(
            &w.rita,
            &format!(
                "/app/recruitments/{}?error=deletion_request_pending&request=<b>hi</b>&received=today&form=add-candidate",
                w.frontend
            ),
        )
        .await;
    assert!(!crafted.contains("confirm_deletion_request"));

    // Asked for consent again: refused, then confirmed.
    let resend = |confirm| ask_again(&app, &w, confirm);
    refused_naming(resend(None).await, &w.request).await;
    assert_eq!(resend(Some(&w.request.0)).await.status(), StatusCode::OK);

    // The decision: refused, nothing decided, then confirmed.
    let decide = |confirm| hire(&app, &w, confirm);
    refused_naming(decide(None).await, &w.request).await;
    assert_eq!(
        app.count("SELECT count(*) FROM applications WHERE decided_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(decide(Some(&w.request.0)).await.status(), StatusCode::OK);
    let view = candidate(&app, &w.rita, &w.grace).await;
    assert_eq!(view["applications"][0]["stage"], "hired");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_refuses_with_a_problem_naming_the_request_until_the_caller_confirms_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let w = world(&app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let key = app.create_api_key(&ada, EVERY_SCOPE).await;
    let rita_id: String =
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = 'rita@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let post = |path: &str, body: Value| {
        reqwest::Client::new()
            .post(app.url(path))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let new = json!({"recruitment_id": w.frontend, "full_name": "Grace Hopper", "email": GRACE,
                     "on_behalf_of": rita_id});
    let before = applications(&app).await;
    let res = post("/api/v1/candidates", new.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "deletion_request_pending");
    assert_eq!(problem["pending_request"], w.request.0.as_str());
    assert_eq!(problem["received_on"], w.request.1.as_str());
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("request {}", w.request.0)));
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(&format!(r#""confirm_deletion_request": "{}""#, w.request.0)));
    assert_eq!(applications(&app).await, before);
    let mut confirmed = new.clone();
    confirmed["confirm_deletion_request"] = json!(w.request.0);
    let res = post("/api/v1/candidates", confirmed).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(applications(&app).await, before + 1);

    let path = format!("/api/v1/applications/{}/decision", w.application);
    let decision = json!({"decision": "rejected", "reason": "Another candidate fitted better",
                          "decided_by": rita_id});
    let res = post(&path, decision.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["pending_request"], w.request.0.as_str());
    let mut confirmed = decision;
    confirmed["confirm_deletion_request"] = json!(w.request.0);
    assert_eq!(
        post(&path, confirmed).await.unwrap().status(),
        StatusCode::OK
    );

    // The document says so.
    let doc: Value = app
        .api(None, "/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for schema in ["NewCandidate", "HiringDecision"] {
        assert!(
            schemas[schema]["properties"]["confirm_deletion_request"].is_object(),
            "{schema}"
        );
    }
    assert!(schemas["ProblemDetails"]["properties"]["pending_request"].is_object());
    let conflict = &doc["paths"]["/api/v1/candidates"]["post"]["responses"]["409"];
    assert!(conflict["description"]
        .as_str()
        .unwrap()
        .contains("deletion_request_pending"));
}
