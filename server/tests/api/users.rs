//! Users (F4): invitations through a one-time link, role changes and deactivation that take effect
//! on the very next request, and an organisation that always keeps an active admin.

use crate::helpers::{dashboard_team, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::Duration;

async fn invite(app: &TestApp, ada: &Client, email: &str, role: &str) -> reqwest::Response {
    app.call(
        ada,
        "invite_user",
        &[
            ("email", email),
            ("display_name", "New Colleague"),
            ("role", role),
        ],
    )
    .await
}

fn invitation_token(app: &TestApp, mail: &str) -> String {
    app.link_in(mail, "/invite/")
        .trim_start_matches("/invite/")
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invited_colleague_joins_through_the_link_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = invite(&app, &ada, "Rita@Acme.example", "recruiter").await;
    assert_eq!(res.status(), StatusCode::OK);
    // Before accepting, the account cannot sign in.
    let res = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "rita@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_ne!(res.status(), StatusCode::OK);

    let mail = app.last_mail_to("rita@acme.example").await.unwrap();
    assert!(mail.contains("Acme invites you to Candor"));
    let token = invitation_token(&app, &mail);
    let html = app
        .browser()
        .get(app.url(&format!("/invite/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("You are invited to Acme as rita@acme.example"));
    let weak = app
        .call(
            &app.browser(),
            "accept_invitation",
            &[
                ("token", &token),
                ("display_name", "Rita"),
                ("password", "password1234"),
            ],
        )
        .await;
    assert_eq!(
        weak.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "and the link still works"
    );
    let res = app
        .call(
            &app.browser(),
            "accept_invitation",
            &[
                ("token", &token),
                ("display_name", "Rita Recruiter"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let me: Value = app
        .call(&rita, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "recruiter");
    assert_eq!(me["display_name"], "Rita Recruiter");
    let reused = app
        .call(
            &app.browser(),
            "accept_invitation",
            &[
                ("token", &token),
                ("display_name", "Mallory"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reused.status(), StatusCode::GONE);
    // A member cannot be invited again by their own organisation, which knows them.
    assert_eq!(
        invite(&app, &ada, "rita@acme.example", "auditor")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn inviting_an_address_of_another_organisation_tells_the_inviter_nothing_and_blocks_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let taken = invite(&app, &ada, "rex@rival.example", "recruiter").await;
    let (taken_status, taken_headers) = (taken.status(), taken.headers().clone());
    let taken_body = taken.text().await.unwrap();
    let fresh = invite(&app, &ada, "new@example.org", "recruiter").await;
    assert_eq!(taken_status, fresh.status());
    assert_eq!(taken_status, StatusCode::OK);
    assert_eq!(
        taken_headers.get("location"),
        fresh.headers().get("location")
    );
    assert_eq!(taken_body, fresh.text().await.unwrap());
    // Both wait as invitations; no account was made or touched.
    let pending: Value = app
        .call(&ada, "pending_invitations", &[])
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2);
    assert!(emails.contains(&"rex@rival.example") && emails.contains(&"new@example.org"));
    let members: Value = app
        .call(&ada, "list_users", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members.as_array().unwrap().len(), 1, "only Ada is a member");
    let page = app.html(&ada, "/admin/users").await;
    assert!(page.contains("Pending") && page.contains("new@example.org"));
    app.signed_in("rex@rival.example", PASSWORD).await;

    // The invitee is the one told, when they try to accept with an address that has an account.
    let token = invitation_token(&app, &app.last_mail_to("rex@rival.example").await.unwrap());
    let accept = |token: String| {
        let (app, browser) = (&app, app.browser());
        async move {
            app.call(
                &browser,
                "accept_invitation",
                &[
                    ("token", token.as_str()),
                    ("display_name", "Rex"),
                    ("password", PASSWORD),
                ],
            )
            .await
        }
    };
    let res = accept(token.clone()).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("already has a Candor account"));
    let rex_org: String = sqlx::query_scalar(
        "SELECT o.name FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.email = 'rex@rival.example'",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(rex_org, "Rival", "still Rival's");

    // A pending invitation never blocks its address from signing up elsewhere.
    let res = app.sign_up("Newco", "new@example.org").await;
    assert_eq!(res.status(), StatusCode::OK);
    let mail = app.last_mail_to("new@example.org").await.unwrap();
    assert!(
        mail.contains("/verify-email/"),
        "a verification link: {mail}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM orgs WHERE name = 'Newco'")
            .await,
        1
    );
    let first = app
        .deliver_mail()
        .await
        .into_iter()
        .find(|m| m.contains("To: new@example.org") && m.contains("/invite/"))
        .unwrap();
    let res = accept(invitation_token(&app, &crate::helpers::decode_qp(&first))).await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "Newco has the address now"
    );

    // Unanswered invitations expire, and the purge removes them.
    app.state.clock.advance(Duration::days(8));
    assert_eq!(accept(token).await.status(), StatusCode::GONE);
    candor_app::backend::purge::purge_expired(&app.state)
        .await
        .unwrap();
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn inviting_again_renews_the_invitation_withdrawing_kills_its_link_and_invitations_are_limited(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    invite(&app, &ada, "ivy@example.org", "interviewer").await;
    let old = invitation_token(&app, &app.last_mail_to("ivy@example.org").await.unwrap());
    invite(&app, &ada, "ivy@example.org", "recruiter").await;
    let new = invitation_token(&app, &app.last_mail_to("ivy@example.org").await.unwrap());
    assert_ne!(old, new);
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 1);
    let status = |token: String| {
        let app = &app;
        async move {
            app.call(&app.browser(), "invitation", &[("token", token.as_str())])
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        status(old).await["error"],
        "invalid_token",
        "the earlier link is dead"
    );
    assert_eq!(status(new.clone()).await[1], "ivy@example.org");
    let pending: Value = app
        .call(&ada, "pending_invitations", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending[0]["role"], "recruiter", "the renewed role");
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(&ada, "withdraw_invitation", &[("invitation", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        status(new).await["error"],
        "invalid_token",
        "withdrawn: the link is dead"
    );
    assert_eq!(app.count("SELECT count(*) FROM invitations").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'user.invitation_withdrawn'")
            .await,
        1
    );

    // An organisation sends at most fifty invitations a day.
    let policy = candor_app::domain::rate_limit::INVITATIONS_PER_ORG;
    let mut refused = None;
    for n in 0..=policy.limit {
        let res = invite(&app, &ada, &format!("bulk{n}@example.org"), "interviewer").await;
        if res.status() != StatusCode::OK {
            refused = Some((n, res.status()));
            break;
        }
    }
    assert_eq!(
        refused,
        Some((policy.limit - 2, StatusCode::TOO_MANY_REQUESTS)),
        "two were sent above"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invitation_expires_after_seven_days(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    invite(&app, &ada, "late@acme.example", "interviewer").await;
    let token = invitation_token(&app, &app.last_mail_to("late@acme.example").await.unwrap());
    app.state.clock.advance(Duration::days(8));
    let res = app
        .call(
            &app.browser(),
            "accept_invitation",
            &[
                ("token", &token),
                ("display_name", "Late"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
}

#[sqlx::test(migrations = "../migrations")]
async fn role_changes_and_deactivation_apply_on_the_very_next_request(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members("ada@acme.example", &[("rita@acme.example", "recruiter")])
        .await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let rita_id = app.user_id("rita@acme.example").await;
    assert_eq!(
        app.call(&rita, "list_recruitments", &[]).await.status(),
        StatusCode::OK
    );
    let res = app
        .call(
            &ada,
            "change_user_role",
            &[("user", &rita_id), ("role", "interviewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.call(&rita, "list_recruitments", &[]).await.status(),
        StatusCode::FORBIDDEN,
        "the same session, the new role"
    );
    let res = app
        .call(
            &ada,
            "set_user_active",
            &[("user", &rita_id), ("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.call(&rita, "current_user", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .call(
            &app.browser(),
            "sign_in",
            &[("email", "rita@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_ne!(res.status(), StatusCode::OK);
    app.call(
        &ada,
        "set_user_active",
        &[("user", &rita_id), ("active", "true")],
    )
    .await;
    app.signed_in("rita@acme.example", PASSWORD).await;

    // Another organisation's admin cannot touch Acme's people; a recruiter cannot at all.
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert_eq!(
        app.call(
            &rex,
            "set_user_active",
            &[("user", &rita_id), ("active", "false"), ("confirm", "yes")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let members: Value = app
        .call(&rex, "list_users", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(!members.to_string().contains("rita@acme.example"));
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&rita, "list_users", &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action LIKE 'user.%ctivated' OR action = 'user.role_changed'")
            .await,
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let ada_id = app.user_id("ada@acme.example").await;
    for (name, args) in [
        (
            "change_user_role",
            vec![("user", ada_id.as_str()), ("role", "recruiter")],
        ),
        (
            "set_user_active",
            vec![
                ("user", ada_id.as_str()),
                ("active", "false"),
                ("confirm", "yes"),
            ],
        ),
    ] {
        let res = app.call(&ada, name, &args).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(res.text().await.unwrap().contains("last active admin"));
    }
    // With a second admin, the first may step down.
    app.add_members("ada@acme.example", &[("alan@acme.example", "admin")])
        .await;
    let res = app
        .call(
            &ada,
            "change_user_role",
            &[("user", &ada_id), ("role", "recruiter")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let alan = app.signed_in("alan@acme.example", PASSWORD).await;
    let alan_id = app.user_id("alan@acme.example").await;
    let res = app
        .call(
            &alan,
            "set_user_active",
            &[("user", &alan_id), ("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_set_retention_and_the_sub_processor_register_that_candidates_see(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members("ada@acme.example", &[("rita@acme.example", "recruiter")])
        .await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&ada, "set_org_retention", &[("retention_days", "20")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "at least 30 days"
    );
    assert_eq!(
        app.call(&ada, "set_org_retention", &[("retention_days", "180")])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&rita, "set_org_retention", &[("retention_days", "30")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = app
        .call(
            &ada,
            "add_sub_processor",
            &[
                ("name", "Hetzner"),
                ("service", "hosting"),
                ("country", "Germany"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let s: Value = app
        .call(&ada, "org_settings", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["retention_days"], 180);
    // The DPA in force and the organisation's acceptance of it at sign-up (F1, F13).
    assert_eq!(
        s["dpa_current_version"],
        candor_app::domain::dpa::CURRENT_VERSION
    );
    assert_eq!(
        s["dpa_accepted"][0],
        candor_app::domain::dpa::CURRENT_VERSION
    );
    assert_eq!(s["dpa_accepted"][2], "Ada Admin");
    let id = s["sub_processors"][0][0].as_str().unwrap().to_owned();
    assert!(id.starts_with("sub_"));

    // A candidate added now reads both on the consent page.
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    app.call(
        &rita,
        "add_candidate",
        &[
            ("recruitment", &rec),
            ("full_name", "Grace"),
            ("email", "grace@example.org"),
        ],
    )
    .await;
    let mail = app.last_mail_to("grace@example.org").await.unwrap();
    let link = app.link_in(&mail, "/c/consent/");
    let html = app
        .browser()
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Hetzner — hosting (Germany)"));
    assert!(html.contains("Until 180 days after the latest of: the hiring decision"));

    // Another organisation cannot remove Acme's entry; Acme's admin can.
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert_eq!(
        app.call(&rex, "remove_sub_processor", &[("id", &id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&ada, "remove_sub_processor", &[("id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'org.settings_changed'")
            .await,
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_member_counters_equal_the_users_after_every_change(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("rob@acme.example", "recruiter"),
            ("hank@acme.example", "hiring_manager"),
        ],
    )
    .await;
    let drift = || async {
        app.count(
            "SELECT count(*) FROM (
               SELECT org_id, role, active, count(*) AS n FROM users GROUP BY 1, 2, 3
             ) u FULL JOIN (SELECT * FROM member_counts WHERE n <> 0) m
               USING (org_id, role, active)
             WHERE u.n IS DISTINCT FROM m.n",
        )
        .await
    };
    assert_eq!(drift().await, 0, "after sign-up and additions");
    assert_eq!(
        app.count("SELECT sum(n)::bigint FROM member_counts").await,
        5
    );

    // As an admin changes them: a role, then a deactivation.
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rita = app.user_id("rita@acme.example").await;
    let res = app
        .call(
            &ada,
            "change_user_role",
            &[("user", &rita), ("role", "interviewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            &ada,
            "set_user_active",
            &[("user", &rita), ("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(drift().await, 0, "after a role change and a deactivation");

    // Several rows in one statement, an update that changes neither role nor state, a removal.
    for sql in [
        "UPDATE users SET active = NOT active WHERE email LIKE '%@acme.example'",
        "UPDATE users SET display_name = display_name || '.'",
        "DELETE FROM users WHERE email = 'hank@acme.example'",
    ] {
        sqlx::query(sql).execute(&app.owner).await.unwrap();
        assert_eq!(drift().await, 0, "after {sql}");
    }

    // The dashboard's team panel reads them: Acme's members only, per role and state.
    sqlx::query("UPDATE users SET active = true WHERE email = 'ada@acme.example'")
        .execute(&app.owner)
        .await
        .unwrap();
    let board: Value = app.call(&ada, "dashboard", &[]).await.json().await.unwrap();
    let mut team = dashboard_team(&board);
    team.sort();
    assert_eq!(
        team,
        vec![
            ("admin".to_owned(), 1, 0),
            ("interviewer".to_owned(), 1, 0),
            ("recruiter".to_owned(), 0, 1),
        ],
        "rita was deactivated, then flipped back; rob flipped off; hank removed; no rival"
    );

    // The application role cannot write them.
    let mut tx = app.app_pool.begin().await.unwrap();
    assert!(
        sqlx::query("UPDATE member_counts SET n = n + 100")
            .execute(&mut *tx)
            .await
            .is_err(),
        "the counters are written by the triggers only"
    );
}
