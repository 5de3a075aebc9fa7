//! S14: no secret reaches the log. The real binary at debug level goes through every one-time
//! link kind (invite, consent, consent management, privacy, reset, verification), an API key's
//! creation and use, and password sign-ins; then nothing it was given or gave out may appear in
//! what it wrote.

use crate::helpers::{TestApp, PASSWORD};
use crate::process::{self, Portal};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::{BTreeSet, HashSet};

const INVITEE_PASSWORD: &str = "invitee chooses tulip 7319";
const RESET_PASSWORD: &str = "after the reset comes 5582";
const SIGN_UP_PASSWORD: &str = "new organisation walnut 4410";

/// Every one-time link in the e-mails the portal sent, as (path prefix, token).
fn links_in(mails: &[(std::path::PathBuf, String)]) -> BTreeSet<(String, String)> {
    let mut links = BTreeSet::new();
    for (_, text) in mails {
        for prefix in [
            "/invite/",
            "/c/consent/",
            "/c/privacy/",
            "/reset/",
            "/verify-email/",
        ] {
            for (at, _) in text.match_indices(prefix) {
                let token: String = text[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                if candor_app::domain::token::looks_like_token(&token) {
                    links.insert((prefix.to_owned(), token));
                }
            }
        }
    }
    links
}

#[sqlx::test(migrations = "../migrations")]
async fn no_password_token_or_api_key_reaches_the_log_of_the_portal(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // Ada (admin, second factor enrolled) and Rita (recruiter), made in-process beforehand.
    let seed = TestApp::spawn(opts.clone()).await;
    seed.verified_admin("Acme", "ada@acme.example").await;
    seed.add_member("ada@acme.example", "rita@acme.example", "recruiter")
        .await;
    seed.signed_in("ada@acme.example", PASSWORD).await;
    let portal = Portal::spawn(&opts, &[("RUST_LOG", "debug")]).await;
    let mut seen = HashSet::new();
    let ok = |res: reqwest::Response, what: &str| {
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "{what}: {}",
            res.status()
        );
    };
    let open = |path: String| {
        let url = portal.url(&path);
        async move {
            let res = process::browser().get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
        }
    };

    // Invite: the link's page, then the invitee's own password.
    let ada = portal
        .signed_in_with(&seed, "ada@acme.example", PASSWORD)
        .await;
    let res = portal
        .call(
            &ada,
            "invite_user",
            &[
                ("email", "ivan@acme.example"),
                ("display_name", "Ivan"),
                ("role", "interviewer"),
            ],
        )
        .await;
    ok(res, "invite");
    let invite = portal
        .next_link(&mut seen, "ivan@acme.example", "/invite/")
        .await;
    open(format!("/invite/{invite}")).await;
    let res = portal
        .call(
            &process::browser(),
            "accept_invitation",
            &[
                ("token", &invite),
                ("display_name", "Ivan"),
                ("password", INVITEE_PASSWORD),
            ],
        )
        .await;
    ok(res, "accept the invitation");
    portal
        .signed_in_with(&seed, "ivan@acme.example", INVITEE_PASSWORD)
        .await;

    // An API key: created, shown once, used rightly and with a wrong secret.
    let res = portal
        .call(
            &ada,
            "create_api_key",
            &[("name", "Integration"), ("scope_read", "on")],
        )
        .await;
    ok(res, "create an API key");
    let view: serde_json::Value = portal
        .call(&ada, "api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    let key = view["fresh"][1].as_str().expect("the new key").to_owned();
    let secret = crate::helpers::key_secret(&key).to_owned();
    let lookup = key.split('_').nth(1).unwrap().to_owned();
    let wrong_secret = candor_app::backend::auth::tokens::RawToken::generate()
        .as_str()
        .to_owned();
    let api = |bearer: String| {
        let url = portal.url("/api/v1/candidates");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(bearer)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(key.clone()).await, StatusCode::OK);
    assert_eq!(
        api(format!("cnd_{lookup}_{wrong_secret}")).await,
        StatusCode::UNAUTHORIZED
    );

    // Consent: the request's link, then the management link of the confirmation.
    let rita = portal
        .signed_in_with(&seed, "rita@acme.example", PASSWORD)
        .await;
    let res = portal
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    let res = portal
        .call(
            &rita,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", "Grace Hopper"),
                ("email", "grace@example.org"),
            ],
        )
        .await;
    ok(res, "add a candidate");
    let consent = portal
        .next_link(&mut seen, "grace@example.org", "/c/consent/")
        .await;
    open(format!("/c/consent/{consent}")).await;
    let res = portal
        .call(
            &process::browser(),
            "give_consent",
            &[
                ("token", &consent),
                ("lang", "en"),
                ("evaluation", "yes"),
                ("recording", "yes"),
                ("transcription", "yes"),
                ("ai_support", "yes"),
            ],
        )
        .await;
    ok(res, "give consent");
    let manage = portal
        .next_link(&mut seen, "grace@example.org", "/c/consent/")
        .await;
    assert_ne!(manage, consent);
    open(format!("/c/consent/{manage}")).await;
    let res = portal
        .call(
            &process::browser(),
            "withdraw_consent",
            &[("token", &manage), ("lang", "en"), ("purpose", "recording")],
        )
        .await;
    ok(res, "withdraw consent");

    // Privacy: asked for on the public page, opened once.
    let res = portal
        .call(
            &process::browser(),
            "request_privacy_link",
            &[("email", "grace@example.org"), ("lang", "en")],
        )
        .await;
    ok(res, "ask for a privacy link");
    let privacy = portal
        .next_link(&mut seen, "grace@example.org", "/c/privacy/")
        .await;
    open(format!("/c/privacy/{privacy}")).await;
    let res = portal
        .call(
            &process::browser(),
            "open_privacy",
            &[("token", &privacy), ("lang", "en")],
        )
        .await;
    ok(res, "open the privacy link");

    // Password reset.
    let res = portal
        .call(
            &process::browser(),
            "request_password_reset",
            &[("email", "rita@acme.example")],
        )
        .await;
    ok(res, "ask for a reset");
    let reset = portal
        .next_link(&mut seen, "rita@acme.example", "/reset/")
        .await;
    open(format!("/reset/{reset}")).await;
    let res = portal
        .call(
            &process::browser(),
            "reset_password",
            &[("token", &reset), ("password", RESET_PASSWORD)],
        )
        .await;
    ok(res, "reset the password");
    portal
        .signed_in_with(&seed, "rita@acme.example", RESET_PASSWORD)
        .await;

    // Sign-up and its verification link.
    let res = portal
        .call(
            &process::browser(),
            "sign_up",
            &[
                ("org_name", "Beta"),
                ("display_name", "Bea"),
                ("email", "bea@beta.example"),
                ("password", SIGN_UP_PASSWORD),
                ("accept_dpa", "on"),
            ],
        )
        .await;
    ok(res, "sign up");
    let verification = portal
        .next_link(&mut seen, "bea@beta.example", "/verify-email/")
        .await;
    open(format!("/verify-email/{verification}")).await;
    let res = portal
        .call(
            &process::browser(),
            "verify_email",
            &[("token", &verification)],
        )
        .await;
    ok(res, "verify the address");

    let links = links_in(&portal.delivered());
    let kinds: BTreeSet<String> = links.iter().map(|(prefix, _)| prefix.clone()).collect();
    assert_eq!(
        kinds,
        [
            "/c/consent/",
            "/c/privacy/",
            "/invite/",
            "/reset/",
            "/verify-email/"
        ]
        .map(String::from)
        .into()
    );
    let log = portal.log();
    assert!(log.contains("DEBUG"), "RUST_LOG=debug took effect");
    let mut secrets: Vec<(String, String)> = links
        .into_iter()
        .map(|(prefix, token)| (format!("{prefix} token"), token))
        .collect();
    secrets.extend([
        ("API key".to_owned(), key.clone()),
        ("API key's secret".to_owned(), secret),
        ("refused API key's secret".to_owned(), wrong_secret),
    ]);
    for password in [PASSWORD, INVITEE_PASSWORD, RESET_PASSWORD, SIGN_UP_PASSWORD] {
        secrets.push(("password".to_owned(), password.to_owned()));
        // A form post carries it URL-encoded.
        secrets.push((
            "URL-encoded password".to_owned(),
            password.replace(' ', "+"),
        ));
    }
    for (what, secret) in secrets {
        if let Some(line) = log.lines().find(|l| l.contains(&secret)) {
            panic!("a {what} reached the log: {line}");
        }
    }
    // The scan read the log of all of the above: each token page's visit is in it, redacted.
    for prefix in kinds {
        assert!(
            log.contains(&format!("{prefix}:token")),
            "the visit of {prefix} is logged, redacted"
        );
    }
}
