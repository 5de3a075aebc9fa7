//! A deleted candidate leaves no trace (F10, F9): not in any table, not in the file store, not in
//! the portal's log. Each candidate below gets a unique marker in every personal field a
//! candidate can have and in everything staff and the portal write about them; after the
//! deletions a full `pg_dump`, every stored file and the log are scanned for the markers.
//!
//! EVERY NEW TABLE OR COLUMN THAT CAN HOLD A CANDIDATE'S DATA (or staff text about them) MUST BE
//! FILLED BY `plant` BELOW, so that this scan covers it. A third candidate, kept, proves the scan
//! finds what is there.

use crate::helpers::{decode_qp, CapturedLog, TestApp, PASSWORD};
use candor_app::backend::retention;
use candor_app::routes::{UPLOAD_CANDIDATE_DOCUMENT, UPLOAD_INTERVIEW_FILE};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

struct Acme {
    ada: Client,
    rita: Client,
    ivan: Client,
    rec: String,
    rita_id: String,
    ivan_id: String,
    criterion: String,
    /// An API key with the write and ats scopes.
    key: String,
}

async fn acme(app: &TestApp) -> Acme {
    let org = crate::retention::org(app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let criterion: String = sqlx::query_scalar("SELECT public_id FROM evaluation_criteria")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let key = app
        .create_api_key(&ada, &[("scope_write", "on"), ("scope_ats", "on")])
        .await;
    Acme {
        rita_id: app.user_id("rita@acme.example").await,
        ivan_id: app.user_id("ivan@acme.example").await,
        ivan: app.signed_in("ivan@acme.example", PASSWORD).await,
        ada,
        rita: org.rita,
        rec: org.rec,
        criterion,
        key,
    }
}

/// One candidate's markers: every text starts with `Xuliq<letter>` (addresses in lower case:
/// `xuliq…`; public ids never hold an `l`, `i` or `u`, so no random id can match), and the phone
/// number has ten digits of its own.
struct Marked {
    tag: &'static str,
    digits: &'static str,
}

impl Marked {
    fn name(&self) -> String {
        format!("{}name Hopper", self.upper())
    }
    fn upper(&self) -> String {
        let mut t = self.tag.to_owned();
        t[..1].make_ascii_uppercase();
        t
    }
    fn text(&self, what: &str) -> String {
        format!("{}{what}", self.upper())
    }
    fn old_email(&self) -> String {
        format!("{}old@example.org", self.tag)
    }
    fn new_email(&self) -> String {
        format!("{}new@example.org", self.tag)
    }
    fn phone(&self) -> String {
        format!("+31 6 {} {}", &self.digits[..4], &self.digits[4..])
    }
    /// Where the marker shows in `haystack` (case-insensitive), with what surrounds it.
    fn found_in(&self, haystack: &str) -> Vec<String> {
        let lower = haystack.to_ascii_lowercase();
        let spaced = format!("{} {}", &self.digits[..4], &self.digits[4..]);
        let boundary = |mut at: usize| {
            while !haystack.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        [self.tag.to_owned(), self.digits.to_owned(), spaced]
            .iter()
            .flat_map(|needle| lower.match_indices(needle.as_str()).map(|(at, _)| at))
            .map(|at| {
                let from = boundary(at.saturating_sub(60));
                let to = boundary((at + 60).min(haystack.len()));
                haystack[from..to].to_owned()
            })
            .collect()
    }
}

struct Planted {
    candidate: String,
}

async fn post_api(
    app: &TestApp,
    key: &str,
    path: &str,
    body: &Value,
    idempotency_key: &str,
) -> Value {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(key)
        .header("idempotency-key", idempotency_key)
        .json(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "POST {path}: {}", res.status());
    res.json().await.unwrap()
}

/// A candidate made through the API (with an `Idempotency-Key`), who consents; staff correct
/// their address (the e-mails to the old one stay in the outbox), upload a CV, write a note,
/// interview them with a transcript and a scorecard, and record a decision through the API.
/// The candidate files a rectification request that staff extend and complete with texts quoting
/// them; `deletion` adds a deletion request.
async fn plant(app: &TestApp, a: &Acme, m: &Marked, deletion: bool) -> Planted {
    let created = post_api(
        app,
        &a.key,
        "/api/v1/candidates",
        &json!({"recruitment_id": a.rec, "full_name": m.name(), "email": m.old_email(),
                "phone": m.phone(), "on_behalf_of": a.rita_id}),
        &format!("create-{}", m.tag),
    )
    .await;
    let candidate = created["id"].as_str().unwrap().to_owned();
    app.grant_consent(&m.old_email()).await;
    let c: Value = app
        .call(&a.rita, "candidate", &[("id", &candidate)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();

    let res = app
        .upload(
            &a.rita,
            &UPLOAD_CANDIDATE_DOCUMENT.at(&candidate),
            &[("kind", "cv")],
            Some((
                "file",
                &format!("{}-cv.txt", m.tag),
                format!("Curriculum vitae of {}: {}\n", m.name(), m.text("cv")).into_bytes(),
            )),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "CV");
    let res = app
        .call(
            &a.rita,
            "update_candidate",
            &[
                ("candidate", &candidate),
                ("full_name", &m.name()),
                ("email", &m.new_email()),
                ("phone", &m.phone()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "rectified");
    let res = app
        .call(
            &a.rita,
            "add_application_note",
            &[
                ("application", &application),
                ("note", &format!("{} called, {}", m.name(), m.text("note"))),
                ("candidate", &candidate),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "note");

    let res = app
        .call(
            &a.rita,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &candidate),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
                ("location", &m.text("room")),
            ],
        )
        .await;
    let interview = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/interviews/")
        .to_owned();
    app.call(
        &a.rita,
        "assign_interviewer",
        &[("interview", &interview), ("interviewer", &a.ivan_id)],
    )
    .await;
    let res = app
        .call(
            &a.ivan,
            "save_score",
            &[
                ("interview", &interview),
                ("criterion", &a.criterion),
                ("score", "4"),
                (
                    "evidence",
                    &format!("{} said {}", m.name(), m.text("evidence")),
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "score");
    let transcript = format!(
        "WEBVTT\n\n00:00.000 --> 00:01.000\n<v {}>{}\n",
        m.name(),
        m.text("transcript")
    );
    let res = app
        .upload(
            &a.ivan,
            &UPLOAD_INTERVIEW_FILE.at(&interview),
            &[("kind", "transcript")],
            Some(("file", &format!("{}.vtt", m.tag), transcript.into_bytes())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "transcript");

    // The candidate's own requests, and the staff's words about them.
    let privacy = privacy_session(app, &m.new_email()).await;
    file_request(app, &privacy, "rectification", &m.text("details")).await;
    let id = request_id(app, a, "rectification", &candidate).await;
    let quoting = format!(
        "{} ({}) asked; {}",
        m.name(),
        m.new_email(),
        m.text("staff")
    );
    for (step, months) in [("extend", "1"), ("complete", "")] {
        let res = app
            .call(
                &a.rita,
                "update_data_request",
                &[
                    ("id", &id),
                    ("step", step),
                    ("months", months),
                    ("text", &quoting),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{step}");
    }
    post_api(
        app,
        &a.key,
        &format!("/api/v1/applications/{application}/decision"),
        &json!({"decision": "rejected", "reason": format!("{} lacked {}", m.name(), m.text("reason")),
                "decided_by": a.rita_id}),
        &format!("decide-{}", m.tag),
    )
    .await;
    if deletion {
        file_request(app, &privacy, "deletion", &m.text("erase")).await;
    }
    Planted { candidate }
}

async fn privacy_session(app: &TestApp, email: &str) -> Client {
    let res = app
        .call(
            &app.browser(),
            "request_privacy_link",
            &[("email", email), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = app.last_mail_to(email).await.expect("a privacy link");
    let token = app.link_in(&mail, "/c/privacy/");
    let browser = app.browser();
    let res = app
        .call(
            &browser,
            "open_privacy",
            &[
                ("token", token.trim_start_matches("/c/privacy/")),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    browser
}

async fn file_request(app: &TestApp, privacy: &Client, kind: &str, details: &str) {
    let res = app
        .call(
            privacy,
            "file_data_request",
            &[("kind", kind), ("details", details), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{kind} request");
}

async fn request_id(app: &TestApp, a: &Acme, kind: &str, candidate: &str) -> String {
    let q: Value = app
        .call(&a.rita, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    q["requests"]
        .as_array()
        .unwrap_or_else(|| panic!("{q}"))
        .iter()
        .find(|r| r["kind"] == kind && r["candidate"][0] == candidate)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("the {kind} request of {candidate}"))
}

/// The whole database as `pg_dump` writes it (schema and data), as the schema owner.
fn pg_dump(opts: &PgConnectOptions) -> String {
    let out = std::process::Command::new("pg_dump")
        .arg("--no-owner")
        .arg(crate::process::database_url(opts))
        .output()
        .expect("pg_dump (from postgresql-client)");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deleted_candidate_leaves_no_trace_in_the_database_the_file_store_or_the_log(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let (log, _capturing) = CapturedLog::start();
    let app = TestApp::spawn(opts.clone()).await;
    let a = acme(&app).await;
    let asked = Marked {
        tag: "xuliqa",
        digits: "7391284105",
    };
    let expired = Marked {
        tag: "xuliqb",
        digits: "7391285206",
    };
    let kept = Marked {
        tag: "xuliqc",
        digits: "7391286307",
    };
    let asked_ids = plant(&app, &a, &asked, true).await;
    plant(&app, &a, &expired, false).await;
    let kept_ids = plant(&app, &a, &kept, false).await;

    // Staff are warned before a clock ends: here for the first and the third, whose clocks are
    // made to end in a fortnight (as if decided a year ago; the API's stored answers about them,
    // kept a day, must still be there when the first is deleted).
    sqlx::query("UPDATE candidates SET retention_until = $1 WHERE public_id = ANY($2)")
        .bind(app.state.clock.now() + Duration::days(14))
        .bind(vec![
            asked_ids.candidate.clone(),
            kept_ids.candidate.clone(),
        ])
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(retention::sweep(&app.state).await.unwrap().warned, 2);
    let warned = warnings(&app).await;
    assert_eq!(warned.len(), 4, "two warnings, to Ada and to Rita");
    assert!(warned
        .iter()
        .any(|w| w.contains(&format!("/app/candidates/{}#retention", kept_ids.candidate))));

    // What she did herself was audited with her address; the events stay, the address goes.
    let targets: Vec<String> = sqlx::query_scalar(
        "SELECT public_id FROM candidates WHERE email = 'xuliqanew@example.org'
         UNION SELECT a.public_id FROM applications a JOIN candidates c ON c.id = a.candidate_id
               WHERE c.email = 'xuliqanew@example.org'
         UNION SELECT d.public_id FROM data_requests d JOIN candidates c ON c.id = d.candidate_id
               WHERE c.email = 'xuliqanew@example.org'",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(targets.len(), 4, "her record, application and two requests");
    let addressed = "SELECT count(*) FROM audit_events
         WHERE actor = 'candidate' AND source_addr IS NOT NULL AND target = ANY($1)";
    let count_addressed = || async {
        sqlx::query_scalar::<_, i64>(addressed)
            .bind(&targets)
            .fetch_one(&app.owner)
            .await
            .unwrap()
    };
    assert!(
        count_addressed().await >= 4,
        "consent, privacy and requests"
    );

    // The first is deleted on her request.
    let id = request_id(&app, &a, "deletion", &asked_ids.candidate).await;
    let res = app
        .call(
            &a.rita,
            "update_data_request",
            &[
                ("id", &id),
                ("step", "complete"),
                ("text", "Done"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(retention::sweep(&app.state).await.unwrap().deleted, 1);
    app.deliver_mail().await;
    app.seal_audit().await;
    assert_no_trace(&app, &opts, &log, &asked);
    assert_eq!(
        count_addressed().await,
        0,
        "her address is erased from the audit log"
    );
    assert!(
        app.count(
            "SELECT count(*) FROM audit_events WHERE actor = 'candidate' AND source_addr IS NOT NULL"
        )
        .await
            > 0,
        "the others' addresses stay"
    );

    // The scan sees what is there: every kind of trace of the kept candidate is in the dump.
    let dump = pg_dump(&opts);
    for what in [
        kept.name(),
        kept.old_email(),
        kept.new_email(),
        kept.phone(),
        kept.text("note"),
        kept.text("evidence"),
        kept.text("room"),
        kept.text("reason"),
        kept.text("details"),
        kept.text("staff"),
        format!("{}-cv.txt", kept.tag),
    ] {
        assert!(dump.contains(&what), "{what} is in the dump");
    }
    let kept_answers: Vec<String> = sqlx::query_scalar(
        "SELECT response_body FROM api_idempotency WHERE idempotency_key LIKE '%-xuliqc'",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(kept_answers.len(), 2);
    assert!(kept_answers.iter().all(|a| a.contains(&kept.name())));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM email_outbox e JOIN candidates c ON c.id = e.candidate_id
             WHERE e.template = 'retention_warning'"
        )
        .await,
        2,
        "the warnings about the kept candidate"
    );
    assert!(
        log.text().contains("\"request_id\""),
        "the log was captured"
    );
    assert_eq!(
        app.stored_files().len(),
        4,
        "CVs and transcripts of the other two"
    );

    // The clock of the second runs out; the third is on hold.
    let res = app
        .call(
            &a.ada,
            "set_legal_hold",
            &[
                ("candidate", &kept_ids.candidate),
                ("reason", "Litigation"),
                ("until", "2029-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.state.clock.advance(Duration::days(351));
    assert_eq!(retention::sweep(&app.state).await.unwrap().warned, 1);
    let warned = warnings(&app).await;
    assert_eq!(warned.len(), 6);
    for m in [&asked, &expired, &kept] {
        for warning in &warned {
            assert_eq!(m.found_in(warning), Vec::<String>::new(), "{warning}");
        }
    }
    app.state.clock.advance(Duration::days(20));
    assert_eq!(retention::sweep(&app.state).await.unwrap().deleted, 1);
    app.deliver_mail().await;
    app.seal_audit().await;
    assert_no_trace(&app, &opts, &log, &expired);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
    assert_eq!(
        app.stored_files().len(),
        2,
        "the kept candidate's CV and transcript"
    );
}

/// Every retention warning delivered so far.
async fn warnings(app: &TestApp) -> Vec<String> {
    app.deliver_mail()
        .await
        .into_iter()
        .map(|m| decode_qp(&m))
        .filter(|m| m.contains("will be deleted on"))
        .collect()
}

fn assert_no_trace(app: &TestApp, opts: &PgConnectOptions, log: &CapturedLog, m: &Marked) {
    assert_eq!(m.found_in(&pg_dump(opts)), Vec::<String>::new(), "pg_dump");
    assert_eq!(m.found_in(&log.text()), Vec::<String>::new(), "the log");
    for (path, bytes) in app.stored_files() {
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(
            m.found_in(&text),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
    }
}
