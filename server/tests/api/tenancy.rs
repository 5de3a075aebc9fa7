//! Tenant isolation (S1): row-level security holds even when a query forgets its org filter.

use crate::helpers::{TestApp, PASSWORD};
use candor_server::startup::refuse_privileged_app_role;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The users a connection or transaction of the application role can see, by address.
async fn visible_emails(db: impl sqlx::PgExecutor<'_>) -> Vec<String> {
    sqlx::query_scalar("SELECT email FROM users ORDER BY email")
        .fetch_all(db)
        .await
        .unwrap()
}

/// After a self-scoping lookup called on its own, the connection sees no tenant's row: the scope
/// ended with the statement.
async fn assert_no_scope_left(conn: &mut sqlx::PgConnection) {
    assert_eq!(
        visible_emails(conn).await,
        Vec::<String>::new(),
        "no organisation may stay in scope after the lookup"
    );
}

async fn org_id(app: &TestApp, name: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
        .bind(name)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_query_without_its_org_filter_still_sees_only_the_callers_org(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let acme = org_id(&app, "Acme").await;
    let rival = org_id(&app, "Rival").await;

    let mut tx = app.state.db.begin_for_org(acme).await.unwrap();
    // Deliberately no WHERE org_id = …: the second wall must hold.
    assert_eq!(visible_emails(&mut *tx).await, ["ada@acme.example"]);
    let orgs: Vec<String> = sqlx::query_scalar("SELECT name FROM orgs")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(orgs, ["Acme"]);
    let rival_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE org_id = $1")
        .bind(rival)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rival_rows, 0);
    for table in ["one_time_tokens", "dpa_acceptances", "audit_events"] {
        let foreign: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE org_id <> $1"))
                .bind(acme)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        assert_eq!(foreign, 0, "{table}");
    }
    // An unfiltered update touches only the caller's rows.
    let touched = sqlx::query("UPDATE users SET display_name = 'Changed'")
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(touched, 1);
    // Writing a row into another organisation is refused outright.
    let smuggled = sqlx::query(
        "INSERT INTO dpa_acceptances (org_id, user_id, dpa_version)
         SELECT $1, id, 'x' FROM users LIMIT 1",
    )
    .bind(rival)
    .execute(&mut *tx)
    .await;
    assert!(smuggled.is_err(), "RLS must refuse a row of another org");
    tx.rollback().await.unwrap();

    // Without an organisation, tenant tables are empty.
    let mut bare = app.state.db.begin_unscoped().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *bare)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// The guard's one-statement lookup (migration 0028) scopes only itself: it finds a user only in
