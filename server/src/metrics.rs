//! `/metrics` in Prometheus text format on its own listen address (never the public one):
//! request counts and latency per route, and operational gauges read at scrape time.

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use candor_app::backend::{db, state::AppState};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
};
use std::sync::Arc;
use std::time::Instant;

/// One registry per portal process (tests run several in one binary).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    gauges: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("candor".into()), None).expect("a static prefix is valid");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("static metric definition");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ]),
            &["route", "method"],
        )
        .expect("static metric definition");
        let gauges = IntGaugeVec::new(
            Opts::new(
                "backlog",
                "Work waiting: outbox depth, retention backlog, DSARs near their deadline",
            ),
            &["queue"],
        )
        .expect("static metric definition");
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(gauges.clone()),
        ] {
            registry.register(m).expect("each metric registered once");
        }
        Self {
            registry,
            requests,
            latency,
            gauges,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts and times every request under its route pattern (never the raw path: ids and tokens
/// stay out of the labels).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .with_label_values(&[&route, &method])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[&route, &method, response.status().as_str()])
        .inc();
    response
}

/// The scrape endpoint's router, served on `CANDOR_METRICS_LISTEN`.
pub fn router(state: AppState, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state((state, metrics))
}

async fn scrape(State((state, metrics)): State<(AppState, Arc<Metrics>)>) -> Response {
    match db::metrics::gauges(state.db.system_pool(), state.clock.now()).await {
        Ok(g) => {
            for (queue, value) in [
                ("outbox", g.outbox_depth),
                ("retention", g.retention_backlog),
                ("dsar_near_deadline", g.dsar_near_deadline),
            ] {
                metrics.gauges.with_label_values(&[queue]).set(value);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics gauges"),
    }
    let mut body = Vec::new();
    if prometheus::TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut body)
        .is_err()
    {
        return http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(http::header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
        body,
    )
        .into_response()
}
