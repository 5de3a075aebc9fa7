//! Fault injection (issue 6, item 6): the real `candor` binary while PostgreSQL stops and comes
//! back, while the SMTP server is away, and when it is killed outright in the middle of sending
//! e-mail or deleting candidates.

use crate::process::{free_port, Portal};
use reqwest::{header, StatusCode};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL cluster of this test's own, so it can be stopped without harming other tests.
struct PrivateCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL binaries under /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb");
        let dir = tempfile::tempdir().unwrap();
        // PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
        if is_root() {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path()));
        }
        let cluster = PrivateCluster {
            bin,
            dir,
            port: free_port(),
        };
        run(cluster.as_postgres("initdb").args([
            "-D",
            &cluster.data().to_string_lossy(),
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
        ]));
        cluster.resume();
        run(Command::new("psql")
            .args(["-q", "-h", "127.0.0.1", "-p", &cluster.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-c"])
            .arg("CREATE ROLE candor_app LOGIN NOSUPERUSER NOBYPASSRLS"));
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// Stops the server the way an operator or a crash-restart would: open connections are cut.
    fn stop(&self) {
        run(self.as_postgres("pg_ctl").args([
            "-D",
            &self.data().to_string_lossy(),
            "-w",
            "-m",
            "fast",
            "stop",
        ]));
    }

    fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(self.as_postgres("pg_ctl").args([
            "-D",
            &self.data().to_string_lossy(),
            "-w",
            "-l",
            &self.dir.path().join("log").to_string_lossy(),
            "-o",
            &options,
            "start",
        ]));
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .args([
                "-D",
                &self.data().to_string_lossy(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_database_outage_answers_503_without_hanging_and_service_returns_by_itself() {
    let cluster = PrivateCluster::start();
    let opts: PgConnectOptions = cluster.url().parse().unwrap();
    let mut portal = Portal::spawn(&opts, &[("CANDOR_DEMO", "true")]).await;
    let recruiter = candor_server::demo::demo_users()
        .into_iter()
        .find(|u| u.role == candor_app::domain::role::Role::Recruiter)
        .unwrap();
    let browser = portal
        .signed_in(&recruiter.email, &recruiter.password)
        .await;
    let page = portal.url("/app/recruitments");
    assert_eq!(
        browser.get(&page).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Requests keep flowing while PostgreSQL goes away and comes back.
    let flowing = Arc::new(Mutex::new(Vec::<(
        Instant,
        &'static str,
        u16,
        Duration,
        bool,
    )>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // One client per kind of request, each sending the next as soon as the last is answered.
    let traffic: Vec<_> = ["page", "server function", "sign-in"]
        .into_iter()
        .map(|what| {
            let (flowing, stop, browser, base) = (
                flowing.clone(),
                stop.clone(),
                browser.clone(),
                portal.base().to_owned(),
            );
            tokio::spawn(async move {
                let anonymous = reqwest::Client::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let request = match what {
                        "page" => browser.get(format!("{base}/app/recruitments")),
                        "server function" => browser
                            .post(format!("{base}/fn/list_recruitments"))
                            .form(&[("search", "")]),
                        _ => anonymous
                            .post(format!("{base}/fn/sign_in"))
                            .form(&[("email", "nobody@example.org"), ("password", "wrong")]),
                    }
                    .header(header::ACCEPT, "application/json")
                    .header(header::ORIGIN, &base)
                    .timeout(Duration::from_secs(30));
                    let started = Instant::now();
                    let (status, retry_after) = match request.send().await {
                        Ok(res) => (
                            res.status().as_u16(),
                            res.headers().contains_key(header::RETRY_AFTER),
                        ),
                        Err(_) => (0, false),
                    };
                    flowing.lock().unwrap().push((
                        started,
                        what,
                        status,
                        started.elapsed(),
                        retry_after,
                    ));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    cluster.stop();
    let outage_began = Instant::now();
    let readyz = portal.url("/readyz");
    wait_for(
        Duration::from_secs(15),
        "/readyz to report the outage",
        || async {
            reqwest::get(&readyz)
                .await
                .is_ok_and(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
        },
    )
    .await;
    // Long enough for every kind of request to meet the outage and answer within it.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let outage_ended = Instant::now();
    cluster.resume();
    wait_for(Duration::from_secs(20), "/readyz to recover", || async {
        reqwest::get(&readyz)
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
    })
    .await;
    let recovered = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in traffic {
        client.await.unwrap();
    }

    let flowing = flowing.lock().unwrap().clone();
    for (at, what, status, took, _) in &flowing {
        eprintln!(
            "{:>8.3}s {what:<16} {status} {took:?}",
            at.duration_since(outage_began).as_secs_f64()
                * if *at > outage_began { 1.0 } else { -1.0 }
        );
    }
    eprintln!(
        "outage ended {:?}, recovered {:?}",
        outage_ended - outage_began,
        recovered - outage_began
    );
    let during: Vec<_> = flowing
        .iter()
        // Sent once the outage had begun, answered before it ended.
        .filter(|(at, _, _, took, _)| *at > outage_began && *at + *took < outage_ended)
        .collect();
    for what in ["page", "server function", "sign-in"] {
        assert!(
            during
                .iter()
                .any(|(_, w, status, ..)| *w == what && *status == 503),
            "a {what} answered 503 during the outage: {during:?}"
        );
    }
    for (_, what, status, took, retry_after) in &during {
        assert!(
            *status == 503,
            "during the outage a {what} answered {status}, not 503: {during:?}"
        );
        assert!(*retry_after, "a {what}'s 503 says when to retry");
        assert!(
            *took < Duration::from_secs(10),
            "a {what} took {took:?} during the outage"
        );
    }
    // Requests sent after recovery succeed again, the session included: nothing was restarted.
    let after: Vec<_> = flowing.iter().filter(|(at, ..)| *at > recovered).collect();
    assert!(!after.is_empty());
    for (_, what, status, ..) in &after {
        // Wrong passwords are refused, and soon rate-limited: either way the database answered.
        let expected: &[u16] = if *what == "sign-in" {
            &[401, 429]
        } else {
            &[200]
        };
        assert!(
            expected.contains(status),
            "{what} answered {status} after recovery: {after:?}"
        );
    }
    assert!(portal.is_running(), "the portal kept running");
}

async fn wait_for<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Queues `n` e-mails the way every flow does: rows in the outbox, for the workers to send.
async fn queue_emails(owner: &PgPool, n: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "INSERT INTO email_outbox (template, recipient, subject, text_body, html_body)
         SELECT 'fault_test', 'person' || i || '@example.org', 'Message ' || i,
                'Hello ' || i, '<p>Hello ' || i || '</p>'
         FROM generate_series(1, $1) AS i RETURNING id",
    )
    .bind(n)
    .fetch_all(owner)
    .await
    .unwrap()
}

async fn unsent(owner: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
        .fetch_one(owner)
        .await
        .unwrap()
}

/// Every queued message arrived, each exactly once.
fn assert_each_delivered_once(received: &[String], queued: &[i64]) {
    let mut arrived = crate::smtp::outbox_ids(received);
    arrived.sort_unstable();
    let mut expected = queued.to_vec();
    expected.sort_unstable();
    assert_eq!(arrived, expected, "each queued e-mail exactly once");
}

#[sqlx::test(migrations = "../migrations")]
async fn after_an_smtp_outage_every_queued_email_is_delivered_exactly_once(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let owner = pool.connect_with(opts.clone()).await.unwrap();
    // More than one batch of the worker, queued while nothing listens on the SMTP port.
    let queued = queue_emails(&owner, 30).await;
    let smtp_port = free_port();
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let _portal = Portal::spawn(&opts, &[("CANDOR_SMTP_URL", smtp_url.as_str())]).await;
    wait_for(
        Duration::from_secs(20),
        "every message to fail once",
        || async {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM email_outbox WHERE attempts = 0")
                .fetch_one(&owner)
                .await
                .unwrap()
                == 0
        },
    )
    .await;
    assert_eq!(
        unsent(&owner).await,
        30,
        "nothing is lost while the server is down"
    );

    let sink = crate::smtp::Sink::default();
    sink.serve(smtp_port);
    wait_for(Duration::from_secs(30), "the queue to drain", || async {
        unsent(&owner).await == 0
    })
    .await;
    // Time for a stray second delivery to show, were there one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_each_delivered_once(&sink.received(), &queued);
    let retried: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE attempts >= 2 AND last_error IS NULL",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        retried, 30,
        "each was retried after its failure and then sent"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_portal_killed_in_the_middle_of_sending_loses_no_email_and_sends_none_twice(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let owner = pool.connect_with(opts.clone()).await.unwrap();
    let queued = queue_emails(&owner, 12).await;
    let smtp_port = free_port();
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    // The fifth conversation stops at DATA: the portal is killed while it waits for the server.
    let sink = crate::smtp::Sink::holding_at(5);
    sink.serve(smtp_port);
    let mut portal = Portal::spawn(&opts, &[("CANDOR_SMTP_URL", smtp_url.as_str())]).await;
    let waiting = sink.clone();
    tokio::task::spawn_blocking(move || waiting.wait_until_holding(Duration::from_secs(20)))
        .await
        .unwrap();
    portal.kill();
    sink.release();
    assert_eq!(sink.received().len(), 4);
    assert_eq!(
        unsent(&owner).await,
        8,
        "the message in flight is not marked sent"
    );

    portal.restart().await;
    wait_for(
        Duration::from_secs(30),
        "the queue to drain after restart",
        || async { unsent(&owner).await == 0 },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_each_delivered_once(&sink.received(), &queued);
}

/// The rows that make up the seeded candidates, and their files on disk.
async fn candidate_records(app: &crate::helpers::TestApp) -> [i64; 4] {
    [
        app.count("SELECT count(*) FROM candidates").await,
        app.count("SELECT count(*) FROM applications").await,
        app.count("SELECT count(*) FROM documents").await,
        i64::try_from(app.stored_files().len()).unwrap(),
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn a_portal_killed_in_the_middle_of_deleting_a_candidate_leaves_them_whole_and_finishes_after_restart(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    const CANDIDATES: i64 = 12;
    let app = crate::helpers::TestApp::spawn(opts.clone()).await;
    let o = crate::retention::org(&app).await;
    for i in 0..CANDIDATES {
        crate::retention::candidate(
            &app,
            &o,
            &format!("Person {i}"),
            &format!("p{i}@example.org"),
        )
        .await;
    }
    sqlx::query("UPDATE candidates SET retention_until = now() - interval '1 day'")
        .execute(&app.owner)
        .await
        .unwrap();
    let whole = candidate_records(&app).await;
    assert_eq!(whole, [CANDIDATES; 4]);

    // The first deletion will stop just before its certificate is written: its candidate's rows
    // are already deleted inside its transaction when the portal is killed.
    let mut lock = app.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE deletion_certificates IN SHARE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // The same data folder as the in-process portal that stored the files.
    let data_dir = app
        .files_dir
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut portal = Portal::spawn(&opts, &[("CANDOR_DATA_DIR", data_dir.as_str())]).await;
    wait_for(
        Duration::from_secs(20),
        "a deletion to reach the certificate",
        || async {
            app.count(
                "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .await
                == 1
        },
    )
    .await;
    portal.kill();
    lock.rollback().await.unwrap();
    wait_for(
        Duration::from_secs(10),
        "the killed transaction to end",
        || async {
            app.count(
                "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()",
            )
            .await
                == 0
        },
    )
    .await;
    assert_eq!(
        candidate_records(&app).await,
        whole,
        "no candidate is half-deleted"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM deletion_certificates")
            .await,
        0
    );

    portal.restart().await;
    wait_for(Duration::from_secs(30), "the sweep to finish", || async {
        app.count("SELECT count(*) FROM candidates").await == 0
            && app.count("SELECT count(*) FROM file_deletions").await == 0
    })
    .await;
    assert_eq!(candidate_records(&app).await, [0; 4]);
    assert_eq!(
        app.count("SELECT count(*) FROM deletion_certificates")
            .await,
        CANDIDATES,
        "one certificate per candidate"
    );
}

/// A request whose client hangs up midway still runs to its end, so its transaction commits or
/// rolls back whole and no connection goes back to the pool inside it. Each sign-in here is given
/// up by its client as soon as the portal has begun it (its rate limit has counted it), long
/// before its password check ends; each still records its failure.
#[sqlx::test(migrations = "../migrations")]
async fn a_request_whose_client_goes_away_still_runs_to_its_end(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = crate::helpers::TestApp::spawn(opts).await;
    let failures = "SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in.failed'";
    let begun = "SELECT count(*) FROM rate_limit_buckets WHERE bucket LIKE 'signin:acct:%'";
    let before = app.count(failures).await;
    for i in 0..5 {
        let sign_in = reqwest::Client::new()
            .post(app.url("/fn/sign_in"))
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, app.url(""))
            .form(&[
                ("email", format!("ghost{i}@nowhere.example").as_str()),
                ("password", "whatever it is"),
            ])
            .send();
        let pending = tokio::spawn(sign_in);
        // Each ghost has a bucket of its own: the i-th is there once its sign-in has begun.
        let deadline = Instant::now() + Duration::from_secs(20);
        while app.count(begun).await <= i {
            assert!(Instant::now() < deadline, "sign-in {i} never began");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(
            !pending.is_finished(),
            "the client gave up before the answer"
        );
        pending.abort();
    }
    wait_for(
        Duration::from_secs(20),
        "every abandoned sign-in recorded",
        || async { app.count(failures).await == before + 5 },
    )
    .await;
    let left_in_a_transaction = app
        .count(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state LIKE 'idle in transaction%'",
        )
        .await;
    assert_eq!(left_in_a_transaction, 0);
}
