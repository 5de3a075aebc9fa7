//! Every read of candidate data is audited (F12) — pages, lists and the API — so that a candidate
//! can learn who saw them (F9); a key that may only write learns nothing it could not read; and
//! auditors never see staff texts that may quote a candidate.

use crate::helpers::{TestApp, PASSWORD};
use crate::privacy::{acme, grace_session, GRACE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Audit events of `action` on `target` by `actor`.
async fn events(app: &TestApp, action: &str, actor: &str, target: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = $1 AND actor = $2 AND target = $3",
    )
    .bind(action)
    .bind(actor)
    .bind(target)
    .fetch_one(&app.owner)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn lists_comparisons_interview_pages_and_api_reads_are_audited_as_reads_of_the_candidate(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = crate::races::interview(&app).await;
    assert_eq!(
        crate::races::save_score(&app, &i, "4").await.status(),
        StatusCode::OK
    );
    let (rita, grace, interview, ivan) = (i.rita, i.grace, i.interview, i.ivan);
    let rita_id = app.user_id("rita@acme.example").await;
    let ivan_id = app.user_id("ivan@acme.example").await;

    // Staff pages.
    let res = app.call(&rita, "list_candidates", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(events(&app, "candidate.listed", &rita_id, &grace).await, 1);
    let rec: String = sqlx::query_scalar("SELECT public_id FROM recruitments")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let board: Value = app
        .call(&rita, "recruitment_board", &[("id", &rec)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        board.to_string().contains(&grace),
        "the comparison shows her"
    );
    assert_eq!(
        events(&app, "candidate.listed", &rita_id, &grace).await,
        2,
        "the comparison is a read of her scores"
    );
    let res = app.call(&ivan, "my_interviews", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(events(&app, "candidate.listed", &ivan_id, &grace).await, 1);
    let res = app.call(&ivan, "interview", &[("id", &interview)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(events(&app, "candidate.viewed", &ivan_id, &grace).await, 1);

    // The API: applications and interviews are her data too.
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let key = app.create_api_key(&ada, &[("scope_read", "on")]).await;
    let key_id: String = sqlx::query_scalar("SELECT public_id FROM api_keys")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    for path in [
        "/api/v1/applications".to_owned(),
        "/api/v1/interviews".to_owned(),
        format!("/api/v1/interviews/{interview}"),
    ] {
        let before = events(&app, "candidate.viewed", &key_id, &grace).await;
        let res = app.api(Some(&key), &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            events(&app, "candidate.viewed", &key_id, &grace).await,
            before + 1,
            "{path}"
        );
    }

    // She sees each of those reads on her privacy page.
    let privacy = grace_session(&app).await;
    let page = app.html(&privacy, "/c/my-data").await;
    assert!(page.contains("saw your name in a list"), "{page}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_that_may_only_write_cannot_read_a_candidate_by_adding_them_again(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    let res = app
        .call(
            &rita,
            "update_candidate",
            &[
                ("candidate", &grace),
                ("full_name", "Grace Brewster Hopper"),
                ("email", GRACE),
                ("phone", "+1 212 555 0199"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rita_id = app.user_id("rita@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let write_only = app.create_api_key(&ada, &[("scope_write", "on")]).await;
    let read_write = app
        .create_api_key(&ada, &[("scope_write", "on"), ("scope_read", "on")])
        .await;
    let second: String = {
        let res = app
            .call(&rita, "create_recruitment", &[("title", "Frontend")])
            .await;
        res.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/app/recruitments/")
            .to_owned()
    };
    let add = |key: String, recruitment: String| {
        let url = app.url("/api/v1/candidates");
        let body = json!({"recruitment_id": recruitment, "full_name": "G. Guess",
                          "email": "GRACE@example.org", "on_behalf_of": rita_id});
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let res = add(write_only.clone(), second.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["id"], grace.as_str(), "the same candidate");
    assert_eq!(
        answer["full_name"], "G. Guess",
        "what it sent, not what is held"
    );
    assert_eq!(answer["email"], GRACE);
    assert_eq!(answer["phone"], "");
    assert!(!answer.to_string().contains("Brewster"));
    assert!(!answer.to_string().contains("555"));
    // A key that may read gets the record as held.
    let third = {
        let res = app
            .call(&rita, "create_recruitment", &[("title", "Data")])
            .await;
        res.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/app/recruitments/")
            .to_owned()
    };
    let res = add(read_write, third).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["full_name"], "Grace Brewster Hopper");
}

#[sqlx::test(migrations = "../migrations")]
async fn auditors_see_the_request_queue_without_staff_texts_that_may_quote_the_candidate(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, _) = acme(&app).await;
    let privacy = grace_session(&app).await;
    let res = app
        .call(
            &privacy,
            "file_data_request",
            &[
                ("kind", "rectification"),
                ("details", "My name is misspelt"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let queue: Value = app
        .call(&rita, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = queue["requests"][0]["id"].as_str().unwrap().to_owned();
    for (step, months, text) in [
        ("extend", "1", "Checking with Grace Hopper"),
        ("complete", "", "Corrected Grace Hopper's name"),
    ] {
        let res = app
            .call(
                &rita,
                "update_data_request",
                &[
                    ("id", &id),
                    ("step", step),
                    ("months", months),
                    ("text", text),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{step}");
    }
    let rita_view = app
        .call(&rita, "data_requests", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(rita_view.contains("Corrected Grace Hopper's name"));
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    let res = app.call(&audrey, "data_requests", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let auditor_view = res.text().await.unwrap();
    assert!(auditor_view.contains("completed"), "{auditor_view}");
    assert!(!auditor_view.contains("Grace"), "{auditor_view}");
    let page = app.html(&audrey, "/app/requests").await;
    assert!(page.contains("Rectification") || page.contains("rectification"));
    assert!(!page.contains("Grace"), "the page either");
}
