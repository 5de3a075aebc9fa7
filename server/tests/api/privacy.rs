//! Data-subject rights (F9): the privacy page's link (same answer for known and unknown
//! addresses), the link that opens a candidate's own data once, the access view (who read it,
//! when it goes), the export with documents, and requests through their lifecycle and deadlines.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::routes::{ADD_CANDIDATE_WITH_CV, EXPORT_MY_DATA, UPLOAD_CANDIDATE_DOCUMENT};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

pub(crate) const GRACE: &str = "grace@example.org";
const CV: &[u8] = b"%PDF-1.7\n% Grace Hopper, COBOL\n%%EOF\n";

/// Acme with Rita (recruiter) and Audrey (auditor); Grace applied with a CV. Returns Rita and
/// Grace's candidate id.
pub(crate) async fn acme(app: &TestApp) -> (Client, String) {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("audrey@acme.example", "auditor"),
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
    let res = app
        .upload(
            &rita,
            &ADD_CANDIDATE_WITH_CV.at(&rec),
            &[("full_name", "Grace Hopper"), ("email", GRACE)],
            Some(("cv", "grace.pdf", CV.to_vec())),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    let grace = body["location"]
        .as_str()
        .unwrap()
        .trim_start_matches("/app/candidates/")
        .to_owned();
    (rita, grace)
}

async fn ask_link(app: &TestApp, email: &str) -> reqwest::Response {
    app.call(
        &app.browser(),
        "request_privacy_link",
        &[("email", email), ("lang", "en")],
    )
    .await
}

async fn privacy_token(app: &TestApp, to: &str) -> String {
    let mail = app.last_mail_to(to).await.expect("a mail");
    app.link_in(&mail, "/c/privacy/")
        .trim_start_matches("/c/privacy/")
        .to_owned()
}

/// A browser with Grace's privacy session open.
pub(crate) async fn grace_session(app: &TestApp) -> Client {
    ask_link(app, GRACE).await;
    let token = privacy_token(app, GRACE).await;
    let browser = app.browser();
    let res = app
        .call(
            &browser,
            "open_privacy",
            &[("token", &token), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/c/my-data?lang=en");
    browser
}

/// Files a request of `kind` from the candidate's open privacy session.
pub(crate) async fn file_request(app: &TestApp, session: &Client, kind: &str, details: &str) {
    let res = app
        .call(
            session,
            "file_data_request",
            &[("kind", kind), ("details", details), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{kind} request");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_privacy_page_answers_alike_and_mails_a_link_only_to_a_known_address(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let before = app.deliver_mail().await.len();
    let known = ask_link(&app, GRACE).await;
    let unknown = ask_link(&app, "nobody@example.org").await;
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(unknown.status(), StatusCode::OK);
    assert_eq!(known.headers()["location"], unknown.headers()["location"]);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let mails = app.deliver_mail().await;
    assert_eq!(mails.len(), before + 1, "one mail, to the known address");
    assert!(mails.last().unwrap().contains(&format!("To: {GRACE}")));
    assert!(privacy_token(&app, GRACE).await.len() == 43);
    // A burst of asks about one address is cut off.
    let mut limited = false;
    for _ in 0..5 {
        if ask_link(&app, GRACE).await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
        }
    }
    assert!(limited);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_privacy_link_shows_then_opens_the_candidates_own_data_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    // Rita reads Grace's page: Grace will see that a recruiter did.
    app.call(&rita, "candidate", &[("id", &grace)]).await;
    ask_link(&app, GRACE).await;
    let token = privacy_token(&app, GRACE).await;
    for _ in 0..2 {
        let html = app
            .browser()
            .get(app.url(&format!("/c/privacy/{token}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Open my data"), "the prefetch only shows");
    }
    let browser = app.browser();
    let res = app
        .call(
            &browser,
            "open_privacy",
            &[("token", &token), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let again = app
        .call(
            &app.browser(),
            "open_privacy",
            &[("token", &token), ("lang", "en")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::GONE, "the link works once");

    let data: Value = app
        .call(&browser, "my_data", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(data["name"], "Grace Hopper");
    assert_eq!(data["org_name"], "Acme");
    assert_eq!(data["applications"][0]["recruitment"], "Backend");
    assert_eq!(data["documents"][0][0], "grace.pdf");
    assert_eq!(data["reads"][0]["role"], "recruiter");
    assert_eq!(data["reads"][0]["action"], "candidate.viewed");
    let in_a_year = (app.state.clock.now() + Duration::days(365)).date();
    assert_eq!(data["deleted_on"], in_a_year.to_string().as_str());
    let page = app.html(&browser, "/c/my-data").await;
    assert!(page.contains("A recruiter") && page.contains("viewed your details"));
    assert!(
        page.contains(&format!("Your data will be deleted on {in_a_year}")),
        "the date, before any decision"
    );

    // Another browser has no session; the session ends after half an hour.
    let stranger = app.call(&app.browser(), "my_data", &[]).await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    app.state.clock.advance(Duration::minutes(31));
    let expired = app.call(&browser, "my_data", &[]).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
}

/// The end date Grace's privacy page shows her.
async fn shown_date(app: &TestApp) -> Option<String> {
    let browser = grace_session(app).await;
    let data: Value = app
        .call(&browser, "my_data", &[])
        .await
        .json()
        .await
        .unwrap();
    data["deleted_on"].as_str().map(str::to_owned)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_retention_date_shown_runs_from_the_latest_activity(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (_, grace) = acme(&app).await;
    let in_a_year = (app.state.clock.now() + Duration::days(365))
        .date()
        .to_string();
    assert_eq!(
        shown_date(&app).await.as_deref(),
        Some(in_a_year.as_str()),
        "a date from the day she applied, before any decision"
    );
    app.state.clock.advance(Duration::days(40));
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    app.call(
        &rita,
        "record_decision",
        &[
            ("application", &application),
            ("decision", "rejected"),
            ("reason", "Another candidate fitted better"),
            ("candidate", &grace),
            ("confirm", "yes"),
        ],
    )
    .await;
    let expected = (app.state.clock.now() + Duration::days(365))
        .date()
        .to_string();
    assert_eq!(
        shown_date(&app).await.as_deref(),
        Some(expected.as_str()),
        "a year from the decision"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_export_holds_everything_documents_included_and_is_audited(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use base64::Engine;
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    app.grant_consent(GRACE).await;
    let signed_out = app
        .browser()
        .get(app.url(EXPORT_MY_DATA.path))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_out.headers()["location"], "/privacy");

    let browser = grace_session(&app).await;
    let res = browser
        .get(app.url(EXPORT_MY_DATA.path))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["format"], "candor.personal-data.v1");
    assert_eq!(export["candidate"]["email"], GRACE);
    let cv = base64::engine::general_purpose::STANDARD
        .decode(export["documents"][0]["content_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(cv, CV);
    let events = export["consent_history"][0]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["event"] == "given"));
    assert_eq!(events[0]["notice"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'dsar.exported'")
            .await,
        1
    );
}

async fn queue(app: &TestApp, client: &Client) -> reqwest::Response {
    app.call(client, "data_requests", &[]).await
}

async fn step(
    app: &TestApp,
    client: &Client,
    id: &str,
    step: &str,
    months: &str,
    text: &str,
) -> StatusCode {
    app.call(
        client,
        "update_data_request",
        &[
            ("id", id),
            ("step", step),
            ("months", months),
            ("text", text),
        ],
    )
    .await
    .status()
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_follow_their_lifecycle_and_deadlines_and_the_candidate_is_told(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, _) = acme(&app).await;
    let browser = grace_session(&app).await;
    let res = app
        .call(
            &browser,
            "file_data_request",
            &[
                ("kind", "rectification"),
                ("details", "My phone number is +31 6 1234 5678"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let due = candor_app::domain::dsar::due_date(app.state.clock.now()).date();
    assert_eq!(
        res.headers()["location"],
        format!("/c/my-data?lang=en&sent={due}").as_str()
    );

    let q: Value = queue(&app, &rita).await.json().await.unwrap();
    let r = &q["requests"][0];
    assert_eq!(r["kind"], "rectification");
    assert_eq!(r["status"], "verified");
    assert_eq!(r["candidate"][1], "Grace Hopper");
    assert_eq!(r["due_on"], due.to_string().as_str());
    assert!((28..=31).contains(&r["days_left"].as_i64().unwrap()));
    let id = r["id"].as_str().unwrap().to_owned();

    // Auditors see the queue without candidate content; interviewers not at all.
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    let q: Value = queue(&app, &audrey).await.json().await.unwrap();
    assert!(q["requests"][0]["candidate"].is_null());
    assert_eq!(q["requests"][0]["details"], "");
    assert_eq!(q["can_act"], false);
    assert_eq!(
        step(&app, &audrey, &id, "start", "", "").await,
        StatusCode::FORBIDDEN
    );
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    assert_eq!(queue(&app, &ivan).await.status(), StatusCode::FORBIDDEN);
    // Another organisation's admin neither sees the request nor reaches it.
    app.verified_admin("Rival", "rex@rival.example").await;
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let q: Value = queue(&app, &rex).await.json().await.unwrap();
    assert_eq!(q["requests"].as_array().unwrap().len(), 0);
    assert_eq!(
        step(&app, &rex, &id, "start", "", "").await,
        StatusCode::NOT_FOUND
    );

    // One extension, with a reason the candidate receives; not a second one.
    assert_eq!(
        step(&app, &rita, &id, "start", "", "").await,
        StatusCode::OK
    );
    assert_eq!(
        step(&app, &rita, &id, "extend", "2", "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(
            &app,
            &rita,
            &id,
            "extend",
            "2",
            "Archived interviews must be checked"
        )
        .await,
        StatusCode::OK
    );
    let mail = app.last_mail_to(GRACE).await.unwrap();
    assert!(
        mail.contains("Archived interviews must be checked"),
        "{mail}"
    );
    assert!(mail.contains("needs more time"));
    assert_eq!(
        step(&app, &rita, &id, "extend", "1", "Again").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let q: Value = queue(&app, &rita).await.json().await.unwrap();
    let extended_due = candor_app::domain::dsar::add_months(
        candor_app::domain::dsar::due_date(app.state.clock.now()),
        2,
    )
    .date();
    assert_eq!(
        q["requests"][0]["due_on"],
        extended_due.to_string().as_str()
    );
    assert_eq!(
        step(&app, &rita, &id, "complete", "", "").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        step(
            &app,
            &rita,
            &id,
            "complete",
            "",
            "The phone number is corrected"
        )
        .await,
        StatusCode::OK
    );
    assert!(app
        .last_mail_to(GRACE)
        .await
        .unwrap()
        .contains("The phone number is corrected"));
    assert_eq!(
        step(&app, &rita, &id, "reject", "", "No").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing after an outcome"
    );

    // An extension decided after the first month is refused.
    let res = app
        .call(
            &browser,
            "file_data_request",
            &[("kind", "objection"), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(32));
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let q: Value = queue(&app, &rita).await.json().await.unwrap();
    let late = q["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "objection")
        .unwrap();
    assert!(
        late["days_left"].as_i64().unwrap() < 0,
        "overdue shows as negative"
    );
    let late_id = late["id"].as_str().unwrap();
    assert_eq!(
        step(&app, &rita, late_id, "extend", "1", "Too late").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_granted_restriction_pauses_evaluation_recording_and_transcription(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    granted_request_pauses_processing(&app, "restriction").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_granted_objection_pauses_evaluation_recording_and_transcription(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    granted_request_pauses_processing(&app, "objection").await;
}

/// Grace consented to everything and her interview was scored, recorded and transcribed. Once
/// her request of `kind` is granted, each of the three is refused with `processing_restricted`
/// (GDPR Art. 18, 21) and leaves every row and stored file as it was.
async fn granted_request_pauses_processing(app: &TestApp, kind: &str) {
    let (rita, grace) = acme(app).await;
    app.grant_consent(GRACE).await;
    let rec: String = sqlx::query_scalar("SELECT public_id FROM recruitments")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &rita,
        "add_criterion",
        &[("id", &rec), ("name", "Rust"), ("weight", "3")],
    )
    .await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &rita,
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
    let (ivan_id, criterion): (String, String) = sqlx::query_as(
        "SELECT (SELECT public_id FROM users WHERE email = 'ivan@acme.example'),
                (SELECT public_id FROM evaluation_criteria)",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    app.call(
        &rita,
        "assign_interviewer",
        &[("interview", &interview), ("interviewer", &ivan_id)],
    )
    .await;
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;

    let score = |value: &'static str| {
        let (ivan, interview, criterion) = (ivan.clone(), interview.clone(), criterion.clone());
        async move {
            app.call(
                &ivan,
                "save_score",
                &[
                    ("interview", interview.as_str()),
                    ("criterion", criterion.as_str()),
                    ("score", value),
                    ("evidence", "Explained ownership clearly"),
                ],
            )
            .await
        }
    };
    let attach = |file_kind: &'static str, name: &'static str, bytes: Vec<u8>| {
        let (ivan, interview) = (ivan.clone(), interview.clone());
        async move {
            app.upload(
                &ivan,
                &candor_app::routes::UPLOAD_INTERVIEW_FILE.at(&interview),
                &[("kind", file_kind)],
                Some(("file", name, bytes)),
            )
            .await
        }
    };
    let wav = |fill: u8| [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[fill; 64]].concat();
    let vtt = |line: &str| format!("WEBVTT\n\n00:00.000 --> 00:01.000\n{line}\n").into_bytes();

    // Under granted consent, each kind of processing works.
    assert_eq!(score("4").await.status(), StatusCode::OK);
    assert_eq!(
        attach("recording", "a.wav", wav(0)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        attach("transcript", "t.vtt", vtt("Hi")).await.status(),
        StatusCode::OK
    );
    let before = processed(app).await;

    let browser = grace_session(app).await;
    let res = app
        .call(
            &browser,
            "file_data_request",
            &[
                ("kind", kind),
                ("details", "Pause while I complain"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{kind} filed");
    let q: Value = queue(app, &rita).await.json().await.unwrap();
    let request = &q["requests"][0];
    assert_eq!(request["kind"], kind);
    let id = request["id"].as_str().unwrap().to_owned();
    assert_eq!(
        step(app, &rita, &id, "complete", "", "Processing is paused").await,
        StatusCode::OK
    );

    for (what, res) in [
        ("scoring", score("2").await),
        ("a recording", attach("recording", "b.wav", wav(1)).await),
        (
            "a transcript",
            attach("transcript", "u.vtt", vtt("Bye")).await,
        ),
    ] {
        assert_eq!(res.status(), StatusCode::CONFLICT, "{what} after {kind}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["error"], "processing_restricted",
            "{what} after {kind}"
        );
    }
    assert_eq!(processed(app).await, before, "nothing written after {kind}");
}

/// Everything processing an interview writes: scores, documents, pipeline events, the quota
/// charged and the sealed files in the store.
async fn processed(app: &TestApp) -> Vec<String> {
    let mut rows: Vec<String> = sqlx::query_scalar(
        "SELECT 'score ' || score || ' ' || evidence FROM scorecard_entries
         UNION ALL SELECT 'document ' || kind || ' ' || file_name FROM documents
         UNION ALL SELECT 'event ' || count(*) FROM application_events
         UNION ALL SELECT 'quota ' || used_bytes FROM org_storage",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    rows.sort();
    let mut files: Vec<String> = app
        .stored_files()
        .into_iter()
        .map(|(path, bytes)| format!("file {} {}", path.display(), bytes.len()))
        .collect();
    files.sort();
    rows.extend(files);
    rows
}

/// A PDF of about 100 KB whose content says which it is.
fn letter(i: usize) -> Vec<u8> {
    let mut pdf = format!("%PDF-1.7\n% letter {i}\n").into_bytes();
    for line in 0..1500 {
        pdf.extend_from_slice(
            format!("% line {line} of letter {i}: {}\n", "x".repeat(48)).as_bytes(),
        );
    }
    pdf.extend_from_slice(b"%%EOF\n");
    pdf
}

#[sqlx::test(migrations = "../migrations")]
async fn an_export_of_twenty_documents_is_streamed_one_document_at_a_time_and_a_broken_one_aborts_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use base64::Engine;
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    app.grant_consent(GRACE).await;
    for i in 1..20 {
        let res = app
            .upload(
                &rita,
                &UPLOAD_CANDIDATE_DOCUMENT.at(&grace),
                &[("kind", "document")],
                Some(("file", &format!("letter-{i}.pdf"), letter(i))),
            )
            .await;
        assert!(res.status().is_success(), "upload {i}: {}", res.status());
    }
    let browser = grace_session(&app).await;
    let res = browser
        .get(app.url(EXPORT_MY_DATA.path))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Streamed: no length is known when the answer starts.
    assert!(res.headers().get("content-length").is_none());
    assert_eq!(res.headers()["transfer-encoding"], "chunked");
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["format"], "candor.personal-data.v1");
    assert_eq!(export["candidate"]["email"], GRACE);
    let documents = export["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 20);
    for d in documents {
        let content = base64::engine::general_purpose::STANDARD
            .decode(d["content_base64"].as_str().unwrap())
            .unwrap();
        let name = d["file_name"].as_str().unwrap();
        let expected = match name.strip_prefix("letter-") {
            Some(rest) => letter(rest.trim_end_matches(".pdf").parse().unwrap()),
            None => CV.to_vec(),
        };
        assert_eq!(content, expected, "{name}");
    }

    // A document that cannot be read breaks the download: never a short file that parses.
    let (victim, _) = app
        .stored_files()
        .into_iter()
        .max_by_key(|(_, bytes)| bytes.len())
        .unwrap();
    std::fs::write(&victim, b"not what was sealed").unwrap();
    let res = browser
        .get(app.url(EXPORT_MY_DATA.path))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the failure comes mid-stream");
    match res.bytes().await {
        Err(_) => {}
        Ok(body) => assert!(
            serde_json::from_slice::<Value>(&body).is_err(),
            "a cut-short export must not parse as a whole one"
        ),
    }
}
