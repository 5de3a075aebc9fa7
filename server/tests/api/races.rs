//! Races between processing and the candidate's rights (F7, F9), and between two people deciding
//! (F6). Each test holds every audited write just before it commits (the test locks the audit
//! log's work list, which each audited write appends to last), lets the other request run into
//! it, then lets both finish: whatever the order, nothing processed survives a withdrawal or a
//! restriction, and no decision overwrites another.

use crate::helpers::{TestApp, PASSWORD};
use crate::privacy::{acme as privacy_acme, grace_session, GRACE};
use candor_app::routes::UPLOAD_INTERVIEW_FILE;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::future::Future;

/// Grace applied to Rita's recruitment and consented to everything; Ivan interviews her.
pub(crate) struct Interview {
    pub(crate) rita: Client,
    pub(crate) ivan: Client,
    pub(crate) grace: String,
    pub(crate) application: String,
    pub(crate) interview: String,
    criterion: String,
}

pub(crate) async fn interview(app: &TestApp) -> Interview {
    let (rita, grace) = privacy_acme(app).await;
    app.grant_consent(GRACE).await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let rec: String = sqlx::query_scalar("SELECT public_id FROM recruitments")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &rita,
        "add_criterion",
        &[("id", &rec), ("name", "Rust"), ("weight", "1")],
    )
    .await;
    let interview = app.schedule_interview(&rita, &application, &grace).await;
    let ivan_id = app.user_id("ivan@acme.example").await;
    app.call(
        &rita,
        "assign_interviewer",
        &[("interview", &interview), ("interviewer", &ivan_id)],
    )
    .await;
    let criterion: String = sqlx::query_scalar("SELECT public_id FROM evaluation_criteria")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    Interview {
        ivan: app.signed_in("ivan@acme.example", PASSWORD).await,
        rita,
        grace,
        application,
        interview,
        criterion,
    }
}

/// Holds every audited write just before it commits, until `release`.
async fn hold_audited_writes(app: &TestApp) -> Transaction<'static, Postgres> {
    let mut hold = app.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE audit_pending IN EXCLUSIVE MODE")
        .execute(&mut *hold)
        .await
        .unwrap();
    hold
}

/// Runs `first` until it waits just before committing, then `second` until it waits too (on
/// `first`'s locks, or before its own commit), then lets both go on.
async fn interleave<A: Future, B: Future>(
    app: &TestApp,
    first: A,
    second: B,
) -> (A::Output, B::Output) {
    let hold = hold_audited_writes(app).await;
    let then_second = async {
        app.until_waiting_for_locks("", 1).await;
        let release = async {
            app.until_waiting_for_locks("", 2).await;
            hold.commit().await.unwrap();
        };
        tokio::join!(second, release).0
    };
    tokio::join!(first, then_second)
}

fn wav() -> Vec<u8> {
    [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[0; 64]].concat()
}

async fn upload_recording(app: &TestApp, i: &Interview) -> Response {
    app.upload(
        &i.ivan,
        &UPLOAD_INTERVIEW_FILE.at(&i.interview),
        &[("kind", "recording")],
        Some(("file", "interview.wav", wav())),
    )
    .await
}

pub(crate) async fn save_score(app: &TestApp, i: &Interview, score: &str) -> Response {
    app.call(
        &i.ivan,
        "save_score",
        &[
            ("interview", &i.interview),
            ("criterion", &i.criterion),
            ("score", score),
            ("evidence", "Explained ownership clearly"),
        ],
    )
    .await
}

/// The link to manage her choices, from the latest confirmation she received.
async fn manage_token(app: &TestApp) -> String {
    let mail = app.last_mail_to(GRACE).await.unwrap();
    app.link_in(&mail, "/c/consent/")
        .trim_start_matches("/c/consent/")
        .to_owned()
}

async fn withdraw(app: &TestApp, token: &str, purpose: &str) -> Response {
    app.call(
        &app.browser(),
        "withdraw_consent",
        &[("token", token), ("lang", "en"), ("purpose", purpose)],
    )
    .await
}

async fn recordings(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM documents WHERE kind = 'recording'")
        .await
}

async fn scores(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM scorecard_entries").await
}

/// Files in the store besides Grace's CV.
fn interview_files(app: &TestApp) -> usize {
    app.stored_files().len() - 1
}

