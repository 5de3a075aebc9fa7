//! `/metrics` (issue 6, item 8): Prometheus text on its own address, counting requests per route
//! pattern (never a raw path with ids or tokens) and reporting the queues that must not grow.

use crate::helpers::{TestApp, PASSWORD};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn scrape(app: &TestApp) -> String {
    let res = reqwest::get(format!("{}/metrics", app.metrics_base))
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    res.text().await.unwrap()
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_and_queues_are_counted_on_the_private_address(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    for _ in 0..3 {
        reqwest::get(app.url("/healthz")).await.unwrap();
    }
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rec = app
        .call(&ada, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = rec.headers()["location"].to_str().unwrap().to_owned();
    ada.get(app.url(&rec)).send().await.unwrap();
    app.call(
        &ada,
        "add_candidate",
        &[
            ("recruitment", rec.trim_start_matches("/app/recruitments/")),
            ("full_name", "Grace Hopper"),
            ("email", "grace@example.org"),
        ],
    )
    .await;

    let text = scrape(&app).await;
    assert_eq!(
        value(
            &text,
            r#"candor_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    // Pages are labelled by their pattern: the recruitment's id is not in any label.
    let id = rec.trim_start_matches("/app/recruitments/");
    assert!(text.contains(r#"route="/app/recruitments/{id}""#), "{text}");
    assert!(!text.contains(id));
    assert!(text.contains(
        r#"candor_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.05"}"#
    ));
    // The consent request for Grace waits in the outbox until the worker runs.
    let outbox = value(&text, r#"candor_backlog{queue="outbox"}"#).unwrap();
    assert!(outbox >= 1.0, "{text}");
    app.deliver_mail().await;
    let after = value(&scrape(&app).await, r#"candor_backlog{queue="outbox"}"#).unwrap();
    assert_eq!(after, 0.0);
    for queue in ["retention", "dsar_near_deadline"] {
        assert!(value(&text, &format!(r#"candor_backlog{{queue="{queue}"}}"#)).is_some());
    }
    // Not on the public address.
    let public = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_ne!(public.status(), reqwest::StatusCode::OK);
}
