//! S2: every page and every server function has an authorisation decision. The tables in
//! `routes::PAGES` and `api::SERVER_FUNCTIONS` must list exactly what the router serves, and each
//! route must answer with the guard's decision for its declared access.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::domain::role::{allows, Access, Permission, Role};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The permission table as SPEC section 1 and R1–R3 describe it, written here on its own so that
/// a wrong entry in `domain::role` fails: columns admin, recruiter, hiring manager, interviewer,
/// auditor. The match has no wildcard, so a new permission cannot go unpinned.
fn spec_allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    const Y: bool = true;
    const N: bool = false;
    #[rustfmt::skip]
    let row: [bool; 5] = match permission {
        //                         admin rec  hm   int  aud
        ViewDashboard =>          [Y,    Y,   Y,   Y,   Y],
        ManageOwnAccount =>       [Y,    Y,   Y,   Y,   Y],
        // Hiring managers see the recruitments they own or belong to (R2); only recruiters
        // and admins create and edit them.
        ViewRecruitments =>       [Y,    Y,   Y,   N,   N],
        ManageRecruitments =>     [Y,    Y,   N,   N,   N],
        // Interviewers see only the minimum an assigned interview needs; auditors no candidate
        // content at all.
        ViewCandidates =>         [Y,    Y,   Y,   N,   N],
        ManageCandidates =>       [Y,    Y,   N,   N,   N],
        // Notes and hiring decisions: hiring managers decide on their recruitments' candidates.
        EvaluateCandidates =>     [Y,    Y,   Y,   N,   N],
        ConductInterviews =>      [Y,    Y,   Y,   Y,   N],
        ViewFiles =>              [Y,    Y,   Y,   Y,   N],
        // Auditors read the DSAR queue (without candidate content) and the reports.
        ViewDataRequests =>       [Y,    Y,   N,   N,   Y],
        ManageDataRequests =>     [Y,    Y,   N,   N,   N],
        ViewPrivacyReports =>     [Y,    N,   N,   N,   Y],
        ViewAuditLog =>           [Y,    N,   N,   N,   Y],
        // Users, roles, API keys, settings and the DPA are the admin's alone.
        ManageUsers =>            [Y,    N,   N,   N,   N],
        ManageApiKeys =>          [Y,    N,   N,   N,   N],
        ManageOrgSettings =>      [Y,    N,   N,   N,   N],
        AcceptDpa =>              [Y,    N,   N,   N,   N],
    };
    let column = match role {
        Role::Admin => 0,
        Role::Recruiter => 1,
        Role::HiringManager => 2,
        Role::Interviewer => 3,
        Role::Auditor => 4,
    };
    row[column]
}

/// Every permission. A new one does not compile in `spec_allows` until it is pinned there; it
/// belongs here too.
const PERMISSIONS: [Permission; 17] = {
    use Permission::*;
    [
        ViewDashboard,
        ManageOwnAccount,
        ViewRecruitments,
        ManageRecruitments,
        ViewCandidates,
        ManageCandidates,
        EvaluateCandidates,
        ConductInterviews,
        ViewFiles,
        ViewDataRequests,
        ManageDataRequests,
        ViewPrivacyReports,
        ViewAuditLog,
        ManageUsers,
        ManageApiKeys,
        ManageOrgSettings,
        AcceptDpa,
    ]
};

