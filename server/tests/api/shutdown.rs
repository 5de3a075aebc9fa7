//! SIGTERM (issue 6, item 6): the real `candor` binary stops accepting, lets the request in flight
//! finish, and exits cleanly.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[sqlx::test(migrations = "../migrations")]
async fn sigterm_drains_in_flight_requests_refuses_new_ones_and_exits_cleanly(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let database_url = format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap()
    );
    let mut portal = Command::new(env!("CARGO_BIN_EXE_candor"))
        .arg("serve")
        .env("DATABASE_URL", &database_url)
        .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
        .env("CANDOR_BASE_URL", &base)
        .env("CANDOR_DATA_DIR", dir.path().join("data"))
        .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !up {
        let _ = portal.kill();
        let _ = portal.wait();
        panic!("the portal did not start");
    }

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

    let status = Command::new("kill")
        .args(["-TERM", &portal.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
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
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = portal.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = exited else {
        let _ = portal.kill();
        let _ = portal.wait();
        panic!("the portal did not exit after SIGTERM");
    };
    assert!(status.success(), "{status:?}");
}