async fn error_code(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recording_checked_before_a_withdrawal_but_committed_after_it_is_deleted_by_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    let token = manage_token(&app).await;
    // The upload passes the consent check and waits to commit; the withdrawal comes.
    let (uploaded, withdrawn) = interleave(
        &app,
        upload_recording(&app, &i),
        withdraw(&app, &token, "recording"),
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::OK);
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(recordings(&app).await, 0, "the withdrawal deleted it");
    assert_eq!(interview_files(&app), 0, "its file is gone from the store");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recording_arriving_while_a_withdrawal_commits_is_refused(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    let token = manage_token(&app).await;
    let (withdrawn, uploaded) = interleave(
        &app,
        withdraw(&app, &token, "recording"),
        upload_recording(&app, &i),
    )
    .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(
        error_code(uploaded).await,
        (StatusCode::CONFLICT, "consent_required".to_owned())
    );
    assert_eq!(recordings(&app).await, 0);
    assert_eq!(interview_files(&app), 0, "nothing was left in the store");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_score_saved_across_a_withdrawal_of_evaluation_never_survives_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;

    // The score is checked first and commits after the withdrawal began: the withdrawal waits
    // for it and deletes it.
    let token = manage_token(&app).await;
    let (scored, withdrawn) = interleave(
        &app,
        save_score(&app, &i, "4"),
        withdraw(&app, &token, "evaluation"),
    )
    .await;
    assert_eq!(scored.status(), StatusCode::OK);
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(scores(&app).await, 0, "the withdrawal deleted the score");

    // Consent given again, then withdrawn while a score is on its way: the score is refused.
    let res = app
        .call(
            &i.rita,
            "resend_consent",
            &[("application", &i.application), ("candidate", &i.grace)],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    app.grant_consent(GRACE).await;
    assert_eq!(save_score(&app, &i, "3").await.status(), StatusCode::OK);
    let token = manage_token(&app).await;
    let (withdrawn, scored) = interleave(
        &app,
        withdraw(&app, &token, "evaluation"),
        save_score(&app, &i, "5"),
    )
    .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_eq!(
        error_code(scored).await,
        (StatusCode::CONFLICT, "consent_required".to_owned())
    );
    assert_eq!(scores(&app).await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recording_arriving_while_a_restriction_is_granted_is_refused(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    let privacy = grace_session(&app).await;
    let res = app
        .call(
            &privacy,
            "file_data_request",
            &[
                ("kind", "restriction"),
                ("details", "Pause everything"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let queue: Value = app
        .call(&i.rita, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    let request = queue["requests"][0]["id"].as_str().unwrap().to_owned();
    let form = [
        ("id", request.as_str()),
        ("step", "complete"),
        ("text", "Processing is paused."),
    ];
    let (granted, uploaded) = interleave(
        &app,
        app.call(&i.rita, "update_data_request", &form),
        upload_recording(&app, &i),
    )
    .await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(
        error_code(uploaded).await,
        (StatusCode::CONFLICT, "processing_restricted".to_owned())
    );
    assert_eq!(recordings(&app).await, 0);
    assert_eq!(interview_files(&app), 0);
}

async fn decide(
    app: &TestApp,
    i: &Interview,
    client: &Client,
    decision: &str,
    reason: &str,
) -> Response {
    app.call(
        client,
        "record_decision",
        &[
            ("application", i.application.as_str()),
            ("decision", decision),
            ("reason", reason),
            ("candidate", i.grace.as_str()),
            ("confirm", "yes"),
        ],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn of_two_decisions_at_once_the_second_is_refused_and_never_overwrites_the_first(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let (first, second) = interleave(
        &app,
        decide(&app, &i, &i.rita, "hired", "Best on every criterion"),
        decide(&app, &i, &ada, "rejected", "Budget frozen"),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let (status, body) = {
        let status = second.status();
        (status, second.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "conflict");
    assert!(
        body["message"].as_str().unwrap().contains("meanwhile"),
        "{body}"
    );
    let (stage, reason): (String, String) =
        sqlx::query_as("SELECT stage, decision_reason FROM applications")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(
        (stage.as_str(), reason.as_str()),
        ("hired", "Best on every criterion")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM application_events WHERE kind = 'decision'")
            .await,
        1
    );
    // A decision asked for once the first is known is a conflict too, said as such.
    let again = decide(&app, &i, &ada, "rejected", "Budget frozen").await;
    assert_eq!(error_code(again).await.0, StatusCode::CONFLICT);
}
