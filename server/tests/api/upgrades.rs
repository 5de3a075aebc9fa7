//! Upgrades never break an installation (issue 23, item 10; S17): a database made by the
//! migrations of an earlier release, including those whose text was edited after it applied
//! them, migrates forward at start-up to the very schema a fresh database has, keeps its rows,
//! and the portal serves it. A changed migration no earlier release applied is still refused.
//!
//! Each test compares a database of its own (`Scratch`, beside the test's) with the test's
//! database, which `sqlx::test` migrated fresh.

use crate::helpers::PASSWORD;
use crate::process::Portal;
use candor_app::domain::ids::{IdKind, PublicId};
use candor_server::migrations::{migrate, EARLIER_TEXTS, MIGRATOR};
use reqwest::StatusCode;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

/// A database made by the migrations of commit ebf8a4e, with rows (see its first lines).
const EARLIER_RELEASE: &str = include_str!("../fixtures/earlier_release_ebf8a4e.sql");

/// A database beside the test's own, in the same cluster, dropped at the end (a failed run
/// leaves it to the next, which drops it first).
struct Scratch {
    admin: PgPool,
    name: String,
    opts: PgConnectOptions,
    db: PgPool,
}

impl Scratch {
    async fn create(admin: &PgPool, opts: &PgConnectOptions) -> Scratch {
        // The test's name is `_sqlx_test_` and a hash, as long as PostgreSQL allows.
        let test_db = opts.get_database().unwrap();
        let name = format!("earlier_{}", test_db.trim_start_matches("_sqlx_test_"));
        drop_database(admin, &name).await;
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(admin)
            .await
            .unwrap();
        let opts = opts.clone().database(&name);
        Scratch {
            admin: admin.clone(),
            name,
            db: connect(&opts).await,
            opts,
        }
    }

    async fn finish(self) {
        self.db.close().await;
        drop_database(&self.admin, &self.name).await;
    }
}

async fn connect(opts: &PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts.clone())
        .await
        .unwrap()
}

async fn drop_database(admin: &PgPool, name: &str) {
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(admin)
        .await
        .unwrap();
}

/// What a database's schema is, whatever order its columns were added in: every column, table
/// setting, constraint, index, function, trigger, policy and view of `public`, with its grants.
async fn schema(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        r#"WITH tables AS (
             SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl
             FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S'))
           SELECT 'column ' || t.relname || '.' || a.attname || ' '
                  || format_type(a.atttypid, a.atttypmod)
                  || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                  || coalesce(' identity ' || nullif(a.attidentity::text, ''), '')
                  || coalesce(' acl ' || a.attacl::text, '')
           FROM tables t
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           UNION ALL
           SELECT 'table ' || relname || ' ' || relkind::text || ' rls ' || relrowsecurity || ' forced '
                  || relforcerowsecurity || ' acl ' || coalesce(relacl::text, '')
           FROM tables
           UNION ALL
           SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' '
                  || pg_get_constraintdef(oid)
           FROM pg_constraint WHERE connamespace = 'public'::regnamespace
           UNION ALL
           SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
           UNION ALL
           SELECT 'function ' || pg_get_functiondef(oid) || ' acl ' || coalesce(proacl::text, '')
           FROM pg_proc WHERE pronamespace = 'public'::regnamespace
           UNION ALL
           SELECT 'trigger ' || pg_get_triggerdef(oid) || ' ' || tgenabled::text
           FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM tables)
           UNION ALL
           SELECT 'policy ' || tablename || ' ' || policyname || ' ' || permissive || ' '
                  || roles::text || ' ' || cmd || ' ' || coalesce(qual, '') || ' '
                  || coalesce(with_check, '')
           FROM pg_policies WHERE schemaname = 'public'
           UNION ALL
           SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
           UNION ALL
           SELECT 'extension ' || extname FROM pg_extension
           ORDER BY 1"#,
    )
    .fetch_all(db)
    .await
    .unwrap()
}

/// The checksum sqlx recorded for each version, as hex.
async fn recorded(db: &PgPool) -> Vec<(i64, String)> {
    let rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(db)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(version, checksum)| (version, hex::encode(checksum)))
        .collect()
}

/// `earlier`, once migrated, has the fresh database's schema, and records every current
/// migration in its current text.
async fn assert_migrated_like_a_fresh_database(earlier: &PgPool, fresh: &PgPool) {
    let (earlier_schema, fresh_schema) = (schema(earlier).await, schema(fresh).await);
    let only_earlier: Vec<_> = earlier_schema
        .iter()
        .filter(|s| !fresh_schema.contains(s))
        .collect();
    let only_fresh: Vec<_> = fresh_schema
        .iter()
        .filter(|s| !earlier_schema.contains(s))
        .collect();
    assert!(
        only_earlier.is_empty() && only_fresh.is_empty(),
        "only in the migrated database: {only_earlier:#?}\nonly in a fresh one: {only_fresh:#?}"
    );
    let current: Vec<(i64, String)> = MIGRATOR
        .iter()
        .map(|m| (m.version, hex::encode(&m.checksum)))
        .collect();
    assert_eq!(recorded(earlier).await, current);
}

