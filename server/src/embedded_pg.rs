//! The development database: with `DATABASE_URL` unset, a private PostgreSQL cluster under the
//! data directory, started (or reused) from the system's PostgreSQL binaries and run by a non-root
//! user. It listens on 127.0.0.1 only and exists for development; production refuses it.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct EmbeddedPg {
    pub owner_url: String,
    pub app_url: String,
    /// Whether this call started the cluster (false when it was running already): whoever
    /// started it stops it.
    pub started: bool,
}

fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL binaries not found: install the `postgresql` package")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .context("no initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL program as the `postgres` user when we are root (it refuses root).
fn run(bin: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    let output = if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin)
            .args(args)
            .output()
    } else {
        Command::new(bin).args(args).output()
    }
    .with_context(|| format!("running {}", bin.display()))?;
    Ok(output)
}

/// Stops the cluster under `data_dir` (the portal does at its end when it started it).
pub fn stop(data_dir: &Path) -> anyhow::Result<()> {
    let cluster = data_dir.join("postgres");
    let out = run(
        &bin_dir()?.join("pg_ctl"),
        &["-D", &cluster.to_string_lossy(), "-m", "fast", "-w", "stop"],
    )?;
    if !out.status.success() {
        bail!("pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

pub fn start(data_dir: &Path, port: u16) -> anyhow::Result<EmbeddedPg> {
    let bin = bin_dir()?;
    let root = std::fs::canonicalize(data_dir)
        .or_else(|_| {
            std::fs::create_dir_all(data_dir)?;
            std::fs::canonicalize(data_dir)
        })
        .context("creating the data directory")?;
    let cluster = root.join("postgres");
    let cluster_str = cluster.to_string_lossy().to_string();
    if is_root() {
        std::fs::create_dir_all(&cluster)?;
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres", &cluster_str])
            .status()?;
        if !status.success() {
            bail!("could not hand {cluster_str} to the postgres user");
        }
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w", &cluster_str])
            .status()?;
        if !reachable.success() {
            bail!(
                "the postgres user cannot reach {cluster_str}; set CANDOR_DATA_DIR to a folder \
                 it can traverse (for example /var/tmp/candor)"
            );
        }
    }
    if !cluster.join("PG_VERSION").exists() {
        let out = run(
            &bin.join("initdb"),
            &[
                "-D",
                &cluster_str,
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
            ],
        )?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let status = run(&bin.join("pg_ctl"), &["-D", &cluster_str, "status"])?;
    let started = !status.status.success();
    if started {
        let options = format!("-p {port} -k {cluster_str} -c listen_addresses=127.0.0.1");
        let log = format!("{cluster_str}/server.log");
        let out = run(
            &bin.join("pg_ctl"),
            &[
                "-D",
                &cluster_str,
                "-w",
                "-l",
                &log,
                "start",
                "-o",
                &options,
            ],
        )?;
        if !out.status.success() {
            bail!(
                "could not start PostgreSQL (see {log}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let psql = |sql: &str, db: &str| -> anyhow::Result<String> {
        let out = Command::new(bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
            .output()?;
        if !out.status.success() {
            bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    if psql(
        "SELECT 1 FROM pg_roles WHERE rolname = 'candor_app'",
        "postgres",
    )?
    .is_empty()
    {
        psql(
            "CREATE ROLE candor_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
            "postgres",
        )?;
    }
    if psql(
        "SELECT 1 FROM pg_database WHERE datname = 'candor'",
        "postgres",
    )?
    .is_empty()
    {
        psql("CREATE DATABASE candor", "postgres")?;
    }
    Ok(EmbeddedPg {
        owner_url: format!("postgres://postgres@127.0.0.1:{port}/candor"),
        app_url: format!("postgres://candor_app@127.0.0.1:{port}/candor"),
        started,
    })
}
