//! `/metrics` (issue 6, item 8): on its own address, counting requests per route
//! pattern (never a raw path with ids or tokens) and reporting the queues that must not grow, in
//! OpenMetrics that the reference parsers of both formats read (issue 24; Python's
//! `prometheus_client`, installed by `scripts/setup --test`).

use crate::helpers::{TestApp, PASSWORD};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::io::Write;
use std::process::{Command, Stdio};

/// What Prometheus itself sends when it scrapes.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0;q=0.5,\
    application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";

async fn scrape(app: &TestApp) -> String {
    let res = reqwest::get(format!("{}/metrics", app.metrics_base))
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
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
    assert!(
        text.contains(
            r#"candor_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/healthz"}"#
        ),
        "{text}"
    );
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

/// The families `document` holds as the reference parser reads it (`openmetrics`: the
/// OpenMetrics parser, else the Prometheus text one): `[{name, type, samples: [{name, labels,
/// value}]}]`. A document the parser refuses fails the test with the parser's words.
fn parse(document: &str, openmetrics: bool) -> Value {
    let tools = std::env::var("CANDOR_TOOLS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/candor",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let module = if openmetrics {
        "prometheus_client.openmetrics.parser"
    } else {
        "prometheus_client.parser"
    };
    let script = format!(
        "import json, sys\n\
         from {module} import text_string_to_metric_families as parse\n\
         print(json.dumps([{{'name': f.name, 'type': f.type, 'samples': [\n\
             {{'name': s.name, 'labels': s.labels, 'value': s.value}} for s in f.samples]}}\n\
             for f in parse(sys.stdin.read())]))"
    );
    let mut child = Command::new(format!("{tools}/prometheus-client/bin/python"))
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the prometheus_client venv (scripts/setup --test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{module} refused the document: {}\n{document}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (family, type) of every family, and every sample as (name, labels, value), sorted.
type Model = (Vec<(String, String)>, Vec<(String, String, f64)>);

fn model(families: &Value) -> Model {
    let mut kinds = Vec::new();
    let mut samples = Vec::new();
    for f in families.as_array().unwrap() {
        kinds.push((
            f["name"].as_str().unwrap().to_owned(),
            f["type"].as_str().unwrap().to_owned(),
        ));
        for s in f["samples"].as_array().unwrap() {
            // A bucket's bound is a number: `1.0` in OpenMetrics is `1` in the text format.
            let mut labels = s["labels"].clone();
            if let Some(le) = labels.get_mut("le") {
                let bound: f64 = le.as_str().unwrap().parse().unwrap();
                *le = Value::from(bound.to_string());
            }
            samples.push((
                s["name"].as_str().unwrap().to_owned(),
                labels.to_string(),
                s["value"].as_f64().unwrap(),
            ));
        }
    }
    kinds.sort();
    samples.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    (kinds, samples)
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_are_openmetrics_that_both_reference_parsers_read_alike(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    for path in ["/healthz", "/healthz", "/readyz", "/login", "/no-such-page"] {
        reqwest::get(app.url(path)).await.unwrap();
    }
    let client = reqwest::Client::new();
    let mut documents = Vec::new();
    for accept in [
        None,
        Some(PROMETHEUS_ACCEPT),
        Some("text/plain;version=0.0.4"),
    ] {
        let mut request = client.get(format!("{}/metrics", app.metrics_base));
        if let Some(accept) = accept {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        assert_eq!(
            res.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        documents.push(res.text().await.unwrap());
    }
    let document = &documents[0];
    assert!(document.ends_with("# EOF\n"), "{document}");

    let strict = model(&parse(document, true));
    for kind in [
        ("candor_http_requests", "counter"),
        ("candor_http_request_duration_seconds", "histogram"),
        ("candor_backlog", "gauge"),
    ] {
        let kind = (kind.0.to_owned(), kind.1.to_owned());
        assert!(strict.0.contains(&kind), "{kind:?} in {:?}", strict.0);
    }
    let healthz = strict
        .1
        .iter()
        .find(|(name, labels, _)| {
            name == "candor_http_requests_total"
                && labels.contains(r#""route":"/healthz""#)
                && labels.contains(r#""status":"200""#)
        })
        .unwrap_or_else(|| panic!("{:?}", strict.1));
    assert_eq!(healthz.2, 2.0);
    // The text format's parser reads the same samples (it types a counter only when its family
    // is named with `_total`, so it reads these counters as untyped). The scrapes themselves
    // are not counted (another router), so every document holds the same numbers.
    assert_eq!(model(&parse(document, false)).1, strict.1);
    for other in &documents[1..] {
        assert_eq!(model(&parse(other, true)), strict);
    }
}
