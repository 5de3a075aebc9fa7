//! E-mail through the transactional outbox: `.eml` files without SMTP (SPEC section 5), retries
//! with back-off, bodies cleared after delivery.

use crate::helpers::{TestApp, PASSWORD};
use crate::process::Portal;
use candor_app::backend::mail::{outbox, Mailer};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::HashSet;
use time::Duration;

#[sqlx::test(migrations = "../migrations")]
async fn without_smtp_every_email_becomes_an_eml_file_and_its_body_is_cleared(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.sign_up("Acme", "ada@acme.example").await;
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
            .await,
        1
    );
    let files = app.deliver_mail().await;
    assert_eq!(files.len(), 1);
    let eml = &files[0];
    assert!(eml.contains("To: ada@acme.example"));
    assert!(eml.contains("Message-ID: <outbox-"));
    assert!(eml.contains("multipart/alternative"));
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE sent_at IS NOT NULL AND text_body IS NULL AND html_body IS NULL").await,
        1
    );
    // Delivering again sends nothing twice.
    assert_eq!(app.deliver_mail().await.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_email_waits_out_an_smtp_outage_and_is_delivered_once_it_ends(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.sign_up("Acme", "ada@acme.example").await;
    // Nothing listens on this port yet: the SMTP server is down.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let smtp = Mailer::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let from = "Candor <no-reply@candor.test>";
    let now = app.state.clock.now();
    let (sent, failed) = outbox::deliver_due(&app.owner, &smtp, from, now)
        .await
        .unwrap();
    assert_eq!((sent, failed), (0, 1));
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM email_outbox")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.is_some());
    // Not due again before the back-off.
    let (sent, failed) = outbox::deliver_due(&app.owner, &smtp, from, now)
        .await
        .unwrap();
    assert_eq!((sent, failed), (0, 0));

    // The server comes back; after the back-off the message goes out, exactly once.
    let sink = crate::smtp::Sink::default();
    sink.serve(port);
    app.state.clock.advance(Duration::seconds(6));
    let later = app.state.clock.now();
    let (sent, _) = outbox::deliver_due(&app.owner, &smtp, from, later)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let (sent, failed) = outbox::deliver_due(&app.owner, &smtp, from, later)
        .await
        .unwrap();
    assert_eq!((sent, failed), (0, 0));
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].contains("To: ada@acme.example"));
    assert!(received[0].contains("Subject: Confirm your e-mail address for Acme"));
    assert!(received[0].contains("multipart/alternative"));
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
            .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_email_is_queued_only_if_its_transaction_commits(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    // A sign-up that fails validation queues nothing.
    app.call(
        &app.browser(),
        "sign_up",
        &[
            ("org_name", "Acme"),
            ("display_name", "A"),
            ("email", "ada@acme.example"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(app.count("SELECT count(*) FROM email_outbox").await, 0);
}

/// Makes every transaction that writes a user or a candidate at `@doomed.example` fail at its
/// commit, after all else it did (its e-mail queued): a deferred constraint trigger on those
/// tables, checked only when the transaction commits. An e-mail queued outside the write's
/// transaction would outlive the failure.
async fn fail_commits_of_doomed_addresses(app: &TestApp) {
    sqlx::query(
        "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'the test refuses this commit'; END $$",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    for table in ["invitations", "candidates"] {
        sqlx::query(&format!(
            "CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT ON {table}
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
             WHEN (NEW.email LIKE '%@doomed.example') EXECUTE FUNCTION refuse_commit()"
        ))
        .execute(&app.owner)
        .await
        .unwrap();
    }
}

/// Everything an invitation or a new candidate leaves behind, e-mail included.
async fn traces_of_doomed_writes(app: &TestApp) -> i64 {
    app.count(
        "SELECT (SELECT count(*) FROM email_outbox WHERE recipient LIKE '%@doomed.example')
              + (SELECT count(*) FROM invitations WHERE email LIKE '%@doomed.example')
              + (SELECT count(*) FROM users WHERE email LIKE '%@doomed.example')
              + (SELECT count(*) FROM candidates WHERE email LIKE '%@doomed.example')
              + (SELECT count(*) FROM one_time_tokens WHERE purpose IN ('invite', 'consent'))",
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_that_fails_after_queueing_its_email_leaves_no_email_queued_or_sent(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = app
        .call(&ada, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    fail_commits_of_doomed_addresses(&app).await;
    let sent_before = app.deliver_mail().await.len();

    // An invitation and a new candidate each queue their e-mail, then their commit fails.
    let invited = app
        .call(
            &ada,
            "invite_user",
            &[
                ("email", "ivan@doomed.example"),
                ("display_name", "Ivan"),
                ("role", "interviewer"),
            ],
        )
        .await;
    let added = app
        .call(
            &ada,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", "Grace Hopper"),
                ("email", "grace@doomed.example"),
            ],
        )
        .await;
    for (what, res) in [("invite", invited), ("candidate", added)] {
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{what}");
    }
    assert_eq!(traces_of_doomed_writes(&app).await, 0);
    let sent = app.deliver_mail().await;
    assert_eq!(sent.len(), sent_before, "nothing delivered");
    assert!(!sent.iter().any(|m| m.contains("doomed.example")));

    // The same writes to other addresses commit with their e-mail: only the commit failed.
    let res = app
        .call(
            &ada,
            "invite_user",
            &[
                ("email", "ivan@acme.example"),
                ("display_name", "Ivan"),
                ("role", "interviewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(app.last_mail_to("ivan@acme.example").await.is_some());
}

/// Waits until one of the portal's statements starting with `statement` waits for a lock while
/// its transaction holds a row of `email_outbox` it inserted; returns that backend's pid.
async fn waiting_with_queued_mail(app: &TestApp, statement: &str) -> i32 {
    for _ in 0..400 {
        let pid: Option<i32> = sqlx::query_scalar(
            "SELECT a.pid FROM pg_stat_activity a
             WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
               AND a.query LIKE $1 || '%'
               AND EXISTS (SELECT 1 FROM pg_locks l
                           WHERE l.pid = a.pid AND l.relation = 'email_outbox'::regclass
                             AND l.mode = 'RowExclusiveLock' AND l.granted)",
        )
        .bind(statement)
        .fetch_optional(&app.owner)
        .await
        .unwrap();
        if let Some(pid) = pid {
            return pid;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let activity: Vec<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT state, wait_event_type, query FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    panic!("no statement {statement} waited with mail queued in its transaction: {activity:#?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_portal_killed_while_a_transaction_that_queued_email_is_open_sends_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let seed = TestApp::spawn(opts.clone()).await;
    seed.verified_admin("Acme", "ada@acme.example").await;
    seed.signed_in("ada@acme.example", PASSWORD).await;
    let mut portal = Portal::spawn(&opts, &[]).await;
    let ada = portal
        .signed_in_with(&seed, "ada@acme.example", PASSWORD)
        .await;

    // The invitation queues its e-mail, then waits to append its audit event: the test holds
    // the audit table.
    let mut holder = seed.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE audit_events IN EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let invite = {
        let (url, origin) = (portal.url("/fn/invite_user"), portal.base().to_owned());
        tokio::spawn(async move {
            ada.post(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::ORIGIN, origin)
                .form(&[
                    ("email", "ivan@acme.example"),
                    ("display_name", "Ivan"),
                    ("role", "interviewer"),
                ])
                .send()
                .await
        })
    };
    let backend = waiting_with_queued_mail(&seed, "INSERT INTO audit_events").await;
    portal.kill();
    assert!(
        invite.await.unwrap().is_err(),
        "the portal died mid-request"
    );
    holder.rollback().await.unwrap();
    // The orphaned transaction ends with its connection: it never commits.
    for _ in 0..400 {
        let alive = seed
            .count(&format!(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}"
            ))
            .await;
        if alive == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        seed.count(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}"
        ))
        .await,
        0,
        "the killed portal's transaction ended"
    );
    assert_eq!(
        seed.count(
            "SELECT (SELECT count(*) FROM email_outbox WHERE recipient = 'ivan@acme.example')
                  + (SELECT count(*) FROM users WHERE email = 'ivan@acme.example')"
        )
        .await,
        0
    );

    // Restarted, the portal's outbox worker sends what was committed (a reset link asked for
    // now) and never the invitation.
    portal.restart().await;
    let res = portal
        .call(
            &crate::process::browser(),
            "request_password_reset",
            &[("email", "ada@acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    portal
        .next_link(&mut HashSet::new(), "ada@acme.example", "/reset/")
        .await;
    let delivered = portal.delivered();
    assert!(
        !delivered
            .iter()
            .any(|(_, m)| m.contains("ivan@acme.example")),
        "the invitation of the killed transaction was sent"
    );
    assert_eq!(
        seed.count("SELECT count(*) FROM email_outbox WHERE recipient = 'ivan@acme.example'")
            .await,
        0
    );
}
