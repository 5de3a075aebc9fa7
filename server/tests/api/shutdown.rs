//! SIGTERM (issue 6, item 6): the real `candor` binary stops accepting, lets the request in flight
//! finish, and exits cleanly.

use crate::process::Portal;
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
