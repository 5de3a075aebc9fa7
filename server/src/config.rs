//! Configuration from the environment, validated at start-up (S13): production refuses missing
//! secrets, an http base URL and development defaults, and so does any portal whose base URL is
//! not a loopback address, whatever `CANDOR_ENV` says.

use ipnet::IpNet;
use std::{net::SocketAddr, path::PathBuf};
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// The master key used in development when none is configured. Production refuses it.
pub const DEV_MASTER_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1tYXN0ZXIta2V5LTMyYnk=";

/// The Ed25519 seed that signs receipts and certificates in development. Production refuses it.
pub const DEV_SIGNING_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1zaWduaW5nLWtleS0zMmI=";

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub listen: SocketAddr,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    /// The schema owner's connection (runs migrations and background work). Unset: embedded.
    pub database_url: Option<String>,
    /// The application role's connection; derived from `database_url` when unset.
    pub app_database_url: Option<String>,
    pub embedded_pg_port: u16,
    /// Connections the application keeps to PostgreSQL (`CANDOR_DB_POOL_SIZE`).
    pub db_pool_size: u32,
    pub trusted_proxies: Vec<IpNet>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub master_key: String,
    pub signing_key: String,
    pub expose_authz_decisions: bool,
    pub email_webhook_secret: Option<String>,
    /// Google and Microsoft sign-in, each configured with issuer, client id and secret.
    pub sso: Vec<candor_app::backend::sso::ProviderConfig>,
    /// Where `/metrics` is served (Prometheus text); unset: not at all. Keep it private.
    pub metrics_listen: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not valid: {1}")]
    Invalid(&'static str, String),
    #[error("production mode refuses to start: {0}")]
    Insecure(String),
    /// Development defaults behind a base URL others can reach, in development mode.
    #[error(
        "CANDOR_BASE_URL {0} is not a loopback address, so the portal refuses to start with \
         development defaults (whatever CANDOR_ENV says): {1}"
    )]
    PublicWithDefaults(String, String),
}

/// What `--demo` (or `CANDOR_DEMO`) would publish, and what to do instead.
const DEMO_REFUSED: &str = "--demo (CANDOR_DEMO) seeds accounts whose passwords and two-factor \
     key are published in the source: start without it";

/// `CANDOR_SSO_{GOOGLE,MICROSOFT}_{CLIENT_ID,CLIENT_SECRET,ISSUER}`: a provider is offered when
/// its client id and secret are set. Google's issuer is known; Microsoft's names the tenant.
fn sso_providers(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<candor_app::backend::sso::ProviderConfig>, ConfigError> {
    use candor_app::domain::sso::SsoProvider;
    let mut out = Vec::new();
    for kind in SsoProvider::ALL {
        let var = |suffix: &str| format!("CANDOR_SSO_{}_{suffix}", kind.as_str().to_uppercase());
        let value = |suffix: &str| get(&var(suffix)).filter(|v| !v.trim().is_empty());
        let (Some(client_id), Some(client_secret)) = (value("CLIENT_ID"), value("CLIENT_SECRET"))
        else {
            continue;
        };
        let issuer = match (kind, value("ISSUER")) {
            (_, Some(issuer)) => issuer,
            (SsoProvider::Google, None) => "https://accounts.google.com".into(),
            (SsoProvider::Microsoft, None) => {
                return Err(ConfigError::Invalid(
                    "CANDOR_SSO_MICROSOFT_ISSUER",
                    "set it to https://login.microsoftonline.com/<tenant id>/v2.0".into(),
                ))
            }
        };
        Url::parse(&issuer)
            .map_err(|e| ConfigError::Invalid("CANDOR_SSO_*_ISSUER", e.to_string()))?;
        out.push(candor_app::backend::sso::ProviderConfig {
            kind,
            issuer,
            client_id,
            client_secret,
        });
    }
    Ok(out)
}

/// Two connections per core, and two to wait on the network. Each connection is a PostgreSQL
/// process: more of them than the cores can run only queue inside the kernel instead of in the
/// pool, and the slowest requests then wait for several of them in turn (measured on two cores
/// at 16 concurrent requests: 20 connections gave the consent page a p99 of 81 to 115 ms, six
/// gave 31 to 42 ms with more requests served).
fn default_db_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2 + 2).unwrap_or(u32::MAX)
}

