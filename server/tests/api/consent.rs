//! Consent (F7, S11): the request sent when a candidate is added, the page that shows the notice
//! (GET) and records answers (POST) against the exact text shown, in the candidate's language;
//! the gate on recording, transcription and evaluation; withdrawal that deletes what was made
//! under the consent; the append-only history; and the one-time link's defences.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::routes::UPLOAD_INTERVIEW_FILE;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

const GRACE: &str = "grace@example.org";

struct Setup {
    rita: Client,
    rec: String,
    ivan: Client,
    grace: String,
    interview: String,
    criterion: String,
}

async fn setup(app: &TestApp) -> Setup {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("ivan@acme.example", "interviewer"),
        ],
    )
    .await;
    sqlx::query(
        "INSERT INTO org_sub_processors (id, public_id, org_id, name, service, country)
         SELECT gen_random_uuid(), 'sub_postmark', id, 'Postmark Ltd', 'e-mail delivery', 'IE'
         FROM orgs",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(
            &rita,
            "create_recruitment",
            &[("title", "Backend engineer")],
        )
        .await;
    let rec = location(&res, "/app/recruitments/");
    app.call(
        &rita,
        "add_criterion",
        &[("id", &rec), ("name", "Rust"), ("weight", "3")],
    )
    .await;
    let res = app
        .call(
            &rita,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", "Grace Hopper"),
                ("email", GRACE),
            ],
        )
        .await;
    let grace = location(&res, "/app/candidates/");
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
    let interview = location(&res, "/app/interviews/");
    let ivan_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("ivan@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
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
    Setup {
        rita,
        rec,
        ivan: app.signed_in("ivan@acme.example", PASSWORD).await,
        grace,
        interview,
        criterion,
    }
}

fn location(res: &reqwest::Response, prefix: &str) -> String {
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches(prefix)
        .to_owned()
}

/// The token of the newest link to `prefix` in the candidate's mail.
async fn token_in_mail(app: &TestApp, to: &str) -> String {
    let mail = app.last_mail_to(to).await.expect("a mail to the candidate");
    app.link_in(&mail, "/c/consent/")
        .trim_start_matches("/c/consent/")
        .to_owned()
}

async fn give(
    app: &TestApp,
    token: &str,
    lang: &str,
    answers: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("token", token), ("lang", lang)];
    form.extend_from_slice(answers);
    app.call(&app.browser(), "give_consent", &form).await
}

async fn withdraw(app: &TestApp, token: &str, purpose: &str) -> reqwest::Response {
    app.call(
        &app.browser(),
        "withdraw_consent",
        &[("token", token), ("lang", "en"), ("purpose", purpose)],
    )
    .await
}

async fn events(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT purpose, event FROM consent_events ORDER BY id")
        .fetch_all(&app.owner)
        .await
        .unwrap()
}

async fn score(app: &TestApp, s: &Setup) -> StatusCode {
    app.call(
        &s.ivan,
        "save_score",
        &[
            ("interview", &s.interview),
            ("criterion", &s.criterion),
            ("score", "4"),
            ("evidence", "Explained ownership clearly"),
        ],
    )
    .await
    .status()
}

async fn attach(app: &TestApp, s: &Setup, kind: &str, name: &str, bytes: Vec<u8>) -> StatusCode {
    app.upload(
        &s.ivan,
        &UPLOAD_INTERVIEW_FILE.at(&s.interview),
        &[("kind", kind)],
        Some(("file", name, bytes)),
    )
    .await
    .status()
}

fn wav() -> Vec<u8> {
    [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[0; 64]].concat()
}