/// The texts commit `commit` had, as a migrations folder sqlx reads at run time (as that
/// commit's portal embedded them): the current migrations up to `last`, and for each version
/// `edited` names, the text it had then, rebuilt from the current one by undoing the edit.
/// Each rebuilt text's SHA-384 is one the portal recognises from git history, so it is byte
/// for byte the text that ran.
async fn migrations_of(
    commit: &str,
    last: i64,
    edited: &[(i64, &str, String)],
) -> (tempfile::TempDir, Migrator) {
    let dir = tempfile::tempdir().unwrap();
    for m in MIGRATOR.iter().filter(|m| m.version <= last) {
        if edited.iter().all(|(version, _, _)| *version != m.version) {
            let file = format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_"));
            std::fs::write(dir.path().join(file), m.sql.as_bytes()).unwrap();
        }
    }
    for (_, file, text) in edited {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let migrator = Migrator::new(dir.path()).await.unwrap();
    for (version, _, _) in edited {
        let then = migrator.iter().find(|m| m.version == *version).unwrap();
        let checksum = hex::encode(&then.checksum);
        assert!(
            EARLIER_TEXTS
                .iter()
                .any(|e| e.version == *version && e.checksum == checksum),
            "{version:04} as rebuilt is not the text of {commit}"
        );
    }
    (dir, migrator)
}

fn current_text(version: i64) -> String {
    MIGRATOR
        .iter()
        .find(|m| m.version == version)
        .unwrap()
        .sql
        .to_string()
}

/// A database made by the migrations of `commit` (see [`migrations_of`]) with `plant`'s rows,
/// migrated forward by two portals starting at the same moment, and checked against the fresh
/// database.
async fn upgrade(
    fresh: &PgPool,
    opts: &PgConnectOptions,
    (commit, last, edited): (&str, i64, &[(i64, &str, String)]),
    plant: &str,
) -> Scratch {
    let (_dir, migrator) = migrations_of(commit, last, edited).await;
    let scratch = Scratch::create(fresh, opts).await;
    migrator.run(&scratch.db).await.unwrap();
    sqlx::raw_sql(plant).execute(&scratch.db).await.unwrap();
    let second = connect(&scratch.opts).await;
    // The first to fail ends the test: sqlx keeps its lock on a failed run's connection.
    tokio::try_join!(migrate(&scratch.db), migrate(&second)).unwrap();
    second.close().await;
    assert_migrated_like_a_fresh_database(&scratch.db, fresh).await;
    scratch
}

const ORG: &str = "INSERT INTO orgs (id, public_id, name)
    VALUES ('e0000000-0000-4000-8000-000000000001', 'org_0000000000000000000000ear1', 'Earlier');";

/// Through the real binary: the portal's start-up repairs and migrates the fixture, then serves
/// it: ready, a fixture user signs in, the fixture candidate reads as before.
#[sqlx::test(migrations = "../migrations")]
async fn a_database_of_an_earlier_release_migrates_forward_and_the_portal_serves_it(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let scratch = Scratch::create(&fresh, &opts).await;
    let mut load = PgConnection::connect_with(&scratch.opts).await.unwrap();
    sqlx::raw_sql(EARLIER_RELEASE)
        .execute(&mut load)
        .await
        .unwrap();
    load.close().await.unwrap();

    let portal = Portal::spawn(&scratch.opts, &[]).await;
    let ready = reqwest::get(portal.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let rita = portal.signed_in("rita@earlier.example", PASSWORD).await;
    let page = rita
        .get(portal.url("/app/candidates/cand_0000000000000000000000car1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    for shown in [
        "Carla Candidate",
        "carla@candidate.example",
        "Backend engineer",
    ] {
        assert!(page.contains(shown), "{shown} is not on the page:\n{page}");
    }
    // The candidate of that release, never decided on, now has an end date (F10), at least a
    // month away so that staff are warned first.
    assert!(
        page.contains("All data of this candidate is deleted on"),
        "{page}"
    );
    let unclocked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM candidates WHERE retention_until IS NULL")
            .fetch_one(&scratch.db)
            .await
            .unwrap();
    assert_eq!(unclocked, 0);
    let days: f64 = sqlx::query_scalar(
        "SELECT min(extract(epoch FROM retention_until - now()))::float8 / 86400 FROM candidates",
    )
    .fetch_one(&scratch.db)
    .await
    .unwrap();
    assert!(days > 29.0, "{days}");
    drop(portal);

    assert_migrated_like_a_fresh_database(&scratch.db, &fresh).await;
    scratch.finish().await;
}

/// Commit 78d8a5f: 0006 without the sub-processors' public ids, 0008 without the restriction
/// column. Existing sub-processors get public ids as the portal makes them.
#[sqlx::test(migrations = "../migrations")]
async fn a_database_from_before_sub_processor_ids_and_restrictions_migrates_forward(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let restriction =
        "    -- Set when a restriction or objection request is granted (GDPR Art. 18, \
        21): evaluation,\n    -- recording and transcription stop until staff lift it.\n    ADD \
        COLUMN processing_restricted_at timestamptz,\n";
    let edited = [
        (
            6,
            "0006_create_consent.sql",
            current_text(6).replacen("    public_id text NOT NULL UNIQUE,\n", "", 1),
        ),
        (
            8,
            "0008_create_retention.sql",
            current_text(8).replacen(restriction, "", 1),
        ),
    ];
    let plant = format!(
        "{ORG}
         INSERT INTO org_sub_processors (id, org_id, name, service, country) VALUES
           (gen_random_uuid(), 'e0000000-0000-4000-8000-000000000001', 'Mailer', 'e-mail', 'EU'),
           (gen_random_uuid(), 'e0000000-0000-4000-8000-000000000001', 'Host', 'hosting', 'EU');
         INSERT INTO candidates (id, public_id, org_id, full_name, email) VALUES
           (gen_random_uuid(), 'cand_0000000000000000000000car1',
            'e0000000-0000-4000-8000-000000000001', 'Carla', 'carla@candidate.example');"
    );
    let upgraded = upgrade(&fresh, &opts, ("78d8a5f", 8, &edited), &plant).await;

    let ids: Vec<String> = sqlx::query_scalar("SELECT public_id FROM org_sub_processors")
        .fetch_all(&upgraded.db)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        ids.iter()
            .all(|id| PublicId::parse(IdKind::SubProcessor, id).is_some()),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
    let unrestricted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM candidates WHERE processing_restricted_at IS NULL",
    )
    .fetch_one(&upgraded.db)
    .await
    .unwrap();
    assert_eq!(unrestricted, 1);
    upgraded.finish().await;
}

/// Commits c432e2e to 162f6b7 numbered the file-deletion journal 0014, which is now 0016 (0014
/// and 0015 came from another branch): its record moves, the new 0014 and 0015 run, and the
/// journal keeps its rows.
#[sqlx::test(migrations = "../migrations")]
async fn a_database_with_the_file_journal_as_migration_14_migrates_forward(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let edited = [(14, "0014_create_file_deletions.sql", current_text(16))];
    let plant = "INSERT INTO file_deletions (storage_name) VALUES ('left-by-a-crash');";
    let upgraded = upgrade(&fresh, &opts, ("162f6b7", 13, &edited), plant).await;
    let journal: Vec<String> = sqlx::query_scalar("SELECT storage_name FROM file_deletions")
        .fetch_all(&upgraded.db)
        .await
        .unwrap();
    assert_eq!(journal, ["left-by-a-crash"]);
    upgraded.finish().await;
}

/// Commit fd01716: 0027's trigger function also rewrote an event's organisation.
#[sqlx::test(migrations = "../migrations")]
async fn a_database_with_the_earlier_consent_trigger_migrates_forward(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let now = current_text(27);
    let old_comment = "-- Each application's latest consent event per purpose, kept by a \
        statement trigger on the\n-- append-only history. Two readers searched the whole history \
        for it:\n-- - the retention sweep's expiry of unanswered requests compared every \
        'requested' event ever\n--   appended with the latest of its purpose (80,000 in the \
        benchmark's organisation: 270 ms of\n--   PostgreSQL every 30 s, whether or not anything \
        was due);\n-- - a recruitment's board read about 1,500 events to find the 400 latest of \
        its 100 cards (1 ms,\n--   half the page's database time).\n-- The history stays the \
        record (F7); this table is derived from it and rebuilt by the trigger\n-- alone.\n";
    let body = &now[now.find("CREATE TABLE").unwrap()..];
    let then = format!(
        "{old_comment}{}",
        body.replacen(
            "occurred_at = EXCLUDED.occurred_at\n",
            "occurred_at = EXCLUDED.occurred_at, org_id = EXCLUDED.org_id\n",
            1
        )
    );
    let edited = [(27, "0027_create_consent_latest.sql", then)];
    let upgraded = upgrade(&fresh, &opts, ("05fca67", 27, &edited), ORG).await;
    upgraded.finish().await;
}

/// Commits 42e2abe to 3167de3: 0033's comment named a statement since removed.
#[sqlx::test(migrations = "../migrations")]
async fn a_database_with_the_earlier_comment_of_migration_33_migrates_forward(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let then = current_text(33).replacen(
        "-- them and reads the credentials (`users::sign_in_attempt`). Rows are locked in the \
         buckets'\n",
        "-- them and reads the credentials (`users::sign_in_attempt`), and the statement \
         counting hits on\n-- their own (`rate_limits::hit_each`) runs the same upsert. Rows \
         are locked in the buckets'\n",
        1,
    );
    let edited = [(33, "0033_create_count_rate_limit_hits.sql", then)];
    let upgraded = upgrade(&fresh, &opts, ("3167de3", 33, &edited), ORG).await;
    upgraded.finish().await;
}

/// Only texts an earlier release applied are taken for the current one: any other change to an
/// applied migration still stops the start-up, and nothing is changed.
#[sqlx::test(migrations = "../migrations")]
async fn a_changed_migration_no_release_applied_is_still_refused(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let scratch = Scratch::create(&fresh, &opts).await;
    let db = &scratch.db;
    MIGRATOR.run(db).await.unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET checksum = sha384('changed') WHERE version = 5")
        .execute(db)
        .await
        .unwrap();
    let before = recorded(db).await;
    let err = migrate(db).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("migration 5 was previously applied but has been modified"),
        "{err:#}"
    );
    assert_eq!(recorded(db).await, before);
    scratch.finish().await;
}

/// Invitations made accounts at once before migration 0037. Its upgrade turns an account nobody
/// accepted yet into an invitation under the same id, so the link already sent still works;
/// the account goes, unless something refers to it, when accepting completes it.
#[sqlx::test(migrations = "../migrations")]
async fn pending_invitations_of_an_earlier_release_keep_their_links_and_free_their_addresses(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    use candor_app::backend::auth::tokens::hash_token;
    let fresh = pool.connect_with(opts.clone()).await.unwrap();
    let (_dir, migrator) = migrations_of("the release before 0037", 36, &[]).await;
    let scratch = Scratch::create(&fresh, &opts).await;
    migrator.run(&scratch.db).await.unwrap();
    let org = "e0000000-0000-4000-8000-000000000001";
    sqlx::raw_sql(ORG).execute(&scratch.db).await.unwrap();
    // Two accounts made by invitations, not accepted; the second already has a record that
    // refers to it.
    let (free, kept) = (
        "e0000000-0000-4000-8000-0000000000f1",
        "e0000000-0000-4000-8000-0000000000f2",
    );
    let links = ["f".repeat(43), "k".repeat(43)];
    for (n, (id, link)) in [(free, &links[0]), (kept, &links[1])]
        .into_iter()
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role)
             VALUES ($1::uuid, $2, $3::uuid, $4, 'Invited', 'unusable', 'recruiter')",
        )
        .bind(id)
        .bind(format!("usr_00000000000000000000000in{n}"))
        .bind(org)
        .bind(format!("invitee{n}@example.org"))
        .execute(&scratch.db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO one_time_tokens (id, org_id, purpose, subject_id, token_hash, expires_at)
             VALUES (gen_random_uuid(), $1::uuid, 'invite', $2::uuid, $3, now() + interval '5 days')",
        )
        .bind(org)
        .bind(id)
        .bind(hash_token(link).to_vec())
        .execute(&scratch.db)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO dpa_acceptances (org_id, user_id, dpa_version) VALUES ($1::uuid, $2::uuid, 'x')",
    )
    .bind(org)
    .bind(kept)
    .execute(&scratch.db)
    .await
    .unwrap();

    migrate(&scratch.db).await.unwrap();
    let invitations: Vec<(String, String)> =
        sqlx::query_as("SELECT id::text, email FROM invitations ORDER BY email")
            .fetch_all(&scratch.db)
            .await
            .unwrap();
    assert_eq!(
        invitations,
        [
            (free.to_owned(), "invitee0@example.org".to_owned()),
            (kept.to_owned(), "invitee1@example.org".to_owned())
        ]
    );
    let accounts: Vec<String> = sqlx::query_scalar("SELECT email FROM users ORDER BY email")
        .fetch_all(&scratch.db)
        .await
        .unwrap();
    assert_eq!(
        accounts,
        ["invitee1@example.org"],
        "the free address is free"
    );

    // The links sent before the upgrade work: each makes (or completes) the account.
    let portal = Portal::spawn(&scratch.opts, &[]).await;
    for (n, link) in links.iter().enumerate() {
        let res = reqwest::Client::new()
            .post(portal.url("/fn/accept_invitation"))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ORIGIN, portal.base())
            .form(&[
                ("token", link.as_str()),
                ("display_name", "Ivy Invitee"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{n}");
        portal
            .signed_in(&format!("invitee{n}@example.org"), PASSWORD)
            .await;
    }
    drop(portal);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&scratch.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    scratch.finish().await;
}
