//! Recruitments (F5) with visibility per role (R2, R3), sanitised rich text (S10) and bounded,
//! validated input (S9).

use crate::helpers::{TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Acme with an admin, a recruiter, two hiring managers, an interviewer and an auditor; and a
/// rival organisation with its own admin.
async fn acme(app: &TestApp) {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("hank@acme.example", "hiring_manager"),
            ("hilda@acme.example", "hiring_manager"),
            ("ivan@acme.example", "interviewer"),
            ("audrey@acme.example", "auditor"),
        ],
    )
    .await;
    app.verified_admin("Rival", "rex@rival.example").await;
}

async fn public_id_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

async fn create(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    app.call(client, "create_recruitment", form).await
}

/// Creates a recruitment and returns its public id (from the redirect the server asks for).
async fn created(app: &TestApp, client: &Client, title: &str, owner: Option<&str>) -> String {
    let mut form = vec![("title", title), ("description", "<p>About the role</p>")];
    if let Some(owner) = owner {
        form.push(("owner", owner));
    }
    let res = create(app, client, &form).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    location.trim_start_matches("/app/recruitments/").to_owned()
}

async fn detail(app: &TestApp, client: &Client, id: &str) -> reqwest::Response {
    app.call(client, "recruitment", &[("id", id)]).await
}

