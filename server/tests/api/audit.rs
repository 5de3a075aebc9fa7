//! The audit log (F12, S16): append-only in the database, sealed into per-org hash chains, and
//! verification that detects a changed or removed event.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::backend::audit;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

async fn busy_org(app: &TestApp) {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    app.signed_in("ada@acme.example", PASSWORD).await;
    app.call(
        &app.browser(),
        "sign_in",
        &[
            ("email", "ghost@nowhere.example"),
            ("password", "whatever it is"),
        ],
    )
    .await;
    app.seal_audit().await;
}

async fn verify(app: &TestApp) -> audit::VerifyReport {
    audit::verify(&app.owner, app.state.clock.now())
        .await
        .unwrap()
}

/// Runs `sql` with the append-only triggers switched off, as a superuser with database access
/// could, and switches them back on before the connection returns to the pool.
async fn past_the_triggers(app: &TestApp, sql: &str) {
    let mut conn = app.owner.acquire().await.unwrap();
    sqlx::raw_sql(&format!(
        "SET session_replication_role = replica; {sql}; RESET session_replication_role"
    ))
    .execute(&mut *conn)
    .await
    .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn sealed_events_form_intact_chains_per_organisation(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let report = verify(&app).await;
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.chains, 3, "Acme, Rival and the org-less chain");
    let events = app.count("SELECT count(*) FROM audit_events").await;
    assert_eq!(report.events_verified as i64, events);
    // Sealing again adds nothing; new events extend the existing chain.
    app.seal_audit().await;
    assert_eq!(verify(&app).await.events_verified as i64, events);
    app.signed_in("rex@rival.example", PASSWORD).await;
    app.seal_audit().await;
    let report = verify(&app).await;
    assert!(report.is_intact());
    let now = app.count("SELECT count(*) FROM audit_events").await;
    assert!(now > events);
    assert_eq!(report.events_verified as i64, now);
}

/// `n` candidate reads appended by one statement, each of Acme when `of_acme` holds, else of
/// Rival (`g` numbers the reads).
async fn append_reads(app: &TestApp, of_acme: &str, n: i32) {
    sqlx::query(&format!(
        "INSERT INTO audit_events (org_id, occurred_at, actor, action, target, outcome)
         SELECT o.id, now(), 'key_test', 'candidate.viewed', 'cand_' || g, 'success'
         FROM generate_series(1, $1) g
         JOIN orgs o ON o.name = CASE WHEN {of_acme} THEN 'Acme' ELSE 'Rival' END"
    ))
    .bind(n)
    .execute(&app.owner)
    .await
    .unwrap();
}

