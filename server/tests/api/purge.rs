//! What can no longer matter is purged (issue 23, item 11): sessions once expired, rate-limit
//! buckets once their window has ended, one-time links once used or expired; each kept until
//! then. Timed with the portal's clock; the real binary shows the worker does it unasked.

use crate::helpers::{TestApp, PASSWORD};
use crate::process::Portal;
use candor_app::backend::clock::Clock;
use candor_app::backend::purge::{purge_expired, Purged};
use candor_app::domain::rate_limit::{POLICIES, SIGN_IN_PER_ADDRESS};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::time::{Duration as StdDuration, Instant};
use time::{Duration, OffsetDateTime};

/// Sets the portal's clock to `at` (backwards too: "just before" may lie behind a late hit).
fn move_clock_to(app: &TestApp, at: OffsetDateTime) {
    app.state.clock.advance(at - app.state.clock.now());
}

async fn purge(app: &TestApp) -> Purged {
    purge_expired(&app.state).await.unwrap()
}

async fn session_expiries(app: &TestApp) -> Vec<OffsetDateTime> {
    sqlx::query_scalar("SELECT expiry_date FROM sessions ORDER BY expiry_date")
        .fetch_all(&app.owner)
        .await
        .unwrap()
}

/// Each bucket with the end of its window, by its policy (the bucket's prefix).
async fn bucket_window_ends(app: &TestApp) -> Vec<(String, OffsetDateTime)> {
    let rows: Vec<(String, OffsetDateTime)> =
        sqlx::query_as("SELECT bucket, window_start FROM rate_limit_buckets ORDER BY bucket")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(bucket, start)| {
            let family = bucket.rsplit_once(':').unwrap().0;
            let policy = POLICIES.iter().find(|p| p.name == family).unwrap();
            (bucket, start + policy.window)
        })
        .collect()
}

