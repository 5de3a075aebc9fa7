//! Cross-site request forgery: a request that can change something (any method but GET, HEAD and
//! OPTIONS) is served only when it comes from the portal's own pages. The browser says so in
//! `Sec-Fetch-Site`; a browser that does not send it sends `Origin`, which must then be the
//! portal's whole origin (scheme, host and port of the base URL): the same host on another port
//! or over the other scheme is another origin, and so another site's page. A request with
//! neither header is not a browser's, and carries no ambient authority worth forging.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, HeaderMap, Method, StatusCode};
use std::sync::Arc;
use url::{Origin, Url};

/// The portal's origin, from its base URL.
#[derive(Clone, Debug)]
pub struct PortalOrigin(Arc<Origin>);

impl PortalOrigin {
    pub fn of(base_url: &Url) -> Self {
        Self(Arc::new(base_url.origin()))
    }

    fn is(&self, origin: &str) -> bool {
        Url::parse(origin).is_ok_and(|url| url.origin() == *self.0)
    }
}

pub async fn refuse_cross_origin_writes(
    State(portal): State<PortalOrigin>,
    request: Request,
    next: Next,
) -> Response {
    if is_read(request.method()) || comes_from(&portal, request.headers()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "Cross-origin request refused").into_response()
    }
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn comes_from(portal: &PortalOrigin, headers: &HeaderMap) -> bool {
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or("null"))
        .filter(|v| !v.is_empty());
    let site = headers
        .get("sec-fetch-site")
        .map(|v| v.as_bytes())
        .filter(|v| !v.is_empty());
    match (site, origin) {
        (Some(b"same-origin" | b"none"), _) => true,
        (_, Some(origin)) => portal.is(origin),
        (Some(_), None) => false,
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn portal(base: &str) -> PortalOrigin {
        PortalOrigin::of(&Url::parse(base).unwrap())
    }

    #[test]
    fn only_the_whole_origin_of_the_base_url_is_the_portals() {
        let http = portal("http://portal.example:8080/");
        assert!(comes_from(
            &http,
            &headers(&[("origin", "http://portal.example:8080")])
        ));
        assert!(!comes_from(
            &http,
            &headers(&[("origin", "https://portal.example:8080")])
        ));
        assert!(!comes_from(
            &http,
            &headers(&[("origin", "http://portal.example:8081")])
        ));
        assert!(!comes_from(
            &http,
            &headers(&[("origin", "http://portal.example")])
        ));
        assert!(!comes_from(&http, &headers(&[("origin", "null")])));
        let https = portal("https://portal.example");
        assert!(comes_from(
            &https,
            &headers(&[("origin", "https://portal.example")])
        ));
        assert!(comes_from(
            &https,
            &headers(&[("origin", "https://portal.example:443")])
        ));
        assert!(!comes_from(
            &https,
            &headers(&[("origin", "http://portal.example")])
        ));
        assert!(!comes_from(
            &https,
            &headers(&[("origin", "http://portal.example:443")])
        ));
    }

    #[test]
    fn the_browsers_fetch_metadata_decides_when_it_is_sent() {
        let p = portal("http://portal.example");
        assert!(comes_from(
            &p,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(comes_from(&p, &headers(&[("sec-fetch-site", "none")])));
        assert!(!comes_from(
            &p,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        assert!(!comes_from(
            &p,
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example")
            ])
        ));
        assert!(comes_from(
            &p,
            &headers(&[
                ("sec-fetch-site", "same-site"),
                ("origin", "http://portal.example")
            ])
        ));
        assert!(comes_from(&p, &HeaderMap::new()), "not a browser");
    }
}
