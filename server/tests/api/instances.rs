//! Two portals, one database (issue 6, item 7): two real `candor serve` processes on their own
//! ports share PostgreSQL and the same secrets, as two instances behind a load balancer would.
//! A session made on one works on the other and ends on both; a rate limit counts hits from both
//! as one budget; their background workers (outbox, retention sweep, audit sealer), started at
//! the same moment on the same backlog, never process one item twice.

use crate::helpers::{TestApp, PASSWORD};
use crate::process::{self, Portal};
use base64::{engine::general_purpose::STANDARD, Engine};
use candor_app::backend::signing::Signer;
use candor_app::domain::rate_limit::{Policy, SIGN_IN_PER_ACCOUNT};
use candor_app::domain::retention::{sha256_hex, DeletionCertificate};
use reqwest::{header, redirect::Policy as Redirects, Client, Response, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// The configuration both instances share: one public origin and the same keys (a session, a
/// sealed file or a signed certificate made by one must be good on the other).
struct Shared {
    origin: String,
    master_key: String,
    signing_key: String,
}

impl Shared {
    fn new() -> Shared {
        let key = || STANDARD.encode(rand::random::<[u8; 32]>());
        Shared {
            // The load balancer's address: nothing listens there, the portals only name it.
            origin: format!("http://localhost:{}", process::free_port()),
            master_key: key(),
            signing_key: key(),
        }
    }

    fn env(&self) -> [(&str, &str); 4] {
        [
            ("CANDOR_BASE_URL", self.origin.as_str()),
            ("CANDOR_MASTER_KEY", self.master_key.as_str()),
            ("CANDOR_SIGNING_KEY", self.signing_key.as_str()),
            // Info lines name each deletion, so the test can tell which instance made it.
            ("RUST_LOG", "info,sqlx=warn"),
        ]
    }

    /// Both instances, started at the same moment and then awaited.
    async fn two_portals(&self, opts: &PgConnectOptions) -> (Portal, Portal) {
        let mut a = Portal::start(opts, &self.env());
        let mut b = Portal::start(opts, &self.env());
        a.wait_until_healthy().await;
        b.wait_until_healthy().await;
        (a, b)
    }

    /// A server-function call from a page served under the public origin.
    async fn call(
        &self,
        portal: &Portal,
        cookie: Option<&str>,
        name: &str,
        form: &[(&str, &str)],
    ) -> Response {
        let mut request = client()
            .post(portal.url(&format!("/fn/{name}")))
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, &self.origin)
            .form(form);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.unwrap()
    }
}

/// No cookie jar: the session cookie is carried by hand from one instance to the other.
fn client() -> Client {
    Client::builder()
        .redirect(Redirects::none())
        .build()
        .unwrap()
}