#[test]
fn the_permission_table_is_the_one_the_spec_describes() {
    let distinct: BTreeSet<&str> = PERMISSIONS.iter().map(|p| p.as_str()).collect();
    assert_eq!(distinct.len(), PERMISSIONS.len());
    let mut wrong = Vec::new();
    // R1, independently of `Role::ALL`.
    let roles = [
        Role::Admin,
        Role::Recruiter,
        Role::HiringManager,
        Role::Interviewer,
        Role::Auditor,
    ];
    assert_eq!(
        BTreeSet::from(roles.map(Role::as_str)),
        BTreeSet::from(Role::ALL.map(Role::as_str))
    );
    for role in roles {
        for permission in PERMISSIONS {
            if allows(role, permission) != spec_allows(role, permission) {
                wrong.push(format!("{role} {}", permission.as_str()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells that differ from the spec: {wrong:?}"
    );
}

#[test]
fn every_registered_server_function_is_in_the_access_table() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let declared: BTreeSet<String> = candor_app::api::SERVER_FUNCTIONS
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(registered, declared);
}

#[test]
fn every_routed_page_is_in_the_page_table() {
    let routed: BTreeSet<String> = candor_server::startup::route_list()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    let declared: BTreeSet<String> = candor_app::routes::PAGES
        .iter()
        .map(|p| p.path.to_string())
        .collect();
    assert_eq!(routed, declared);
}

/// Walking the app's routes stops every resource in the process from loading while it runs
/// (leptos#4773). Portals start beside serving ones all the time here, as every test starts its
/// own: their pages must keep answering, however often the routes are asked for meanwhile.
#[sqlx::test(migrations = "../migrations")]
async fn pages_keep_answering_while_other_portals_start(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let stop = Arc::new(AtomicBool::new(false));
    let starting = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut walks = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                assert!(!candor_server::startup::route_list().is_empty());
                walks += 1;
            }
            walks
        })
    };
    for _ in 0..25 {
        let page =
            tokio::time::timeout(Duration::from_secs(10), app.html(&ada, "/app/candidates")).await;
        let Ok(page) = page else {
            stop.store(true, Ordering::Relaxed);
            panic!("the candidate list waited 10 s for its data while another portal started");
        };
        assert!(page.contains("No candidates to show."), "{page}");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(starting.join().unwrap() > 0, "no portal started meanwhile");
}

