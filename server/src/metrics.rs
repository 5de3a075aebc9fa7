//! `/metrics` in OpenMetrics 1.0 on its own listen address (never the public one): request
//! counts and latency per route, and operational gauges read at scrape time. Parsers of the
//! older Prometheus text format read the document too (`# UNIT` and `# EOF` are comments to
//! them).

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use candor_app::backend::{db, state::AppState};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{
    counter::Counter, family::Family, gauge::Gauge, histogram::Histogram,
};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::Instant;

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Labels are written in field order: alphabetical, as series were named before.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
}

/// One registry per portal process (tests run several in one binary).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    gauges: Family<QueueLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ])
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("candor");
        let requests = Family::<RequestLabels, Counter>::default();
        // Counters get their `_total` suffix from the encoder.
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer, by route",
            Unit::Seconds,
            latency.clone(),
        );
        let gauges = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "backlog",
            "Work waiting: outbox depth, retention backlog, DSARs near their deadline",
            gauges.clone(),
        );
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
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_str().to_owned(),
        })
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
                metrics
                    .gauges
                    .get_or_create(&QueueLabels { queue })
                    .set(value);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics gauges"),
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &metrics.registry).is_err() {
        return http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(http::header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}