async fn page(portal: &Portal, path: &str, cookie: &str) -> Response {
    client()
        .get(portal.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// Sleeps past the end of the current window of `policy` when less than `margin` of it is left,
/// so that a burst is counted in one window.
async fn within_one_window(policy: &Policy, margin: time::Duration) {
    // The real clock, as the portals read it.
    let now = candor_app::backend::clock::Clock::default().now();
    let left = policy.window_start(now) + policy.window - now;
    if left < margin {
        tokio::time::sleep((left + time::Duration::seconds(1)).unsigned_abs()).await;
    }
}

/// Acme with Ada (admin) and Rita (recruiter), made through an in-process portal that runs no
/// background worker.
async fn acme(opts: &PgConnectOptions) -> TestApp {
    let seed = TestApp::spawn(opts.clone()).await;
    seed.verified_admin("Acme", "ada@acme.example").await;
    seed.add_member("ada@acme.example", "rita@acme.example", "recruiter")
        .await;
    seed
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_and_a_rate_limit_made_on_one_portal_hold_on_the_other(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    acme(&opts).await;
    let shared = Shared::new();
    let (a, b) = shared.two_portals(&opts).await;

    // Rita signs in on A; B knows the session by its cookie alone.
    let res = shared
        .call(
            &a,
            None,
            "sign_in",
            &[("email", "rita@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok()?.split(';').next())
        .find(|c| c.starts_with("candor_session="))
        .expect("a session cookie")
        .to_owned();
    assert_eq!(res.json::<String>().await.unwrap(), "signed_in");

    let res = page(&b, "/app", "candor_session=unknown").await;
    assert!(
        res.status().is_redirection(),
        "no session: {}",
        res.status()
    );
    let res = page(&b, "/app", &cookie).await;
    assert_eq!(res.status(), StatusCode::OK, "B serves A's session");
    let res = shared
        .call(
            &b,
            Some(&cookie),
            "create_recruitment",
            &[("title", "Platform")],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let recruitment = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let res = page(&a, &recruitment, &cookie).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Platform"));

    // Signing out on B ends the session on A too.
    let res = client()
        .post(b.url("/logout"))
        .header(header::ORIGIN, &shared.origin)
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let res = page(&a, "/app", &cookie).await;
    assert!(
        res.status().is_redirection(),
        "signed out: {}",
        res.status()
    );

    // Wrong passwords for one account, alternating between the instances: one budget, so the
    // limit falls at the same count as on a single instance.
    within_one_window(&SIGN_IN_PER_ACCOUNT, time::Duration::seconds(30)).await;
    let limit = SIGN_IN_PER_ACCOUNT.limit as usize;
    let mut statuses = Vec::new();
    for n in 0..limit + 2 {
        let portal = if n % 2 == 0 { &a } else { &b };
        let res = shared
            .call(
                portal,
                None,
                "sign_in",
                &[
                    ("email", "ada@acme.example"),
                    ("password", "not the password"),
                ],
            )
            .await;
        statuses.push(res.status());
    }
    assert!(
        statuses[..limit]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[limit..],
        [StatusCode::TOO_MANY_REQUESTS; 2],
        "hits on A and B count as one"
    );
}

/// Queued e-mails for the outbox workers, by id.
const QUEUED_MAIL: i64 = 300;
/// Candidates whose retention ended while no portal ran.
const DUE_CANDIDATES: usize = 20;
/// Audit events waiting for the sealers, beyond those the set-up made.
const UNSEALED_EVENTS: i64 = 3000;
/// How long the two instances may take to work off the whole backlog.
const BACKLOG_DEADLINE: Duration = Duration::from_secs(60);

/// Holds back every worker of both instances until each is waiting at its first lock (the outbox
/// table, the sweep's advisory lock, the audit chain's), then lets them go at once: the workers
/// overlap for sure instead of by luck of timing.
struct StartingGate {
    conn: PgConnection,
}

impl StartingGate {
    async fn close(opts: &PgConnectOptions) -> StartingGate {
        let mut conn = PgConnection::connect_with(opts).await.unwrap();
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        sqlx::query("LOCK TABLE email_outbox IN EXCLUSIVE MODE")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('candor.consent.expire')::bigint)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtextextended('audit_chain:' || k::text, 0))
             FROM (SELECT DISTINCT COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid)
                   FROM audit_events) AS chains(k)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        StartingGate { conn }
    }

    /// Opens once `waiters` lock requests of other sessions queue behind the gate.
    async fn open_when_waited_on_by(mut self, waiters: i64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                 WHERE NOT l.granted AND d.datname = current_database()",
            )
            .fetch_one(&mut self.conn)
            .await
            .unwrap();
            if waiting >= waiters {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "only {waiting} of {waiters} workers reached the gate"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sqlx::query("COMMIT").execute(&mut self.conn).await.unwrap();
    }
}

/// The outbox ids in the Message-IDs of the `.eml` files under `dir`, one entry per file.
fn delivered_ids(dir: &Path) -> Vec<i64> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|mail| {
            let id = mail.split("<outbox-").nth(1).expect("a Message-ID");
            id.split('@').next().unwrap().parse().unwrap()
        })
        .collect()
}

async fn scalar(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn background_workers_of_two_portals_never_process_the_same_item_twice(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // The backlog, made while no portal ran: candidates whose retention has ended, e-mail to
    // send, audit events to seal.
    let seed = acme(&opts).await;
    let rita = seed.signed_in("rita@acme.example", PASSWORD).await;
    let res = seed
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let recruitment = res.headers()[header::LOCATION].to_str().unwrap();
    let recruitment = recruitment.trim_start_matches("/app/recruitments/");
    let mut due = BTreeSet::new();
    for n in 0..DUE_CANDIDATES {
        let res = seed
            .call(
                &rita,
                "add_candidate",
                &[
                    ("recruitment", recruitment),
                    ("full_name", &format!("Candidate {n}")),
                    ("email", &format!("candidate{n}@example.org")),
                ],
            )
            .await;
        let candidate = res.headers()[header::LOCATION].to_str().unwrap();
        let candidate = candidate.trim_start_matches("/app/candidates/").to_owned();
        let view: Value = seed
            .call(&rita, "candidate", &[("id", &candidate)])
            .await
            .json()
            .await
            .unwrap();
        let application = view["applications"][0]["id"].as_str().unwrap();
        let res = seed
            .call(
                &rita,
                "record_decision",
                &[
                    ("application", application),
                    ("decision", "rejected"),
                    ("reason", "Another candidate fitted better"),
                    ("candidate", &candidate),
                    ("confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        due.insert(sha256_hex(&candidate));
    }
    seed.deliver_mail().await;
    let owner = seed.owner.clone();
    drop(seed);
    sqlx::query("UPDATE candidates SET retention_until = now() - interval '1 day'")
        .execute(&owner)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO email_outbox (template, recipient, subject, text_body, html_body)
         SELECT 'test', 'person' || n || '@example.org', 'Message ' || n, 'Hello', '<p>Hello</p>'
         FROM generate_series(1, $1) AS n",
    )
    .bind(QUEUED_MAIL)
    .execute(&owner)
    .await
    .unwrap();
    let queued: BTreeSet<i64> =
        sqlx::query_scalar("SELECT id FROM email_outbox WHERE sent_at IS NULL")
            .fetch_all(&owner)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(queued.len() as i64, QUEUED_MAIL);
    sqlx::query(
        "INSERT INTO audit_events (org_id, actor, action, target, outcome)
         SELECT (SELECT id FROM orgs), 'system', 'test.backlog', 'item-' || n, 'success'
         FROM generate_series(1, $1) AS n",
    )
    .bind(UNSEALED_EVENTS)
    .execute(&owner)
    .await
    .unwrap();

    // Both instances start on it at the same moment: three workers each at the gate.
    let gate = StartingGate::close(&opts).await;
    let shared = Shared::new();
    let (a, b) = shared.two_portals(&opts).await;
    gate.open_when_waited_on_by(6).await;

    let deadline = Instant::now() + BACKLOG_DEADLINE;
    loop {
        let left = scalar(
            &owner,
            "SELECT (SELECT count(*) FROM email_outbox WHERE sent_at IS NULL)
                  + (SELECT count(*) FROM candidates)
                  + (SELECT count(*) FROM audit_events e
                     WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id))",
        )
        .await;
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} items left after {BACKLOG_DEADLINE:?}\nA:\n{}\nB:\n{}",
            a.log(),
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // E-mail: every queued message delivered exactly once across both instances, each row
    // sent in one attempt.
    let (from_a, from_b) = (
        delivered_ids(&a.outbox_dir()),
        delivered_ids(&b.outbox_dir()),
    );
    let mut copies = BTreeMap::<i64, usize>::new();
    for id in from_a.iter().chain(&from_b) {
        *copies.entry(*id).or_default() += 1;
    }
    let twice: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(copies.keys().copied().collect::<BTreeSet<_>>(), queued);
    assert!(
        !from_a.is_empty() && !from_b.is_empty(),
        "both instances delivered ({} + {})",
        from_a.len(),
        from_b.len()
    );
    assert_eq!(
        scalar(
            &owner,
            "SELECT count(*) FROM email_outbox WHERE attempts <> 1 OR sent_at IS NULL"
        )
        .await,
        0
    );

    // Retention: one signed certificate per due candidate, each made by one instance.
    let signer = Signer::from_seed_base64(&shared.signing_key).unwrap();
    let certificates: Vec<String> =
        sqlx::query_scalar("SELECT certificate FROM deletion_certificates")
            .fetch_all(&owner)
            .await
            .unwrap();
    let subjects: Vec<String> = certificates
        .iter()
        .map(|signed| {
            let certificate: DeletionCertificate = signer.verify(signed).unwrap();
            certificate.subject_hash
        })
        .collect();
    assert_eq!(subjects.len(), DUE_CANDIDATES, "one certificate each");
    assert_eq!(subjects.into_iter().collect::<BTreeSet<_>>(), due);
    let deletions = |p: &Portal| p.log().matches("candidate deleted").count();
    let (deleted_by_a, deleted_by_b) = (deletions(&a), deletions(&b));
    println!(
        "e-mails sent by A {}, by B {}; candidates deleted by A {deleted_by_a}, by B {deleted_by_b}",
        from_a.len(),
        from_b.len()
    );
    assert_eq!(deleted_by_a + deleted_by_b, DUE_CANDIDATES);
    // Twenty candidates fit in one deletion batch, which one instance takes whole; which one
    // varies, and the other must then have found nothing left to delete twice.
    assert_eq!(
        scalar(
            &owner,
            "SELECT count(*) FROM audit_events WHERE action = 'candidate.deleted'"
        )
        .await,
        DUE_CANDIDATES as i64
    );
    // Either instance serves the same public key for the certificates.
    let jwks = |p: &Portal| reqwest::get(p.url("/.well-known/jwks.json"));
    let (jwks_a, jwks_b) = (jwks(&a).await.unwrap(), jwks(&b).await.unwrap());
    assert_eq!(jwks_a.text().await.unwrap(), jwks_b.text().await.unwrap());

    // Audit: both sealers took turns on one chain, and it verifies end to end.
    let events = scalar(&owner, "SELECT count(*) FROM audit_events").await;
    assert_eq!(
        scalar(&owner, "SELECT count(*) FROM audit_chain").await,
        events
    );
    let verified = process::run(&opts, &["verify-audit"], &shared.env());
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{report}");
    assert!(
        report.contains(&format!("events verified: {events},")),
        "{report}"
    );
    assert!(report.contains("audit log intact"), "{report}");
}