/// Arguments of the right shape (but useless values), so each function reaches its guard.
fn sample_args(path: &str) -> Vec<(&'static str, &'static str)> {
    match path {
        "/fn/sign_in" => vec![("email", "x"), ("password", "x")],
        "/fn/sign_up" => vec![
            ("org_name", ""),
            ("display_name", ""),
            ("email", "x"),
            ("password", "x"),
        ],
        "/fn/verify_email" => vec![("token", "x")],
        "/fn/complete_sign_in"
        | "/fn/confirm_two_factor"
        | "/fn/new_recovery_codes"
        | "/fn/turn_off_two_factor" => vec![("code", "x")],
        "/fn/reset_two_factor" => vec![("user", "usr_x")],
        "/fn/create_api_key" => vec![("name", "")],
        "/fn/audit_log" => vec![("actor", "!")],
        "/fn/revoke_api_key" => vec![("id", "key_x")],
        "/fn/set_mfa_policy" => vec![("mfa_policy", "x")],
        "/fn/set_sso_provider" => vec![("provider", "x")],
        "/fn/resend_verification" | "/fn/request_password_reset" => vec![("email", "x")],
        "/fn/reset_password" => vec![("token", "x"), ("password", "x")],
        "/fn/token_status" => vec![("token", "x"), ("kind", "EmailVerification")],
        "/fn/change_password" => vec![("current_password", "x"), ("new_password", "x")],
        "/fn/recruitment" => vec![("id", "rec_x")],
        "/fn/consent_page" => vec![("token", "x")],
        "/fn/give_consent" => vec![("token", "x"), ("lang", "en")],
        "/fn/withdraw_consent" => vec![("token", "x"), ("lang", "en"), ("purpose", "all")],
        "/fn/resend_consent" => vec![("application", "app_x"), ("candidate", "cand_x")],
        "/fn/request_privacy_link" => vec![("email", "x"), ("lang", "en")],
        "/fn/invitation" => vec![("token", "x")],
        "/fn/set_org_retention" => vec![("retention_days", "x")],
        "/fn/set_privacy_contact" => vec![
            ("privacy_contact", "x"),
            ("privacy_street_address", "x"),
            ("privacy_postal_code", "x"),
            ("privacy_locality", "x"),
            ("privacy_country", "x"),
            ("privacy_email", "x"),
            ("privacy_phone", "x"),
        ],
        "/fn/add_sub_processor" => vec![("name", ""), ("service", ""), ("country", "")],
        "/fn/remove_sub_processor" => vec![("id", "sub_x")],
        "/fn/accept_invitation" => vec![("token", "x"), ("display_name", "x"), ("password", "x")],
        "/fn/invite_user" => vec![("email", "x"), ("display_name", ""), ("role", "x")],
        "/fn/withdraw_invitation" => vec![("invitation", "inv_x")],
        "/fn/change_user_role" => vec![("user", "usr_x"), ("role", "x")],
        "/fn/set_user_active" => vec![("user", "usr_x"), ("active", "false")],
        "/fn/extend_retention" | "/fn/set_legal_hold" => vec![("candidate", "cand_x")],
        "/fn/set_retention_period" => vec![("candidate", "cand_x"), ("days", "60")],
        "/fn/update_candidate" => vec![
            ("candidate", "cand_x"),
            ("full_name", "x"),
            ("email", "x@example.org"),
        ],
        "/fn/privacy_link" => vec![("token", "x")],
        "/fn/open_privacy" => vec![("token", "x"), ("lang", "en")],
        "/fn/file_data_request" => vec![("kind", "x"), ("lang", "en")],
        "/fn/update_data_request" => vec![("id", "dsr_x"), ("step", "start")],
        "/fn/create_recruitment" => vec![("title", "")],
        "/fn/update_recruitment" => vec![("id", "rec_x"), ("title", "")],
        "/fn/set_recruitment_status" => vec![("id", "rec_x"), ("status", "x")],
        "/fn/add_recruitment_member" | "/fn/remove_recruitment_member" => {
            vec![("id", "rec_x"), ("member", "usr_x")]
        }
        "/fn/add_criterion" => vec![("id", "rec_x"), ("name", ""), ("weight", "0")],
        "/fn/remove_criterion" => vec![("id", "rec_x"), ("criterion", "crit_x")],
        "/fn/add_candidate" => vec![("recruitment", "rec_x"), ("full_name", ""), ("email", "x")],
        "/fn/recruitment_board" => vec![("id", "rec_x")],
        "/fn/candidate" => vec![("id", "cand_x")],
        "/fn/move_application" => vec![
            ("application", "app_x"),
            ("stage", "x"),
            ("candidate", "cand_x"),
        ],
        "/fn/move_applications" => vec![
            ("recruitment", "rec_x"),
            ("applications[]", "app_x"),
            ("stage", "x"),
        ],
        "/fn/record_decision" => vec![
            ("application", "app_x"),
            ("decision", "x"),
            ("reason", ""),
            ("candidate", "cand_x"),
        ],
        "/fn/schedule_interview" => vec![
            ("application", "app_x"),
            ("candidate", "cand_x"),
            ("starts_at", "x"),
            ("duration", "x"),
        ],
        "/fn/assign_interviewer" => vec![("interview", "int_x"), ("interviewer", "usr_x")],
        "/fn/interview" => vec![("id", "int_x")],
        "/fn/save_score" => vec![
            ("interview", "int_x"),
            ("criterion", "crit_x"),
            ("score", "0"),
            ("evidence", ""),
        ],
        "/fn/add_application_note" => vec![
            ("application", "app_x"),
            ("note", ""),
            ("candidate", "cand_x"),
        ],
        _ => vec![],
    }
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') {
                "x".repeat(43)
            } else {
                s.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_answers_with_its_guard_decision_for_every_role(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let mut clients = vec![(None, app.browser())];
    for role in Role::ALL {
        let email = format!("{}@acme.example", role.as_str());
        if role != Role::Admin {
            app.add_member("ada@acme.example", &email, role.as_str())
                .await;
        } else {
            app.add_member("ada@acme.example", &email, "admin").await;
        }
        clients.push((Some(role), app.signed_in(&email, PASSWORD).await));
    }

    for page in candor_app::routes::PAGES {
        for (role, client) in &clients {
            let res = client
                .get(app.url(&concrete(page.path)))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.headers()
                    .get("x-candor-authz")
                    .map(|v| v.to_str().unwrap().to_owned()),
                Some(page.access.describe()),
                "{} as {role:?}",
                page.path
            );
            let expected = match (page.access, role) {
                (Access::Public, _) => StatusCode::OK,
                (_, None) => StatusCode::SEE_OTHER,
                (Access::SignedIn, Some(_)) => StatusCode::OK,
                (Access::Requires(p), Some(r)) if spec_allows(*r, p) => StatusCode::OK,
                (Access::Requires(_), Some(_)) => StatusCode::FORBIDDEN,
            };
            // Let through, a page about a record or link that does not exist says so itself
            // (or, guessed at too often, that the reader must wait).
            let about_nothing = [StatusCode::NOT_FOUND, StatusCode::TOO_MANY_REQUESTS];
            if expected == StatusCode::OK && page.path.contains('{') {
                assert!(
                    about_nothing.contains(&res.status()),
                    "{} as {role:?}: {}",
                    page.path,
                    res.status()
                );
            } else {
                assert_eq!(res.status(), expected, "{} as {role:?}", page.path);
            }
        }
    }

    for (path, access) in candor_app::api::SERVER_FUNCTIONS {
        for (role, client) in &clients {
            let res = client
                .post(app.url(path))
                .header("accept", "application/json")
                .header("origin", &app.base)
                .form(&sample_args(path))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.headers()
                    .get("x-candor-authz")
                    .map(|v| v.to_str().unwrap().to_owned()),
                Some(access.describe()),
                "{path} as {role:?}"
            );
            let status = res.status();
            match (access, role) {
                (Access::Public, _) => assert_ne!(status, StatusCode::FORBIDDEN, "{path}"),
                (_, None) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}"),
                (Access::Requires(p), Some(r)) if !spec_allows(*r, *p) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{path} as {r:?}")
                }
                _ => assert_ne!(status, StatusCode::FORBIDDEN, "{path} as {role:?}"),
            }
        }
    }

    // File routes: a browser signed out is sent to sign in; a role without the permission is
    // refused before anything is read; the others reach the use case (a made-up id: not found).
    for route in candor_app::routes::FILE_ROUTES {
        for (role, client) in &clients {
            let url = app.url(&concrete(route.path));
            let request = match route.method {
                "GET" => client.get(url),
                "POST" => client
                    .post(url)
                    .header("origin", &app.base)
                    .multipart(reqwest::multipart::Form::new().text("kind", "cv")),
                other => panic!("unexpected method {other}"),
            };
            let res = request.header("accept", "text/html").send().await.unwrap();
            assert_eq!(
                res.headers()
                    .get("x-candor-authz")
                    .map(|v| v.to_str().unwrap().to_owned()),
                Some(route.access.describe()),
                "{} {} as {role:?}",
                route.method,
                route.path
            );
            let status = res.status();
            match (route.access, role) {
                (_, None) => assert_eq!(status, StatusCode::SEE_OTHER, "{}", route.path),
                (Access::Requires(p), Some(r)) if !spec_allows(*r, p) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{} as {r:?}", route.path)
                }
                // A route naming a record: the made-up id is not found. One without (the audit
                // export) answers with the organisation's own data.
                (Access::Requires(_), _) if !route.path.contains('{') => {
                    assert_eq!(status, StatusCode::OK, "{} as {role:?}", route.path)
                }
                _ => assert!(
                    status == StatusCode::NOT_FOUND || status == StatusCode::SEE_OTHER,
                    "{} as {role:?}: {status}",
                    route.path
                ),
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_navigation_shows_each_role_only_what_it_may_open(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    for role in Role::ALL {
        let email = format!("nav-{}@acme.example", role.as_str());
        app.add_member("ada@acme.example", &email, role.as_str())
            .await;
        let client = app.signed_in(&email, PASSWORD).await;
        let html = app.html(&client, "/app").await;
        let nav = html
            .split("<nav aria-label=\"Main\">")
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .unwrap_or_else(|| panic!("no main navigation for {role:?}"))
            .to_owned();
        for (href, _, permission) in candor_app::routes::STAFF_NAV {
            assert_eq!(
                nav.contains(&format!("href=\"{href}\"")),
                spec_allows(role, *permission),
                "{href} in the navigation of {role:?}"
            );
        }
    }
}
