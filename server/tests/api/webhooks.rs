//! The e-mail provider's webhook (S15): only a correctly signed, fresh event is read; a bounce or
//! complaint suppresses the address so nothing more is sent to it; a replayed event counts once.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::backend::webhooks::{signature, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const SECRET: &str = "whsec_0123456789abcdef0123456789abcdef";

async fn deliver(app: &TestApp, body: &str, ts: i64, sig: Option<String>) -> reqwest::Response {
    let ts = ts.to_string();
    let sig = sig.unwrap_or_else(|| signature(SECRET.as_bytes(), &ts, body.as_bytes()));
    reqwest::Client::new()
        .post(app.url("/webhooks/email-events"))
        .header(TIMESTAMP_HEADER, &ts)
        .header(SIGNATURE_HEADER, sig)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

fn now(app: &TestApp) -> i64 {
    app.state.clock.now().unix_timestamp()
}

async fn suppressed(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM email_suppressions").await
}

#[sqlx::test(migrations = "../migrations")]
async fn only_a_signed_fresh_event_is_read_and_a_bounce_stops_further_mail(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(opts, &[("CANDOR_EMAIL_WEBHOOK_SECRET", SECRET)]).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let body = r#"{"id":"evt-1","type":"bounce","email":"Grace@Example.org"}"#;

    // Forged, tampered, stale, future, unsigned: all refused alike, nothing recorded.
    let t = now(&app);
    let forged = signature(b"not the secret", &t.to_string(), body.as_bytes());
    let tampered_sig = signature(SECRET.as_bytes(), &t.to_string(), body.as_bytes());
    let cases: Vec<(String, i64, Option<String>)> = vec![
        (body.into(), t, Some(forged)),
        (body.replace("Grace", "Alan"), t, Some(tampered_sig)),
        (body.into(), t - 301, None),
        (body.into(), t + 301, None),
        (body.into(), t, Some("v1=".into())),
    ];
    for (b, ts, sig) in cases {
        let res = deliver(&app, &b, ts, sig).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let res = reqwest::Client::new()
        .post(app.url("/webhooks/email-events"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no headers");
    assert_eq!(suppressed(&app).await, 0);

    // A signed event that is not JSON we take is the sender's mistake, after verification.
    assert_eq!(
        deliver(&app, "not json", t, None).await.status(),
        StatusCode::BAD_REQUEST
    );

    // Mail queued to the address before the bounce is held back.
    let rec = app
        .call(&ada, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = rec.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    app.call(
        &ada,
        "add_candidate",
        &[
            ("recruitment", &rec),
            ("full_name", "Grace Hopper"),
            ("email", "grace@example.org"),
        ],
    )
    .await;
    assert_eq!(
        deliver(&app, body, now(&app), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(suppressed(&app).await, 1);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT email_sha256 FROM email_suppressions")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains("grace"),
        "only a hash is kept"
    );
    let delivered = app.deliver_mail().await;
    assert!(
        delivered.iter().all(|m| !m.contains("grace@example.org")),
        "nothing reaches a bounced address"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE recipient = 'grace@example.org' AND suppressed_at IS NOT NULL AND text_body IS NULL").await,
        1
    );

    // Mail queued after the bounce is held back too; other addresses still get theirs.
    app.call(
        &ada,
        "add_candidate",
        &[
            ("recruitment", &rec),
            ("full_name", "Alan Turing"),
            ("email", "alan@example.org"),
        ],
    )
    .await;
    sqlx::query("UPDATE email_outbox SET suppressed_at = NULL, text_body = 'again' WHERE recipient = 'grace@example.org'")
        .execute(&app.owner)
        .await
        .unwrap();
    let delivered = app.deliver_mail().await;
    assert!(delivered.iter().any(|m| m.contains("alan@example.org")));
    assert!(delivered.iter().all(|m| !m.contains("grace@example.org")));

    // The same event again is accepted and changes nothing; a complaint suppresses as well.
    assert_eq!(
        deliver(&app, body, now(&app), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.count("SELECT count(*) FROM webhook_events").await, 1);
    let soft = r#"{"id":"evt-2","type":"bounce","email":"temp@example.org","permanent":false}"#;
    assert_eq!(
        deliver(&app, soft, now(&app), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(suppressed(&app).await, 1, "a soft bounce does not suppress");
    let complaint = r#"{"id":"evt-3","type":"complaint","email":"alan@example.org"}"#;
    assert_eq!(
        deliver(&app, complaint, now(&app), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(suppressed(&app).await, 2);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'email.suppressed'")
            .await,
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_secret_the_endpoint_does_not_exist(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let body = r#"{"id":"evt-1","type":"bounce","email":"a@example.org"}"#;
    assert_eq!(
        deliver(&app, body, now(&app), None).await.status(),
        StatusCode::NOT_FOUND
    );
}
