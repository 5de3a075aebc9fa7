//! The security baseline: rate limits (S7), client address (S8), CSRF (S5), headers and CSP (S6),
//! body limits (S9), request ids and opaque errors (S14).

use crate::helpers::{TestApp, PASSWORD};
use candor_app::backend::{clock::Clock, rate_limit};
use candor_app::domain::rate_limit::Policy;
use candor_app::error::AppError;
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn wrong_sign_in(
    app: &TestApp,
    email: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .browser()
        .post(app.url("/fn/sign_in"))
        .header("accept", "application/json")
        .header("origin", &app.base)
        .form(&[("email", email), ("password", "definitely wrong")]);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_of_sign_ins_is_limited_per_account_and_the_limit_survives_a_restart(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts.clone()).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    for _ in 0..10 {
        assert_eq!(
            wrong_sign_in(&app, "ada@acme.example", None).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = wrong_sign_in(&app, "ada@acme.example", None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Even the right password is refused while limited.
    let right = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "ada@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);

    // The portal restarts (a new instance on the same database): still limited.
    drop(app);
    let restarted = TestApp::spawn_sharing(opts, &[], Clock::default()).await;
    assert_eq!(
        wrong_sign_in(&restarted, "ada@acme.example", None)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(
        restarted
            .count("SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in.rate_limited'")
            .await
            >= 1
    );
}

fn policy(name: &'static str, limit: u32) -> Policy {
    Policy {
        name,
        limit,
        window: time::Duration::minutes(15),
    }
}

/// One sign-in attempt's statement (`users::sign_in_attempt`): its hits against `limits`
/// counted, and the account with `email` read. Returns the decision, each bucket's count in the
/// order of `limits`, and the account's role.
async fn sign_in_attempt(
    app: &TestApp,
    limits: &[(Policy, &str)],
    email: Option<&str>,
) -> (Result<(), AppError>, Vec<i64>, Option<String>) {
    let hits = rate_limit::Hits::new(limits, app.state.clock.now());
    let attempt = candor_app::backend::db::users::sign_in_attempt(
        app.state.db.app_pool(),
        &hits.buckets,
        &hits.window_starts,
        email,
    )
    .await
    .unwrap();
    let counts = hits
        .buckets
        .iter()
        .filter_map(|bucket| attempt.counted.iter().find(|(b, _, _)| b == bucket))
        .map(|(_, count, _)| *count)
        .collect();
    (
        hits.decide(&attempt.counted),
        counts,
        attempt.account.map(|(_, c)| c.role),
    )
}

/// Sign-in counts its address's and its account's hits in one statement. Each counts whatever
/// the other decides; concurrent attempts naming the same buckets in either order never deadlock
/// and lose no hit.
#[sqlx::test(migrations = "../migrations")]
async fn hits_counted_together_each_count_and_never_deadlock(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (tight, loose) = (policy("test:tight", 2), policy("test:loose", 1000));
    let both = [(tight, "198.51.100.1"), (loose, "ada@acme.example")];
    for attempt in 1..=4 {
        let (decided, counts, _) = sign_in_attempt(&app, &both, None).await;
        assert_eq!(
            matches!(decided, Err(AppError::RateLimited { .. })),
            attempt > 2,
            "attempt {attempt}"
        );
        assert_eq!(
            counts,
            [attempt, attempt],
            "counted though the first refused"
        );
    }

    let (one, other) = (policy("test:one", 1000), policy("test:other", 1000));
    let calls = (0..40).map(|i| {
        let app = &app;
        async move {
            let forwards = [(one, "x"), (other, "y")];
            let backwards = [(other, "y"), (one, "x")];
            let order: &[(Policy, &str)] = if i % 2 == 0 { &forwards } else { &backwards };
            sign_in_attempt(app, order, None).await.1
        }
    });
    let mut counts: Vec<i64> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .flatten()
        .collect();
    counts.sort_unstable();
    let each_twice: Vec<i64> = (1..=40).flat_map(|n| [n, n]).collect();
    assert_eq!(counts, each_twice, "every hit counted once, none lost");
}

/// Sign-in counts its hits and reads the account in one statement: every attempt counts, whether
/// its address names an account, names none or is no address at all, and only a known address
/// reads an account. Once over the limit the attempt is refused, its hit counted all the same.
#[sqlx::test(migrations = "../migrations")]
async fn a_sign_in_attempt_counts_its_hits_whatever_the_account(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let (per_address, per_account) = (policy("test:address", 3), policy("test:account", 1000));
    let attempts = [
        (Some("ada@acme.example"), true),
        (Some("nobody@acme.example"), false),
        (None, false),
        (Some("ada@acme.example"), true),
    ];
    for (n, (email, known)) in (1..).zip(attempts) {
        let limits = [
            (per_address, "198.51.100.7"),
            (per_account, email.unwrap_or("not an address")),
        ];
        let (decided, counts, role) = sign_in_attempt(&app, &limits, email).await;
        assert_eq!(counts.len(), 2, "attempt {n}");
        assert_eq!(counts[0], n, "attempt {n}");
        assert_eq!(role.as_deref(), known.then_some("admin"), "attempt {n}");
        assert_eq!(
            matches!(decided, Err(AppError::RateLimited { .. })),
            n > 3,
            "attempt {n}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    // Twenty different accounts from one address, each claiming another origin.
    for i in 0..20 {
        let res = wrong_sign_in(
            &app,
            &format!("user{i}@acme.example"),
            Some(&format!("203.0.113.{i}")),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = wrong_sign_in(&app, "user99@acme.example", Some("198.51.100.99")).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the address limit still applies"
    );
    let spoofed = app
        .count("SELECT count(*) FROM audit_events WHERE source_addr <> '127.0.0.1'::inet")
        .await;
    assert_eq!(spoofed, 0, "the log records the real peer");
}

#[sqlx::test(migrations = "../migrations")]
async fn behind_a_trusted_proxy_the_forwarded_client_is_believed(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(opts, &[("CANDOR_TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    wrong_sign_in(&app, "someone@acme.example", Some("6.6.6.6, 198.51.100.7")).await;
    let addr: String = sqlx::query_scalar(
        "SELECT host(source_addr) FROM audit_events WHERE action = 'auth.sign_in.failed'",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(addr, "198.51.100.7");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_per_address_limit_counts_an_ipv6_client_by_its_64_and_a_mapped_ipv4_peer_as_ipv4(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use candor_app::domain::rate_limit::PRIVACY_LINK_PER_ADDRESS as POLICY;
    let app = TestApp::spawn_with(opts, &[("CANDOR_TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    // At the start of a window, so that the burst is counted in one.
    let now = app.state.clock.now();
    app.state
        .clock
        .advance(POLICY.window_start(now) + POLICY.window - now + time::Duration::seconds(1));
    let ask = |client: &'static str, n: u32| {
        let app = &app;
        async move {
            app.browser()
                .post(app.url("/fn/request_privacy_link"))
                .header("accept", "application/json")
                .header("origin", &app.base)
                .header("x-forwarded-for", client)
                .form(&[
                    ("email", format!("asker{n}@example.org").as_str()),
                    ("lang", "en"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Each address of one /64 takes from the same budget: a new address is no new budget.
    let hosts = ["2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:ffff::9"];
    for n in 0..POLICY.limit {
        assert_eq!(ask(hosts[n as usize % 2], n).await, StatusCode::OK, "{n}");
    }
    assert_eq!(
        ask(hosts[2], 100).await,
        StatusCode::TOO_MANY_REQUESTS,
        "another address of the same /64"
    );
    assert_eq!(
        ask("2001:db8:7:2::1", 101).await,
        StatusCode::OK,
        "the next /64"
    );

    // An IPv4 client, whether it arrives as IPv4 or as an IPv4-mapped IPv6 address.
    for n in 0..POLICY.limit {
        let client = if n % 2 == 0 {
            "203.0.113.9"
        } else {
            "::ffff:203.0.113.9"
        };
        assert_eq!(ask(client, 200 + n).await, StatusCode::OK, "{n}");
    }
    assert_eq!(
        ask("::ffff:203.0.113.9", 300).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(ask("203.0.113.9", 301).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ask("203.0.113.10", 302).await, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_and_reset_are_rate_limited(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    for i in 0..5 {
        let res = app
            .sign_up(&format!("Org {i}"), &format!("a{i}@acme.example"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app.sign_up("Org 6", "a6@acme.example").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));

    for _ in 0..3 {
        let res = app
            .call(
                &app.browser(),
                "request_password_reset",
                &[("email", "a1@acme.example")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .call(
            &app.browser(),
            "request_password_reset",
            &[("email", "a1@acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..3 {
        app.call(
            &app.browser(),
            "resend_verification",
            &[("email", "a2@acme.example")],
        )
        .await;
    }
    let res = app
        .call(
            &app.browser(),
            "resend_verification",
            &[("email", "a2@acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_of_token_guesses_is_rate_limited(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let mut last = StatusCode::OK;
    for i in 0..31 {
        let guess = format!("{:0>43}", i);
        last = app
            .call(&app.browser(), "verify_email", &[("token", &guess)])
            .await
            .status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last, StatusCode::GONE);
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cross_origin_post_is_refused(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    let attack = client
        .post(app.url("/fn/sign_out_other_sessions"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(attack.status(), StatusCode::FORBIDDEN);
    let logout = client
        .post(app.url("/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::OK,
        "still signed in"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'auth.other_sessions_revoked'")
            .await,
        0
    );
}

/// The portal's origin is its base URL's scheme, host and port: the same host over the other
/// scheme or on another port is another site, though the request reaches the same server.
#[sqlx::test(migrations = "../migrations")]
async fn a_post_from_the_same_host_over_another_scheme_or_port_is_refused(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let other_port = (port.parse::<u16>().unwrap() ^ 1).to_string();
    for origin in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{other_port}"),
        "http://127.0.0.1".to_owned(),
    ] {
        let res = client
            .post(app.url("/fn/sign_out_other_sessions"))
            .header("origin", &origin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'auth.other_sessions_revoked'")
            .await,
        0
    );
    let own = client
        .post(app.url("/fn/sign_out_other_sessions"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_https_portal_refuses_a_post_from_its_host_over_http(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(opts, &[("CANDOR_BASE_URL", "https://localhost")]).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let sign_in = |origin: &'static str| {
        app.browser()
            .post(app.url("/fn/sign_in"))
            .header("accept", "application/json")
            .header("host", "localhost")
            .header("origin", origin)
            .form(&[("email", "ada@acme.example"), ("password", PASSWORD)])
            .send()
    };
    assert_eq!(
        sign_in("http://localhost").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sign_in("https://localhost").await.unwrap().status(),
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_the_security_headers_and_a_fresh_nonce(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let mut nonces = Vec::new();
    for path in ["/login", "/login", "/healthz", "/fn/nope", "/no-such-page"] {
        let res = app.browser().get(app.url(path)).send().await.unwrap();
        let h = res.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
            "{path}"
        );
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(
            !script_src.contains("unsafe-inline"),
            "{path}: {script_src}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin");
        assert!(h["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age="));
        assert!(h["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"));
        assert!(!h.contains_key("server") && !h.contains_key("x-powered-by"));
        assert_eq!(h["x-request-id"].len(), 32);
        if path == "/login" {
            let nonce = script_src
                .split_whitespace()
                .find_map(|t| t.strip_prefix("'nonce-"))
                .unwrap()
                .trim_end_matches('\'')
                .to_owned();
            let html = res.text().await.unwrap();
            assert!(
                html.contains(&format!("nonce=\"{nonce}\"")),
                "scripts carry this response's nonce"
            );
            assert!(!html.contains("<script>"), "no script without a nonce");
            nonces.push(nonce);
        }
    }
    assert_ne!(nonces[0], nonces[1], "a nonce is never reused");
}

#[sqlx::test(migrations = "../migrations")]
async fn request_ids_are_ours_and_errors_reveal_nothing(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let res = app
        .browser()
        .get(app.url("/healthz"))
        .header("x-request-id", "attacker-chosen")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "attacker-chosen");
    let unknown = app.call(&app.browser(), "no_such_function", &[]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body = unknown.text().await.unwrap();
    assert!(!body.to_lowercase().contains("server function"), "{body}");
    let malformed = app
        .call(&app.browser(), "sign_in", &[("nonsense", "1")])
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn oversized_bodies_are_refused_before_any_work(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let huge = "x".repeat(100 * 1024);
    let res = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "a@acme.example"), ("password", &huge)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("SELECT count(*) FROM audit_events").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_follows_the_database(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let ok = app.browser().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    app.app_pool.close().await;
    let down = app.browser().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    let alive = app.browser().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(alive.status(), StatusCode::OK);
}

#[test]
fn production_mode_refuses_to_start_with_insecure_settings() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .env_clear()
        .env("CANDOR_ENV", "production")
        .env("CANDOR_BASE_URL", "http://candor.example.com")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("production mode refuses to start"),
        "{stderr}"
    );
    assert!(stderr.contains("CANDOR_BASE_URL must be https"), "{stderr}");
    assert!(stderr.contains("CANDOR_MASTER_KEY"), "{stderr}");
    assert!(stderr.contains("CANDOR_SIGNING_KEY"), "{stderr}");
}
