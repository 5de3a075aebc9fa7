//! Single sign-on (F2) against a real OpenID Connect provider (npm `oidc-provider`) started for the
//! test, once as Google and once as Microsoft: code flow with PKCE, state and nonce, signed ID
//! tokens; only existing users of an organisation that enabled the provider for their domain.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::process::{Child, Command, Stdio};

const SECRET: &str = "candor-test-secret-0123456789abcdef";

/// A provider process, killed with the test.
struct Provider {
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn provider(port: u16, redirect_uri: &str, id_token_ttl: u32) -> Provider {
    let mut child = Command::new("node")
        .arg("../end2end/oidc/provider.mjs")
        .env("PORT", port.to_string())
        .env("CLIENT_ID", "candor")
        .env("CLIENT_SECRET", SECRET)
        .env("REDIRECT_URI", redirect_uri)
        .env("ID_TOKEN_TTL", id_token_ttl.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the test provider (scripts/setup --test installs it)");
    let issuer = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Provider { child };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the test OpenID provider did not start");
}

struct Setup {
    app: TestApp,
    _google: Provider,
    _microsoft: Provider,
}

/// The portal with both providers configured (each a provider process) and two organisations:
/// Acme enables Google for acme.example; Rival enables nothing.
async fn setup(opts: PgConnectOptions, id_token_ttl: u32) -> Setup {
    let (g, m, portal) = (free_port(), free_port(), free_port());
    let base = format!("http://127.0.0.1:{portal}");
    let env_g = format!("http://127.0.0.1:{g}");
    let env_m = format!("http://127.0.0.1:{m}");
    let app = TestApp::spawn_on(
        opts,
        portal,
        &[
            ("CANDOR_SSO_GOOGLE_CLIENT_ID", "candor"),
            ("CANDOR_SSO_GOOGLE_CLIENT_SECRET", SECRET),
            ("CANDOR_SSO_GOOGLE_ISSUER", &env_g),
            ("CANDOR_SSO_MICROSOFT_CLIENT_ID", "candor"),
            ("CANDOR_SSO_MICROSOFT_CLIENT_SECRET", SECRET),
            ("CANDOR_SSO_MICROSOFT_ISSUER", &env_m),
        ],
    )
    .await;
    let google = provider(g, &format!("{base}/auth/sso/google/callback"), id_token_ttl).await;
    let microsoft = provider(
        m,
        &format!("{base}/auth/sso/microsoft/callback"),
        id_token_ttl,
    )
    .await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("unverified-ian@acme.example", "interviewer"),
            ("otto@outside.example", "recruiter"),
        ],
    )
    .await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = app
        .call(
            &ada,
            "set_sso_provider",
            &[("provider", "google"), ("domains", "acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    Setup {
        app,
        _google: google,
        _microsoft: microsoft,
    }
}

/// Follows the browser's redirects from `start` through the provider, stopping at the portal's
/// callback; returns the callback URL.
async fn to_callback(app: &TestApp, client: &Client, provider: &str, email: &str) -> String {
    let mut url = app.url(&format!("/auth/sso/{provider}/start?email={email}"));
    for _ in 0..10 {
        let res = client.get(&url).send().await.unwrap();
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let next = reqwest::Url::parse(&url)
            .unwrap()
            .join(&location)
            .unwrap()
            .to_string();
        if next.starts_with(&app.url("/auth/sso/")) {
            return next;
        }
        url = next;
    }
    panic!("never came back from the provider");
}

async fn finish(client: &Client, callback: &str) -> String {
    let res = client.get(callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_enabled_colleague_signs_in_through_the_provider_and_nobody_else(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let s = setup(opts, 600).await;
    let app = &s.app;

    // Rita, an existing recruiter of Acme with an acme.example address: in.
    let rita = app.browser();
    let callback = to_callback(app, &rita, "google", "rita@acme.example").await;
    assert!(callback.contains("code=") && callback.contains("state="));
    assert_eq!(finish(&rita, &callback).await, "/app");
    assert_eq!(
        app.call(&rita, "current_user", &[]).await.status(),
        StatusCode::OK
    );

    // The same answer from the provider, replayed: the attempt is spent.
    assert_eq!(finish(&rita, &callback).await, "/login?error=sso_refused");
    let thief = app.browser();
    assert_eq!(finish(&thief, &callback).await, "/login?error=sso_refused");
    assert_eq!(
        app.call(&thief, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A changed state is refused (and spends the attempt).
    let other = app.browser();
    let callback = to_callback(app, &other, "google", "rita@acme.example").await;
    let forged = callback.replace("state=", "state=x");
    assert_eq!(finish(&other, &forged).await, "/login?error=sso_refused");
    assert_eq!(finish(&other, &callback).await, "/login?error=sso_refused");

    // Nobody else: an unknown address, another organisation's admin (Rival enabled nothing),
    // a colleague outside the enabled domain, an address the provider has not verified, and
    // Microsoft, which Acme did not enable.
    for (provider, email) in [
        ("google", "nobody@acme.example"),
        ("google", "rex@rival.example"),
        ("google", "otto@outside.example"),
        ("google", "unverified-ian@acme.example"),
        ("microsoft", "rita@acme.example"),
    ] {
        let client = app.browser();
        let callback = to_callback(app, &client, provider, email).await;
        assert_eq!(
            finish(&client, &callback).await,
            "/login?error=sso_refused",
            "{provider} {email}"
        );
        assert_eq!(
            app.call(&client, "current_user", &[]).await.status(),
            StatusCode::UNAUTHORIZED,
            "{email}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'nobody@acme.example'")
            .await,
        0,
        "no account is created"
    );
    assert!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'auth.sso.refused'")
            .await
            >= 2
    );

    // Once Acme enables Microsoft too, the same colleague gets in through it.
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    app.call(
        &ada,
        "set_sso_provider",
        &[("provider", "microsoft"), ("domains", "acme.example")],
    )
    .await;
    let client = app.browser();
    let callback = to_callback(app, &client, "microsoft", "rita@acme.example").await;
    assert_eq!(finish(&client, &callback).await, "/app");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_still_gives_the_second_factor_after_the_provider(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let s = setup(opts, 600).await;
    let app = &s.app;
    let client = app.browser();
    let callback = to_callback(app, &client, "google", "ada@acme.example").await;
    assert_eq!(finish(&client, &callback).await, "/login/two-factor");
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app.pass_second_factor(&client, "ada@acme.example").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_id_token_is_refused(_: PgPoolOptions, opts: PgConnectOptions) {
    // ID tokens live one minute; the portal's clock moves three minutes on before the browser
    // comes back (within the ten minutes an attempt may take).
    let s = setup(opts, 60).await;
    let app = &s.app;
    let client = app.browser();
    let callback = to_callback(app, &client, "google", "rita@acme.example").await;
    app.state.clock.advance(time::Duration::minutes(3));
    assert_eq!(finish(&client, &callback).await, "/login?error=sso_refused");
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invitee_joins_through_the_provider_only_with_the_invited_address(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let s = setup(opts, 600).await;
    let app = &s.app;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = app
        .call(
            &ada,
            "invite_user",
            &[
                ("email", "rae@acme.example"),
                ("display_name", "Rae Recruiter"),
                ("role", "recruiter"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = app.last_mail_to("rae@acme.example").await.unwrap();
    let token = app
        .link_in(&mail, "/invite/")
        .trim_start_matches("/invite/")
        .to_owned();

    // Someone else's account at the provider cannot use Rae's invitation.
    let intruder = app.browser();
    let callback = to_callback(
        app,
        &intruder,
        "google",
        &format!("rita@acme.example&invite={token}"),
    )
    .await;
    assert_eq!(
        finish(&intruder, &callback).await,
        "/login?error=sso_refused"
    );
    assert_eq!(
        app.call(&intruder, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Rae herself joins (the link is still good) and is signed in at once, once.
    let rae = app.browser();
    let callback = to_callback(
        app,
        &rae,
        "google",
        &format!("rae@acme.example&invite={token}"),
    )
    .await;
    assert_eq!(finish(&rae, &callback).await, "/app");
    let me: serde_json::Value = app
        .call(&rae, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "recruiter");
    assert_eq!(me["display_name"], "Rae Recruiter");
    let res = app
        .call(
            &app.browser(),
            "accept_invitation",
            &[
                ("token", &token),
                ("display_name", "X"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE, "the invitation is spent");
}
