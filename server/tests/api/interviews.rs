//! Interviews and scorecards (F8): scheduling, assignment, interviewers seeing only their own
//! interviews and scorecards (R2), validated scores with evidence, and the weighted comparison.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

struct Setup {
    rita: Client,
    rec: String,
    grace: String,
    application: String,
    criteria: Vec<String>,
}

async fn setup(app: &TestApp) -> Setup {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("ivan@acme.example", "interviewer"),
            ("iris@acme.example", "interviewer"),
            ("audrey@acme.example", "auditor"),
        ],
    )
    .await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    for (name, weight) in [("Rust", "5"), ("Communication", "1")] {
        app.call(
            &rita,
            "add_criterion",
            &[("id", &rec), ("name", name), ("weight", weight)],
        )
        .await;
    }
    let res = app
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
    let grace = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/candidates/")
        .to_owned();
    app.grant_consent("grace@example.org").await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &grace)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let d: Value = app
        .call(&rita, "recruitment", &[("id", &rec)])
        .await
        .json()
        .await
        .unwrap();
    let criteria = d["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    Setup {
        rita,
        rec,
        grace,
        application,
        criteria,
    }
}

async fn schedule(app: &TestApp, s: &Setup, starts: &str) -> reqwest::Response {
    app.call(
        &s.rita,
        "schedule_interview",
        &[
            ("application", &s.application),
            ("candidate", &s.grace),
            ("starts_at", starts),
            ("duration", "45"),
            ("location", "Room 4"),
        ],
    )
    .await
}

async fn scheduled(app: &TestApp, s: &Setup) -> String {
    let res = schedule(app, s, "2026-12-01T09:30").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/interviews/")
        .to_owned()
}

