//! E-mail through the transactional outbox: `.eml` files without SMTP (SPEC section 5), retries
//! with back-off, bodies cleared after delivery.

use crate::helpers::TestApp;
use candor_app::backend::mail::{outbox, Mailer};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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
