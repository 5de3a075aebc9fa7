//! Two-factor sign-in (F2): admins enrol before anything else, codes are accepted once, recovery
//! codes are hashed and single-use, the organisation's policy extends the duty to everyone, and an
//! admin can reset a colleague's lost phone — never another organisation's.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn first_step(app: &TestApp, email: &str) -> (Client, String) {
    let client = app.browser();
    let res = app
        .call(
            &client,
            "sign_in",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let step: String = res.json().await.unwrap();
    (client, step)
}

async fn error_code(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn two_factor(app: &TestApp, client: &Client) -> Value {
    app.call(client, "two_factor_status", &[])
        .await
        .json()
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
        .fetch_all(&app.owner)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_without_a_second_factor_is_sent_to_enrolment_before_anything_else(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let (ada, step) = first_step(&app, "ada@acme.example").await;
    assert_eq!(step, "enrolment_needed", "no second factor yet");

    for name in [
        "dashboard",
        "list_users",
        "org_settings",
        "list_recruitments",
    ] {
        let (status, code) = error_code(app.call(&ada, name, &[]).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(code, "mfa_enrolment_required", "{name}");
    }
    for page in ["/app", "/admin/users", "/app/recruitments"] {
        let res = ada.get(app.url(page)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(res.headers()["location"], "/app/account/two-factor");
    }

    // The enrolment page shows a QR code and the key once set-up starts.
    assert_eq!(
        app.call(&ada, "start_two_factor", &[]).await.status(),
        StatusCode::OK
    );
    let html = app.html(&ada, "/app/account/two-factor").await;
    assert!(html.contains("<svg"), "QR code drawn in the page");
    let status = two_factor(&app, &ada).await;
    let key = status["pending"]["key"].as_str().unwrap().to_owned();
    assert!(html.contains(&key));
    assert!(status["pending"]["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    // The key is stored sealed: its bytes never appear in the database row.
    let raw = totp_rs::Secret::Encoded(key.clone()).to_bytes().unwrap();
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT totp_pending_secret FROM users WHERE email = $1")
            .bind("ada@acme.example")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert!(!stored.windows(raw.len()).any(|w| w == raw.as_slice()));

    // A wrong first code turns nothing on.
    let (status, _) = error_code(
        app.call(&ada, "confirm_two_factor", &[("code", "000000")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let step_now = app.totp_step_now();
    let code = TestApp::totp_code(&raw, step_now);
    assert_eq!(
        app.call(&ada, "confirm_two_factor", &[("code", &code)])
            .await
            .status(),
        StatusCode::OK
    );
    let status = two_factor(&app, &ada).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["fresh_recovery_codes"].as_array().unwrap().len(), 10);
    // Shown once only.
    let again = two_factor(&app, &ada).await;
    assert!(again["fresh_recovery_codes"].is_null());
    assert_eq!(
        app.call(&ada, "dashboard", &[]).await.status(),
        StatusCode::OK
    );
    assert!(audit_actions(&app)
        .await
        .contains(&"auth.mfa.enabled".to_owned()));
    // A required second factor cannot be turned off.
    app.totp_keys
        .lock()
        .unwrap()
        .insert("ada@acme.example".into(), (raw, step_now));
    let code = app.fresh_totp_code("ada@acme.example");
    let (status, _) = error_code(
        app.call(&ada, "turn_off_two_factor", &[("code", &code)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn each_code_signs_in_once_and_the_password_alone_opens_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // One connection: the rate limit is counted without holding a second one.
    let app = TestApp::spawn_with(opts, &[("CANDOR_DB_POOL_SIZE", "1")]).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.signed_in("ada@acme.example", PASSWORD).await; // enrols

    let (half, step) = first_step(&app, "ada@acme.example").await;
    assert_eq!(step, "second_factor");
    // Between the two steps the session is not signed in.
    assert_eq!(
        app.call(&half, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = half.get(app.url("/app")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login");

    let (status, code) = error_code(
        app.call(&half, "complete_sign_in", &[("code", "123456")])
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert!(audit_actions(&app)
        .await
        .contains(&"auth.mfa.failed".to_owned()));

    let code = app.fresh_totp_code("ada@acme.example");
    assert_eq!(
        app.call(&half, "complete_sign_in", &[("code", &code)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&half, "dashboard", &[]).await.status(),
        StatusCode::OK
    );

    // The same code, replayed by someone who saw it, is refused; so is an older step's.
    let (thief, _) = first_step(&app, "ada@acme.example").await;
    let res = app
        .call(&thief, "complete_sign_in", &[("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let key = app.totp_keys.lock().unwrap()["ada@acme.example"].0.clone();
    let older = TestApp::totp_code(&key, app.totp_step_now() - 1);
    let res = app
        .call(&thief, "complete_sign_in", &[("code", &older)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.call(&thief, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The password step expires after five minutes.
    let (slow, _) = first_step(&app, "ada@acme.example").await;
    app.state.clock.advance(time::Duration::minutes(6));
    let code = app.fresh_totp_code("ada@acme.example");
    let res = app
        .call(&slow, "complete_sign_in", &[("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn recovery_codes_are_hashed_single_use_and_replaced_as_a_set(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.browser();
    app.call(
        &ada,
        "sign_in",
        &[("email", "ada@acme.example"), ("password", PASSWORD)],
    )
    .await;
    let codes = app.enrol_second_factor(&ada, "ada@acme.example").await;
    assert_eq!(codes.len(), 10);
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    let normalised = codes[0].replace('-', "");
    assert!(stored.contains(&Sha256::digest(normalised.as_bytes()).to_vec()));
    let dump: String = sqlx::query_scalar(
        "SELECT string_agg(encode(code_hash, 'escape'), '') FROM recovery_codes",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert!(!dump.contains(&normalised), "never stored in the clear");

    // Typed in lower case with the dashes: accepted once.
    let (lost_phone, _) = first_step(&app, "ada@acme.example").await;
    let typed = codes[0].to_lowercase();
    assert_eq!(
        app.call(&lost_phone, "complete_sign_in", &[("code", &typed)])
            .await
            .status(),
        StatusCode::OK
    );
    let (again, _) = first_step(&app, "ada@acme.example").await;
    assert_eq!(
        app.call(&again, "complete_sign_in", &[("code", &typed)])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(audit_actions(&app)
        .await
        .contains(&"auth.mfa.recovery_code_used".to_owned()));

    // New codes need a current app code and replace the whole set.
    let res = app
        .call(&lost_phone, "new_recovery_codes", &[("code", &codes[2])])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a recovery code is not enough"
    );
    let code = app.fresh_totp_code("ada@acme.example");
    assert_eq!(
        app.call(&lost_phone, "new_recovery_codes", &[("code", &code)])
            .await
            .status(),
        StatusCode::OK
    );
    let status = two_factor(&app, &lost_phone).await;
    let fresh = status["fresh_recovery_codes"].as_array().unwrap();
    assert_eq!(fresh.len(), 10);
    assert_eq!(status["recovery_codes_left"], 10);
    let (old_code_user, _) = first_step(&app, "ada@acme.example").await;
    assert_eq!(
        app.call(&old_code_user, "complete_sign_in", &[("code", &codes[1])])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old set is gone"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_org_policy_makes_it_mandatory_for_everyone_and_admins_reset_lost_phones(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    app.add_member("ada@acme.example", "rae@acme.example", "recruiter")
        .await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;

    // Optional for a recruiter: signed in and working without it.
    let (rae, _) = first_step(&app, "rae@acme.example").await;
    assert_eq!(
        app.call(&rae, "dashboard", &[]).await.status(),
        StatusCode::OK
    );
    // A recruiter may not change the policy.
    let res = app
        .call(&rae, "set_mfa_policy", &[("mfa_policy", "admins")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (status, _) = error_code(
        app.call(&ada, "set_mfa_policy", &[("mfa_policy", "nobody")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    assert_eq!(
        app.call(&ada, "set_mfa_policy", &[("mfa_policy", "everyone")])
            .await
            .status(),
        StatusCode::OK
    );
    // Effective on the recruiter's very next request.
    let (status, code) = error_code(app.call(&rae, "dashboard", &[]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "mfa_enrolment_required")
    );
    app.enrol_second_factor(&rae, "rae@acme.example").await;
    assert_eq!(
        app.call(&rae, "dashboard", &[]).await.status(),
        StatusCode::OK
    );

    // Another organisation's admin cannot reset Rae: it looks like nobody.
    let rae_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("rae@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let res = app
        .call(&rex, "reset_two_factor", &[("user", &rae_id)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.call(&rae, "dashboard", &[]).await.status(),
        StatusCode::OK
    );

    // Her own admin resets it: her sessions end and she enrols again at the next sign-in.
    assert_eq!(
        app.call(&ada, "reset_two_factor", &[("user", &rae_id)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&rae, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (rae_again, step) = first_step(&app, "rae@acme.example").await;
    assert_eq!(step, "enrolment_needed");
    let (status, code) = error_code(app.call(&rae_again, "dashboard", &[]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "mfa_enrolment_required")
    );
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"auth.mfa.reset_by_admin".to_owned()));
    assert!(actions.contains(&"org.settings_changed".to_owned()));
}

#[sqlx::test(migrations = "../migrations")]
async fn guessing_codes_is_cut_off_by_the_rate_limit(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.signed_in("ada@acme.example", PASSWORD).await;
    let (guesser, _) = first_step(&app, "ada@acme.example").await;
    let mut statuses = Vec::new();
    for guess in 0..12 {
        let code = format!("{:06}", 100_000 + guess);
        statuses.push(
            app.call(&guesser, "complete_sign_in", &[("code", &code)])
                .await
                .status(),
        );
    }
    // Ten tries per account in the window (enrolling spent one): wrong, wrong, …, then refused.
    let first_refusal = statuses
        .iter()
        .position(|s| *s == StatusCode::TOO_MANY_REQUESTS)
        .expect("the burst is cut off");
    assert!(first_refusal >= 9, "{statuses:?}");
    assert!(statuses[..first_refusal]
        .iter()
        .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY));
    assert!(statuses[first_refusal..]
        .iter()
        .all(|s| *s == StatusCode::TOO_MANY_REQUESTS));
    // Even the right code waits for the window.
    let code = app.fresh_totp_code("ada@acme.example");
    let res = app
        .call(&guesser, "complete_sign_in", &[("code", &code)])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
