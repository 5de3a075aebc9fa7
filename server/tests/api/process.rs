//! The real `candor` binary as a child process against the test's own database, for what only a
//! process shows: signals, several instances side by side, faults between portal and PostgreSQL.
//!
//! `Portal::spawn(&opts, &env)` starts `candor serve` on a free port with its own data folder and
//! waits until `/healthz` answers; `env` adds or overrides variables (`CANDOR_BASE_URL`,
//! `DATABASE_URL` through a proxy, keys…). Dropping a `Portal` kills the process.

use crate::helpers::{decode_qp, Env, TestApp};
use sqlx::postgres::PgConnectOptions;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// How long a portal may take to answer `/healthz` (migrations already ran in the test set-up).
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The schema owner's URL of the test's database, as `DATABASE_URL` names it.
pub fn database_url(opts: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        opts.get_username(),
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap()
    )
}

/// A running `candor serve`.
pub struct Portal {
    child: Child,
    port: u16,
    base: String,
    dir: tempfile::TempDir,
    /// What it was started with, to start it again the same way.
    database_url: String,
    env: Vec<(String, String)>,
}

impl Portal {
    /// Starts a portal and waits until it is healthy.
    pub async fn spawn(opts: &PgConnectOptions, env: Env<'_>) -> Portal {
        let mut portal = Portal::start(opts, env);
        portal.wait_until_healthy().await;
        portal
    }

    /// Starts a portal without waiting for it (to start several at the same moment).
    pub fn start(opts: &PgConnectOptions, env: Env<'_>) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let child = Self::launch(&database_url(opts), port, dir.path(), &env);
        Portal {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            database_url: database_url(opts),
            env,
        }
    }

    fn launch(
        database_url: &str,
        port: u16,
        dir: &std::path::Path,
        env: &[(String, String)],
    ) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("portal.log"))
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
            .env("CANDOR_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("CANDOR_DATA_DIR", dir.join("data"))
            .env("LEPTOS_SITE_ROOT", dir.join("site"))
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        for (key, value) in env {
            command.env(key, value);
        }
        command.spawn().unwrap()
    }

    /// Kills the process (SIGKILL) and starts it again on the same port, folder and settings,
    /// as a supervisor restarts a crashed service.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Self::launch(&self.database_url, self.port, self.dir.path(), &self.env);
        self.wait_until_healthy().await;
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Polls `/healthz` until it answers; panics with the portal's log when it exits or the
    /// deadline passes.
    pub async fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let client = reqwest::Client::new();
        loop {
            if client
                .get(self.url("/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the portal exited ({status}) before it was healthy:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the portal was not healthy within {START_TIMEOUT:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A browser signed in on this process the way the page does it (an account without a
    /// second factor).
    pub async fn signed_in(&self, email: &str, password: &str) -> reqwest::Client {
        self.sign_in(email, password, None).await
    }

    /// Where the process listens (`CANDOR_BASE_URL` may name another, public, origin).
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `CANDOR_DATA_DIR` of this process (unless `env` named another).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Where this process writes e-mail when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir().join("outbox")
    }

    /// What the process wrote so far (its log lines, on standard output and error).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("portal.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM: the portal stops accepting and drains what is in flight.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `within` for the process to end; `None` when it still runs.
    pub async fn wait_for_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser of a portal process: its own cookie jar, redirects not followed.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

impl Portal {
    /// Calls a server function the way the hydrated app does, from the portal's own origin.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/fn/{name}")))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ORIGIN, self.base())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs `email` in on this process, passing the second factor `seed` enrolled it with.
    pub async fn signed_in_with(
        &self,
        seed: &TestApp,
        email: &str,
        password: &str,
    ) -> reqwest::Client {
        self.sign_in(email, password, Some(seed)).await
    }

    async fn sign_in(
        &self,
        email: &str,
        password: &str,
        seed: Option<&TestApp>,
    ) -> reqwest::Client {
        let client = browser();
        let res = self
            .call(
                &client,
                "sign_in",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "sign-in of {email}");
        let step: String = res.json().await.unwrap();
        if step == "second_factor" {
            let seed = seed.expect("the test app that enrolled the second factor");
            let code = seed.fresh_totp_code(email);
            let res = self
                .call(&client, "complete_sign_in", &[("code", &code)])
                .await;
            assert_eq!(
                res.status(),
                reqwest::StatusCode::OK,
                "second factor of {email}"
            );
        }
        client
    }

    /// The e-mails this process delivered so far (without SMTP: its `.eml` files), decoded, with
    /// their file names.
    pub fn delivered(&self) -> Vec<(PathBuf, String)> {
        let Ok(entries) = std::fs::read_dir(self.outbox_dir()) else {
            return vec![];
        };
        entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| {
                let text = decode_qp(&std::fs::read_to_string(&p).unwrap());
                (p, text)
            })
            .collect()
    }

    /// Waits (its outbox worker delivers on its own) for an e-mail to `to` not in `seen` that
    /// holds a link starting with `prefix`, marks it seen and returns what follows the prefix.
    pub async fn next_link(
        &self,
        seen: &mut std::collections::HashSet<PathBuf>,
        to: &str,
        prefix: &str,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.delivered().into_iter().find(|(path, text)| {
                !seen.contains(path) && text.contains(&format!("To: {to}")) && text.contains(prefix)
            });
            if let Some((path, text)) = found {
                seen.insert(path);
                let at = text.find(prefix).unwrap() + prefix.len();
                return text[at..]
                    .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '?')
                    .next()
                    .unwrap()
                    .to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no e-mail to {to} with a {prefix} link within 30 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a one-off command of the binary (e.g. `verify-audit`) against the test's database.
pub fn run(opts: &PgConnectOptions, args: &[&str], env: Env<'_>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
    command
        .args(args)
        .env("DATABASE_URL", database_url(opts))
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}