/// the organisation named with it, leaves a pooled connection with no organisation, and inside a
/// transaction of one organisation gives that scope back, so a call can neither widen nor
/// switch the organisation of the statements after it.
#[sqlx::test(migrations = "../migrations")]
async fn the_session_lookup_scopes_only_itself(_: PgPoolOptions, opts: PgConnectOptions) {
    use candor_app::backend::db::users::caller;
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let acme = org_id(&app, "Acme").await;
    let rival = org_id(&app, "Rival").await;
    let user_of = |email: &'static str| {
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let (ada, rex) = (
        user_of("ada@acme.example").await,
        user_of("rex@rival.example").await,
    );
    let pool = app.state.db.app_pool();

    let found = caller(pool, acme, ada).await.unwrap().unwrap();
    assert_eq!(
        (found.email.as_str(), found.org_id),
        ("ada@acme.example", acme)
    );
    assert_eq!(found.role, "admin");
    // A user is found only with their own organisation.
    assert!(caller(pool, rival, ada).await.unwrap().is_none());
    assert!(caller(pool, acme, rex).await.unwrap().is_none());

    // Called on its own, the scope ends with the statement: the same connection sees no user.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SELECT * FROM session_caller($1, $2)")
        .bind(acme)
        .bind(ada)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_no_scope_left(&mut conn).await;
    drop(conn);

    // Inside Acme's transaction, a lookup of Rival's user returns it, then Acme's scope is back.
    let mut tx = app.app_tx_for(acme).await;
    let other: Option<String> = sqlx::query_scalar("SELECT email FROM session_caller($1, $2)")
        .bind(rival)
        .bind(rex)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert_eq!(other.as_deref(), Some("rex@rival.example"));
    assert_eq!(visible_emails(&mut *tx).await, ["ada@acme.example"]);
    tx.rollback().await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_application_role_owns_nothing_and_is_no_superuser(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    refuse_privileged_app_role(&app.app_pool)
        .await
        .expect("candor_app is unprivileged");
    assert!(
        refuse_privileged_app_role(&app.owner).await.is_err(),
        "the owner would be refused"
    );
    let forced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relname IN
           ('orgs','users','dpa_acceptances','one_time_tokens','audit_events','audit_chain')
           AND relrowsecurity AND relforcerowsecurity",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(forced, 6);
    // The app role cannot read the outbox (it may only queue) nor rewrite history.
    assert!(sqlx::query("SELECT * FROM email_outbox")
        .fetch_all(&app.app_pool)
        .await
        .is_err());
}

#[tokio::test]
async fn without_database_url_a_private_cluster_is_started_then_reused() {
    let data = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = data.path().to_owned();
    let first = tokio::task::spawn_blocking(move || candor_server::embedded_pg::start(&dir, port))
        .await
        .unwrap()
        .expect("a private cluster starts from the system's binaries");
    assert!(data.path().join("postgres/PG_VERSION").exists());
    let dir = data.path().to_owned();
    let again = tokio::task::spawn_blocking(move || candor_server::embedded_pg::start(&dir, port))
        .await
        .unwrap()
        .expect("the running cluster is reused");
    assert_eq!(first.app_url, again.app_url);
    // Only the call that started it stops it.
    assert!(first.started);
    assert!(!again.started);

    let check = async {
        let owner = sqlx::PgPool::connect(&first.owner_url).await.unwrap();
        candor_server::startup::MIGRATOR.run(&owner).await.unwrap();
        let app = sqlx::PgPool::connect(&first.app_url).await.unwrap();
        refuse_privileged_app_role(&app)
            .await
            .expect("the portal's role is unprivileged");
        let runs_as: String = sqlx::query_scalar(
            "SELECT usename::text FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        )
        .fetch_one(&app)
        .await
        .unwrap();
        assert_eq!(runs_as, "candor_app");
        app.close().await;
        owner.close().await;
    };
    check.await;
    // The server process belongs to the postgres user, not root.
    let pid_file = std::fs::read_to_string(data.path().join("postgres/postmaster.pid")).unwrap();
    let pid = pid_file.lines().next().unwrap().trim();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        !uid_line.split_whitespace().skip(1).all(|u| u == "0"),
        "{uid_line}"
    );
    candor_server::embedded_pg::stop(data.path()).unwrap();
}

/// The lookup a one-time link's page starts with runs before any organisation is known, so it
/// reads past row security: it must answer only for the exact hash of a token still usable, and
/// scope the transaction to that token's organisation alone.
#[sqlx::test(migrations = "../migrations")]
async fn a_token_lookup_answers_only_for_a_usable_tokens_exact_hash(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let acme = org_id(&app, "Acme").await;
    let rival = org_id(&app, "Rival").await;
    let subject = Uuid::new_v4();
    // (hash byte, organisation, expires in seconds, consumed)
    let tokens = [
        (1_u8, acme, 3600, false),
        (2, acme, -1, false),
        (3, acme, 3600, true),
        (4, rival, 3600, false),
    ];
    for (byte, org, expires_in, consumed) in tokens {
        sqlx::query(
            "INSERT INTO one_time_tokens (id, org_id, purpose, subject_id, token_hash, expires_at,
                                          consumed_at)
             VALUES ($1, $2, 'consent', $3, $4, now() + make_interval(secs => $5),
                     CASE WHEN $6 THEN now() END)",
        )
        .bind(Uuid::new_v4())
        .bind(org)
        .bind(subject)
        .bind(vec![byte; 32])
        .bind(f64::from(expires_in))
        .bind(consumed)
        .execute(&app.owner)
        .await
        .unwrap();
    }
    let now = app.state.clock.now();
    for (byte, expected) in [
        (1_u8, Some(acme)),
        (2, None),
        (3, None),
        (4, Some(rival)),
        (5, None),
    ] {
        let mut tx = app.state.db.begin_unscoped().await.unwrap();
        let found = candor_app::backend::db::tokens::usable_and_scope(&mut tx, &[byte; 32], now)
            .await
            .unwrap();
        assert_eq!(found.as_ref().map(|t| t.org_id), expected, "token {byte}");
        if let Some(token) = found {
            assert_eq!(
                (token.subject_id, token.purpose.as_str()),
                (subject, "consent")
            );
        }
        // Scoped to the token's organisation, or to none: its tokens only, or nothing at all.
        let visible: Vec<Uuid> = sqlx::query_scalar("SELECT DISTINCT org_id FROM one_time_tokens")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(
            visible,
            expected.into_iter().collect::<Vec<_>>(),
            "token {byte}"
        );
    }
    // No pattern, no prefix, no NULL: only a whole hash finds a token.
    let mut tx = app.state.db.begin_unscoped().await.unwrap();
    let guesses: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM usable_token(NULL, now()))
              + (SELECT count(*) FROM usable_token('\\x01'::bytea, now()))",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(guesses, 0);
}

