//! Development defaults never serve anyone else (issue 23, item 12): the real `candor serve` with
//! a base URL that is not a loopback address refuses to start on the published keys, the file
//! mailer, the embedded database, the test aids or `--demo`, whether `CANDOR_ENV` is unset or
//! `development`, and names what to set; given real values it starts.

use crate::process::Portal;
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::{Duration, Instant};

const PUBLIC_ORIGIN: &str = "https://candor.example.com";

/// `CANDOR_ENV` unset (the process inherits none from the tests) and set to `development`.
const DEVELOPMENT_MODES: [&[(&str, &str)]; 2] = [&[], &[("CANDOR_ENV", "development")]];

/// Starts `candor serve` with `env` and returns what it wrote once it exited, failing the test
/// if it exited successfully or began to serve.
async fn refused(opts: &PgConnectOptions, env: &[(&str, &str)]) -> String {
    let mut portal = Portal::start(opts, env);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = portal.wait_for_exit(Duration::from_millis(100)).await {
            assert!(!status.success(), "{env:?}: {status}");
            return portal.log();
        }
        let served = reqwest::get(portal.url("/healthz")).await.is_ok();
        assert!(
            !served,
            "the portal started with {env:?}:\n{}",
            portal.log()
        );
        assert!(
            Instant::now() < deadline,
            "the portal neither refused nor served with {env:?}:\n{}",
            portal.log()
        );
    }
}

/// Keys, SMTP and a database of its own: what a real deployment sets.
fn real_values() -> Vec<(&'static str, String)> {
    let key = || STANDARD.encode(rand::random::<[u8; 32]>());
    vec![
        ("CANDOR_BASE_URL", PUBLIC_ORIGIN.into()),
        ("CANDOR_MASTER_KEY", key()),
        ("CANDOR_SIGNING_KEY", key()),
        // Nothing is sent while the test runs: the address only has to be configured.
        ("CANDOR_SMTP_URL", "smtp://127.0.0.1:2525".into()),
        (
            "CANDOR_MAIL_FROM",
            "Candor <no-reply@candor.example.com>".into(),
        ),
    ]
}

fn with<'a>(base: &'a [(&'a str, String)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(more);
    env
}

#[sqlx::test(migrations = "../migrations")]
async fn a_public_portal_on_development_defaults_refuses_to_start_whatever_candor_env_says(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    for mode in DEVELOPMENT_MODES {
        let mut env = vec![
            ("CANDOR_BASE_URL", PUBLIC_ORIGIN),
            // Unset: the embedded database.
            ("DATABASE_URL", ""),
            ("CANDOR_EXPOSE_AUTHZ", "1"),
        ];
        env.extend_from_slice(mode);
        let log = refused(&opts, &env).await;
        for named in [
            "CANDOR_BASE_URL https://candor.example.com/ is not a loopback address",
            "CANDOR_MASTER_KEY is missing or the development key: set it to 32 random bytes",
            "CANDOR_SIGNING_KEY is missing or the development key: set it to a 32-byte Ed25519 seed",
            "DATABASE_URL is missing, so the embedded development database would run",
            "CANDOR_SMTP_URL is missing, so e-mail would only be written to files",
            "CANDOR_EXPOSE_AUTHZ is a test aid",
        ] {
            assert!(log.contains(named), "{mode:?}: {named:?} not in:\n{log}");
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_public_portal_refuses_each_development_default_alone(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let real = real_values();
    for (key, default) in [
        ("CANDOR_MASTER_KEY", candor_server::config::DEV_MASTER_KEY),
        ("CANDOR_SIGNING_KEY", candor_server::config::DEV_SIGNING_KEY),
        ("CANDOR_SMTP_URL", ""),
        ("CANDOR_EXPOSE_AUTHZ", "1"),
        ("CANDOR_DEMO", "true"),
    ] {
        let log = refused(&opts, &with(&real, &[(key, default)])).await;
        assert!(
            log.contains("is not a loopback address, so the portal refuses to start"),
            "{key}:\n{log}"
        );
        let named = if key == "CANDOR_DEMO" {
            "--demo (CANDOR_DEMO)"
        } else {
            key
        };
        assert!(log.contains(named), "{key}:\n{log}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_public_portal_with_real_values_starts_in_either_mode(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let real = real_values();
    for mode in [
        DEVELOPMENT_MODES[0],
        DEVELOPMENT_MODES[1],
        &[("CANDOR_ENV", "production")],
    ] {
        let portal = Portal::spawn(&opts, &with(&real, mode)).await;
        let ready = reqwest::get(portal.url("/readyz")).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK, "{mode:?}");
    }
}
