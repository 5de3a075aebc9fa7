//! The real `candor` binary as a child process, for what only a process can show: signals,
//! crashes, and several instances sharing one database.

use reqwest::{redirect::Policy, Client};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `candor serve`; killed when dropped.
pub struct Portal {
    pub base: String,
    pub port: u16,
    pub data_dir: PathBuf,
    child: Child,
    database_url: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Portal {
    /// Starts the portal on a free port with its own data folder and waits until it is healthy.
    pub async fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let mut portal = Self::spawn(
            database_url,
            data_dir,
            free_port(),
            args.iter().map(|s| s.to_string()).collect(),
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        portal._dir = Some(dir);
        portal.wait_healthy().await;
        portal
    }

    /// Starts the portal on a data folder that already holds files (another instance's).
    pub async fn start_in(
        database_url: &str,
        data_dir: PathBuf,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Portal {
        let mut portal = Self::spawn(
            database_url,
            data_dir,
            free_port(),
            args.iter().map(|s| s.to_string()).collect(),
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        portal.wait_healthy().await;
        portal
    }

    fn spawn(
        database_url: &str,
        data_dir: PathBuf,
        port: u16,
        args: Vec<String>,
        env: Vec<(String, String)>,
    ) -> Portal {
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_candor"))
            .arg("serve")
            .args(&args)
            .env("DATABASE_URL", database_url)
            .env("CANDOR_LISTEN", format!("127.0.0.1:{port}"))
            .env("CANDOR_BASE_URL", &base)
            .env("CANDOR_DATA_DIR", &data_dir)
            .env("LEPTOS_SITE_ROOT", data_dir.join("site"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Portal {
            base,
            port,
            data_dir,
            child,
            database_url: database_url.to_owned(),
            args,
            env,
            _dir: None,
        }
    }

    async fn wait_healthy(&mut self) {
        for _ in 0..300 {
            if reqwest::get(self.url("/healthz"))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the portal exited at start-up: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the portal did not become healthy");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL: no shutdown code runs, as in a crash or an out-of-memory kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The same portal started again after `kill`: same port, data folder and configuration.
    pub async fn restart(&mut self) {
        self.kill();
        let mut next = Self::spawn(
            &self.database_url,
            self.data_dir.clone(),
            self.port,
            self.args.clone(),
            self.env.clone(),
        );
        next._dir = self._dir.take();
        *self = next;
        self.wait_healthy().await;
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