/// The links stored: purpose, expiry, and whether used.
async fn tokens(app: &TestApp) -> Vec<(String, OffsetDateTime, bool)> {
    sqlx::query_as(
        "SELECT purpose, expires_at, consumed_at IS NOT NULL FROM one_time_tokens
         ORDER BY purpose",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn sessions_are_purged_once_expired_and_not_before(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.signed_in("ada@acme.example", PASSWORD).await;
    let expiries = session_expiries(&app).await;
    assert!(!expiries.is_empty());

    move_clock_to(&app, expiries[0] - Duration::minutes(1));
    assert_eq!(purge(&app).await.sessions, 0);
    assert_eq!(session_expiries(&app).await, expiries);

    move_clock_to(&app, *expiries.last().unwrap());
    let purged = purge(&app).await;
    assert_eq!(purged.sessions, expiries.len() as u64);
    assert!(session_expiries(&app).await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn rate_limit_buckets_are_purged_once_their_window_has_ended(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    // Windows are aligned to the epoch: in an hour's last quarter both kinds end together, so
    // every hit lands five minutes into the next hour, whenever the test runs.
    let now = app.state.clock.now();
    let next_hour =
        now.replace_time(time::Time::from_hms(now.hour(), 5, 0).unwrap()) + Duration::hours(1);
    move_clock_to(&app, next_hour);
    // Sign-up counts per address for an hour; a sign-in per address and account for 15 minutes.
    app.verified_admin("Acme", "ada@acme.example").await;
    app.call(
        &app.browser(),
        "sign_in",
        &[
            ("email", "ada@acme.example"),
            ("password", "not the password 1"),
        ],
    )
    .await;
    let buckets = bucket_window_ends(&app).await;
    let first_end = buckets.iter().map(|(_, end)| *end).min().unwrap();
    let last_end = buckets.iter().map(|(_, end)| *end).max().unwrap();
    assert!(first_end < last_end, "windows of two lengths: {buckets:?}");

    move_clock_to(&app, first_end - Duration::minutes(1));
    assert_eq!(purge(&app).await.rate_limit_buckets, 0);
    assert_eq!(bucket_window_ends(&app).await, buckets);

    // The shorter windows have ended, the hour's has not.
    move_clock_to(&app, first_end);
    let ended: Vec<_> = buckets
        .iter()
        .filter(|(_, end)| *end <= first_end)
        .collect();
    let running: Vec<_> = buckets
        .iter()
        .filter(|(_, end)| *end > first_end)
        .cloned()
        .collect();
    assert_eq!(purge(&app).await.rate_limit_buckets, ended.len() as u64);
    assert_eq!(bucket_window_ends(&app).await, running);

    move_clock_to(&app, last_end - Duration::minutes(1));
    assert_eq!(purge(&app).await.rate_limit_buckets, 0);
    move_clock_to(&app, last_end);
    assert_eq!(purge(&app).await.rate_limit_buckets, running.len() as u64);
    assert!(bucket_window_ends(&app).await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn used_links_are_purged_at_once_and_unused_ones_once_expired(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let verification = app.last_mail_to("ada@acme.example").await.unwrap();
    let used = app
        .link_in(&verification, "/verify-email/")
        .trim_start_matches("/verify-email/")
        .to_owned();
    app.call(
        &app.browser(),
        "request_password_reset",
        &[("email", "ada@acme.example")],
    )
    .await;
    app.work_deferred().await;
    let stored = tokens(&app).await;
    let purposes: Vec<(&str, bool)> = stored.iter().map(|(p, _, u)| (p.as_str(), *u)).collect();
    assert_eq!(
        purposes,
        [("email_verification", true), ("password_reset", false)]
    );
    let reset_expiry = stored[1].1;

    // A used link answers as an unknown one: it goes at once, and still answers the same.
    assert_eq!(purge(&app).await.tokens, 1);
    assert_eq!(tokens(&app).await, stored[1..]);
    let again = app
        .call(&app.browser(), "verify_email", &[("token", &used)])
        .await;
    assert_eq!(again.status(), StatusCode::GONE);

    move_clock_to(&app, reset_expiry - Duration::minutes(1));
    assert_eq!(purge(&app).await.tokens, 0);
    assert_eq!(tokens(&app).await, stored[1..]);
    move_clock_to(&app, reset_expiry);
    assert_eq!(purge(&app).await.tokens, 1);
    assert!(tokens(&app).await.is_empty());
}

/// Rows the worker must purge and rows it must keep, as of the database's clock.
async fn plant_purgeable_and_live_rows(owner: &PgPool) {
    let current_window = SIGN_IN_PER_ADDRESS.window_start(Clock::default().now());
    sqlx::raw_sql(
        "INSERT INTO orgs (id, public_id, name)
         VALUES ('00000000-0000-0000-0000-0000000000a1', 'org_purge', 'Purge Ltd');
         INSERT INTO sessions (id, data, expiry_date) VALUES
           ('expired', '', now() - interval '1 minute'),
           ('live', '', now() + interval '30 minutes');
         INSERT INTO one_time_tokens (id, org_id, purpose, subject_id, token_hash, expires_at,
                                      consumed_at)
         SELECT gen_random_uuid(), '00000000-0000-0000-0000-0000000000a1', 'password_reset',
                gen_random_uuid(), sha256(name::bytea), now() + interval '1 day', consumed
         FROM (VALUES ('used', now()), ('unused', NULL)) AS t (name, consumed);",
    )
    .execute(owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO rate_limit_buckets (bucket, window_start, hits) VALUES
           ($1, $2 - interval '15 minutes', 3), ($3, $2, 3)",
    )
    .bind(format!("{}:{}", SIGN_IN_PER_ADDRESS.name, "e".repeat(32)))
    .bind(current_window)
    .bind(format!("{}:{}", SIGN_IN_PER_ADDRESS.name, "c".repeat(32)))
    .execute(owner)
    .await
    .unwrap();
}

/// Sessions, buckets and links left, as (sessions, buckets, tokens) counts.
async fn remaining(owner: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM rate_limit_buckets),
                (SELECT count(*) FROM one_time_tokens)",
    )
    .fetch_one(owner)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_running_portal_purges_unasked_from_its_start(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let owner = PgPoolOptions::new()
        .connect_with(opts.clone())
        .await
        .unwrap();
    plant_purgeable_and_live_rows(&owner).await;
    assert_eq!(remaining(&owner).await, (2, 2, 2));

    let portal = Portal::spawn(&opts, &[]).await;
    let deadline = Instant::now() + StdDuration::from_secs(60);
    while remaining(&owner).await != (1, 1, 1) {
        assert!(
            Instant::now() < deadline,
            "not purged: {:?}\n{}",
            remaining(&owner).await,
            portal.log()
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let kept: (String, String, bool) = sqlx::query_as(
        "SELECT (SELECT id FROM sessions), (SELECT bucket FROM rate_limit_buckets),
                (SELECT consumed_at IS NULL FROM one_time_tokens)",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        kept,
        (
            "live".to_owned(),
            format!("{}:{}", SIGN_IN_PER_ADDRESS.name, "c".repeat(32)),
            true
        )
    );
}