impl Config {
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mode = match get("CANDOR_ENV").as_deref() {
            None | Some("development") => Mode::Development,
            Some("production") => Mode::Production,
            Some(other) => {
                return Err(ConfigError::Invalid(
                    "CANDOR_ENV",
                    format!("{other:?} (use development or production)"),
                ))
            }
        };
        let listen = get("CANDOR_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| ConfigError::Invalid("CANDOR_LISTEN", format!("{e}")))?;
        let base_url =
            Url::parse(&get("CANDOR_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into()))
                .map_err(|e| ConfigError::Invalid("CANDOR_BASE_URL", e.to_string()))?;
        let trusted_proxies = get("CANDOR_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|e| {
                        ConfigError::Invalid("CANDOR_TRUSTED_PROXIES", format!("{s}: {e}"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let embedded_pg_port = get("CANDOR_EMBEDDED_PG_PORT")
            .map(|p| p.parse())
            .transpose()
            .map_err(|e| ConfigError::Invalid("CANDOR_EMBEDDED_PG_PORT", format!("{e}")))?
            .unwrap_or(5433);
        let db_pool_size = match get("CANDOR_DB_POOL_SIZE").filter(|s| !s.is_empty()) {
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|size| (1..=1000).contains(size))
                .ok_or_else(|| {
                    ConfigError::Invalid("CANDOR_DB_POOL_SIZE", format!("{raw}: not 1 to 1000"))
                })?,
            None => default_db_pool_size(),
        };
        let config = Config {
            mode,
            listen,
            base_url,
            data_dir: PathBuf::from(get("CANDOR_DATA_DIR").unwrap_or_else(|| "data".into())),
            site_root: PathBuf::from(
                get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            ),
            database_url: get("DATABASE_URL").filter(|s| !s.is_empty()),
            app_database_url: get("CANDOR_APP_DATABASE_URL").filter(|s| !s.is_empty()),
            embedded_pg_port,
            db_pool_size,
            trusted_proxies,
            smtp_url: get("CANDOR_SMTP_URL").filter(|s| !s.is_empty()),
            mail_from: get("CANDOR_MAIL_FROM")
                .unwrap_or_else(|| "Candor <no-reply@candor.localhost>".into()),
            master_key: get("CANDOR_MASTER_KEY").unwrap_or_else(|| DEV_MASTER_KEY.into()),
            signing_key: get("CANDOR_SIGNING_KEY").unwrap_or_else(|| DEV_SIGNING_KEY.into()),
            expose_authz_decisions: get("CANDOR_EXPOSE_AUTHZ").as_deref() == Some("1"),
            email_webhook_secret: get("CANDOR_EMAIL_WEBHOOK_SECRET").filter(|s| !s.is_empty()),
            sso: sso_providers(&get)?,
            metrics_listen: get("CANDOR_METRICS_LISTEN")
                .filter(|s| !s.is_empty())
                .map(|s| s.parse())
                .transpose()
                .map_err(|e| ConfigError::Invalid("CANDOR_METRICS_LISTEN", format!("{e}")))?,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        use base64::Engine;
        let key = base64::engine::general_purpose::STANDARD
            .decode(&self.master_key)
            .map_err(|e| ConfigError::Invalid("CANDOR_MASTER_KEY", e.to_string()))?;
        if key.len() != 32 {
            return Err(ConfigError::Invalid(
                "CANDOR_MASTER_KEY",
                "must be 32 bytes, base64-encoded".into(),
            ));
        }
        if candor_app::backend::signing::Signer::from_seed_base64(&self.signing_key).is_err() {
            return Err(ConfigError::Invalid(
                "CANDOR_SIGNING_KEY",
                "must be a 32-byte Ed25519 seed, base64-encoded".into(),
            ));
        }
        if !is_valid_mailbox(&self.mail_from) {
            return Err(ConfigError::Invalid(
                "CANDOR_MAIL_FROM",
                self.mail_from.clone(),
            ));
        }
        if self
            .email_webhook_secret
            .as_ref()
            .is_some_and(|s| s.len() < 32)
        {
            return Err(ConfigError::Invalid(
                "CANDOR_EMAIL_WEBHOOK_SECRET",
                "must be at least 32 characters".into(),
            ));
        }
        // Stored files are served only through the guarded route, never as static files.
        let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.into());
        if absolute(&self.files_dir()).starts_with(absolute(&self.site_root)) {
            return Err(ConfigError::Invalid(
                "CANDOR_DATA_DIR",
                "must not lie inside the site root (LEPTOS_SITE_ROOT), which is served".into(),
            ));
        }
        if self.development_defaults_allowed() {
            return Ok(());
        }
        let mut problems = Vec::new();
        if self.base_url.scheme() != "https" {
            problems.push("CANDOR_BASE_URL must be https: set the portal's public https origin");
        }
        problems.extend(self.development_defaults());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(self.refusal(&problems))
        }
    }

    /// Development defaults are safe only where nobody else can reach the portal: they publish
    /// its keys (the master and signing keys are in this source, so sealed files and receipts
    /// would protect nothing), its e-mail and its test aids. Production mode refuses them, and so
    /// does a base URL that is not a loopback address, whatever `CANDOR_ENV` says: a deployment
    /// that forgot `CANDOR_ENV=production` must not run on them.
    fn development_defaults_allowed(&self) -> bool {
        self.mode == Mode::Development && self.base_url_is_loopback()
    }

    /// Whether the base URL names this machine: `localhost`, 127.0.0.0/8 or ::1.
    pub fn base_url_is_loopback(&self) -> bool {
        match self.base_url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            None => false,
        }
    }

    /// Each development default in use, saying what to set instead.
    fn development_defaults(&self) -> Vec<&'static str> {
        let mut found = Vec::new();
        if self.master_key == DEV_MASTER_KEY {
            found.push(
                "CANDOR_MASTER_KEY is missing or the development key: set it to 32 random bytes, \
                 base64-encoded (openssl rand -base64 32)",
            );
        }
        if self.signing_key == DEV_SIGNING_KEY {
            found.push(
                "CANDOR_SIGNING_KEY is missing or the development key: set it to a 32-byte \
                 Ed25519 seed, base64-encoded (openssl rand -base64 32)",
            );
        }
        if self.database_url.is_none() {
            found.push(
                "DATABASE_URL is missing, so the embedded development database would run: set \
                 it to the schema owner's PostgreSQL connection",
            );
        }
        if self.smtp_url.is_none() {
            found.push(
                "CANDOR_SMTP_URL is missing, so e-mail would only be written to files: set it, \
                 e.g. smtps://user:password@mail.example.com",
            );
        }
        if self.expose_authz_decisions {
            found.push(
                "CANDOR_EXPOSE_AUTHZ is a test aid (it tells every caller why it was refused): \
                 unset it",
            );
        }
        found
    }

    /// `--demo` is a development default too: refused wherever the others are.
    pub fn check_demo(&self, demo_requested: bool) -> Result<(), ConfigError> {
        if demo_requested && !self.development_defaults_allowed() {
            return Err(self.refusal(&[DEMO_REFUSED]));
        }
        Ok(())
    }

    fn refusal(&self, problems: &[&str]) -> ConfigError {
        let problems = problems.join("; ");
        match self.mode {
            Mode::Production => ConfigError::Insecure(problems),
            Mode::Development => {
                ConfigError::PublicWithDefaults(self.base_url.as_str().to_owned(), problems)
            }
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Sealed files: inside the data directory, never under the site root that is served.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

/// Accepts `addr` or `Name <addr>`; the full parse happens when mail is built.
fn is_valid_mailbox(raw: &str) -> bool {
    let addr = match (raw.find('<'), raw.rfind('>')) {
        (Some(a), Some(b)) if a < b => &raw[a + 1..b],
        (None, None) => raw.trim(),
        _ => return false,
    };
    candor_app::domain::email_address::EmailAddress::parse(addr).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_env(|k| map.get(k).cloned())
    }

    const SECURE: &[(&str, &str)] = &[
        ("CANDOR_ENV", "production"),
        ("CANDOR_BASE_URL", "https://candor.example.com"),
        (
            "CANDOR_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        (
            "CANDOR_SIGNING_KEY",
            "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=",
        ),
        ("DATABASE_URL", "postgres://owner@db/candor"),
        ("CANDOR_SMTP_URL", "smtps://mail.example.com"),
        ("CANDOR_MAIL_FROM", "Candor <no-reply@candor.example.com>"),
    ];

    #[test]
    fn development_defaults_start() {
        let config = load(&[]).unwrap();
        assert_eq!(config.mode, Mode::Development);
        assert!(!config.secure_cookies());
    }

    #[test]
    fn production_with_every_secret_starts_with_secure_cookies() {
        let config = load(SECURE).unwrap();
        assert!(config.secure_cookies());
    }

    #[test]
    fn the_pool_size_defaults_to_the_cores_and_refuses_what_cannot_work() {
        let cores = std::thread::available_parallelism().unwrap().get() as u32;
        assert_eq!(load(&[]).unwrap().db_pool_size, cores * 2 + 2);
        assert_eq!(
            load(&[("CANDOR_DB_POOL_SIZE", "12")]).unwrap().db_pool_size,
            12
        );
        for bad in ["0", "-3", "1001", "six"] {
            let err = load(&[("CANDOR_DB_POOL_SIZE", bad)]).unwrap_err();
            assert!(
                matches!(err, ConfigError::Invalid("CANDOR_DB_POOL_SIZE", _)),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn stored_files_never_lie_under_the_served_site_root() {
        let err = load(&[("CANDOR_DATA_DIR", "target/site/data")]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid("CANDOR_DATA_DIR", _)),
            "{err}"
        );
        assert!(load(&[("CANDOR_DATA_DIR", "data")]).is_ok());
    }

    #[test]
    fn production_refuses_each_insecure_setting() {
        for (key, bad) in [
            ("CANDOR_BASE_URL", "http://candor.example.com"),
            ("CANDOR_MASTER_KEY", DEV_MASTER_KEY),
            ("CANDOR_SIGNING_KEY", DEV_SIGNING_KEY),
            ("DATABASE_URL", ""),
            ("CANDOR_SMTP_URL", ""),
        ] {
            let vars: Vec<(&str, &str)> = SECURE
                .iter()
                .map(|(k, v)| if *k == key { (*k, bad) } else { (*k, *v) })
                .collect();
            let err = load(&vars).unwrap_err();
            assert!(matches!(err, ConfigError::Insecure(_)), "{key}: {err}");
        }
        let mut with_aid = SECURE.to_vec();
        with_aid.push(("CANDOR_EXPOSE_AUTHZ", "1"));
        assert!(matches!(load(&with_aid), Err(ConfigError::Insecure(_))));
    }

    #[test]
    fn malformed_values_are_named() {
        let err = load(&[("CANDOR_TRUSTED_PROXIES", "10.0.0.0/33")]).unwrap_err();
        assert!(err.to_string().contains("CANDOR_TRUSTED_PROXIES"));
        let err = load(&[("CANDOR_MASTER_KEY", "c2hvcnQ=")]).unwrap_err();
        assert!(err.to_string().contains("32 bytes"));
    }

    /// `SECURE` without `CANDOR_ENV`, or with `CANDOR_ENV` as given, and `changes` applied.
    fn public(env: Option<&str>, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut vars: Vec<(&'static str, String)> = SECURE
            .iter()
            .filter(|(k, _)| *k != "CANDOR_ENV")
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        if let Some(env) = env {
            vars.push(("CANDOR_ENV", env.into()));
        }
        for (key, value) in changes {
            vars.retain(|(k, _)| k != key);
            vars.push((key, value.to_string()));
        }
        vars
    }

    fn load_owned(vars: &[(&'static str, String)]) -> Result<Config, ConfigError> {
        let borrowed: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        load(&borrowed)
    }

    #[test]
    fn a_public_base_url_refuses_every_development_default_whatever_candor_env_says() {
        for env in [None, Some("development")] {
            let mut vars = vec![("CANDOR_BASE_URL", "https://candor.example.com".to_owned())];
            vars.extend(env.map(|env| ("CANDOR_ENV", env.to_owned())));
            let err = load_owned(&vars).unwrap_err();
            assert!(
                matches!(err, ConfigError::PublicWithDefaults(_, _)),
                "{env:?}: {err}"
            );
            let message = err.to_string();
            for named in [
                "CANDOR_BASE_URL https://candor.example.com/ is not a loopback address",
                "CANDOR_MASTER_KEY is missing or the development key: set it to 32 random bytes",
                "CANDOR_SIGNING_KEY is missing or the development key: set it to a 32-byte",
                "DATABASE_URL is missing",
                "CANDOR_SMTP_URL is missing",
            ] {
                assert!(message.contains(named), "{env:?}: {named} not in {message}");
            }
        }
        for env in [None, Some("development")] {
            for (key, bad) in [
                ("CANDOR_MASTER_KEY", DEV_MASTER_KEY),
                ("CANDOR_SIGNING_KEY", DEV_SIGNING_KEY),
                ("DATABASE_URL", ""),
                ("CANDOR_SMTP_URL", ""),
                ("CANDOR_EXPOSE_AUTHZ", "1"),
            ] {
                let err = load_owned(&public(env, &[(key, bad)])).unwrap_err();
                assert!(
                    matches!(&err, ConfigError::PublicWithDefaults(_, m) if m.starts_with(key)),
                    "{env:?}, {key}: {err}"
                );
            }
        }
    }

    #[test]
    fn a_public_base_url_with_real_values_starts_in_either_mode() {
        for env in [None, Some("development"), Some("production")] {
            let config = load_owned(&public(env, &[])).unwrap();
            assert!(config.secure_cookies(), "{env:?}");
            assert!(config.check_demo(false).is_ok(), "{env:?}");
        }
    }

    #[test]
    fn only_localhost_and_loopback_addresses_count_as_loopback() {
        for local in [
            "http://localhost:3000",
            "https://LOCALHOST",
            "http://127.0.0.1:3000",
            "http://127.8.9.10",
            "http://[::1]:3000",
            "http://[::ffff:127.0.0.1]",
        ] {
            let config = load(&[("CANDOR_BASE_URL", local)]).unwrap();
            assert!(config.base_url_is_loopback(), "{local}");
            assert!(config.check_demo(true).is_ok(), "{local}");
        }
        for public in [
            "https://candor.example.com",
            "https://candor.localhost.example.com",
            "https://localhost.example",
            "https://10.0.0.5",
            "https://0.0.0.0",
            "https://[::]",
            "https://[2001:db8::1]",
            "https://128.0.0.1",
        ] {
            let err = load(&[("CANDOR_BASE_URL", public)]).unwrap_err();
            assert!(
                matches!(err, ConfigError::PublicWithDefaults(_, _)),
                "{public}: {err}"
            );
        }
    }

    #[test]
    fn plain_http_is_refused_unless_the_base_url_is_loopback() {
        let err = load_owned(&public(
            None,
            &[("CANDOR_BASE_URL", "http://candor.example.com")],
        ))
        .unwrap_err();
        assert!(
            matches!(&err, ConfigError::PublicWithDefaults(_, m)
                if m == "CANDOR_BASE_URL must be https: set the portal's public https origin"),
            "{err}"
        );
    }

    #[test]
    fn the_demo_is_refused_wherever_development_defaults_are() {
        let public = load_owned(&public(None, &[])).unwrap();
        let err = public.check_demo(true).unwrap_err();
        assert!(
            matches!(&err, ConfigError::PublicWithDefaults(_, m) if m.starts_with("--demo")),
            "{err}"
        );
        let production_on_loopback = load(&[
            ("CANDOR_ENV", "production"),
            ("CANDOR_BASE_URL", "https://localhost"),
            ("CANDOR_MASTER_KEY", SECURE[2].1),
            ("CANDOR_SIGNING_KEY", SECURE[3].1),
            ("DATABASE_URL", SECURE[4].1),
            ("CANDOR_SMTP_URL", SECURE[5].1),
        ])
        .unwrap();
        assert!(matches!(
            production_on_loopback.check_demo(true),
            Err(ConfigError::Insecure(_))
        ));
        assert!(load(&[]).unwrap().check_demo(true).is_ok());
    }
}