async fn list(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> Value {
    let res = app.call(client, "list_recruitments", form).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recruiter_creates_edits_closes_and_reopens_a_recruitment(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let id = created(&app, &rita, "Backend engineer", None).await;
    assert!(id.starts_with("rec_"), "{id}");

    let res = app
        .call(
            &rita,
            "update_recruitment",
            &[
                ("id", &id),
                ("title", "Senior backend engineer"),
                ("description", "<p>Rust</p>"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for status in ["closed", "open"] {
        let res = app
            .call(
                &rita,
                "set_recruitment_status",
                &[("id", &id), ("status", status)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let d: Value = detail(&app, &rita, &id).await.json().await.unwrap();
        assert_eq!(d["status"], status);
    }
    let d: Value = detail(&app, &rita, &id).await.json().await.unwrap();
    assert_eq!(d["title"], "Senior backend engineer");
    assert_eq!(d["description_html"], "<p>Rust</p>");
    assert_eq!(d["owner_name"], "Member recruiter");
    assert_eq!(d["can_manage"], true);
    for action in [
        "recruitment.created",
        "recruitment.updated",
        "recruitment.closed",
        "recruitment.reopened",
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) FROM audit_events WHERE action = '{action}' AND target = '{id}'"
            ))
            .await,
            1,
            "{action}"
        );
    }
    // The page renders on the server for a browser without JavaScript.
    let html = app.html(&rita, &format!("/app/recruitments/{id}")).await;
    assert!(html.contains("Senior backend engineer") && html.contains("<p>Rust</p>"));
}

#[sqlx::test(migrations = "../migrations")]
async fn hostile_rich_text_is_sanitised_at_write_and_plain_text_escaped(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let corpus = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">data</a>",
        "<svg onload=alert(1)><circle/></svg>",
        "<p style=\"background:url(javascript:alert(1))\" onmouseover=\"x()\">styled</p>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<p>unclosed <b>markup",
        "\"><script>alert(document.cookie)</script>",
    ];
    let description = corpus.join("\n");
    let id = created(&app, &rita, "Role", None).await;
    let res = app
        .call(
            &rita,
            "update_recruitment",
            &[
                ("id", &id),
                ("title", "</title><script>alert('t')</script>"),
                ("description", &description),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored: String = sqlx::query_scalar("SELECT description_html FROM recruitments")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    for banned in [
        "<script",
        "onerror",
        "javascript:",
        "data:text",
        "<svg",
        "onmouseover",
        "style=",
        "<iframe",
        "onload",
    ] {
        assert!(!stored.contains(banned), "{banned} survived in {stored}");
    }
    assert!(stored.contains("<p>unclosed <b>markup"), "{stored}");
    assert!(
        stored.trim_end().ends_with("</b></p>"),
        "markup is closed: {stored}"
    );
    let html = app.html(&rita, &format!("/app/recruitments/{id}")).await;
    assert!(
        !html.contains("<script>alert('t')</script>") && !html.contains("</title><script>"),
        "the title is escaped: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;")
            || html.contains("&lt;script&gt;alert(")
    );
    assert!(!html.contains("onerror=alert"));
}

#[sqlx::test(migrations = "../migrations")]
async fn hiring_managers_see_only_recruitments_they_own_or_belong_to(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let hank_id = public_id_of(&app, "hank@acme.example").await;
    let owned = created(&app, &rita, "Owned by Hank", Some(&hank_id)).await;
    let other = created(&app, &rita, "Not Hank's", None).await;

    let hank = app.signed_in("hank@acme.example", PASSWORD).await;
    assert_eq!(titles(&list(&app, &hank, &[]).await), ["Owned by Hank"]);
    assert_eq!(detail(&app, &hank, &owned).await.status(), StatusCode::OK);
    let hidden = detail(&app, &hank, &other).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let missing = detail(&app, &hank, "rec_0000000000000000000000000z").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.text().await.unwrap(),
        missing.text().await.unwrap(),
        "hidden looks missing"
    );
    let d: Value = detail(&app, &hank, &owned).await.json().await.unwrap();
    assert_eq!(d["can_manage"], false);
    // Hiring managers read; they do not edit.
    let res = app
        .call(
            &hank,
            "update_recruitment",
            &[("id", &owned), ("title", "Mine now")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Membership opens the other one, removal closes it again.
    let res = app
        .call(
            &rita,
            "add_recruitment_member",
            &[("id", &other), ("member", &hank_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(titles(&list(&app, &hank, &[]).await).len(), 2);
    assert_eq!(detail(&app, &hank, &other).await.status(), StatusCode::OK);
    let res = app
        .call(
            &rita,
            "remove_recruitment_member",
            &[("id", &other), ("member", &hank_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        detail(&app, &hank, &other).await.status(),
        StatusCode::NOT_FOUND
    );

    // Hilda, another hiring manager, sees nothing; admins and recruiters see all.
    let hilda = app.signed_in("hilda@acme.example", PASSWORD).await;
    assert!(titles(&list(&app, &hilda, &[]).await).is_empty());
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    assert_eq!(titles(&list(&app, &ada, &[]).await).len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn other_organisations_and_roles_without_access_get_not_found_or_forbidden(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let id = created(&app, &rita, "Acme only", None).await;
    let hank_id = public_id_of(&app, "hank@acme.example").await;

    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert!(titles(&list(&app, &rex, &[]).await).is_empty());
    for (name, form) in [
        ("recruitment", vec![("id", id.as_str())]),
        (
            "update_recruitment",
            vec![("id", id.as_str()), ("title", "Taken over")],
        ),
        (
            "set_recruitment_status",
            vec![("id", id.as_str()), ("status", "closed")],
        ),
        (
            "add_criterion",
            vec![("id", id.as_str()), ("name", "x"), ("weight", "3")],
        ),
    ] {
        let res = app.call(&rex, name, &form).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name}");
    }
    // A rival admin cannot put a user of Acme on their own recruitment either.
    let theirs = created(&app, &rex, "Rival role", None).await;
    let res = app
        .call(
            &rex,
            "add_recruitment_member",
            &[("id", &theirs), ("member", &hank_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM recruitment_members").await,
        0
    );

    for email in ["ivan@acme.example", "audrey@acme.example"] {
        let client = app.signed_in(email, PASSWORD).await;
        assert_eq!(
            app.call(&client, "list_recruitments", &[]).await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
        assert_eq!(
            detail(&app, &client, &id).await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
    }
    let title: String = sqlx::query_scalar("SELECT title FROM recruitments WHERE public_id = $1")
        .bind(&id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(title, "Acme only");
}

#[sqlx::test(migrations = "../migrations")]
async fn invalid_input_names_its_fields_and_writes_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = create(
        &app,
        &rita,
        &[("title", "   "), ("description", &"x".repeat(20_001))],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "description"]);
    // An owner from another organisation, or an auditor, is refused.
    let rex_id = public_id_of(&app, "rex@rival.example").await;
    let audrey_id = public_id_of(&app, "audrey@acme.example").await;
    for owner in [rex_id.as_str(), audrey_id.as_str(), "usr_nonsense"] {
        let res = create(&app, &rita, &[("title", "Role"), ("owner", owner)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{owner}");
    }
    assert_eq!(app.count("SELECT count(*) FROM recruitments").await, 0);

    let id = created(&app, &rita, "Role", None).await;
    for (weight, name) in [
        ("0", "Skill"),
        ("6", "Skill"),
        ("three", "Skill"),
        ("3", ""),
    ] {
        let res = app
            .call(
                &rita,
                "add_criterion",
                &[("id", &id), ("name", name), ("weight", weight)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{weight} {name}"
        );
    }
    let res = app
        .call(
            &rita,
            "set_recruitment_status",
            &[("id", &id), ("status", "archived")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM evaluation_criteria").await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_update_changes_only_its_own_fields(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let id = created(&app, &rita, "Role", None).await;
    let hank_id = public_id_of(&app, "hank@acme.example").await;
    let res = app
        .call(
            &rita,
            "update_recruitment",
            &[
                ("id", &id),
                ("title", "Renamed"),
                ("owner", &hank_id),
                ("status", "closed"),
                ("org_id", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let d: Value = detail(&app, &rita, &id).await.json().await.unwrap();
    assert_eq!(d["title"], "Renamed");
    assert_eq!(d["status"], "open");
    assert_eq!(d["owner_name"], "Member recruiter");
}

#[sqlx::test(migrations = "../migrations")]
async fn criteria_are_added_in_order_removed_and_bounded(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let id = created(&app, &rita, "Role", None).await;
    for (name, weight) in [("Rust", "5"), ("Communication", "3")] {
        let res = app
            .call(
                &rita,
                "add_criterion",
                &[
                    ("id", &id),
                    ("name", name),
                    ("criterion_description", "evidence"),
                    ("weight", weight),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let d: Value = detail(&app, &rita, &id).await.json().await.unwrap();
    let names: Vec<&str> = d["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Rust", "Communication"]);
    assert_eq!(d["criteria"][0]["weight"], 5);
    let first = d["criteria"][0]["id"].as_str().unwrap().to_owned();
    assert!(first.starts_with("crit_"));
    let res = app
        .call(
            &rita,
            "remove_criterion",
            &[("id", &id), ("criterion", &first)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            &rita,
            "remove_criterion",
            &[("id", &id), ("criterion", &first)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    for i in 0..19 {
        let name = format!("Criterion {i}");
        let res = app
            .call(
                &rita,
                "add_criterion",
                &[("id", &id), ("name", &name), ("weight", "2")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{i}");
    }
    let res = app
        .call(
            &rita,
            "add_criterion",
            &[("id", &id), ("name", "One too many"), ("weight", "2")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT count(*) FROM evaluation_criteria").await,
        20
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_list_searches_filters_and_pages(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let mut closed = String::new();
    for i in 0..30 {
        let id = created(&app, &rita, &format!("Role {i:02}"), None).await;
        if i == 7 {
            closed = id;
        }
    }
    created(&app, &rita, "Data scientist", None).await;
    app.call(
        &rita,
        "set_recruitment_status",
        &[("id", &closed), ("status", "closed")],
    )
    .await;

    let first = list(&app, &rita, &[]).await;
    assert_eq!(first["total"], 31);
    assert_eq!(titles(&first).len(), 25);
    assert_eq!(titles(&first)[0], "Data scientist", "newest first");
    let second = list(&app, &rita, &[("page", "2")]).await;
    assert_eq!(titles(&second).len(), 6);
    let beyond = list(&app, &rita, &[("page", "999999999")]).await;
    assert!(titles(&beyond).is_empty());
    assert_eq!(
        titles(&list(&app, &rita, &[("search", "scien")]).await),
        ["Data scientist"]
    );
    assert_eq!(
        titles(&list(&app, &rita, &[("status", "closed")]).await),
        ["Role 07"]
    );
    assert_eq!(
        list(&app, &rita, &[("search", "%"), ("status", "bogus")]).await["total"],
        0
    );
    let bad_page = app
        .call(&rita, "list_recruitments", &[("page", "-1")])
        .await;
    assert_eq!(bad_page.status(), StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_large_team_is_named_by_e_mail_instead_of_listed(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let first = created(&app, &rita, "Small team", None).await;
    let page = format!("/app/recruitments/{first}");
    let html = app.html(&rita, &page).await;
    assert!(html.contains(r#"<select id="member""#), "a short list");

    // Sixty more colleagues: more than a picker lists.
    sqlx::query(
        "INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role,
                            email_verified_at)
         SELECT gen_random_uuid(), 'usr_' || substr(md5(random()::text || g), 1, 26), org_id,
                'colleague' || g || '@acme.example', 'Colleague ' || lpad(g::text, 2, '0'),
                password_hash, 'recruiter', now()
         FROM users, generate_series(1, 60) g WHERE email = 'ada@acme.example'",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    let staff: Value = app
        .call(&rita, "recruitment_staff", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["listed_all"], false);
    assert_eq!(
        staff["people"].as_array().unwrap().len(),
        0,
        "no partial list"
    );
    let html = app.html(&rita, &page).await;
    assert!(
        html.contains(r#"<input id="member" name="member" type="email""#),
        "a field for the address"
    );
    assert!(!html.contains(r#"<select id="member""#));
    assert!(
        !html.contains("Colleague 01"),
        "nobody listed, not even in the page's data"
    );
    let new_page = app.html(&rita, "/app/recruitments/new").await;
    assert!(new_page.contains(r#"<input id="owner" name="owner" type="email""#));

    // The last colleague by name, beyond any list, is added by address (as typed).
    let res = app
        .call(
            &rita,
            "add_recruitment_member",
            &[("id", &first), ("member", " Colleague60@ACME.example ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let colleague = public_id_of(&app, "colleague60@acme.example").await;
    let view: Value = detail(&app, &rita, &first).await.json().await.unwrap();
    let members: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(members.contains(&colleague.as_str()), "{view}");

    // Unknown, another organisation's, an auditor, not an address: refused on the field, nothing
    // added.
    for refused in [
        "nobody@acme.example",
        "rex@rival.example",
        "audrey@acme.example",
        "colleague60@",
    ] {
        let res = app
            .call(
                &rita,
                "add_recruitment_member",
                &[("id", &first), ("member", refused)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let body: Value = res.json().await.unwrap();
        assert!(body.to_string().contains("member"), "{refused}: {body}");
    }
    let view: Value = detail(&app, &rita, &first).await.json().await.unwrap();
    assert_eq!(view["members"].as_array().unwrap().len(), 1);

    // An owner by address too.
    let owned = created(&app, &rita, "Owned", Some("colleague7@acme.example")).await;
    let view: Value = detail(&app, &rita, &owned).await.json().await.unwrap();
    assert_eq!(
        view["owner_id"].as_str(),
        Some(public_id_of(&app, "colleague7@acme.example").await.as_str()),
        "{view}"
    );
}
