//! The browser bundle under /pkg: sent compressed to a browser that accepts it, as built, and
//! revalidated rather than kept blindly.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = "../migrations")]
async fn the_bundle_is_sent_gzipped_to_a_browser_that_accepts_it_and_plain_otherwise(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let plain = b"\0asm\x01\0\0\0 the bundle as built".to_vec();
    let gzipped = b"\x1f\x8b the same bundle, compressed by build-site".to_vec();
    std::fs::write(pkg.join("candor.wasm"), &plain).unwrap();
    std::fs::write(pkg.join("candor.wasm.gz"), &gzipped).unwrap();
    std::fs::write(pkg.join("candor.css"), "body{}").unwrap();
    let root = site.path().to_string_lossy().into_owned();
    let app = TestApp::spawn_with(opts, &[("LEPTOS_SITE_ROOT", &root)]).await;
    let get = |path: &'static str, accept: Option<&'static str>| {
        let mut req = app.browser().get(app.url(path));
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        async move { req.send().await.unwrap() }
    };

    let compressed = get("/pkg/candor.wasm", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    assert_eq!(compressed.headers()["content-type"], "application/wasm");
    assert!(compressed.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("accept-encoding"));
    assert_eq!(compressed.headers()["cache-control"], "no-cache");
    let etag = compressed.headers()["etag"].clone();
    assert_eq!(compressed.bytes().await.unwrap(), gzipped);

    // Kept by the browser, it is checked each time and not sent again while unchanged.
    let unchanged = app
        .browser()
        .get(app.url("/pkg/candor.wasm"))
        .header("accept-encoding", "gzip")
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    // A client that does not take gzip, or refuses it outright, gets the file as it is.
    for accept in [None, Some("br"), Some("gzip;q=0")] {
        let as_built = get("/pkg/candor.wasm", accept).await;
        assert_eq!(as_built.status(), StatusCode::OK, "{accept:?}");
        assert!(
            as_built.headers().get("content-encoding").is_none(),
            "{accept:?}"
        );
        assert_eq!(as_built.bytes().await.unwrap(), plain, "{accept:?}");
    }

    // A file built without a compressed copy is still served.
    let css = get("/pkg/candor.css", Some("gzip")).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers().get("content-encoding").is_none());
    assert_eq!(css.text().await.unwrap(), "body{}");
}
