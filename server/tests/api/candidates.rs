//! Candidates and applications (F6): adding, the pipeline, human decisions, notes, the timeline,
//! visibility per role (R2, R3) and audited reads (F12).

use crate::helpers::{dashboard_team, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn team(app: &TestApp) {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("hank@acme.example", "hiring_manager"),
            ("ivan@acme.example", "interviewer"),
            ("audrey@acme.example", "auditor"),
        ],
    )
    .await;
    app.verified_admin("Rival", "rex@rival.example").await;
}

async fn recruitment(app: &TestApp, client: &Client, title: &str, owner: Option<&str>) -> String {
    let mut form = vec![("title", title)];
    if let Some(o) = owner {
        form.push(("owner", o));
    }
    let res = app.call(client, "create_recruitment", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned()
}

async fn add(
    app: &TestApp,
    client: &Client,
    rec: &str,
    name: &str,
    email: &str,
) -> reqwest::Response {
    app.call(
        client,
        "add_candidate",
        &[
            ("recruitment", rec),
            ("full_name", name),
            ("email", email),
            ("phone", "+31 20 123 4567"),
        ],
    )
    .await
}

async fn added(app: &TestApp, client: &Client, rec: &str, name: &str, email: &str) -> String {
    let res = add(app, client, rec, name, email).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/candidates/")
        .to_owned()
}

async fn candidate(app: &TestApp, client: &Client, id: &str) -> reqwest::Response {
    app.call(client, "candidate", &[("id", id)]).await
}

async fn user_public_id(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_candidate_applies_to_several_recruitments_as_one_person(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let backend = recruitment(&app, &rita, "Backend", None).await;
    let frontend = recruitment(&app, &rita, "Frontend", None).await;
    let first = added(&app, &rita, &backend, "Grace Hopper", "Grace@Example.org").await;
    let second = added(&app, &rita, &frontend, "Grace Hopper", "grace@example.org").await;
    assert_eq!(first, second, "one candidate per person and organisation");
    assert!(first.starts_with("cand_"));
    let c: Value = candidate(&app, &rita, &first).await.json().await.unwrap();
    assert_eq!(c["email"], "grace@example.org");
    assert_eq!(c["applications"].as_array().unwrap().len(), 2);
    // Applying twice to the same recruitment is refused and writes nothing.
    let again = add(&app, &rita, &backend, "Grace Hopper", "grace@example.org").await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT count(*) FROM applications").await, 2);
    let board: Value = app
        .call(&rita, "recruitment_board", &[("id", &backend)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(board["cards"][0]["name"], "Grace Hopper");
    assert_eq!(board["cards"][0]["stage"], "applied");
    assert_eq!(
        board["cards"][0]["consent"][0],
        serde_json::json!(["evaluation", "pending"])
    );
    // Bad input names its fields.
    let bad = app
        .call(
            &rita,
            "add_candidate",
            &[
                ("recruitment", &backend),
                ("full_name", ""),
                ("email", "nope"),
                ("phone", "<b>"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["full_name", "email", "phone"]);
    // A closed recruitment takes no new candidates.
    app.call(
        &rita,
        "set_recruitment_status",
        &[("id", &backend), ("status", "closed")],
    )
    .await;
    let closed = add(&app, &rita, &backend, "Alan Turing", "alan@example.org").await;
    assert_eq!(closed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn stages_move_and_a_person_records_the_decision_with_its_reason(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let rec = recruitment(&app, &rita, "Backend", None).await;
    let cand = added(&app, &rita, &rec, "Grace Hopper", "grace@example.org").await;
    let c: Value = candidate(&app, &rita, &cand).await.json().await.unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    assert!(application.starts_with("app_"));
    let mv = |stage: &'static str| {
        let application = application.clone();
        let cand = cand.clone();
        let rita = rita.clone();
        let app = &app;
        async move {
            app.call(
                &rita,
                "move_application",
                &[
                    ("application", application.as_str()),
                    ("stage", stage),
                    ("candidate", cand.as_str()),
                ],
            )
            .await
        }
    };
    for stage in ["screening", "interview", "offer"] {
        let res = mv(stage).await;
        assert_eq!(res.status(), StatusCode::OK, "{stage}");
        assert_eq!(
            res.headers()["location"],
            format!("/app/candidates/{cand}").as_str()
        );
    }
    // The board: a column's ticked cards move together, and the move comes back to the board.
    let board = app.html(&rita, &format!("/app/recruitments/{rec}")).await;
    assert!(
        board.contains("Consent: Evaluation: Awaiting answer, Recording: Awaiting answer"),
        "{board}"
    );
    assert!(board.contains(&format!(
        r#"type="checkbox" name="applications[]" value="{application}""#
    )));
    assert!(board.contains(r#"action="/fn/move_applications""#));
    assert!(!board.contains(r#"name="application""#));
    let alan = added(&app, &rita, &rec, "Alan Turing", "alan@example.org").await;
    let ada = added(&app, &rita, &rec, "Ada Lovelace", "ada.l@example.org").await;
    let application_of = |cand: String| {
        let (app, rita) = (&app, rita.clone());
        async move {
            let c: Value = candidate(app, &rita, &cand).await.json().await.unwrap();
            c["applications"][0]["id"].as_str().unwrap().to_owned()
        }
    };
    let (alan_app, ada_app) = (application_of(alan).await, application_of(ada).await);
    let elsewhere = recruitment(&app, &rita, "Frontend", None).await;
    let other = added(&app, &rita, &elsewhere, "Edsger Dijkstra", "ed@example.org").await;
    let other_app = application_of(other).await;
    let stage_of = |id: &str| {
        format!(
            "SELECT count(*) FROM applications WHERE public_id = '{id}' AND stage = 'interview'"
        )
    };
    let moves = |applications: Vec<&str>, stage: &'static str, board: &str| {
        let mut form = vec![
            ("recruitment", board.to_owned()),
            ("stage", stage.to_owned()),
        ];
        form.extend(
            applications
                .into_iter()
                .map(|a| ("applications[]", a.to_owned())),
        );
        let (app, rita) = (&app, rita.clone());
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&rita, "move_applications", &form).await
        }
    };
    let events = || {
        app.count("SELECT count(*) FROM audit_events WHERE action = 'application.stage_changed'")
    };
    let events_before = events().await;
    // Nothing ticked, a decision, a card of another board: refused, and nothing moves.
    let res = moves(vec![], "interview", &rec).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Select at least one candidate"));
    let res = moves(vec![&alan_app, &ada_app], "hired", &rec).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = moves(vec![&alan_app, &other_app, &ada_app], "interview", &rec).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = moves(vec![&alan_app, "app_../../x"], "interview", &rec).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // More cards than a board holds are refused before anything is read.
    let too_many: Vec<String> = (0..=1000).map(|i| format!("app_{i:026}")).collect();
    let res = moves(
        too_many.iter().map(String::as_str).collect(),
        "interview",
        &rec,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("at most 1000"));
    for id in [&alan_app, &ada_app, &other_app] {
        assert_eq!(app.count(&stage_of(id)).await, 0, "{id} moved");
    }
    assert_eq!(events().await, events_before);
    // Both ticked cards move, each once however often it was posted, each with its event.
    let res = moves(vec![&alan_app, &ada_app, &alan_app], "interview", &rec).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["location"],
        format!("/app/recruitments/{rec}").as_str()
    );
    for id in [&alan_app, &ada_app] {
        assert_eq!(app.count(&stage_of(id)).await, 1, "{id} stayed");
    }
    assert_eq!(app.count(&stage_of(&other_app)).await, 0);
    assert_eq!(events().await, events_before + 2);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM application_events e JOIN applications a ON a.id = e.application_id
             WHERE a.public_id = '{alan_app}' AND e.kind = 'stage_changed' AND e.stage = 'interview'"
        ))
        .await,
        1
    );
    // Hired comes only from a decision.
    assert_eq!(mv("hired").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = app
        .call(
            &rita,
            "record_decision",
            &[
                ("application", &application),
                ("decision", "hired"),
                ("reason", "  "),
                ("candidate", &cand),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .call(
            &rita,
            "record_decision",
            &[
                ("application", &application),
                ("decision", "hired"),
                ("reason", "Strongest systems design"),
                ("candidate", &cand),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = candidate(&app, &rita, &cand).await.json().await.unwrap();
    let a = &c["applications"][0];
    assert_eq!(a["stage"], "hired");
    assert_eq!(a["decision_reason"], "Strongest systems design");
    assert_eq!(a["decided_by"], "Member recruiter");
    assert!(a["decided_at"].as_str().unwrap().ends_with("UTC"));
    // Decided: nothing moves, nothing is decided twice; each clashes with the state (409).
    assert_eq!(mv("screening").await.status(), StatusCode::CONFLICT);
    let twice = app
        .call(
            &rita,
            "record_decision",
            &[
                ("application", &application),
                ("decision", "rejected"),
                ("reason", "changed mind"),
                ("candidate", &cand),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let kinds: Vec<String> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "decision",
            "stage_changed",
            "stage_changed",
            "stage_changed",
            "applied"
        ]
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_events WHERE action = 'application.decision_recorded'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn notes_are_sanitised_and_every_view_of_a_candidate_is_audited(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let rec = recruitment(&app, &rita, "Backend", None).await;
    let cand = added(&app, &rita, &rec, "Grace Hopper", "grace@example.org").await;
    let c: Value = candidate(&app, &rita, &cand).await.json().await.unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &rita,
            "add_application_note",
            &[
                ("application", &application),
                (
                    "note",
                    "<p>Great <em>call</em></p><img src=x onerror=alert(1)><script>x()</script>",
                ),
                ("candidate", &cand),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let empty = app
        .call(
            &rita,
            "add_application_note",
            &[
                ("application", &application),
                ("note", "<script>only()</script>"),
                ("candidate", &cand),
            ],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let c: Value = candidate(&app, &rita, &cand).await.json().await.unwrap();
    assert_eq!(c["notes"][0]["body_html"], "<p>Great <em>call</em></p>");
    let rita_id = user_public_id(&app, "rita@acme.example").await;
    let views = app
        .count(&format!("SELECT count(*) FROM audit_events WHERE action = 'candidate.viewed' AND actor = '{rita_id}' AND target = '{cand}'"))
        .await;
    assert_eq!(views, 2);
    // The page itself, rendered for a browser, is a view too.
    let html = app.html(&rita, &format!("/app/candidates/{cand}")).await;
    assert!(
        html.contains("Grace Hopper")
            && html.contains("<em>call</em>")
            && !html.contains("onerror")
    );
    assert!(!html.contains("<title>Grace"), "names stay out of <title>");
    let views = app
        .count("SELECT count(*) FROM audit_events WHERE action = 'candidate.viewed'")
        .await;
    assert_eq!(views, 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn hiring_managers_see_only_candidates_of_their_recruitments_and_others_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let hank_id = user_public_id(&app, "hank@acme.example").await;
    let hanks = recruitment(&app, &rita, "Hank's team", Some(&hank_id)).await;
    let other = recruitment(&app, &rita, "Other team", None).await;
    let grace = added(&app, &rita, &hanks, "Grace Hopper", "grace@example.org").await;
    added(&app, &rita, &other, "Grace Hopper", "grace@example.org").await;
    let alan = added(&app, &rita, &other, "Alan Turing", "alan@example.org").await;

    let hank = app.signed_in("hank@acme.example", PASSWORD).await;
    let c: Value = candidate(&app, &hank, &grace).await.json().await.unwrap();
    let titles: Vec<&str> = c["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["recruitment_title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Hank's team"],
        "only the application in Hank's recruitment"
    );
    assert_eq!(c["can_manage"], false);
    assert_eq!(c["can_evaluate"], true);
    let hidden = candidate(&app, &hank, &alan).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let missing = candidate(&app, &hank, "cand_0000000000000000000000000z").await;
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
    assert_eq!(
        app.call(&hank, "recruitment_board", &[("id", &other)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Hank evaluates his own candidate, but does not move applications.
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let note = app
        .call(
            &hank,
            "add_application_note",
            &[
                ("application", &application),
                ("note", "Solid"),
                ("candidate", &grace),
            ],
        )
        .await;
    assert_eq!(note.status(), StatusCode::OK);
    let moved = app
        .call(
            &hank,
            "move_application",
            &[
                ("application", &application),
                ("stage", "offer"),
                ("candidate", &grace),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);

    for email in ["ivan@acme.example", "audrey@acme.example"] {
        let client = app.signed_in(email, PASSWORD).await;
        assert_eq!(
            candidate(&app, &client, &grace).await.status(),
            StatusCode::FORBIDDEN,
            "{email}"
        );
    }
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert_eq!(
        candidate(&app, &rex, &grace).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app
        .call(
            &rex,
            "move_application",
            &[
                ("application", &application),
                ("stage", "offer"),
                ("candidate", &grace),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = add(&app, &rex, &hanks, "Mallory", "mallory@example.org").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT count(*) FROM applications WHERE stage = 'applied'")
            .await,
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_counts_each_stage_within_what_the_role_may_see(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let hank_id = user_public_id(&app, "hank@acme.example").await;
    let hanks = recruitment(&app, &rita, "Hank's team", Some(&hank_id)).await;
    let other = recruitment(&app, &rita, "Other team", None).await;
    let grace = added(&app, &rita, &hanks, "Grace Hopper", "grace@example.org").await;
    added(&app, &rita, &other, "Alan Turing", "alan@example.org").await;
    added(&app, &rita, &other, "Ada Lovelace", "ada.l@example.org").await;
    let c: Value = candidate(&app, &rita, &grace).await.json().await.unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    app.call(
        &rita,
        "move_application",
        &[
            ("application", &application),
            ("stage", "offer"),
            ("candidate", &grace),
        ],
    )
    .await;

    let stages = |d: &Value| -> Vec<(String, i64)> {
        d["pipeline"]["per_stage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_i64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let d: Value = app
        .call(&rita, "dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stages(&d),
        [("applied".to_owned(), 2), ("offer".to_owned(), 1)]
    );
    assert_eq!(d["pipeline"]["open_recruitments"], 2);
    assert_eq!(
        d["pipeline"]["awaiting_decision"][0]["name"],
        "Grace Hopper"
    );

    let hank = app.signed_in("hank@acme.example", PASSWORD).await;
    let d: Value = app
        .call(&hank, "dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stages(&d), [("offer".to_owned(), 1)]);
    assert_eq!(d["pipeline"]["open_recruitments"], 1);

    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    let d: Value = app
        .call(&audrey, "dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(d["pipeline"].is_null(), "auditors see no candidate content");
    // The team in numbers, per role, whatever its size; the rival's members are not counted.
    let team = dashboard_team(&d);
    let one = |role: &str| (role.to_owned(), 1, 0);
    assert_eq!(
        team,
        [
            one("admin"),
            one("recruiter"),
            one("hiring_manager"),
            one("interviewer"),
            one("auditor")
        ]
    );
    assert_eq!(d["can_manage_users"], false);
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let ivan_id = user_public_id(&app, "ivan@acme.example").await;
    let res = app
        .call(
            &ada,
            "set_user_active",
            &[("user", &ivan_id), ("active", "false"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let d: Value = app.call(&ada, "dashboard", &[]).await.json().await.unwrap();
    assert_eq!(d["team"][3]["role"], "interviewer");
    assert_eq!(
        (
            d["team"][3]["active"].as_i64(),
            d["team"][3]["deactivated"].as_i64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(d["can_manage_users"], true);
    let html = app.html(&ada, "/app").await;
    assert!(
        html.contains("4 active member(s)")
            && html.contains(r#"<a href="/admin/users">Manage users</a>"#)
    );

    let html = app.html(&rita, "/app").await;
    assert!(
        html.contains("Candidates per stage: Applied: 2, Screening: 0, Interview: 0, Offer: 1"),
        "the funnel is drawn on the server"
    );
    assert!(html.contains("<svg"));
}

/// The dashboard's funnel reads counters kept by triggers (migration 0017): they must equal a
/// count of the applications after every kind of change, including several rows in one
/// statement and deletions cascading from a candidate, and stay within their organisation.
#[sqlx::test(migrations = "../migrations")]
async fn the_stage_counters_equal_the_applications_after_every_change(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let first = recruitment(&app, &rita, "First", None).await;
    let second = recruitment(&app, &rita, "Second", None).await;
    for (i, r) in [&first, &first, &first, &second, &second]
        .into_iter()
        .enumerate()
    {
        added(
            &app,
            &rita,
            r,
            &format!("Person {i}"),
            &format!("p{i}@example.org"),
        )
        .await;
    }
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let rivals = recruitment(&app, &rex, "Rival role", None).await;
    added(&app, &rex, &rivals, "Rival Person", "rp@example.org").await;

    let drift = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM (
               SELECT recruitment_id, stage, count(*) AS n FROM applications
               GROUP BY recruitment_id, stage
             ) t FULL JOIN (SELECT * FROM application_stage_counts WHERE n <> 0) s
               USING (recruitment_id, stage)
             WHERE t.n IS DISTINCT FROM s.n",
        )
        .fetch_one(&app.owner)
        .await
        .unwrap()
    };
    assert_eq!(drift().await, 0, "after adding one by one");
    assert_eq!(
        app.count("SELECT sum(n)::bigint FROM application_stage_counts")
            .await,
        6
    );

    // Several rows in one statement, in both directions.
    sqlx::query("UPDATE applications SET stage = 'screening' WHERE stage = 'applied'")
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE applications SET stage = 'interview'
         WHERE id IN (SELECT id FROM applications WHERE stage = 'screening' LIMIT 2)",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    assert_eq!(drift().await, 0, "after moving several at once");
    // A candidate's removal cascades to their applications.
    sqlx::query("DELETE FROM candidates WHERE email IN ('p0@example.org', 'p3@example.org')")
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(drift().await, 0, "after cascading deletions");
    assert_eq!(
        app.count("SELECT sum(n)::bigint FROM application_stage_counts")
            .await,
        4
    );

    // The application role reads its own organisation's counters only, and cannot write them.
    let acme: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Acme'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let mut tx = app.app_tx_for(acme).await;
    let seen: i64 = sqlx::query_scalar("SELECT sum(n)::bigint FROM application_stage_counts")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        seen, 3,
        "Acme's three remaining applications, not the rival's"
    );
    assert!(
        sqlx::query("UPDATE application_stage_counts SET n = n + 100")
            .execute(&mut *tx)
            .await
            .is_err(),
        "the counters are written by the triggers only"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_organisation_is_seeded_once_with_a_realistic_pipeline(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let users = candor_server::demo::seed(&app.state).await.unwrap();
    assert_eq!(users.len(), 5, "one user per role");
    candor_server::demo::seed(&app.state).await.unwrap();
    assert_eq!(
        app.count("SELECT count(*) FROM orgs").await,
        1,
        "seeding twice creates nothing new"
    );
    assert_eq!(app.count("SELECT count(*) FROM recruitments").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 48);
    assert_eq!(
        app.count("SELECT count(DISTINCT stage) FROM applications")
            .await,
        6
    );
    // Every candidate has a CV; interviews past the screening, the held ones with a transcript
    // and the interviewer's scorecard on every criterion.
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE kind = 'cv'")
            .await,
        48
    );
    let interviews = app.count("SELECT count(*) FROM interviews").await;
    let held = app
        .count("SELECT count(*) FROM interviews WHERE scheduled_at < now()")
        .await;
    assert!(
        interviews > held && held > 0,
        "{interviews} interviews, {held} held"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE kind = 'transcript'")
            .await,
        held
    );
    assert_eq!(
        app.count("SELECT count(*) FROM scorecard_entries").await,
        held * 3
    );
    assert_eq!(app.stored_files().len(), 48 + held as usize);
    // Candidates past the first stage answered the consent request; a few refused recording.
    assert!(
        app.count("SELECT count(*) FROM consent_events WHERE event = 'refused'")
            .await
            > 0
    );
    assert_eq!(
        app.count(
            "SELECT count(DISTINCT application_id) FROM consent_events WHERE event = 'given'"
        )
        .await,
        app.count("SELECT count(*) FROM applications WHERE stage <> 'applied'")
            .await
    );
    assert_eq!(
        app.count("SELECT count(*) FROM org_sub_processors").await,
        2
    );
    let hiring_manager = &users
        .iter()
        .find(|u| u.role == candor_app::domain::role::Role::HiringManager)
        .unwrap();
    let client = app
        .signed_in(&hiring_manager.email, &hiring_manager.password)
        .await;
    let page: Value = app
        .call(&client, "list_recruitments", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "the hiring manager owns one of the three");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recruitment_exports_its_candidates_as_safe_csv_and_each_export_is_audited(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let rec = recruitment(&app, &rita, "Backend", None).await;
    let grace = added(&app, &rita, &rec, "Grace Hopper", "grace@example.org").await;
    let formula = added(
        &app,
        &rita,
        &rec,
        "=HYPERLINK(\"https://evil.example\")",
        "alan@example.org",
    )
    .await;
    let res = rita
        .get(app.url(&candor_app::routes::EXPORT_CANDIDATES.at(&rec)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("candidate_id,name,email"));
    assert!(lines[1].starts_with(&format!("{grace},Grace Hopper,grace@example.org")));
    // A cell a spreadsheet would run as a formula is defused.
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"https://evil.example\"\")\""),
        "{}",
        lines[2]
    );
    for candidate in [&grace, &formula] {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_events WHERE action = 'candidate.exported' AND target = $1",
        )
        .bind(candidate)
        .fetch_one(&app.owner)
        .await
        .unwrap();
        assert_eq!(n, 1, "{candidate}");
    }
}

/// The staff candidate list: 50 a page with a link to the next while more follow, narrowed by
/// name (taken literally), within what the role may see (R2, R3) and the organisation (S1),
/// rendered on the server for browsers without JavaScript.
#[sqlx::test(migrations = "../migrations")]
async fn the_candidate_list_pages_and_searches_within_what_the_role_may_see(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    team(&app).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let hank_id = user_public_id(&app, "hank@acme.example").await;
    let hanks = recruitment(&app, &rita, "Hank's team", Some(&hank_id)).await;
    let other = recruitment(&app, &rita, "Other team", None).await;
    let grace = added(&app, &rita, &hanks, "Grace Hopper", "grace@example.org").await;
    for i in 0..52 {
        added(
            &app,
            &rita,
            &other,
            &format!("Person {i:02}"),
            &format!("p{i}@example.org"),
        )
        .await;
    }
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let rivals = recruitment(&app, &rex, "Rival role", None).await;
    added(&app, &rex, &rivals, "Rival Person", "rp@example.org").await;

    let list = |client: &Client, form: Vec<(&'static str, String)>| {
        let app = &app;
        let client = client.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.call(&client, "list_candidates", &form).await;
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };

    let (status, first) = list(&rita, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert_eq!(first["has_next"], true);
    let (_, second) = list(&rita, vec![("page", "2".into())]).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 3);
    assert_eq!(second["has_next"], false);
    let mut all: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        53,
        "the pages split Acme's 53 candidates without overlap"
    );
    assert!(all.contains(&grace));

    let (_, found) = list(&rita, vec![("search", "  gRACE ".into())]).await;
    assert_eq!(ids(&found), vec![grace.clone()]);
    assert_eq!(found["items"][0]["applications"], 1);
    assert_eq!(found["items"][0]["latest_stage"], "applied");
    let (_, literal) = list(&rita, vec![("search", "%".into())]).await;
    assert_eq!(ids(&literal), Vec::<String>::new(), "% matches only itself");

    let hank = app.signed_in("hank@acme.example", PASSWORD).await;
    let (_, hanks_view) = list(&hank, vec![]).await;
    assert_eq!(
        ids(&hanks_view),
        vec![grace.clone()],
        "only his recruitment's candidate"
    );
    let (_, rivals_view) = list(&rex, vec![]).await;
    assert_eq!(
        rivals_view["items"].as_array().unwrap().len(),
        1,
        "only the rival's own"
    );
    assert!(!ids(&rivals_view).contains(&grace));
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let (status, _) = list(&ivan, vec![]).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "interviewers have no candidate list"
    );

    let html = app.html(&rita, "/app/candidates?page=2").await;
    assert!(html.contains("Page 2") && html.contains("Candidates 51–53"));
    assert!(html.contains(r#"href="/app/candidates?page=1" rel="prev""#));
    assert!(!html.contains(r#"rel="next""#), "no page after the last");
    let html = app.html(&rita, "/app/candidates?q=Grace").await;
    assert!(html.contains(&format!(r#"href="/app/candidates/{grace}""#)));
    assert!(!html.contains("Person 07"));
}