/// Sign-in's lookup by address runs before any organisation is known and scopes only itself:
/// it finds the account of any organisation by its exact address, and leaves no scope behind,
/// nor a changed one inside another organisation's transaction.
#[sqlx::test(migrations = "../migrations")]
async fn the_sign_in_lookup_scopes_only_itself(_: PgPoolOptions, opts: PgConnectOptions) {
    use candor_app::backend::db::users::sign_in_attempt;
    async fn credentials_by_email<'c>(
        db: impl sqlx::PgExecutor<'c>,
        email: &str,
    ) -> Result<Option<(uuid::Uuid, candor_app::backend::db::users::Credentials)>, sqlx::Error>
    {
        Ok(sign_in_attempt(db, &[], &[], Some(email)).await?.account)
    }
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let acme = org_id(&app, "Acme").await;
    let rival = org_id(&app, "Rival").await;
    let pool = app.state.db.app_pool();

    let (org, ada) = credentials_by_email(pool, "ada@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((org, ada.role.as_str(), ada.active), (acme, "admin", true));
    assert!(ada.password_hash.starts_with("$argon2id$"));
    for unknown in [
        "nobody@acme.example",
        "ADA@acme.example",
        "%@acme.example",
        "",
    ] {
        assert!(
            credentials_by_email(pool, unknown).await.unwrap().is_none(),
            "{unknown}"
        );
    }

    // On its own, the scope ends with the statement: the same connection sees no user after it.
    let mut conn = pool.acquire().await.unwrap();
    credentials_by_email(&mut *conn, "rex@rival.example")
        .await
        .unwrap()
        .unwrap();
    assert_no_scope_left(&mut conn).await;
    drop(conn);

    // Inside Acme's transaction it finds Rival's account, then Acme's scope is back.
    let mut tx = app.app_tx_for(acme).await;
    let (org, _) = credentials_by_email(&mut *tx, "rex@rival.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org, rival);
    assert_eq!(visible_emails(&mut *tx).await, ["ada@acme.example"]);
    tx.rollback().await.unwrap();
}

/// Tables with row security that the portal's flows cannot fill for an organisation, each with
/// the reason. Empty: every such table is filled by `fill_tenant_tables`.
const UNFILLED: &[(&str, &str)] = &[];

/// Tables with row security that is not forced, each with the reason. Forcing binds the owner
/// too; these are written only by the owner's security-definer triggers, which must write the
/// counters of every organisation. The application role, never the owner, is bound either way.
const NOT_FORCED: &[(&str, &str)] = &[
    (
        "application_stage_counts",
        "read-only to the application; kept by the owner's triggers on applications",
    ),
    (
        "member_counts",
        "read-only to the application; kept by the owner's triggers on users",
    ),
];

/// Tables holding an `org_id` without row security, each with the reason.
const ORG_ROWS_WITHOUT_ROW_SECURITY: &[(&str, &str)] = &[(
    "email_outbox",
    "the application role may only insert (it reads nothing); the worker runs as the owner",
)];

fn location(path: &str, prefix: &str) -> String {
    path.trim_start_matches(prefix).to_owned()
}

async fn public_id_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// Fills every table with row security for one organisation through the portal's own flows:
/// sign-up, two-factor enrolment, settings, an API key and an idempotent API write, a
/// recruitment with its team and criteria, a candidate with a CV, consent, a note, an interview
/// scored by its interviewer, a deletion request carried out (the caller runs the sweep), and an
/// invitation waiting for its answer.
async fn fill_tenant_tables(app: &TestApp, org: &str, domain: &str) {
    use reqwest::{Response, StatusCode};
    let ok = |res: Response, what: &str| {
        assert!(
            res.status().is_success(),
            "{what} in {org}: {}",
            res.status()
        );
        res
    };
    let redirect = |res: &Response| res.headers()["location"].to_str().unwrap().to_owned();
    let admin = format!("ada@{domain}");
    let (recruiter, interviewer) = (format!("rita@{domain}"), format!("ivan@{domain}"));
    app.verified_admin(org, &admin).await;
    app.add_members(
        &admin,
        &[(&recruiter, "recruiter"), (&interviewer, "interviewer")],
    )
    .await;
    // An admin enrols a second factor (recovery codes) on signing in.
    let ada = app.signed_in(&admin, PASSWORD).await;
    ok(
        app.call(
            &ada,
            "set_sso_provider",
            &[("provider", "google"), ("domains", domain)],
        )
        .await,
        "single sign-on",
    );
    ok(
        app.call(
            &ada,
            "add_sub_processor",
            &[
                ("name", "Hetzner"),
                ("service", "hosting"),
                ("country", "Germany"),
            ],
        )
        .await,
        "sub-processor",
    );
    let res = ok(
        app.call(&ada, "create_recruitment", &[("title", "Backend")])
            .await,
        "recruitment",
    );
    let rec = location(&redirect(&res), "/app/recruitments/");
    ok(
        app.call(
            &ada,
            "add_criterion",
            &[("id", &rec), ("name", "Rust"), ("weight", "3")],
        )
        .await,
        "criterion",
    );
    let rita_id = public_id_of(app, &recruiter).await;
    ok(
        app.call(
            &ada,
            "add_recruitment_member",
            &[("id", &rec), ("member", &rita_id)],
        )
        .await,
        "member",
    );

    let grace = format!("grace@{domain}");
    let res = ok(
        app.upload(
            &ada,
            &candor_app::routes::ADD_CANDIDATE_WITH_CV.at(&rec),
            &[("full_name", "Grace Hopper"), ("email", &grace)],
            Some(("cv", "grace.pdf", b"%PDF-1.7\n% Grace\n%%EOF\n".to_vec())),
        )
        .await,
        "candidate with CV",
    );
    let body: serde_json::Value = res.json().await.unwrap();
    let cand = location(body["location"].as_str().unwrap(), "/app/candidates/");
    app.grant_consent(&grace).await;
    let c: serde_json::Value = app
        .call(&ada, "candidate", &[("id", &cand)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    ok(
        app.call(
            &ada,
            "add_application_note",
            &[
                ("application", &application),
                ("note", "Strong systems background"),
                ("candidate", &cand),
            ],
        )
        .await,
        "note",
    );
    let res = ok(
        app.call(
            &ada,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &cand),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
            ],
        )
        .await,
        "interview",
    );
    let interview = location(&redirect(&res), "/app/interviews/");
    let ivan_id = public_id_of(app, &interviewer).await;
    ok(
        app.call(
            &ada,
            "assign_interviewer",
            &[("interview", &interview), ("interviewer", &ivan_id)],
        )
        .await,
        "assignment",
    );
    let criterion: String = sqlx::query_scalar(
        "SELECT c.public_id FROM evaluation_criteria c JOIN recruitments r ON r.id = c.recruitment_id
         WHERE r.public_id = $1",
    )
    .bind(&rec)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    let ivan = app.signed_in(&interviewer, PASSWORD).await;
    ok(
        app.call(
            &ivan,
            "save_score",
            &[
                ("interview", &interview),
                ("criterion", &criterion),
                ("score", "4"),
                ("evidence", "Explained ownership clearly"),
            ],
        )
        .await,
        "score",
    );

    let key = app.create_api_key(&ada, &[("scope_write", "on")]).await;
    let ada_id = public_id_of(app, &admin).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/candidates"))
        .bearer_auth(&key)
        .header("idempotency-key", "fill-1")
        .json(
            &serde_json::json!({"recruitment_id": rec, "full_name": "Linus",
            "email": format!("linus@{domain}"), "on_behalf_of": ada_id}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "API write in {org}");

    // Dora asks for her data to be deleted; staff grant it (the sweep carries it out).
    let dora = format!("dora@{domain}");
    ok(
        app.call(
            &ada,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", "Dora"),
                ("email", &dora),
            ],
        )
        .await,
        "second candidate",
    );
    ok(
        app.call(
            &app.browser(),
            "request_privacy_link",
            &[("email", &dora), ("lang", "en")],
        )
        .await,
        "privacy link",
    );
    let mail = app.last_mail_to(&dora).await.unwrap();
    let token = location(&app.link_in(&mail, "/c/privacy/"), "/c/privacy/");
    let browser = app.browser();
    ok(
        app.call(
            &browser,
            "open_privacy",
            &[("token", &token), ("lang", "en")],
        )
        .await,
        "privacy session",
    );
    ok(
        app.call(
            &browser,
            "file_data_request",
            &[("kind", "deletion"), ("lang", "en")],
        )
        .await,
        "deletion request",
    );
    let q: serde_json::Value = app
        .call(&ada, "data_requests", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = q["requests"][0]["id"].as_str().unwrap().to_owned();
    ok(
        app.call(
            &ada,
            "update_data_request",
            &[
                ("id", &id),
                ("step", "complete"),
                ("text", "Deleted"),
                ("confirm", "yes"),
            ],
        )
        .await,
        "granted deletion",
    );
    // An invitation still waiting for its answer.
    ok(
        app.call(
            &ada,
            "invite_user",
            &[
                ("email", &format!("newcomer@{domain}")),
                ("display_name", "Newcomer"),
                ("role", "auditor"),
            ],
        )
        .await,
        "invitation",
    );
}

/// The one column a table's row-security policies compare with `app.org_id`.
fn tenant_column(policies: &[(String, String)], table: &str) -> String {
    let columns: BTreeSet<String> = policies
        .iter()
        .filter(|(t, _)| t == table)
        .map(|(_, expression)| {
            assert!(
                expression.contains("current_setting('app.org_id'"),
                "{table}: a policy not keyed on app.org_id: {expression}"
            );
            expression
                .trim_start_matches('(')
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(columns.len(), 1, "{table}: policies on {columns:?}");
    columns.into_iter().next().unwrap()
}

/// The organisations of the rows a statement returned.
async fn orgs_of(tx: &mut sqlx::PgConnection, sql: &str) -> Result<Vec<Option<Uuid>>, sqlx::Error> {
    sqlx::query_scalar(sql).fetch_all(tx).await
}

#[sqlx::test(migrations = "../migrations")]
async fn every_table_with_row_security_shows_and_changes_only_the_callers_rows(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // A provider configured (never reached): organisations may enable single sign-on.
    let app = TestApp::spawn_with(
        opts,
        &[
            ("CANDOR_SSO_GOOGLE_CLIENT_ID", "candor"),
            (
                "CANDOR_SSO_GOOGLE_CLIENT_SECRET",
                "a-secret-the-provider-never-checks",
            ),
            ("CANDOR_SSO_GOOGLE_ISSUER", "http://127.0.0.1:9"),
        ],
    )
    .await;
    fill_tenant_tables(&app, "Acme", "acme.example").await;
    fill_tenant_tables(&app, "Rival", "rival.example").await;
    candor_app::backend::retention::sweep(&app.state)
        .await
        .unwrap();
    app.seal_audit().await;
    candor_app::backend::audit::verify_chains(&app.owner, app.state.clock.now())
        .await
        .unwrap();
    let acme = org_id(&app, "Acme").await;
    let rival = org_id(&app, "Rival").await;

    let tables: Vec<(String, bool, bool, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relforcerowsecurity,
                has_table_privilege('candor_app', c.oid, 'INSERT'),
                has_table_privilege('candor_app', c.oid, 'UPDATE'),
                has_table_privilege('candor_app', c.oid, 'DELETE')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity
         ORDER BY 1",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let policies: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, COALESCE(qual, with_check) FROM pg_policies
         WHERE schemaname = 'public'",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let names: BTreeSet<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    for (table, _) in UNFILLED.iter().chain(NOT_FORCED) {
        assert!(
            names.contains(table),
            "{table} is listed but has no row security"
        );
    }
    let unprotected: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id'
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
         ORDER BY 1",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    assert_eq!(
        unprotected,
        ORG_ROWS_WITHOUT_ROW_SECURITY
            .iter()
            .map(|(t, _)| t.to_string())
            .collect::<Vec<_>>(),
        "tables of organisations' rows without row security"
    );
    let outbox_readable: bool =
        sqlx::query_scalar("SELECT has_table_privilege('candor_app', 'email_outbox', 'SELECT')")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    assert!(!outbox_readable);

    for (table, forced, may_insert, may_update, may_delete) in &tables {
        assert!(
            *forced || NOT_FORCED.iter().any(|(t, _)| t == table),
            "{table}: row security is not forced"
        );
        let key = tenant_column(&policies, table);
        let count = |org: Uuid| {
            let sql = format!("SELECT count(*) FROM {table} WHERE {key} = $1");
            let owner = app.owner.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&sql)
                    .bind(org)
                    .fetch_one(&owner)
                    .await
                    .unwrap()
            }
        };
        let (mine, theirs) = (count(acme).await, count(rival).await);
        if !UNFILLED.iter().any(|(t, _)| t == table) {
            assert!(
                mine > 0 && theirs > 0,
                "{table}: the fixture leaves it empty for an organisation ({mine} and {theirs} \
                 rows); fill it, or list it in UNFILLED with the reason"
            );
        }
        let only_mine = |rows: Vec<Option<Uuid>>, what: &str| {
            assert_eq!(
                rows.len() as i64,
                mine,
                "{table}: {what} reached other rows"
            );
            assert!(
                rows.iter().all(|org| *org == Some(acme)),
                "{table}: {what} reached another organisation's rows"
            );
        };

        let mut tx = app.state.db.begin_for_org(acme).await.unwrap();
        // Deliberately no WHERE: the second wall must hold on its own.
        let seen = orgs_of(&mut tx, &format!("SELECT {key} FROM {table}"))
            .await
            .unwrap();
        only_mine(seen, "an unfiltered SELECT");
        if *may_update {
            let mut step = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            let touched = orgs_of(
                &mut step,
                &format!("UPDATE {table} SET {key} = {key} RETURNING {key}"),
            )
            .await
            .unwrap_or_else(|e| panic!("{table}: unfiltered UPDATE failed: {e}"));
            only_mine(touched, "an unfiltered UPDATE");
            step.rollback().await.unwrap();
        }
        if *may_delete {
            let mut step = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            let removed = orgs_of(&mut step, &format!("DELETE FROM {table} RETURNING {key}"))
                .await
                .unwrap_or_else(|e| panic!("{table}: unfiltered DELETE failed: {e}"));
            only_mine(removed, "an unfiltered DELETE");
            step.rollback().await.unwrap();
        }
        if *may_insert && mine > 0 {
            // A copy of one of the caller's rows, moved to the other organisation.
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT attname::text FROM pg_attribute
                 WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
                   AND attgenerated = '' AND attidentity <> 'a'
                 ORDER BY attnum",
            )
            .bind(table)
            .fetch_all(&app.owner)
            .await
            .unwrap();
            let values: Vec<String> = columns
                .iter()
                .map(|c| if *c == key { "$1".into() } else { c.clone() })
                .collect();
            let mut step = sqlx::Acquire::begin(&mut *tx).await.unwrap();
            let smuggled = sqlx::query(&format!(
                "INSERT INTO {table} ({}) SELECT {} FROM {table} LIMIT 1",
                columns.join(", "),
                values.join(", ")
            ))
            .bind(rival)
            .execute(&mut *step)
            .await;
            match smuggled {
                Err(sqlx::Error::Database(e)) => assert!(
                    e.code().as_deref() == Some("42501")
                        && e.message().contains("row-level security"),
                    "{table}: a row of another organisation was refused for another reason: {e}"
                ),
                other => {
                    panic!("{table}: a row of another organisation was not refused: {other:?}")
                }
            }
            step.rollback().await.unwrap();
        }
        tx.rollback().await.unwrap();
    }
}
