//! SIGTERM (issue 6, item 6): the real `candor` binary stops accepting, lets the request in flight
//! finish, and exits cleanly, stopping the private development cluster if it started it
//! (issue 24, item 7).

use crate::process::{free_port, Portal};
use candor_server::embedded_pg;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[sqlx::test(migrations = "../migrations")]
async fn sigterm_drains_in_flight_requests_refuses_new_ones_and_exits_cleanly(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let mut portal = Portal::spawn(&opts, &[]).await;
    let (port, base) = (portal.port(), portal.base().to_owned());

    // A request in flight: headers and half of the body sent, the rest still to come.
    let body = "email=nobody%40example.org&password=not+a+password+at+all";
    let (first, rest) = body.split_at(10);
    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /fn/sign_in HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {base}\r\n\
         Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{first}",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    portal.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // New connections are refused while the old one drains.
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "the listener is closed after SIGTERM"
    );

    slow.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the in-flight request got its answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("invalid_credentials"));

    // And the process ends by itself, successfully.
    let status = portal.wait_for_exit(Duration::from_secs(10)).await;
    let status = status.expect("the portal exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

/// Whether a PostgreSQL server runs on the cluster under `data` (its pid file is removed when
/// it has stopped).
fn cluster_runs(data: &std::path::Path) -> bool {
    data.join("postgres/postmaster.pid").exists()
}

#[sqlx::test(migrations = "../migrations")]
async fn sigterm_stops_the_private_cluster_the_portal_started_and_no_other(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_owned();
    let pg_port = free_port().to_string();
    // An empty DATABASE_URL runs the private development cluster under the data folder.
    let env = [
        ("DATABASE_URL", ""),
        ("CANDOR_DATA_DIR", data_dir.as_str()),
        ("CANDOR_EMBEDDED_PG_PORT", pg_port.as_str()),
    ];

    let mut portal = Portal::spawn(&opts, &env).await;
    assert!(cluster_runs(data.path()));
    portal.terminate();
    let status = portal.wait_for_exit(Duration::from_secs(30)).await;
    assert!(status.expect("the portal exits after SIGTERM").success());
    assert!(
        !cluster_runs(data.path()),
        "the cluster the portal started stops with it:\n{}",
        portal.log()
    );

    // A cluster that was running before the portal started is left running.
    let dir = data.path().to_owned();
    let port = pg_port.parse().unwrap();
    let running = tokio::task::spawn_blocking(move || embedded_pg::start(&dir, port))
        .await
        .unwrap()
        .unwrap();
    assert!(running.started);
    let mut portal = Portal::spawn(&opts, &env).await;
    portal.terminate();
    let status = portal.wait_for_exit(Duration::from_secs(30)).await;
    assert!(status.expect("the portal exits after SIGTERM").success());
    assert!(cluster_runs(data.path()), "{}", portal.log());
    let owner = sqlx::PgPool::connect(&running.owner_url).await.unwrap();
    assert_eq!(
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&owner)
            .await
            .unwrap(),
        1
    );
    owner.close().await;
    embedded_pg::stop(data.path()).unwrap();
}