#[sqlx::test(migrations = "../migrations")]
async fn adding_a_candidate_sends_a_one_time_link_to_a_page_that_states_the_notice(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    setup(&app).await;
    let mail = app.last_mail_to(GRACE).await.unwrap();
    assert!(
        mail.contains("Subject: Acme asks for your consent: Backend engineer"),
        "{mail}"
    );
    let token = token_in_mail(&app, GRACE).await;
    assert_eq!(token.len(), 43);
    assert_eq!(
        events(&app).await,
        ["evaluation", "recording", "transcription", "ai_support"]
            .map(|p| (p.to_owned(), "requested".to_owned()))
    );

    // A mail scanner's prefetch: the GET only shows, twice over, and never caches or refers.
    for _ in 0..2 {
        let res = app
            .browser()
            .get(app.url(&format!("/c/consent/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        assert_eq!(res.headers()["x-robots-tag"], "noindex, nofollow");
        let html = res.text().await.unwrap();
        for fact in [
            "Acme has added you as a candidate for Backend engineer",
            "Postmark Ltd — e-mail delivery (IE)",
            "Until 365 days after the latest of: the hiring decision",
            "withdraw your consent at any time",
            "Recording my interviews",
            "AI-assisted evaluation support",
            "<html lang=\"en\"",
        ] {
            assert!(html.contains(fact), "{fact} missing");
        }
    }
    assert_eq!(
        events(&app).await.len(),
        4,
        "showing the page records nothing"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn answers_are_kept_against_the_exact_notice_shown_in_the_candidates_language(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    setup(&app).await;
    let token = token_in_mail(&app, GRACE).await;
    let html = app
        .browser()
        .get(app.url(&format!("/c/consent/{token}")))
        .header("accept-language", "fr-FR, de;q=0.8, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"de\""));
    assert!(
        html.contains("Nederlands") && html.contains("Polski"),
        "the switcher"
    );

    // Every purpose must be answered; a partial answer keeps the link working.
    let res = give(&app, &token, "de", &[("evaluation", "yes")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"].as_array().unwrap().len(), 3);
    let res = give(
        &app,
        &token,
        "de",
        &[
            ("evaluation", "yes"),
            ("recording", "no"),
            ("transcription", "yes"),
            ("ai_support", "no"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/c/saved?lang=de");

    let given: Vec<(String, String, String, Vec<u8>, String)> = sqlx::query_as(
        "SELECT e.purpose, e.event, n.language, n.sha256, n.body
         FROM consent_events e JOIN consent_notices n ON n.id = e.notice_id
         WHERE e.event IN ('given', 'refused') ORDER BY e.id",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let summary: Vec<(&str, &str)> = given
        .iter()
        .map(|(p, e, ..)| (p.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("evaluation", "given"),
            ("recording", "refused"),
            ("transcription", "given"),
            ("ai_support", "refused")
        ]
    );
    for (_, _, language, sha, body) in &given {
        assert_eq!(language, "de");
        assert_eq!(sha.as_slice(), Sha256::digest(body.as_bytes()).as_slice());
        assert!(body.contains("Acme") && body.contains("Postmark Ltd"));
    }
    let language: String = sqlx::query_scalar("SELECT language FROM candidates")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(language, "de");
    let history: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT lawful_basis, controller, recipients, actor FROM consent_events WHERE event = 'given'",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(
        history[0],
        (
            "consent (GDPR Art. 6(1)(a))".to_owned(),
            "Acme".to_owned(),
            "Acme, Postmark Ltd".to_owned(),
            "candidate".to_owned()
        )
    );

    // The link worked once; the confirmation, in German, brings a link to manage the choices.
    let again = give(&app, &token, "de", &[("evaluation", "yes")]).await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "still validated first"
    );
    let again = give(
        &app,
        &token,
        "de",
        &[
            ("evaluation", "no"),
            ("recording", "no"),
            ("transcription", "no"),
            ("ai_support", "no"),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let confirmation = app.last_mail_to(GRACE).await.unwrap();
    assert!(
        confirmation.contains("<html lang=\"de\">"),
        "{confirmation}"
    );
    let manage = token_in_mail(&app, GRACE).await;
    assert_ne!(manage, token);
    let html = app
        .browser()
        .get(app.url(&format!("/c/consent/{manage}?lang=en")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Leptos leaves hydration markers between text nodes; the reader sees none of them.
    let html = regex::Regex::new("<!(?:--.*?--)?>")
        .unwrap()
        .replace_all(&html, "");
    assert!(html.contains("Withdraw all my consent"));
    assert!(html.contains("Evaluating my application</strong>: Given"));
    assert!(html.contains("Recording my interviews</strong>: Refused"));
}

#[sqlx::test(migrations = "../migrations")]
async fn processing_waits_for_consent_and_withdrawal_stops_it_and_deletes_what_it_made(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let vtt = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n".to_vec();
    assert_eq!(score(&app, &s).await, StatusCode::CONFLICT);
    assert_eq!(
        attach(&app, &s, "transcript", "t.vtt", vtt.clone()).await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        attach(&app, &s, "recording", "a.wav", wav()).await,
        StatusCode::CONFLICT
    );

    let listed: Value = app
        .call(&s.ivan, "my_interviews", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed[0]["consent"][0],
        serde_json::json!(["evaluation", "pending"])
    );
    app.grant_consent(GRACE).await;
    let listed: Value = app
        .call(&s.ivan, "my_interviews", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed[0]["consent"][0],
        serde_json::json!(["evaluation", "granted"])
    );
    assert_eq!(score(&app, &s).await, StatusCode::OK);
    assert_eq!(
        attach(&app, &s, "transcript", "t.vtt", vtt.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        attach(&app, &s, "recording", "a.wav", wav()).await,
        StatusCode::OK
    );
    assert_eq!(app.stored_files().len(), 2);

    // Withdrawing transcription removes the transcript, its bytes and its quota; nothing else.
    let manage = token_in_mail(&app, GRACE).await;
    let res = withdraw(&app, &manage, "transcription").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/c/saved?lang=en&withdrawn=1");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM documents")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(kinds, ["recording"]);
    assert_eq!(app.stored_files().len(), 1);
    assert_eq!(
        app.count("SELECT used_bytes FROM org_storage").await,
        wav().len() as i64
    );
    assert_eq!(app.count("SELECT count(*) FROM scorecard_entries").await, 1);
    assert_eq!(
        attach(&app, &s, "transcript", "t.vtt", vtt).await,
        StatusCode::CONFLICT
    );
    // The manage link was used; the new confirmation brings the next one.
    assert_eq!(
        withdraw(&app, &manage, "all").await.status(),
        StatusCode::GONE
    );
    let manage = token_in_mail(&app, GRACE).await;
    assert_eq!(
        withdraw(&app, &manage, "all").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.count("SELECT count(*) FROM scorecard_entries").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
    assert!(app.stored_files().is_empty());
    assert_eq!(score(&app, &s).await, StatusCode::CONFLICT);
    let withdrawn: Vec<String> = sqlx::query_scalar(
        "SELECT purpose FROM consent_events WHERE event = 'withdrawn' ORDER BY id",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(
        withdrawn,
        ["transcription", "evaluation", "recording", "ai_support"]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'consent.withdrawn'")
            .await,
        2
    );

    // Staff may ask again; what is granted is never asked (or undone) by a new request.
    let c: Value = app
        .call(&s.rita, "candidate", &[("id", &s.grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &s.rita,
            "resend_consent",
            &[("application", &application), ("candidate", &s.grace)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.grant_consent(GRACE).await;
    assert_eq!(score(&app, &s).await, StatusCode::OK);
    let res = app
        .call(
            &s.rita,
            "resend_consent",
            &[("application", &application), ("candidate", &s.grace)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "everything is given already"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_consent_history_is_never_rewritten(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    setup(&app).await;
    app.grant_consent(GRACE).await;
    for sql in [
        "UPDATE consent_events SET event = 'refused'",
        "DELETE FROM consent_events",
    ] {
        let refused = sqlx::query(sql).execute(&app.owner).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    assert_eq!(app.count("SELECT count(*) FROM consent_events").await, 8);
    // Deleting the candidate as a whole (F10) takes their history with them.
    for sql in ["DELETE FROM interviews", "DELETE FROM applications"] {
        sqlx::query(sql).execute(&app.owner).await.unwrap();
    }
    assert_eq!(app.count("SELECT count(*) FROM consent_events").await, 0);
}

/// Rows of `consent_latest` that differ from the history's latest event per purpose.
async fn latest_drift(app: &TestApp) -> i64 {
    app.count(
        "SELECT count(*) FROM (
           SELECT DISTINCT ON (application_id, purpose) application_id, purpose, id, event,
                  occurred_at, org_id
           FROM consent_events ORDER BY application_id, purpose, id DESC
         ) h FULL JOIN consent_latest l USING (application_id, purpose)
         WHERE (h.id, h.event, h.occurred_at, h.org_id)
               IS DISTINCT FROM (l.event_id, l.event, l.occurred_at, l.org_id)",
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn the_latest_consent_per_purpose_follows_the_history_and_only_its_organisation_reads_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let latest = || app.count("SELECT count(*) FROM consent_latest");
    assert_eq!(
        (latest().await, latest_drift(&app).await),
        (4, 0),
        "requested"
    );
    app.grant_consent(GRACE).await;
    let manage = token_in_mail(&app, GRACE).await;
    assert_eq!(
        withdraw(&app, &manage, "recording").await.status(),
        StatusCode::OK
    );
    assert_eq!(latest_drift(&app).await, 0, "given, then one withdrawn");
    assert_eq!(
        app.count("SELECT count(*) FROM consent_latest WHERE event = 'withdrawn'")
            .await,
        1
    );

    // Several events for one purpose in one statement: the newest wins, whatever the row order.
    sqlx::query(
        "INSERT INTO consent_events (org_id, application_id, purpose, event, lawful_basis,
                                     notice_id, controller, recipients, retention_rule, actor,
                                     collection_method, occurred_at)
         SELECT org_id, application_id, purpose, ev, lawful_basis, notice_id, controller,
                recipients, retention_rule, 'system', collection_method, now()
         FROM (SELECT * FROM consent_events WHERE purpose = 'transcription' LIMIT 1) e,
              UNNEST(ARRAY['refused', 'renewed', 'withdrawn']) AS ev",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    assert_eq!(latest_drift(&app).await, 0, "three at once");
    let transcription: String =
        sqlx::query_scalar("SELECT event FROM consent_latest WHERE purpose = 'transcription'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(transcription, "withdrawn");
    // A recruitment's board reads the same latest events, in the statement that lists its cards.
    let board: Value = app
        .call(&s.rita, "recruitment_board", &[("id", &s.rec)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        board["cards"][0]["consent"],
        serde_json::json!([
            ["evaluation", "granted"],
            ["recording", "withdrawn"],
            ["transcription", "withdrawn"],
            ["ai_support", "granted"]
        ])
    );

    // The application role reads its own organisation's rows only, and cannot write them.
    let acme: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Acme'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    for (org, expected) in [(acme, 4), (uuid::Uuid::new_v4(), 0)] {
        let mut tx = app.app_tx_for(org).await;
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM consent_latest")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, expected, "rows seen as organisation {org}");
        for sql in [
            "UPDATE consent_latest SET event = 'given'",
            "DELETE FROM consent_latest",
        ] {
            let mut own = app.app_tx_for(org).await;
            assert!(
                sqlx::query(sql).execute(&mut *own).await.is_err(),
                "{sql} was allowed to the application role"
            );
        }
    }

    // Deleting the candidate's applications takes their latest events with the history.
    for sql in ["DELETE FROM interviews", "DELETE FROM applications"] {
        sqlx::query(sql).execute(&app.owner).await.unwrap();
    }
    assert_eq!(latest().await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn consent_links_refuse_reuse_expiry_other_purposes_guesses_and_bursts(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // One connection: the rate limit is counted without holding a second one.
    let app = TestApp::spawn_with(opts, &[("CANDOR_DB_POOL_SIZE", "1")]).await;
    setup(&app).await;
    let token = token_in_mail(&app, GRACE).await;
    let all_yes = [
        ("evaluation", "yes"),
        ("recording", "yes"),
        ("transcription", "yes"),
        ("ai_support", "yes"),
    ];
    // A request link cannot withdraw; a guessed link shows the same page as a dead one.
    assert_eq!(
        withdraw(&app, &token, "all").await.status(),
        StatusCode::GONE
    );
    let guessed = "A".repeat(43);
    let dead = app
        .browser()
        .get(app.url(&format!("/c/consent/{guessed}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dead.contains("This link does not work any more"));
    assert_eq!(
        give(&app, &guessed, "en", &all_yes).await.status(),
        StatusCode::GONE
    );

    // A password-reset link is not a consent link, even with the right shape.
    app.call(
        &app.browser(),
        "request_password_reset",
        &[("email", "rita@acme.example")],
    )
    .await;
    let reset_mail = app.last_mail_to("rita@acme.example").await.unwrap();
    let reset = app
        .link_in(&reset_mail, "/reset/")
        .trim_start_matches("/reset/")
        .to_owned();
    assert_eq!(
        give(&app, &reset, "en", &all_yes).await.status(),
        StatusCode::GONE
    );

    // Expired after 30 days.
    app.state.clock.advance(Duration::days(31));
    assert_eq!(
        give(&app, &token, "en", &all_yes).await.status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.count("SELECT count(*) FROM consent_events WHERE event = 'given'")
            .await,
        0
    );

    // A burst of guesses from one address is cut off.
    let mut limited = false;
    for i in 0..40 {
        let res = app
            .call(
                &app.browser(),
                "consent_page",
                &[("token", &format!("{i:0>43}"))],
            )
            .await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            limited = true;
            break;
        }
    }
    assert!(limited, "no limit on guessing");
}

/// The signed receipt attached to the newest confirmation e-mail to `to`: the only copy in
/// the message (inline, its one long line made the message as wide as itself on a phone).
async fn receipt_in_mail(app: &TestApp, to: &str) -> String {
    let mail = app.last_mail_to(to).await.unwrap();
    // The MIME part that holds the attachment: between its boundary lines.
    let at = mail
        .find("Content-Disposition: attachment; filename=\"consent-receipt.jwt\"")
        .expect("the receipt attached as a file");
    let start = mail[..at].rfind("\n--").unwrap();
    let end = at + mail[at..].find("\n--").unwrap();
    let attached = &mail[start..end];
    assert!(
        attached.contains("Content-Type: application/jwt"),
        "{attached}"
    );
    let receipts: Vec<&str> =
        regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
            .unwrap()
            .find_iter(&mail)
            .map(|m| m.as_str())
            .collect();
    assert_eq!(receipts.len(), 1, "one copy, the attached one: {mail}");
    assert!(attached.contains(receipts[0]));
    // The action's label is followed by one colon (its text once ended in one too).
    assert!(!mail.contains("::"), "{mail}");
    receipts[0].to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_confirmation_carries_a_signed_receipt_anyone_can_verify_and_no_one_can_alter(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let token = token_in_mail(&app, GRACE).await;
    give(
        &app,
        &token,
        "sv",
        &[
            ("evaluation", "yes"),
            ("recording", "no"),
            ("transcription", "yes"),
            ("ai_support", "no"),
        ],
    )
    .await;
    let jws = receipt_in_mail(&app, GRACE).await;
    // Like the bodies, the attached file is kept only until delivery.
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE attachment_name IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE attachment_body IS NOT NULL")
            .await,
        0
    );

    // Anyone: the published key set and a standard JOSE library.
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .browser()
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let receipt: Value = jsonwebtoken::decode::<Value>(&jws, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(receipt["version"], "KI-CR-v1.1.0");
    assert!(receipt["consentReceiptID"]
        .as_str()
        .unwrap()
        .starts_with("rcpt_"));
    assert_eq!(receipt["piiPrincipalId"], s.grace.as_str());
    assert_eq!(receipt["language"], "sv");
    assert_eq!(receipt["piiControllers"][0]["piiController"], "Acme");
    let purposes: Vec<&str> = receipt["services"][0]["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["purposeCategory"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        purposes,
        ["evaluation", "transcription"],
        "only what was given"
    );
    assert_eq!(
        receipt["services"][0]["purposes"][0]["thirdPartyName"],
        "Postmark Ltd"
    );
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT sha256 FROM consent_notices WHERE language = 'sv'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let hex: String = stored.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        receipt["extensions"]["candor"]["notice"]["sha256"],
        hex.as_str()
    );
    assert!(!jws.contains("grace"), "no personal data in the receipt");

    // Every field Kantara Consent Receipt v1.1 requires, of its type; Candor's own fields
    // only under `extensions`.
    for (field, is) in [
        ("version", Value::is_string as fn(&Value) -> bool),
        ("jurisdiction", Value::is_string),
        ("consentTimestamp", Value::is_i64),
        ("collectionMethod", Value::is_string),
        ("consentReceiptID", Value::is_string),
        ("publicKey", Value::is_string),
        ("language", Value::is_string),
        ("piiPrincipalId", Value::is_string),
        ("piiControllers", Value::is_array),
        ("policyUrl", Value::is_string),
        ("services", Value::is_array),
        ("sensitive", Value::is_boolean),
        ("spiCat", Value::is_array),
    ] {
        assert!(is(&receipt[field]), "{field}: {}", receipt[field]);
    }
    let kantara = [
        "version",
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "publicKey",
        "language",
        "piiPrincipalId",
        "piiControllers",
        "policyUrl",
        "services",
        "sensitive",
        "spiCat",
        "extensions",
    ];
    for field in receipt.as_object().unwrap().keys() {
        assert!(
            kantara.contains(&field.as_str()),
            "{field} is not a Kantara field"
        );
    }
    let controller = &receipt["piiControllers"][0];
    assert_eq!(controller["contact"], "Data protection officer");
    assert_eq!(
        controller["address"],
        serde_json::json!({
            "streetAddress": "Keizersgracht 1",
            "postalCode": "1015 CJ",
            "addressLocality": "Amsterdam",
            "addressCountry": "NL",
        })
    );
    assert_eq!(controller["email"], "privacy@example.org");
    assert_eq!(controller["phone"], "+31 20 123 4567");
    for purpose in receipt["services"][0]["purposes"].as_array().unwrap() {
        for field in [
            "purpose",
            "purposeCategory",
            "consentType",
            "piiCategory",
            "primaryPurpose",
            "termination",
            "thirdPartyDisclosure",
        ] {
            assert!(!purpose[field].is_null(), "{field} in {purpose}");
        }
    }
    // The key in the receipt is the one it is verifiable with.
    let embedded: jsonwebtoken::jwk::Jwk =
        serde_json::from_str(receipt["publicKey"].as_str().unwrap()).unwrap();
    let embedded = jsonwebtoken::DecodingKey::from_jwk(&embedded).unwrap();
    jsonwebtoken::decode::<Value>(&jws, &embedded, &validation)
        .expect("the receipt verifies with the key it carries");

    // The portal's command agrees, and refuses a receipt changed in one byte.
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("receipt.jwt");
    std::fs::write(&good, &jws).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("verify-receipt")
        .arg(&good)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("receipt verified"));
    let mut bytes = jws.clone().into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'a' { b'b' } else { b'a' };
    let bad = dir.path().join("tampered.jwt");
    std::fs::write(&bad, &bytes).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("verify-receipt")
        .arg(&bad)
        .env_clear()
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        jsonwebtoken::decode::<Value>(std::str::from_utf8(&bytes).unwrap(), &key, &validation)
            .is_err()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unanswered_request_expires_and_consent_given_again_is_a_renewal(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    app.state.clock.advance(Duration::days(31));
    candor_app::backend::retention::sweep(&app.state)
        .await
        .unwrap();
    candor_app::backend::retention::sweep(&app.state)
        .await
        .unwrap();
    let expired = app
        .count("SELECT count(*) FROM consent_events WHERE event = 'expired'")
        .await;
    assert_eq!(expired, 4, "once per purpose, however many sweeps");

    // Asked again, answered, withdrawn, asked again, answered: the second yes is a renewal.
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &s.grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let resend = || async {
        app.call(
            &rita,
            "resend_consent",
            &[("application", &application), ("candidate", &s.grace)],
        )
        .await
        .status()
    };
    assert_eq!(resend().await, StatusCode::OK);
    let given = app.answer_consent(GRACE, "yes").await;
    assert!(!given.is_empty());
    let renewed_so_far = app
        .count("SELECT count(*) FROM consent_events WHERE event = 'renewed'")
        .await;
    assert_eq!(
        renewed_so_far, 4,
        "consent after an expired request renews it"
    );
    let manage = token_in_mail(&app, GRACE).await;
    assert_eq!(
        withdraw(&app, &manage, "recording").await.status(),
        StatusCode::OK
    );
    assert_eq!(resend().await, StatusCode::OK);
    app.answer_consent(GRACE, "yes").await;
    let last: Vec<(String, String)> =
        sqlx::query_as("SELECT purpose, event FROM consent_events ORDER BY id DESC LIMIT 4")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert!(
        last.contains(&("recording".to_owned(), "renewed".to_owned())),
        "{last:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_may_ask_again_but_not_flood_the_candidate(_: PgPoolOptions, opts: PgConnectOptions) {
    // One connection: the rate limit is counted without holding a second one.
    let app = TestApp::spawn_with(opts, &[("CANDOR_DB_POOL_SIZE", "1")]).await;
    let s = setup(&app).await;
    let c: Value = app
        .call(&s.rita, "candidate", &[("id", &s.grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = app
            .call(
                &s.rita,
                "resend_consent",
                &[("application", &application), ("candidate", &s.grace)],
            )
            .await;
        statuses.push(res.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let requests = app
        .count("SELECT count(*) FROM consent_events WHERE event = 'requested'")
        .await;
    assert_eq!(
        requests, 16,
        "the first request and three more, four purposes each"
    );
}
