//! Gives every request an id (always ours: a client-sent id is ignored) and its resolved client
//! address, opens the request's tracing span, and returns the id in `x-request-id` (S14).

use super::client_addr;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use candor_app::backend::request::RequestMeta;
use http::HeaderValue;
use ipnet::IpNet;
use std::{net::SocketAddr, sync::Arc, time::Instant};
use tracing::Instrument;

pub async fn attach(
    State(trusted): State<Arc<Vec<IpNet>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = client_addr::resolve(peer.ip(), &forwarded, &trusted);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %crate::telemetry::loggable_path(request.uri().path()),
        client = %client,
    );
    request.extensions_mut().insert(RequestMeta {
        request_id: request_id.clone(),
        client_addr: client,
    });
    let started = Instant::now();
    async move {
        let mut response = next.run(request).await;
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request finished"
        );
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-request-id", v);
        }
        response
    }
    .instrument(span)
    .await
}