/// Each appending statement lists its events once per chain, however many it appends; the sealer
/// takes whole lists, across more than one batch, and chains every event in the order appended.
#[sqlx::test(migrations = "../migrations")]
async fn events_appended_together_are_listed_once_and_all_sealed_in_order(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let sealed_before = app.count("SELECT count(*) FROM audit_chain").await;
    assert_eq!(app.count("SELECT count(*) FROM audit_pending").await, 0);
    // One statement per size: 1,500 reads of Acme (more than a sealing batch), then 300 reads
    // split between Acme and Rival, then 40 single appends.
    append_reads(&app, "true", 1500).await;
    append_reads(&app, "g % 2 = 0", 300).await;
    for _ in 0..40 {
        append_reads(&app, "true", 1).await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM audit_pending").await,
        1 + 2 + 40,
        "one list per statement and chain"
    );
    assert_eq!(
        app.count("SELECT sum(cardinality(event_ids))::bigint FROM audit_pending")
            .await,
        1840
    );

    app.seal_audit().await;
    assert_eq!(app.count("SELECT count(*) FROM audit_pending").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_chain").await - sealed_before,
        1840
    );
    // Within each chain, positions follow the events' order of appending, with no gap.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM (
               SELECT position, lag(position) OVER w AS prev_position,
                      event_id, lag(event_id) OVER w AS prev_event
               FROM audit_chain WINDOW w AS (PARTITION BY chain_key ORDER BY position)) c
             WHERE prev_position IS NOT NULL
               AND (position <> prev_position + 1 OR event_id < prev_event)"
        )
        .await,
        0
    );
    let report = verify(&app).await;
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(
        report.events_verified as i64,
        app.count("SELECT count(*) FROM audit_events").await
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_refuses_to_change_or_delete_audit_rows(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    for pool in [&app.owner, &app.app_pool] {
        for sql in [
            "UPDATE audit_events SET action = 'nothing.happened'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events CASCADE",
            "UPDATE audit_chain SET hash = prev_hash",
            "DELETE FROM audit_chain",
        ] {
            assert!(
                sqlx::query(sql).execute(pool).await.is_err(),
                "{sql} must fail"
            );
        }
    }
    assert!(verify(&app).await.is_intact());
}

/// The organisation of an event is checked once per appending statement rather than by a foreign
/// key's lock on the organisation's row: the rule must hold all the same.
#[sqlx::test(migrations = "../migrations")]
async fn an_event_of_an_unknown_organisation_is_refused_and_an_audited_one_cannot_go(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let unknown = uuid::Uuid::new_v4();
    let acme: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Acme'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    // One statement naming a real organisation and an unknown one appends nothing at all.
    let mixed = sqlx::query(
        "INSERT INTO audit_events (org_id, actor, action, target, outcome)
         SELECT o, 'system', 'test.appended', 'x', 'success' FROM UNNEST($1::uuid[]) o",
    )
    .bind(vec![acme, unknown])
    .execute(&app.owner)
    .await
    .unwrap_err();
    assert!(mixed.to_string().contains("does not exist"), "{mixed}");
    // The application's role, scoped to the unknown organisation so row security lets it write.
    let mut tx = app.app_pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.org_id', $1, true)")
        .bind(unknown.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let scoped = sqlx::query(
        "INSERT INTO audit_events (org_id, actor, action, outcome)
         VALUES ($1, 'system', 'test.appended', 'success')",
    )
    .bind(unknown)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(scoped.to_string().contains("does not exist"), "{scoped}");
    drop(tx);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(after, before);

    let deleting = sqlx::query("DELETE FROM orgs WHERE id = $1")
        .bind(acme)
        .execute(&app.owner)
        .await
        .unwrap_err();
    assert!(deleting.to_string().contains("audit events"), "{deleting}");
    assert!(verify(&app).await.is_intact());
}

#[sqlx::test(migrations = "../migrations")]
async fn an_edited_audit_row_is_detected(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    past_the_triggers(
        &app,
        "UPDATE audit_events SET outcome = 'success' WHERE id =
           (SELECT id FROM audit_events WHERE action = 'auth.sign_in.failed' LIMIT 1)",
    )
    .await;
    let report = verify(&app).await;
    assert!(!report.is_intact());
    assert!(
        report.problems.iter().any(|p| p.contains("altered")),
        "{:?}",
        report.problems
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_audit_event_is_detected(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    // Remove an event from the middle of a chain, link and all.
    past_the_triggers(
        &app,
        "CREATE TEMP TABLE victim AS
           SELECT event_id FROM audit_chain WHERE position = 2 ORDER BY chain_key LIMIT 1;
         DELETE FROM audit_chain WHERE event_id IN (SELECT event_id FROM victim);
         DELETE FROM audit_events WHERE id IN (SELECT event_id FROM victim);
         DROP TABLE victim",
    )
    .await;
    let report = verify(&app).await;
    assert!(
        report.problems.iter().any(|p| p.contains("links removed")),
        "{:?}",
        report.problems
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn hashed_audit_fields_hold_no_personal_data(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let leaks = app
        .count(
            "SELECT count(*) FROM audit_events WHERE
               coalesce(actor, '') ~ '@|Acme|Ada' OR coalesce(target, '') ~ '@|Acme|Ada'
               OR action ~ '@'",
        )
        .await;
    assert_eq!(leaks, 0);
    let pseudonymous = app
        .count("SELECT count(*) FROM audit_events WHERE actor IS NOT NULL AND actor !~ '^(usr|org)_[0-9a-z]{26}$'")
        .await;
    assert_eq!(pseudonymous, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn appends_of_one_org_never_wait_for_each_other(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let org: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let insert =
        "INSERT INTO audit_events (org_id, action, outcome) VALUES ($1, 'test.read', 'success')";
    // The first transaction appends and stays open…
    let mut first = app.state.db.begin_for_org(org).await.unwrap();
    sqlx::query(insert)
        .bind(org)
        .execute(&mut *first)
        .await
        .unwrap();
    // …and a second append of the same org still completes at once.
    let mut second = app.state.db.begin_for_org(org).await.unwrap();
    let appended = tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::query(insert).bind(org).execute(&mut *second),
    )
    .await;
    assert!(appended.is_ok(), "the second append waited for the first");
    second.commit().await.unwrap();
    first.commit().await.unwrap();
    app.seal_audit().await;
    assert!(verify(&app).await.is_intact());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_verify_command_fails_on_a_tampered_log(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts.clone()).await;
    busy_org(&app).await;
    let db_name = opts.get_database().unwrap().to_owned();
    let url = format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        db_name
    );
    let mut vars = std::collections::HashMap::new();
    vars.insert("DATABASE_URL".to_string(), url);
    let config = candor_server::config::Config::from_env(|k| vars.get(k).cloned()).unwrap();
    candor_server::startup::verify_audit(config.clone())
        .await
        .expect("intact log verifies");
    past_the_triggers(
        &app,
        "UPDATE audit_events SET target = NULL WHERE id = (SELECT min(id) FROM audit_events)",
    )
    .await;
    assert!(candor_server::startup::verify_audit(config).await.is_err());
}

async fn view(
    app: &TestApp,
    client: &reqwest::Client,
    filter: &[(&str, &str)],
) -> serde_json::Value {
    let res = app.call(client, "audit_log", filter).await;
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    res.json().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_and_auditors_filter_page_and_export_their_own_organisations_log(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    app.add_members(
        "ada@acme.example",
        &[
            ("audrey@acme.example", "auditor"),
            ("rita@acme.example", "recruiter"),
        ],
    )
    .await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    // Failed sign-ins (ten per account and window; the rest are refused without an org), then
    // enough other events for more than one page.
    for _ in 0..12 {
        app.call(
            &app.browser(),
            "sign_in",
            &[
                ("email", "rita@acme.example"),
                ("password", "not her password!"),
            ],
        )
        .await;
    }
    sqlx::query(
        "INSERT INTO audit_events (org_id, actor, action, target, outcome)
         SELECT org_id, public_id, 'recruitment.viewed_test', 'test_' || g, 'success'
         FROM users, generate_series(1, 60) AS g WHERE email = 'rita@acme.example'",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    app.seal_audit().await;
    let ada_id: String =
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = 'ada@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let rita_id: String =
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = 'rita@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();

    for client in [&ada, &audrey] {
        let all = view(&app, client, &[]).await;
        assert_eq!(all["rows"].as_array().unwrap().len(), 50);
        assert_eq!(all["has_more"], true);
        assert_eq!(all["chain_intact"], true);
        assert!(all["events_verified"].as_u64().unwrap() > 50);
        let page2 = view(&app, client, &[("page", "2")]).await;
        assert_ne!(page2["rows"][0], all["rows"][0]);
        // Never another organisation's events (Rex of Rival signed in too).
        let text = all.to_string() + &page2.to_string();
        assert!(!text.contains("rex@rival") && !text.contains("Rival"));
    }
    // Filters: an action family, a target, an actor, a day range.
    let failed = view(
        &app,
        &audrey,
        &[("action", "auth.sign_in.failed"), ("target", &rita_id)],
    )
    .await;
    let rows = failed["rows"].as_array().unwrap();
    let failures = app
        .count(&format!(
            "SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in.failed' AND target = '{rita_id}'"
        ))
        .await;
    assert!(failures >= 5);
    assert_eq!(rows.len() as i64, failures);
    assert!(rows
        .iter()
        .all(|r| r["action"] == "auth.sign_in.failed" && r["target"] == rita_id));
    // A family is a prefix up to a dot; `_` in an action is a letter, not a wildcard.
    sqlx::query(
        "INSERT INTO audit_events (org_id, action, outcome)
         SELECT org_id, 'auth.signXin.lookalike', 'success' FROM users WHERE email = 'ada@acme.example'",
    )
    .execute(&app.owner)
    .await
    .unwrap();
    let sign_ins = view(&app, &audrey, &[("action", "auth.sign_in")]).await;
    let rows = sign_ins["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["action"].as_str().unwrap().starts_with("auth.sign_in.")));
    let family = view(&app, &audrey, &[("action", "auth")]).await;
    assert!(family["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["action"].as_str().unwrap().starts_with("auth.")));
    let by_ada = view(&app, &audrey, &[("actor", &ada_id)]).await;
    let rows = by_ada["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["actor"] == ada_id && r["actor_name"] == "Ada Admin"));
    let future = view(&app, &audrey, &[("from", "2099-01-01")]).await;
    assert!(future["rows"].as_array().unwrap().is_empty());
    let res = app
        .call(
            &audrey,
            "audit_log",
            &[("actor", "x' OR 1=1 --"), ("from", "yesterday")],
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    // A recruiter has no access, to the viewer or the export.
    assert_eq!(
        app.call(&rita, "audit_log", &[]).await.status(),
        reqwest::StatusCode::FORBIDDEN
    );
    let res = rita.get(app.url("/app/audit.csv")).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::FORBIDDEN);

    // The export holds the filtered events and is itself audited.
    let res = audrey
        .get(app.url(&format!(
            "/app/audit.csv?action=auth.sign_in.failed&target={rita_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let csv = res.text().await.unwrap();
    assert_eq!(
        csv.lines().count() as i64,
        failures + 1,
        "a header and the events"
    );
    assert!(csv
        .lines()
        .skip(1)
        .all(|l| l.contains("auth.sign_in.failed")));
    let exported: i64 = app
        .count("SELECT count(*) FROM audit_events WHERE action = 'audit.exported'")
        .await;
    assert_eq!(exported, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_viewer_shows_a_broken_chain(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    app.seal_audit().await;
    assert_eq!(view(&app, &ada, &[]).await["chain_intact"], true);
    past_the_triggers(
        &app,
        "UPDATE audit_events SET actor = 'usr_someone_else' WHERE id =
           (SELECT min(id) FROM audit_events WHERE action = 'auth.sign_in.succeeded')",
    )
    .await;
    let broken = view(&app, &ada, &[]).await;
    assert_eq!(broken["chain_intact"], false);
    assert!(broken["problems"][0].as_str().unwrap().contains("altered"));
    let html = app.html(&ada, "/app/audit").await;
    assert!(html.contains("The hash chain is broken"));
}

async fn run_verifier(app: &TestApp, at: time::OffsetDateTime) {
    audit::verify_chains(&app.owner, at).await.unwrap();
}

async fn acme_links(app: &TestApp) -> i64 {
    app.count(
        "SELECT count(*) FROM audit_chain c JOIN orgs o ON o.id = c.chain_key WHERE o.name = 'Acme'",
    )
    .await
}

/// Changes one Acme event of `action` (a constant of the test; the oldest or the newest) past
/// the append-only trigger.
async fn alter_event(app: &TestApp, action: &str, newest: bool) {
    let pick = if newest { "max" } else { "min" };
    past_the_triggers(
        app,
        &format!(
            "UPDATE audit_events SET actor = 'usr_someone_else' WHERE id =
               (SELECT {pick}(e.id) FROM audit_events e JOIN orgs o ON o.id = e.org_id
                WHERE o.name = 'Acme' AND e.action = '{action}')"
        ),
    )
    .await;
}

/// The viewer verified the whole chain on every view (13 s at 1.9 million events). It now
/// starts from the background verifier's record and verifies at most `VIEWER_TAIL` newer links itself;
/// every verified event is still counted, and the daily pass from the first link finds a change
/// to an event verified long ago.
#[sqlx::test(migrations = "../migrations")]
async fn the_viewer_verifies_what_was_sealed_since_the_verifiers_pass_and_the_daily_pass_the_rest(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    app.seal_audit().await;
    let now = app.state.clock.now();
    run_verifier(&app, now).await;
    let at_pass = acme_links(&app).await;
    let first = view(&app, &ada, &[]).await;
    assert_eq!(first["chain_intact"], true);
    assert_eq!(first["events_verified"].as_i64().unwrap(), at_pass);
    assert_eq!(first["awaiting_check"], 0);
    assert!(first["full_pass_at"].is_string());
    // More sealed since the pass than the viewer verifies itself.
    append_reads(&app, "true", 1300).await;
    app.seal_audit().await;
    let links = acme_links(&app).await;
    let busy = view(&app, &ada, &[]).await;
    assert_eq!(busy["chain_intact"], true);
    assert_eq!(
        busy["events_verified"].as_i64().unwrap(),
        at_pass + audit::VIEWER_TAIL
    );
    assert_eq!(
        busy["awaiting_check"].as_i64().unwrap(),
        links - at_pass - audit::VIEWER_TAIL
    );
    let html = app.html(&ada, "/app/audit").await;
    assert!(html.contains("newer events are verified within a minute"));
    // The next pass takes over from where the last one ended.
    run_verifier(&app, now + time::Duration::minutes(1)).await;
    let caught_up = view(&app, &ada, &[]).await;
    assert_eq!(caught_up["events_verified"].as_i64().unwrap(), links);
    assert_eq!(caught_up["awaiting_check"], 0);
    // An event verified in an earlier pass is changed: the next day's pass walks the chain again.
    alter_event(&app, "auth.sign_in.succeeded", false).await;
    run_verifier(&app, now + time::Duration::hours(25)).await;
    let broken = view(&app, &ada, &[]).await;
    assert_eq!(broken["chain_intact"], false);
    let problems = broken["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].as_str().unwrap().contains("altered"));
    let html = app.html(&ada, "/app/audit").await;
    assert!(html.contains("The hash chain is broken"));
    // Rival's chain and record are its own: the application role, scoped to Rival, sees only
    // Rival's record and can change none.
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    assert_eq!(view(&app, &rex, &[]).await["chain_intact"], true);
    let rival: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Rival'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let mut tx = app.app_pool.begin().await.unwrap();
    sqlx::query(&format!("SET LOCAL app.org_id = '{rival}'"))
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT chain_key FROM audit_verifications")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec![rival]);
    assert!(
        sqlx::query("UPDATE audit_verifications SET problems = '{}'")
            .execute(&mut *tx)
            .await
            .is_err()
    );
}

/// What the viewer checks itself shows at once: a change to an event sealed since the last pass,
/// and a chain rewritten up to the link the verifier ended at. A problem met again on later
/// passes is recorded once.
#[sqlx::test(migrations = "../migrations")]
async fn a_change_since_the_last_pass_or_a_rewritten_chain_shows_in_the_viewer_at_once(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    busy_org(&app).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    app.seal_audit().await;
    let now = app.state.clock.now();
    run_verifier(&app, now).await;
    append_reads(&app, "true", 20).await;
    app.seal_audit().await;
    assert_eq!(view(&app, &ada, &[]).await["chain_intact"], true);
    alter_event(&app, "candidate.viewed", true).await;
    let changed = view(&app, &ada, &[]).await;
    assert_eq!(changed["chain_intact"], false);
    assert!(changed["problems"][0].as_str().unwrap().contains("altered"));

    // The chain rewritten from the link the verifier ended at.
    run_verifier(&app, now + time::Duration::minutes(1)).await;
    let through = app
        .count("SELECT v.verified_through FROM audit_verifications v JOIN orgs o ON o.id = v.chain_key WHERE o.name = 'Acme'")
        .await;
    past_the_triggers(
        &app,
        &format!(
            "UPDATE audit_chain c SET hash = sha256(c.hash) FROM orgs o
             WHERE o.id = c.chain_key AND o.name = 'Acme' AND c.position = {through}"
        ),
    )
    .await;
    let rewritten = view(&app, &ada, &[]).await;
    assert_eq!(rewritten["chain_intact"], false);
    let problems: Vec<String> = rewritten["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("the chain was rewritten")),
        "{problems:?}"
    );
    for minutes in [2, 3] {
        run_verifier(&app, now + time::Duration::minutes(minutes)).await;
    }
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(v.problems) FROM audit_verifications v JOIN orgs o ON o.id = v.chain_key
         WHERE o.name = 'Acme'",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let mut unique = recorded.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(recorded.len(), unique.len(), "{recorded:?}");
    assert!(recorded.iter().any(|p| p.contains("altered")));
}

/// One verifier at a time across portals: while another holds the claim, a pass does nothing;
/// a finished pass gives the claim back for the next one.
#[sqlx::test(migrations = "../migrations")]
async fn one_verifier_runs_at_a_time_and_gives_its_claim_back(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts.clone()).await;
    busy_org(&app).await;
    let records = "SELECT count(*) FROM audit_verifications";
    let mut other_portal = app.owner.acquire().await.unwrap();
    let claimed: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_lock(hashtext('candor.audit_verifier')::bigint)",
    )
    .fetch_one(&mut *other_portal)
    .await
    .unwrap();
    assert!(claimed);
    run_verifier(&app, app.state.clock.now()).await;
    assert_eq!(app.count(records).await, 0);
    // Given back explicitly: a closed connection's lock is freed only once its server process
    // has exited, which may come after the next pass has already looked.
    let released: bool =
        sqlx::query_scalar("SELECT pg_advisory_unlock(hashtext('candor.audit_verifier')::bigint)")
            .fetch_one(&mut *other_portal)
            .await
            .unwrap();
    assert!(released);
    drop(other_portal);
    run_verifier(&app, app.state.clock.now()).await;
    assert_eq!(
        app.count(records).await,
        3,
        "Acme, Rival and the org-less chain"
    );
    let checked_first: time::OffsetDateTime =
        sqlx::query_scalar("SELECT max(checked_at) FROM audit_verifications")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let later = app.state.clock.now() + time::Duration::minutes(1);
    run_verifier(&app, later).await;
    let checked_again: time::OffsetDateTime =
        sqlx::query_scalar("SELECT max(checked_at) FROM audit_verifications")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert!(checked_again > checked_first, "the second pass ran");
    // Another portal's session can claim it now.
    let mut third = <sqlx::PgConnection as sqlx::Connection>::connect_with(&opts)
        .await
        .unwrap();
    let free: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_lock(hashtext('candor.audit_verifier')::bigint)",
    )
    .fetch_one(&mut third)
    .await
    .unwrap();
    assert!(free);
}

/// An event that is its request's only write is appended in one statement that scopes only its
/// own INSERT: the event lands in its organisation's log (or in no tenant's), the append policy
/// and the organisation check still apply, and a transaction it runs in keeps its own scope.
#[sqlx::test(migrations = "../migrations")]
async fn an_event_appended_alone_goes_to_its_organisation_and_nowhere_else(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use candor_app::backend::db::audit::{append_alone, NewEvent};
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let org = |name: &'static str| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM orgs WHERE name = $1")
                .bind(name)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let (acme, rival) = (org("Acme").await, org("Rival").await);
    let event = |org_id: Option<uuid::Uuid>, action: &'static str| NewEvent {
        org_id,
        occurred_at: app.state.clock.now(),
        actor: Some("usr_test"),
        action,
        target: None,
        outcome: "success",
        source_addr: None,
        request_id: None,
    };
    let pool = &app.app_pool;
    append_alone(pool, &event(Some(acme), "test.acme"))
        .await
        .unwrap();
    append_alone(pool, &event(None, "test.nobody"))
        .await
        .unwrap();
    let owner_of = |action: &'static str| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, Option<uuid::Uuid>>(
                "SELECT org_id FROM audit_events WHERE action = $1",
            )
            .bind(action)
            .fetch_one(&owner)
            .await
            .unwrap()
        }
    };
    assert_eq!(owner_of("test.acme").await, Some(acme));
    assert_eq!(owner_of("test.nobody").await, None);

    // An unknown organisation is refused, and nothing is appended.
    let refused = append_alone(pool, &event(Some(uuid::Uuid::new_v4()), "test.ghost"))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("does not exist"), "{refused}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'test.ghost'")
            .await,
        0
    );

    // Inside Rival's transaction it appends Acme's event, and Rival's scope is back after it:
    // the transaction reads Rival's log only, and still may not write into Acme's.
    let mut tx = app.app_tx_for(rival).await;
    sqlx::query(
        "SELECT append_audit_event($1, now(), NULL, 'test.inside', NULL, 'success', NULL, NULL)",
    )
    .bind(acme)
    .execute(&mut *tx)
    .await
    .unwrap();
    let readable: Vec<Option<uuid::Uuid>> =
        sqlx::query_scalar("SELECT DISTINCT org_id FROM audit_events")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(readable, [Some(rival)]);
    let foreign = sqlx::query(
        "INSERT INTO audit_events (org_id, action, outcome) VALUES ($1, 'test.sneak', 'success')",
    )
    .bind(acme)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(
        foreign.to_string().contains("row-level security"),
        "{foreign}"
    );
}
