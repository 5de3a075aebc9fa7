//! Tenant isolation (S1): row-level security holds even when a query forgets its org filter.

use crate::helpers::TestApp;
use candor_server::startup::refuse_privileged_app_role;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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