async fn score(
    app: &TestApp,
    client: &Client,
    interview: &str,
    criterion: &str,
    score: &str,
    evidence: &str,
) -> StatusCode {
    app.call(
        client,
        "save_score",
        &[
            ("interview", interview),
            ("criterion", criterion),
            ("score", score),
            ("evidence", evidence),
        ],
    )
    .await
    .status()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_interview_is_scheduled_assigned_and_scored_with_evidence(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    assert_eq!(
        schedule(&app, &s, "next tuesday").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let interview = scheduled(&app, &s).await;
    assert!(interview.starts_with("int_"));
    let ivan_id = app.user_id("ivan@acme.example").await;
    let audrey_id = app.user_id("audrey@acme.example").await;
    let res = app
        .call(
            &s.rita,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", &audrey_id)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "auditors do not interview"
    );
    let res = app
        .call(
            &s.rita,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", &ivan_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Named by address too (a team too large to list): the same rules apply.
    app.verified_admin("Rival", "rex@rival.example").await;
    for (who, status) in [
        ("Audrey@acme.example", StatusCode::UNPROCESSABLE_ENTITY),
        ("rex@rival.example", StatusCode::UNPROCESSABLE_ENTITY),
        (" Iris@ACME.example", StatusCode::OK),
    ] {
        let res = app
            .call(
                &s.rita,
                "assign_interviewer",
                &[("interview", &interview), ("interviewer", who)],
            )
            .await;
        assert_eq!(res.status(), status, "{who}");
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM interview_assignments s JOIN users u ON u.id = s.user_id
             WHERE u.email IN ('ivan@acme.example', 'iris@acme.example')"
        )
        .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) FROM interview_assignments")
            .await,
        2,
        "nobody else"
    );

    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let mine: Value = app
        .call(&ivan, "my_interviews", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["id"], interview.as_str());
    assert_eq!(mine[0]["starts"], "2026-12-01 09:30 UTC");
    assert_eq!(mine[0]["candidate_name"], "Grace Hopper");
    assert_eq!(
        score(&app, &ivan, &interview, &s.criteria[0], "6", "x").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        score(&app, &ivan, &interview, &s.criteria[0], "4", "  ").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        score(
            &app,
            &ivan,
            &interview,
            "crit_0000000000000000000000000z",
            "4",
            "x"
        )
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        score(
            &app,
            &ivan,
            &interview,
            &s.criteria[0],
            "3",
            "Knew ownership"
        )
        .await,
        StatusCode::OK
    );
    // Scoring again replaces the earlier score.
    assert_eq!(
        score(
            &app,
            &ivan,
            &interview,
            &s.criteria[0],
            "4",
            "Explained lifetimes clearly"
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(app.count("SELECT count(*) FROM scorecard_entries").await, 1);
    // The recruiter is not assigned: they read scorecards but do not fill them.
    assert_eq!(
        score(&app, &s.rita, &interview, &s.criteria[0], "5", "x").await,
        StatusCode::FORBIDDEN
    );
    let d: Value = app
        .call(&s.rita, "interview", &[("id", &interview)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["scores"][0]["evidence"], "Explained lifetimes clearly");
    assert_eq!(d["interviewers"][0], "Member interviewer");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action LIKE 'interview.%'")
            .await,
        5,
        "one more for the interviewer assigned by address"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn interviewers_see_only_their_interviews_and_their_own_scores(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let interview = scheduled(&app, &s).await;
    let other = scheduled(&app, &s).await;
    let ivan_id = app.user_id("ivan@acme.example").await;
    let iris_id = app.user_id("iris@acme.example").await;
    for who in [&ivan_id, &iris_id] {
        app.call(
            &s.rita,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", who)],
        )
        .await;
    }
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let iris = app.signed_in("iris@acme.example", PASSWORD).await;
    score(
        &app,
        &ivan,
        &interview,
        &s.criteria[0],
        "5",
        "Ivan's evidence",
    )
    .await;
    score(
        &app,
        &iris,
        &interview,
        &s.criteria[0],
        "2",
        "Iris's evidence",
    )
    .await;

    let d: Value = app
        .call(&ivan, "interview", &[("id", &interview)])
        .await
        .json()
        .await
        .unwrap();
    let evidence: Vec<&str> = d["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["evidence"].as_str().unwrap())
        .collect();
    assert_eq!(
        evidence,
        ["Ivan's evidence"],
        "no anchoring on a colleague's scores"
    );
    let mine: Value = app
        .call(&ivan, "my_interviews", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let hidden = app.call(&ivan, "interview", &[("id", &other)]).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    // Interviewers get the interview, never the candidate record or the recruitment.
    assert_eq!(
        app.call(&ivan, "candidate", &[("id", &s.grace)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&ivan, "recruitment", &[("id", &s.rec)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    assert_eq!(
        app.call(&audrey, "interview", &[("id", &interview)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    app.verified_admin("Rival", "rex@rival.example").await;
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert_eq!(
        app.call(&rex, "interview", &[("id", &interview)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app
        .call(
            &rex,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", &ivan_id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_comparison_averages_each_criterion_and_weighs_them(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let interview = scheduled(&app, &s).await;
    let ivan_id = app.user_id("ivan@acme.example").await;
    let iris_id = app.user_id("iris@acme.example").await;
    for who in [&ivan_id, &iris_id] {
        app.call(
            &s.rita,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", who)],
        )
        .await;
    }
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let iris = app.signed_in("iris@acme.example", PASSWORD).await;
    score(&app, &ivan, &interview, &s.criteria[0], "5", "a").await;
    score(&app, &iris, &interview, &s.criteria[0], "3", "b").await;
    score(&app, &ivan, &interview, &s.criteria[1], "1", "c").await;
    let board: Value = app
        .call(&s.rita, "recruitment_board", &[("id", &s.rec)])
        .await
        .json()
        .await
        .unwrap();
    let rows = &board["comparison"];
    assert_eq!(rows[0]["name"], "Grace Hopper");
    assert_eq!(rows[0]["per_criterion"][0][1], 4.0);
    assert_eq!(rows[0]["per_criterion"][0][2], 2);
    // (5 × 4.0 + 1 × 1.0) / 6
    assert_eq!(rows[0]["weighted"], 3.5);
    // Nothing was decided by the numbers.
    assert_eq!(
        app.count("SELECT count(*) FROM applications WHERE stage IN ('hired','rejected')")
            .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_counts_each_roles_interviews_of_the_coming_week(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let s = setup(&app).await;
    let now = app.state.clock.now();
    let in_two_days = now + time::Duration::days(2);
    let next_month = now + time::Duration::days(30);
    let fmt = |t: time::OffsetDateTime| format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute());
    let soon = schedule(&app, &s, &fmt(in_two_days)).await;
    let soon = soon.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/interviews/")
        .to_owned();
    schedule(&app, &s, &fmt(next_month)).await;
    let ivan_id = app.user_id("ivan@acme.example").await;
    app.call(
        &s.rita,
        "assign_interviewer",
        &[("interview", &soon), ("interviewer", &ivan_id)],
    )
    .await;

    let week = |d: Value| d["interviews_this_week"].clone();
    let d: Value = app
        .call(&s.rita, "dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(week(d), 1);
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    assert_eq!(
        week(
            app.call(&ivan, "dashboard", &[])
                .await
                .json()
                .await
                .unwrap()
        ),
        1
    );
    let iris = app.signed_in("iris@acme.example", PASSWORD).await;
    assert_eq!(
        week(
            app.call(&iris, "dashboard", &[])
                .await
                .json()
                .await
                .unwrap()
        ),
        0
    );
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    assert!(week(
        app.call(&audrey, "dashboard", &[])
            .await
            .json()
            .await
            .unwrap()
    )
    .is_null());
}
