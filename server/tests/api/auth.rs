//! Sign-up (F1), verification (S11), sign-in and sign-out (F2), reset (F3), sessions (S4).

use crate::helpers::{TestApp, PASSWORD};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_creates_the_org_its_admin_and_the_dpa_record_and_mails_a_verification_link(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let res = app.sign_up("Acme Hiring", "ada@acme.example").await;
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(
        app.count("SELECT count(*) FROM orgs WHERE name = 'Acme Hiring'")
            .await,
        1
    );
    let (role, verified, hash): (String, bool, String) = sqlx::query_as(
        "SELECT role, email_verified_at IS NOT NULL, password_hash FROM users WHERE email = 'ada@acme.example'",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(role, "admin");
    assert!(
        !verified,
        "the address counts as verified only after the link"
    );
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    assert_eq!(
        app.count("SELECT count(*) FROM dpa_acceptances WHERE dpa_version = '2026-11'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM orgs WHERE dpa_version_accepted = '2026-11'")
            .await,
        1
    );
    let mail = app
        .last_mail_to("ada@acme.example")
        .await
        .expect("a verification e-mail");
    assert!(mail.contains("Subject: Confirm your e-mail address for Acme Hiring"));
    assert!(mail.contains("Content-Type: text/plain") && mail.contains("Content-Type: text/html"));
    let link = app.link_in(&mail, "/verify-email/");
    assert_eq!(
        link.len(),
        "/verify-email/".len() + 43,
        "256-bit token: {link}"
    );
    // Only the hash of the token is stored.
    let token = link.trim_start_matches("/verify-email/");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM one_time_tokens WHERE token_hash::text LIKE '%{token}%'"
        ))
        .await,
        0
    );
    for action in [
        "org.created",
        "user.signed_up",
        "dpa.accepted",
        "user.email_verification_sent",
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM audit_events WHERE action = '{action}'"
            ))
            .await,
            1,
            "{action}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn invalid_sign_up_names_each_field_and_writes_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let res = app
        .call(
            &app.browser(),
            "sign_up",
            &[
                ("org_name", " "),
                ("display_name", "Ada"),
                ("email", "not-an-address"),
                ("password", "password1234"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["org_name", "email", "password", "accept_dpa"]);
    assert_eq!(app.count("SELECT count(*) FROM orgs").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM email_outbox").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_up_with_a_known_address_answers_the_same_and_creates_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let first = app.sign_up("Acme", "ada@acme.example").await;
    let first_status = first.status();
    let first_body = first.text().await.unwrap();
    let second = app.sign_up("Other Org", "ada@acme.example").await;
    assert_eq!(second.status(), first_status);
    assert_eq!(second.text().await.unwrap(), first_body);
    assert_eq!(app.count("SELECT count(*) FROM orgs").await, 1);
    let mail = app.last_mail_to("ada@acme.example").await.unwrap();
    assert!(mail.contains("Someone tried to sign up with your address"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_verification_page_only_shows_and_the_post_verifies_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.sign_up("Acme", "ada@acme.example").await;
    let mail = app.last_mail_to("ada@acme.example").await.unwrap();
    let link = app.link_in(&mail, "/verify-email/");
    let token = link.trim_start_matches("/verify-email/").to_owned();

    // Not verified yet: sign-in is refused with the verification hint (the password was right).
    let res = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "ada@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("email_not_verified"));

    // A mail scanner prefetching the link twice changes nothing.
    for _ in 0..2 {
        let page = app.browser().get(app.url(&link)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["cache-control"], "no-store");
        assert_eq!(page.headers()["x-robots-tag"], "noindex, nofollow");
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("Confirm my e-mail address"));
    }
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL")
            .await,
        0
    );

    let res = app
        .call(&app.browser(), "verify_email", &[("token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL")
            .await,
        1
    );
    // Replayed: refused, and the page now explains instead of offering the button.
    let again = app
        .call(&app.browser(), "verify_email", &[("token", &token)])
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let page = app
        .browser()
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("not valid any more"));

    app.signed_in("ada@acme.example", PASSWORD).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn tokens_are_bound_to_their_purpose_and_expire(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.call(
        &app.browser(),
        "request_password_reset",
        &[("email", "ada@acme.example")],
    )
    .await;
    let mail = app.last_mail_to("ada@acme.example").await.unwrap();
    let reset = app.link_in(&mail, "/reset/");
    let token = reset.trim_start_matches("/reset/").to_owned();

    // A reset token is no verification token.
    let res = app
        .call(&app.browser(), "verify_email", &[("token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    // A guessed token of the right shape is refused like any other.
    let guess = "A".repeat(43);
    let res = app
        .call(
            &app.browser(),
            "reset_password",
            &[("token", &guess), ("password", "a brand new passphrase 7")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    // Thirty-one minutes later the real one has expired.
    app.state.clock.advance(Duration::minutes(31));
    let res = app
        .call(
            &app.browser(),
            "reset_password",
            &[("token", &token), ("password", "a brand new passphrase 7")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    app.signed_in("ada@acme.example", PASSWORD).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_password_and_unknown_account_answer_exactly_the_same(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let wrong = app
        .call(
            &app.browser(),
            "sign_in",
            &[
                ("email", "ada@acme.example"),
                ("password", "not the password!"),
            ],
        )
        .await;
    let unknown = app
        .call(
            &app.browser(),
            "sign_in",
            &[
                ("email", "nobody@acme.example"),
                ("password", "not the password!"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), wrong.status());
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in.failed'")
            .await,
        2
    );
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("candor_session"))
        .map(str::to_owned)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_cookie_is_http_only_lax_and_rotated_at_sign_in(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.browser();
    // A visit before sign-in gets a session id of its own (if any).
    let before = client.get(app.url("/login")).send().await.unwrap();
    let before_cookie = session_cookie(&before);
    let res = app
        .call(
            &client,
            "sign_in",
            &[("email", "ada@acme.example"), ("password", PASSWORD)],
        )
        .await;
    let cookie = session_cookie(&res).expect("a session cookie at sign-in");
    assert!(cookie.starts_with("candor_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    if let Some(before) = before_cookie {
        assert_ne!(
            before.split(';').next(),
            cookie.split(';').next(),
            "id must rotate"
        );
    }
}

/// The session id a response sets, without the cookie's attributes.
fn session_id_set(res: &reqwest::Response) -> String {
    let cookie = session_cookie(res).expect("a session cookie");
    let pair = cookie.split(';').next().unwrap_or_default();
    pair.trim_start_matches("candor_session=").to_owned()
}

/// Session fixation (S4): an id planted in the browser is never the signed-in session's, and a
/// session the store holds is replaced at sign-in, its old id then opening nothing.
#[sqlx::test(migrations = "../migrations")]
async fn sign_in_never_keeps_a_planted_or_earlier_session_id(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let stored = |id: String| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Signs in from a browser holding the session id `held`; the id the answer sets.
    let sign_in_holding = |held: String| {
        let request = plain
            .post(app.url("/fn/sign_in"))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ORIGIN, app.url(""))
            .header(reqwest::header::COOKIE, format!("candor_session={held}"))
            .form(&[("email", "ada@acme.example"), ("password", PASSWORD)]);
        async move {
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            session_id_set(&res)
        }
    };
    // A well-formed id the store has never held, as an attacker would plant it.
    let planted = "plantedByAnAttacker0AA";
    let first = sign_in_holding(planted.to_owned()).await;
    assert_ne!(first, planted);
    assert_eq!(stored(planted.to_owned()).await, 0);
    assert_eq!(stored(first.clone()).await, 1);
    // Signing in again over a held session replaces it.
    let second = sign_in_holding(first.clone()).await;
    assert_ne!(second, first);
    assert_eq!(
        stored(first.clone()).await,
        0,
        "the earlier session is gone"
    );
    assert_eq!(stored(second.clone()).await, 1);
    // The admin is signed in and sent to enrol a second factor first: that page is theirs.
    let view_with = |id: String| {
        plain
            .get(app.url("/app/account/two-factor"))
            .header(reqwest::header::COOKIE, format!("candor_session={id}"))
            .send()
    };
    let old_view = view_with(first).await.unwrap();
    assert_eq!(old_view.status(), StatusCode::SEE_OTHER);
    assert_eq!(old_view.headers()["location"], "/login");
    let new_view = view_with(second).await.unwrap();
    assert_eq!(
        new_view.status(),
        StatusCode::OK,
        "{:?}",
        new_view.headers().get("location")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn over_https_the_cookie_is_host_prefixed_and_secure(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn_with(opts, &[("CANDOR_BASE_URL", "https://localhost")]).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.browser();
    let res = client
        .post(app.url("/fn/sign_in"))
        .header("accept", "application/json")
        .header("origin", "https://localhost")
        .form(&[("email", "ada@acme.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).unwrap();
    assert!(cookie.starts_with("__Host-candor_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Domain="));
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_deletes_the_session(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    assert_eq!(
        client.get(app.url("/app")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let sessions_before = app.count("SELECT count(*) FROM sessions").await;
    let res = client
        .post(app.url("/logout"))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(
        app.count("SELECT count(*) FROM sessions").await,
        sessions_before - 1
    );
    let after = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert_eq!(after.headers()["location"], "/login");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deactivated_users_session_stops_on_its_next_request(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    sqlx::query("UPDATE users SET active = false WHERE email = 'ada@acme.example'")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Reactivation does not resurrect the ended session.
    sqlx::query("UPDATE users SET active = true WHERE email = 'ada@acme.example'")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_role_change_takes_effect_on_the_next_request(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_member("ada@acme.example", "rita@acme.example", "recruiter")
        .await;
    let client = app
        .signed_in("rita@acme.example", crate::helpers::PASSWORD)
        .await;
    let me: serde_json::Value = app
        .call(&client, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "recruiter");
    sqlx::query("UPDATE users SET role = 'auditor' WHERE email = 'rita@acme.example'")
        .execute(&app.owner)
        .await
        .unwrap();
    let me: serde_json::Value = app
        .call(&client, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "auditor");
}

#[sqlx::test(migrations = "../migrations")]
async fn sessions_end_after_twelve_hours_whatever_the_activity(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    app.state.clock.advance(Duration::hours(11));
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    app.state
        .clock
        .advance(Duration::hours(1) + Duration::seconds(1));
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_reset_revokes_every_session_and_the_link_works_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let laptop = app.signed_in("ada@acme.example", PASSWORD).await;
    let phone = app.signed_in("ada@acme.example", PASSWORD).await;

    let res = app
        .call(
            &app.browser(),
            "request_password_reset",
            &[("email", "ada@acme.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let unknown = app
        .call(
            &app.browser(),
            "request_password_reset",
            &[("email", "ghost@acme.example")],
        )
        .await;
    assert_eq!(
        unknown.status(),
        StatusCode::OK,
        "same answer for unknown addresses"
    );
    let mail = app.last_mail_to("ada@acme.example").await.unwrap();
    assert!(mail.contains("30 minutes"));
    let token = app
        .link_in(&mail, "/reset/")
        .trim_start_matches("/reset/")
        .to_owned();

    // A refused new password does not burn the link.
    let weak = app
        .call(
            &app.browser(),
            "reset_password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new_password = "a brand new passphrase 7";
    let ok = app
        .call(
            &app.browser(),
            "reset_password",
            &[("token", &token), ("password", new_password)],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    for client in [&laptop, &phone] {
        assert_eq!(
            app.call(client, "current_user", &[]).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let replay = app
        .call(
            &app.browser(),
            "reset_password",
            &[("token", &token), ("password", "yet another passphrase 8")],
        )
        .await;
    assert_eq!(replay.status(), StatusCode::GONE);
    app.signed_in("ada@acme.example", new_password).await;
    let old = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "ada@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_the_password_keeps_this_session_and_ends_the_others(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let here = app.signed_in("ada@acme.example", PASSWORD).await;
    let elsewhere = app.signed_in("ada@acme.example", PASSWORD).await;
    let wrong = app
        .call(
            &here,
            "change_password",
            &[
                ("current_password", "nope nope nope"),
                ("new_password", "another long passphrase 9"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .call(
            &here,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long passphrase 9"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.call(&here, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&elsewhere, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mail = app.last_mail_to("ada@acme.example").await.unwrap();
    assert!(mail.contains("Your Candor password was changed"));

    let third = app
        .signed_in("ada@acme.example", "another long passphrase 9")
        .await;
    let res = app.call(&here, "sign_out_other_sessions", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.call(&here, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&third, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn forms_work_without_javascript_and_report_errors_by_code(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    // A recruiter: an admin's sign-in goes on to two-factor enrolment (tested on its own).
    app.add_member("ada@acme.example", "rae@acme.example", "recruiter")
        .await;
    let client = app.browser();
    let plain_post = |form: Vec<(&'static str, &'static str)>| {
        client
            .post(app.url("/fn/sign_in"))
            .header("accept", "text/html,application/xhtml+xml")
            .header("origin", &app.base)
            .form(&form)
            .send()
    };
    let failed = plain_post(vec![
        ("email", "rae@acme.example"),
        ("password", "wrong password!!"),
    ])
    .await
    .unwrap();
    assert_eq!(failed.status(), StatusCode::FOUND);
    let location = failed.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/login?error=invalid_credentials");
    let page = app.html(&client, &location).await;
    assert!(page.contains("The e-mail address or password is not correct."));

    let ok = plain_post(vec![("email", "rae@acme.example"), ("password", PASSWORD)])
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    assert_eq!(ok.headers()["location"], "/app");
    let dashboard = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = dashboard.text().await.unwrap();
    assert!(
        html.contains("Team of Acme"),
        "the dashboard renders on the server"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_dpa_version_must_be_accepted_by_an_admin_before_admin_work(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_member("ada@acme.example", "rita@acme.example", "recruiter")
        .await;
    sqlx::query("UPDATE orgs SET dpa_version_accepted = '2025-01'")
        .execute(&app.owner)
        .await
        .unwrap();
    let admin = app.signed_in("ada@acme.example", PASSWORD).await;
    let me: serde_json::Value = app
        .call(&admin, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["dpa_current"], false);
    let page = app.html(&admin, "/app").await;
    assert!(page.contains("needs your acceptance"));

    // Until then, admin work is refused and writes nothing.
    let admin_work = || async {
        let invited = app
            .call(
                &admin,
                "invite_user",
                &[
                    ("email", "ivan@acme.example"),
                    ("display_name", "Ivan"),
                    ("role", "interviewer"),
                ],
            )
            .await;
        let key = app
            .call(
                &admin,
                "create_api_key",
                &[("name", "Integration"), ("scope_read", "on")],
            )
            .await;
        let settings = app
            .call(&admin, "set_org_retention", &[("retention_days", "180")])
            .await;
        [
            ("invite", invited),
            ("API key", key),
            ("settings", settings),
        ]
    };
    for (what, res) in admin_work().await {
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{what} before the DPA");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "dpa_acceptance_required", "{what}");
    }
    let written = || {
        app.count(
            "SELECT (SELECT count(*) FROM invitations WHERE email = 'ivan@acme.example')
                  + (SELECT count(*) FROM api_keys)
                  + (SELECT count(*) FROM orgs WHERE retention_days = 180)",
        )
    };
    assert_eq!(written().await, 0);

    let recruiter = app.signed_in("rita@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&recruiter, "accept_dpa", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        app.call(&admin, "accept_dpa", &[]).await.status(),
        StatusCode::OK
    );
    let me: serde_json::Value = app
        .call(&admin, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["dpa_current"], true);
    // Accepted, the same admin work goes through.
    for (what, res) in admin_work().await {
        assert_eq!(res.status(), StatusCode::OK, "{what} after the DPA");
    }
    assert_eq!(written().await, 3);
    let (version, by): (String, String) = sqlx::query_as(
        "SELECT d.dpa_version, u.email FROM dpa_acceptances d JOIN users u ON u.id = d.user_id
         ORDER BY d.id DESC LIMIT 1",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(
        (version.as_str(), by.as_str()),
        ("2026-11", "ada@acme.example")
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'dpa.accepted'")
            .await,
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_idle_for_thirty_minutes_is_over(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let client = app.signed_in("ada@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::OK
    );
    // Each request moves the idle deadline to thirty minutes from now.
    let idle_left: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM max(expiry_date) - now())::float8 FROM sessions",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert!((1700.0..=1800.0).contains(&idle_left), "{idle_left}");

    // Activity moves the deadline at most once a minute: not on every request (a write each),
    // but on the first one a minute after the last move.
    let deadline_left = || async {
        sqlx::query_scalar::<_, f64>(
            "SELECT extract(epoch FROM max(expiry_date) - now())::float8 FROM sessions",
        )
        .fetch_one(&app.owner)
        .await
        .unwrap()
    };
    sqlx::query("UPDATE sessions SET expiry_date = now() + interval '20 minutes'")
        .execute(&app.owner)
        .await
        .unwrap();
    app.call(&client, "current_user", &[]).await;
    let left = deadline_left().await;
    assert!(
        (1100.0..=1200.0).contains(&left),
        "moved within the minute: {left}"
    );
    app.state.clock.advance(time::Duration::seconds(61));
    app.call(&client, "current_user", &[]).await;
    let left = deadline_left().await;
    assert!(
        (1700.0..=1800.0).contains(&left),
        "not moved after a minute: {left}"
    );

    // Thirty idle minutes pass.
    sqlx::query("UPDATE sessions SET expiry_date = now() - interval '1 second'")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(
        app.call(&client, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The account page's recent security activity: the latest ten events the user acted in or was
/// the target of (checked against the audit log itself), none of a colleague's.
#[sqlx::test(migrations = "../migrations")]
async fn recent_activity_lists_the_users_own_latest_events_as_actor_or_target(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("hank@acme.example", "hiring_manager"),
        ],
    )
    .await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rita_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("rita@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    // Rita signs in (she acts), fails once, and is deactivated and reactivated (she is the target),
    // enough times for more than ten events; Hank's sign-ins are his own.
    for _ in 0..4 {
        app.signed_in("rita@acme.example", PASSWORD).await;
        app.signed_in("hank@acme.example", PASSWORD).await;
        for active in ["false", "true"] {
            let res = app
                .call(
                    &ada,
                    "set_user_active",
                    &[("user", &rita_id), ("active", active), ("confirm", "yes")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;

    let expected: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, outcome FROM audit_events
         WHERE actor = $1 OR target = $1 ORDER BY id DESC LIMIT 10",
    )
    .bind(&rita_id)
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let as_target: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT actor FROM audit_events
         WHERE actor = $1 OR target = $1 ORDER BY id DESC LIMIT 10) t WHERE actor IS DISTINCT FROM $1",
    )
    .bind(&rita_id)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert!(
        as_target > 0,
        "the latest ten include events about her by others"
    );
    assert_eq!(expected.len(), 10);

    let shown: serde_json::Value = app
        .call(&rita, "account_activity", &[])
        .await
        .json()
        .await
        .unwrap();
    let shown: Vec<(String, String)> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(shown, expected);
}

/// Sessions are created in one statement by our store and read by tower-sessions' own: a session
/// created reads back whole, and an id already taken is never written over (another is drawn).
#[sqlx::test(migrations = "../migrations")]
async fn a_new_session_is_stored_whole_and_never_over_another(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use candor_server::sessions::Sessions;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;

    let app = TestApp::spawn(opts).await;
    // Reading and saving are tower-sessions-sqlx-store's own: they check the encoding of ours.
    let sessions = Sessions::new(app.app_pool.clone()).unwrap();
    let expiry_date = app.state.clock.now() + Duration::minutes(30);
    let record = |who: &str| Record {
        id: Id(42),
        data: [("auth".to_string(), serde_json::json!({ "who": who }))].into(),
        expiry_date,
    };
    let taken = record("first");
    sessions.save(&taken).await.unwrap();

    let mut new = record("second");
    sessions.create(&mut new).await.unwrap();
    assert_ne!(new.id, Id(42), "a taken id is not reused");
    let first = sessions.load(&Id(42)).await.unwrap().unwrap();
    assert_eq!(first.data, taken.data, "the first session is untouched");
    let second = sessions.load(&new.id).await.unwrap().unwrap();
    assert_eq!((second.data, second.expiry_date), (new.data, expiry_date));
    assert_eq!(app.count("SELECT count(*) FROM sessions").await, 2);
}

/// The sign-in that opens a session travels in it to the store, which stores the session and
/// appends the event in one statement: a drawn id already taken stores neither (and appends
/// nothing twice), and the event is never kept in the session, whether it is created or saved.
#[sqlx::test(migrations = "../migrations")]
async fn a_session_opened_by_a_sign_in_is_stored_with_its_event_which_it_never_keeps(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use candor_app::backend::audit::{own_action, DeferredEvent};
    use candor_app::backend::auth::session::OPENING_EVENT_KEY;
    use candor_app::backend::request::RequestMeta;
    use candor_app::domain::audit::AuditAction;
    use candor_server::sessions::Sessions;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;

    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let (org, ada): (uuid::Uuid, String) =
        sqlx::query_as("SELECT org_id, public_id FROM users WHERE email = 'ada@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let sessions = Sessions::new(app.app_pool.clone()).unwrap();
    let now = app.state.clock.now();
    let opened = |id: i128, request_id: &str| {
        let meta = RequestMeta {
            request_id: request_id.into(),
            client_addr: "203.0.113.9".parse().unwrap(),
        };
        let event = DeferredEvent::new(
            &meta,
            now,
            &own_action(org, &ada, AuditAction::SignInSucceeded),
        );
        Record {
            id: Id(id),
            data: [
                ("auth".to_string(), serde_json::json!({ "who": "ada" })),
                (
                    OPENING_EVENT_KEY.to_string(),
                    serde_json::to_value(event).unwrap(),
                ),
            ]
            .into(),
            expiry_date: now + Duration::minutes(30),
        }
    };
    let events = |request_id: &'static str| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_as::<_, (String, String, Option<String>, Option<String>, String)>(
                "SELECT action, outcome, actor, host(source_addr), org_id::text
                 FROM audit_events WHERE request_id = $1",
            )
            .bind(request_id)
            .fetch_all(&owner)
            .await
            .unwrap()
        }
    };
    let taken = Record {
        id: Id(42),
        data: [("auth".to_string(), serde_json::json!({ "who": "rex" }))].into(),
        expiry_date: now + Duration::minutes(30),
    };
    sessions.save(&taken).await.unwrap();

    let mut created = opened(42, "req-created");
    sessions.create(&mut created).await.unwrap();
    assert_ne!(created.id, Id(42), "a taken id is not reused");
    let expected = vec![(
        "auth.sign_in.succeeded".to_string(),
        "success".to_string(),
        Some(ada.clone()),
        Some("203.0.113.9".to_string()),
        org.to_string(),
    )];
    assert_eq!(events("req-created").await, expected, "appended once");
    let stored = sessions.load(&created.id).await.unwrap().unwrap();
    assert_eq!(
        stored.data.keys().collect::<Vec<_>>(),
        ["auth"],
        "the event is not kept in the session"
    );
    assert_eq!(
        sessions.load(&Id(42)).await.unwrap().unwrap().data,
        taken.data
    );

    let saved = opened(43, "req-saved");
    sessions.save(&saved).await.unwrap();
    let stored = sessions.load(&Id(43)).await.unwrap().unwrap();
    assert_eq!(stored.data.keys().collect::<Vec<_>>(), ["auth"]);
    assert_eq!(events("req-saved").await.len(), 1);

    // Through the portal: one event for the sign-in, and a session without it.
    app.signed_in("ada@acme.example", PASSWORD).await;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    for id in ids {
        let record = sessions.load(&id.parse().unwrap()).await.unwrap().unwrap();
        assert!(!record.data.contains_key(OPENING_EVENT_KEY), "{id}");
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_events
             WHERE action = 'auth.sign_in.succeeded' AND request_id NOT LIKE 'req-%'"
        )
        .await,
        1
    );
}
