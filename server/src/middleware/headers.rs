//! Security headers on every response (S6), with a fresh CSP nonce per request that the page
//! shell puts on its scripts. Signed-in and tokenised pages are never cached; token pages are
//! never indexed.

use axum::{extract::Request, middleware::Next, response::Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use candor_app::backend::request::CspNonce;
use http::{header, HeaderName, HeaderValue};
use rand::RngCore;

pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub async fn apply(mut request: Request, next: Next) -> Response {
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = STANDARD.encode(bytes);
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(CspNonce(nonce.clone()));

    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut http::HeaderMap, name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    // A handler that set a stricter policy (file downloads: sandbox) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            header::CONTENT_SECURITY_POLICY,
            &content_security_policy(&nonce),
        );
    }
    set(
        h,
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=63072000; includeSubDomains",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
         microphone=(), payment=(), usb=(), interest-cohort=()",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    h.remove(header::SERVER);
    h.remove(HeaderName::from_static("x-powered-by"));
    if !path.starts_with("/pkg/") {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if candor_app::routes::is_token_page(&path) {
        set(
            h,
            HeaderName::from_static("x-robots-tag"),
            "noindex, nofollow",
        );
    }
    response
}
