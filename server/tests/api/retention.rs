//! Retention (F10) with a controllable clock: the decision starts the clock, recruiters are warned
//! once, an extension moves it, a legal hold blocks deletion, expiry deletes the candidate as one
//! unit — nothing left in any table or the file store, a copied file unreadable — with a signed,
//! PII-free certificate; racing workers delete once; a deletion request ends the same way.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::backend::{
    files::crypto::{DataKey, MasterKey},
    retention,
};
use candor_app::domain::retention::{sha256_hex, DeletionCertificate};
use candor_app::routes::{ADD_CANDIDATE_WITH_CV, UPLOAD_INTERVIEW_FILE};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

/// Acme with Ada (admin), Rita (recruiter) and Ivan (interviewer); Rita's recruitment with one
/// criterion.
pub struct Org {
    pub rita: Client,
    pub rec: String,
}

pub async fn org(app: &TestApp) -> Org {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("ivan@acme.example", "interviewer"),
        ],
    )
    .await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    app.call(
        &rita,
        "add_criterion",
        &[("id", &rec), ("name", "Rust"), ("weight", "3")],
    )
    .await;
    Org { rita, rec }
}

/// Adds a candidate with a CV; returns (candidate id, application id).
pub async fn candidate(app: &TestApp, o: &Org, name: &str, email: &str) -> (String, String) {
    let res = app
        .upload(
            &o.rita,
            &ADD_CANDIDATE_WITH_CV.at(&o.rec),
            &[("full_name", name), ("email", email)],
            Some(("cv", "cv.txt", format!("CV of {name}").into_bytes())),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let id = body["location"]
        .as_str()
        .unwrap()
        .trim_start_matches("/app/candidates/")
        .to_owned();
    let c: Value = app
        .call(&o.rita, "candidate", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    (id, c["applications"][0]["id"].as_str().unwrap().to_owned())
}

async fn decide(app: &TestApp, client: &Client, cand: &str, application: &str) {
    let res = app
        .call(
            client,
            "record_decision",
            &[
                ("application", application),
                ("decision", "rejected"),
                ("reason", "Another candidate fitted better"),
                ("candidate", cand),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn sweep(app: &TestApp) -> retention::SweepReport {
    retention::sweep(&app.state).await.unwrap()
}

/// Days from the portal's clock to the end of the candidate's.
async fn days_left(app: &TestApp, candidate: &str) -> f64 {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM retention_until - $2)::float8 / 86400
         FROM candidates WHERE public_id = $1",
    )
    .bind(candidate)
    .bind(app.state.clock.now())
    .fetch_one(&app.owner)
    .await
    .unwrap()
}

/// The end date the candidate page shows staff.
async fn shown_to_staff(app: &TestApp, client: &Client, candidate: &str) -> Option<String> {
    let c: Value = app
        .call(client, "candidate", &[("id", candidate)])
        .await
        .json()
        .await
        .unwrap();
    c["retention"]["deleted_on"].as_str().map(str::to_owned)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_candidate_never_decided_on_is_warned_about_and_deleted_a_period_after_the_last_activity(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, application) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    let arrived = app.state.clock.now();
    assert_eq!(
        shown_to_staff(&app, &o.rita, &grace).await,
        Some((arrived + Duration::days(365)).date().to_string())
    );

    // Two hundred days on, a move in the pipeline is activity: the clock runs from it.
    app.state.clock.advance(Duration::days(200));
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(
            &rita,
            "move_application",
            &[
                ("application", &application),
                ("stage", "screening"),
                ("candidate", &grace),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    assert!((364.9..365.1).contains(&days_left(&app, &grace).await));
    app.state.clock.advance(Duration::days(170));
    assert_eq!(sweep(&app).await, retention::SweepReport::default(), "kept");

    // Fifteen days before the end, staff are warned; one click gives thirty days more.
    app.state.clock.advance(Duration::days(181));
    assert_eq!(sweep(&app).await.warned, 1);
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "extend_retention", &[("candidate", &grace)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!((43.9..44.1).contains(&days_left(&app, &grace).await));
    app.state.clock.advance(Duration::days(43));
    assert_eq!(sweep(&app).await.deleted, 0);
    app.state.clock.advance(Duration::days(2));
    assert_eq!(sweep(&app).await.deleted, 1, "deleted, never decided on");
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn closing_a_recruitment_without_a_decision_runs_its_candidates_clocks_from_the_closing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, _) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    let (alan, _) = candidate(&app, &o, "Alan Turing", "alan@example.org").await;
    app.state.clock.advance(Duration::days(300));
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(
            &rita,
            "set_recruitment_status",
            &[("id", &o.rec), ("status", "closed")],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    for c in [&grace, &alan] {
        assert!((364.9..365.1).contains(&days_left(&app, c).await), "{c}");
    }
    // A year after they applied, both are kept; a year after the closing, both are deleted.
    app.state.clock.advance(Duration::days(100));
    assert_eq!(sweep(&app).await.deleted, 0);
    app.state.clock.advance(Duration::days(266));
    assert_eq!(sweep(&app).await.deleted, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_legal_hold_keeps_a_candidate_whose_clock_ran_out_without_a_decision(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, _) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = app
        .call(
            &ada,
            "set_legal_hold",
            &[
                ("candidate", &grace),
                ("reason", "Pending litigation"),
                ("until", "2029-06-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(400));
    assert_eq!(sweep(&app).await.deleted, 0, "held");
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_decision_starts_the_clock_recruiters_are_warned_once_and_extension_moves_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, application) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    assert!(
        (364.9..365.1).contains(&days_left(&app, &grace).await),
        "the clock runs from her arrival"
    );
    app.state.clock.advance(Duration::days(10));
    let o = Org {
        rita: app.signed_in("rita@acme.example", PASSWORD).await,
        ..o
    };
    decide(&app, &o.rita, &grace, &application).await;
    let days = days_left(&app, &grace).await;
    assert!(
        (364.9..365.1).contains(&days),
        "a year from the decision: {days}"
    );

    app.state.clock.advance(Duration::days(340));
    assert_eq!(sweep(&app).await, retention::SweepReport::default());
    app.state.clock.advance(Duration::days(11));
    assert_eq!(sweep(&app).await.warned, 1);
    assert_eq!(sweep(&app).await.warned, 0, "warned once");
    let warning = app.last_mail_to("rita@acme.example").await.unwrap();
    assert!(
        warning.contains("A candidate's data will be deleted on"),
        "{warning}"
    );
    assert!(
        !warning.contains("Grace"),
        "staff e-mail names no candidate"
    );
    assert!(warning.contains(&format!("/app/candidates/{grace}#retention")));
    assert!(app
        .last_mail_to("ada@acme.example")
        .await
        .unwrap()
        .contains("will be deleted"));

    // One click: thirty more days, and a new warning only when those run out.
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "extend_retention", &[("candidate", &grace)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let days = days_left(&app, &grace).await;
    assert!((43.9..44.1).contains(&days), "{days}");
    assert_eq!(sweep(&app).await, retention::SweepReport::default());
    app.state.clock.advance(Duration::days(30));
    assert_eq!(sweep(&app).await.warned, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'retention.extended'")
            .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn on_expiry_the_candidate_is_deleted_whole_with_a_certificate_and_nothing_is_left(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, application) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    let (alan, _) = candidate(&app, &o, "Alan Turing", "alan@example.org").await;
    app.grant_consent("grace@example.org").await;
    // An interview with a transcript, a recording and a score; a note.
    let res = app
        .call(
            &o.rita,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &grace),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
            ],
        )
        .await;
    let interview = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/interviews/")
        .to_owned();
    let ivan_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("ivan@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &o.rita,
        "assign_interviewer",
        &[("interview", &interview), ("interviewer", &ivan_id)],
    )
    .await;
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let crit: String = sqlx::query_scalar("SELECT public_id FROM evaluation_criteria")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let res = app
        .call(
            &ivan,
            "save_score",
            &[
                ("interview", &interview),
                ("criterion", &crit),
                ("score", "4"),
                ("evidence", "Clear answer"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for (kind, name, bytes) in [
        (
            "transcript",
            "t.vtt",
            b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n".to_vec(),
        ),
        (
            "recording",
            "a.wav",
            [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[0; 64]].concat(),
        ),
    ] {
        let res = app
            .upload(
                &ivan,
                &UPLOAD_INTERVIEW_FILE.at(&interview),
                &[("kind", kind)],
                Some(("file", name, bytes)),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    app.call(
        &o.rita,
        "add_application_note",
        &[
            ("application", &application),
            ("note", "Strong"),
            ("candidate", &grace),
        ],
    )
    .await;
    decide(&app, &o.rita, &grace, &application).await;

    // A backup copies Grace's CV aside before the deletion.
    let grace_files: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT d.id, d.storage_name FROM documents d JOIN candidates c ON c.id = d.candidate_id
         WHERE c.public_id = $1",
    )
    .bind(&grace)
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(grace_files.len(), 3);
    let (cv_doc, cv_name) = &grace_files[0];
    let backup = app
        .stored_files()
        .into_iter()
        .find(|(path, _)| path.ends_with(cv_name))
        .unwrap()
        .1;
    let grace_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM candidates WHERE public_id = $1")
        .bind(&grace)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let application_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM applications WHERE candidate_id = $1")
            .bind(grace_id)
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let interview_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM interviews")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    // Alan's application still has its consent request and pipeline events afterwards.
    let alan_events_before = app
        .count("SELECT count(*) FROM application_events e JOIN applications a ON a.id = e.application_id JOIN candidates c ON c.id = a.candidate_id WHERE c.email = 'alan@example.org'")
        .await;

    let alan_links_sql = "SELECT count(*) FROM one_time_tokens t JOIN applications a ON a.id = t.subject_id JOIN candidates c ON c.id = a.candidate_id WHERE c.email = 'alan@example.org'";
    let alan_links_before = app.count(alan_links_sql).await;
    assert!(alan_links_before > 0, "Alan's consent link");
    let grace_links: i64 =
        sqlx::query_scalar("SELECT count(*) FROM one_time_tokens WHERE subject_id = $1")
            .bind(application_id)
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert!(
        grace_links > 0,
        "Grace's consent link, to be deleted with her"
    );

    // Alan's own period is two years: his clock has not run out when Grace's has.
    let res = app
        .call(
            &o.rita,
            "set_retention_period",
            &[("candidate", &alan), ("days", "730")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(366));
    let report = sweep(&app).await;
    assert_eq!(report.deleted, 1);
    assert_eq!(app.count(alan_links_sql).await, alan_links_before);

    // Nothing of Grace in any table that can hold her data.
    let email = "grace@example.org";
    for (table, sql) in [
        (
            "candidates",
            "SELECT count(*) FROM candidates WHERE id = $1",
        ),
        (
            "applications",
            "SELECT count(*) FROM applications WHERE candidate_id = $1",
        ),
        (
            "documents",
            "SELECT count(*) FROM documents WHERE candidate_id = $1",
        ),
        (
            "candidate_keys",
            "SELECT count(*) FROM candidate_keys WHERE candidate_id = $1",
        ),
        (
            "one_time_tokens",
            "SELECT count(*) FROM one_time_tokens WHERE subject_id = $1",
        ),
        (
            "data_requests",
            "SELECT count(*) FROM data_requests WHERE candidate_id = $1",
        ),
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .bind(grace_id)
            .fetch_one(&app.owner)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    for (table, column, id) in [
        ("application_events", "application_id", application_id),
        ("application_notes", "application_id", application_id),
        ("consent_events", "application_id", application_id),
        ("one_time_tokens", "subject_id", application_id),
        ("interviews", "application_id", application_id),
        ("interview_assignments", "interview_id", interview_id),
        ("scorecard_entries", "interview_id", interview_id),
        ("documents", "interview_id", interview_id),
    ] {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {column} = $1"))
                .bind(id)
                .fetch_one(&app.owner)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(app.count("SELECT count(*) FROM interviews").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM scorecard_entries").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM application_notes").await, 0);
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE recipient = $1")
        .bind(email)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(outbox, 0, "no e-mail to her address is kept");
    let dump: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
           SELECT full_name AS t FROM candidates UNION ALL SELECT email FROM candidates
           UNION ALL SELECT file_name FROM documents UNION ALL SELECT certificate FROM deletion_certificates
         ) x WHERE t ILIKE '%grace%'",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(dump, 0);
    // Her files are gone from the store; Alan's stays, as does all his data.
    let stored: Vec<String> = app
        .stored_files()
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (_, name) in &grace_files {
        assert!(!stored.contains(name));
    }
    assert_eq!(stored.len(), 1);
    let alan_data: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM candidates c JOIN applications a ON a.candidate_id = c.id
         JOIN documents d ON d.candidate_id = c.id JOIN candidate_keys k ON k.candidate_id = c.id
         WHERE c.public_id = $1",
    )
    .bind(&alan)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(alan_data, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM application_events e JOIN applications a ON a.id = e.application_id JOIN candidates c ON c.id = a.candidate_id WHERE c.email = 'alan@example.org'")
            .await,
        alan_events_before
    );

    // The copy in the backup cannot be read: her key is destroyed, and no other key opens it.
    let master = MasterKey::from_base64(candor_server::config::DEV_MASTER_KEY).unwrap();
    let keys: Vec<(uuid::Uuid, Vec<u8>)> =
        sqlx::query_as("SELECT candidate_id, wrapped_key FROM candidate_keys")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    for (candidate, wrapped) in keys {
        let key: DataKey = master.unwrap(candidate, &wrapped).unwrap();
        assert!(key.open(*cv_doc, &backup).is_err());
    }

    // The certificate: signed, no personal data, counts per kind; the audit chain still holds.
    let signed: String = sqlx::query_scalar("SELECT certificate FROM deletion_certificates")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let certificate: DeletionCertificate = app.state.signer.verify(&signed).unwrap();
    assert_eq!(certificate.subject_hash, sha256_hex(&grace));
    assert_eq!(certificate.files_removed, 3);
    assert!(certificate.data_key_destroyed);
    let count = |kind: &str| {
        certificate
            .deleted
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(count("applications"), 1);
    assert_eq!(count("recordings"), 1);
    assert_eq!(count("transcripts"), 1);
    assert_eq!(count("documents"), 1);
    assert_eq!(count("scorecards"), 1);
    assert_eq!(count("notes"), 1);
    assert!(count("consent_events") >= 8);
    let mut tampered = signed.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    assert!(app
        .state
        .signer
        .verify::<DeletionCertificate>(std::str::from_utf8(&tampered).unwrap())
        .is_err());
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'candidate.deleted'")
            .await,
        1
    );
    app.seal_audit().await;
    let report = candor_app::backend::audit::verify(&app.owner, app.state.clock.now())
        .await
        .unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
}

#[sqlx::test(migrations = "../migrations")]
async fn two_workers_racing_delete_each_candidate_exactly_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    for i in 0..6 {
        let (cand, application) = candidate(
            &app,
            &o,
            &format!("Person {i}"),
            &format!("p{i}@example.org"),
        )
        .await;
        decide(&app, &o.rita, &cand, &application).await;
    }
    app.state.clock.advance(Duration::days(400));
    let (a, b) = tokio::join!(retention::sweep(&app.state), retention::sweep(&app.state));
    assert_eq!(a.unwrap().deleted + b.unwrap().deleted, 6);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM deletion_certificates")
            .await,
        6
    );
    assert!(app.stored_files().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_legal_hold_blocks_deletion_until_it_ends(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, application) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    decide(&app, &o.rita, &grace, &application).await;
    let until = (app.state.clock.now() + Duration::days(400))
        .date()
        .to_string();
    let res = app
        .call(
            &o.rita,
            "set_legal_hold",
            &[("candidate", &grace), ("reason", ""), ("until", &until)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a hold needs a reason"
    );
    let res = app
        .call(
            &o.rita,
            "set_legal_hold",
            &[
                ("candidate", &grace),
                ("reason", "Tribunal claim 2026/114"),
                ("until", &until),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(370));
    assert_eq!(sweep(&app).await.deleted, 0);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
    app.state.clock.advance(Duration::days(31));
    assert_eq!(sweep(&app).await.deleted, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'retention.legal_hold_placed'")
            .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deletion_request_ends_in_deletion_and_the_candidate_receives_the_certificate(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    app.call(
        &app.browser(),
        "request_privacy_link",
        &[("email", "grace@example.org"), ("lang", "en")],
    )
    .await;
    let mail = app.last_mail_to("grace@example.org").await.unwrap();
    let token = app
        .link_in(&mail, "/c/privacy/")
        .trim_start_matches("/c/privacy/")
        .to_owned();
    let browser = app.browser();
    app.call(
        &browser,
        "open_privacy",
        &[("token", &token), ("lang", "en")],
    )
    .await;
    let res = app
        .call(
            &browser,
            "file_data_request",
            &[
                ("kind", "deletion"),
                ("details", "Please forget me"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let q: Value = app
        .call(&o.rita, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = q["requests"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &o.rita,
            "update_data_request",
            &[
                ("id", id.as_str()),
                ("step", "complete"),
                ("text", "Deleted"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        sweep(&app).await.deleted,
        1,
        "without waiting for any clock"
    );

    let (status, outcome, details): (String, String, String) =
        sqlx::query_as("SELECT status, outcome, details FROM data_requests")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(status, "completed");
    assert!(outcome.starts_with("Deleted; deletion certificate cert_"));
    assert_eq!(details, "", "the request outlives her words");
    let mails = app.deliver_mail().await;
    let last = crate::helpers::decode_qp(mails.last().unwrap());
    let signed = regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
        .unwrap()
        .find(&last)
        .unwrap()
        .as_str()
        .to_owned();
    let certificate: DeletionCertificate = app.state.signer.verify(&signed).unwrap();
    assert!(certificate.request_hash.is_some());
    // Sent, the certificate's e-mail forgets her address.
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE recipient = 'grace@example.org'")
            .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_candidate_may_have_their_own_period_and_their_details_corrected(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (grace, application) = candidate(&app, &o, "Grace Hopper", "grace@example.org").await;
    decide(&app, &o.rita, &grace, &application).await;
    let set = |days: &'static str| {
        let (app, rita, grace) = (&app, &o.rita, grace.clone());
        async move {
            app.call(
                rita,
                "set_retention_period",
                &[("candidate", &grace), ("days", days)],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        set("29").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at least 30 days"
    );
    assert_eq!(set("60").await, StatusCode::OK);
    let days = days_left(&app, &grace).await;
    assert!((59.9..60.1).contains(&days), "{days}");
    app.state.clock.advance(Duration::days(61));
    assert_eq!(sweep(&app).await.deleted, 1);

    // Rectification without SQL: the details form, with the address kept unique.
    let o = Org {
        rita: app.signed_in("rita@acme.example", PASSWORD).await,
        rec: o.rec.clone(),
    };
    let (alan, _) = candidate(&app, &o, "Alan Turing", "alan@example.org").await;
    let (_, _) = candidate(&app, &o, "Ada Lovelace", "ada.l@example.org").await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let fix = |email: &'static str| {
        let (app, rita, alan) = (&app, &rita, alan.clone());
        async move {
            app.call(
                rita,
                "update_candidate",
                &[
                    ("candidate", alan.as_str()),
                    ("full_name", "Alan M. Turing"),
                    ("email", email),
                    ("phone", "+44 20 7946 0000"),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        fix("ada.l@example.org").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(fix("alan.turing@example.org").await, StatusCode::OK);
    let (name, email): (String, String) =
        sqlx::query_as("SELECT full_name, email FROM candidates WHERE public_id = $1")
            .bind(&alan)
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("Alan M. Turing", "alan.turing@example.org")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_left_behind_by_a_crash_after_the_deletion_committed_is_removed_by_the_next_sweep(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let (cand, application) = candidate(&app, &o, "Ada", "ada@example.org").await;
    decide(&app, &o.rita, &cand, &application).await;
    let [(path, bytes)] = app.stored_files().try_into().unwrap();
    let storage_name: String = sqlx::query_scalar("SELECT storage_name FROM documents")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.state.clock.advance(Duration::days(400));
    assert_eq!(sweep(&app).await.deleted, 1);
    assert!(app.stored_files().is_empty());

    // As if the portal had died after the commit: the file is still there, its name journaled.
    std::fs::write(&path, &bytes).unwrap();
    sqlx::query("INSERT INTO file_deletions (storage_name) VALUES ($1)")
        .bind(&storage_name)
        .execute(&app.owner)
        .await
        .unwrap();
    sweep(&app).await;
    assert!(
        app.stored_files().is_empty(),
        "the leftover file is removed"
    );
    assert_eq!(app.count("SELECT count(*) FROM file_deletions").await, 0);
}
