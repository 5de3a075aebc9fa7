//! `TestApp`: the portal on port 0 against the test's own database, connected as `candor_app`.

use candor_app::backend::{clock::Clock, db::Db, mail::outbox, state::AppState};
use candor_server::{config::Config, startup};
use reqwest::{header, redirect::Policy, Client, Response, StatusCode};
use serde_json::Value;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc};

pub const PASSWORD: &str = "correct horse battery staple 42";
/// The secret part of an API key `cnd_<lookup>_<secret>`: the secret itself may contain `_`.
pub fn key_secret(key: &str) -> &str {
    let secret = key.splitn(3, '_').nth(2).unwrap();
    assert!(secret.len() > 20, "{key}");
    secret
}

/// The form fields of an API key with every scope (read, write, ats).
pub const EVERY_SCOPE: &[(&str, &str)] = &[
    ("scope_read", "on"),
    ("scope_write", "on"),
    ("scope_ats", "on"),
];

pub struct TestApp {
    /// Where the portal listens.
    pub base: String,
    /// The portal's own origin, from its base URL (`base` unless a test configured another):
    /// what its pages' requests carry in `Origin`.
    pub origin: String,
    pub owner: PgPool,
    pub app_pool: PgPool,
    pub state: AppState,
    pub outbox_dir: PathBuf,
    /// Where the portal keeps its sealed files.
    pub files_dir: PathBuf,
    /// TOTP keys of the accounts this test enrolled, with the last time step used.
    pub totp_keys: std::sync::Mutex<HashMap<String, (Vec<u8>, u64)>>,
    /// Where this portal's `/metrics` is served (its own address, as in production).
    pub metrics_base: String,
    metrics_server: tokio::task::JoinHandle<()>,
    _data: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        self.metrics_server.abort();
    }
}

/// Extra environment for a test (trusted proxies, https base URL…).
pub type Env<'a> = &'a [(&'a str, &'a str)];

impl TestApp {
    pub async fn spawn(opts: PgConnectOptions) -> TestApp {
        Self::spawn_with(opts, &[]).await
    }

    pub async fn spawn_with(opts: PgConnectOptions, env: Env<'_>) -> TestApp {
        Self::spawn_sharing(opts, env, Clock::default()).await
    }

    /// Another instance on the same database, as after a restart or beside a second process.
    pub async fn spawn_sharing(opts: PgConnectOptions, env: Env<'_>, clock: Clock) -> TestApp {
        Self::spawn_inner(opts, env, clock, 0).await
    }

    /// The portal on a port chosen beforehand (an OpenID provider must know its callback URL).
    pub async fn spawn_on(opts: PgConnectOptions, port: u16, env: Env<'_>) -> TestApp {
        Self::spawn_inner(opts, env, Clock::default(), port).await
    }

    async fn spawn_inner(opts: PgConnectOptions, env: Env<'_>, clock: Clock, port: u16) -> TestApp {
        let owner = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(opts.clone())
            .await
            .expect("owner pool");
        // As in production: a request waits at most 3 s for a connection (a request that held one
        // while waiting for another would show up as a 503 with a small pool).
        let pool_size = env
            .iter()
            .find(|(k, _)| *k == "CANDOR_DB_POOL_SIZE")
            .map_or(8, |(_, v)| v.parse().unwrap());
        let app_pool = candor_server::startup::app_pool_options(pool_size)
            .connect_with(opts.username("candor_app").password(""))
            .await
            .expect("candor_app pool (is the role created by the test set-up?)");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let data = tempfile::tempdir().unwrap();
        let base = format!("http://127.0.0.1:{}", addr.port());
        let mut vars: HashMap<String, String> = HashMap::from([
            ("CANDOR_BASE_URL".into(), base.clone()),
            ("CANDOR_LISTEN".into(), addr.to_string()),
            (
                "CANDOR_DATA_DIR".into(),
                data.path().to_string_lossy().into(),
            ),
            ("CANDOR_EXPOSE_AUTHZ".into(), "1".into()),
            ("DATABASE_URL".into(), "postgres://unused-in-tests".into()),
        ]);
        for (k, v) in env {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_env(|k| vars.get(k).cloned()).expect("test config");
        let state = AppState {
            db: Db::new(app_pool.clone(), owner.clone()),
            settings: Arc::new(startup::settings(&config)),
            clock,
            mailer: startup::mailer(&config).unwrap(),
            files: startup::file_vault(&config).unwrap(),
            signer: Arc::new(startup::signer(&config).unwrap()),
            sso: Arc::new(candor_app::backend::sso::Sso::new(config.sso.clone())),
        };
        let metrics = Arc::new(candor_server::metrics::Metrics::new());
        let router =
            startup::router_with_metrics(state.clone(), &config, app_pool.clone(), metrics.clone())
                .unwrap();
        let scrape_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_base = format!("http://{}", scrape_listener.local_addr().unwrap());
        let scrape = candor_server::metrics::router(state.clone(), metrics);
        let metrics_server = tokio::spawn(async move {
            axum::serve(scrape_listener, scrape).await.unwrap();
        });
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            outbox_dir: config.outbox_dir(),
            files_dir: config.files_dir(),
            origin: config.base_url.origin().ascii_serialization(),
            base,
            owner,
            app_pool,
            state,
            totp_keys: Default::default(),
            metrics_base,
            metrics_server,
            _data: data,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client with its own cookie jar that does not follow redirects. A request
    /// that gets no answer fails its test within a minute rather than holding the whole run.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    /// The HTML a page renders on the server for `client`, whatever its status.
    pub async fn html(&self, client: &Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Calls a server function the way the hydrated app does (JSON answer expected).
    pub async fn call(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/fn/{name}")))
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, &self.origin)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a multipart form to a file route the way the page's form does, asking for JSON.
    /// `file` is (field, file name, bytes).
    pub async fn upload(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> Response {
        self.upload_as(client, path, fields, file, "application/json")
            .await
    }

    /// The same post with the `Accept` header of a browser (`text/html`) or of a client.
    pub async fn upload_as(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
        accept: &str,
    ) -> Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some((field, name, bytes)) = file {
            form = form.part(
                field.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        client
            .post(self.url(path))
            .header(header::ACCEPT, accept)
            .header(header::ORIGIN, &self.origin)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// The candidate answers the consent request of their latest e-mail: yes to every purpose.
    pub async fn grant_consent(&self, candidate_email: &str) {
        self.answer_consent(candidate_email, "yes").await;
    }

    /// The candidate answers every purpose of their latest consent request with `answer`.
    pub async fn answer_consent(&self, candidate_email: &str, answer: &str) -> String {
        let mail = self
            .last_mail_to(candidate_email)
            .await
            .expect("a consent request");
        let link = self.link_in(&mail, "/c/consent/");
        let token = link.trim_start_matches("/c/consent/").to_owned();
        let res = self
            .call(
                &self.browser(),
                "give_consent",
                &[
                    ("token", token.as_str()),
                    ("lang", "en"),
                    ("evaluation", answer),
                    ("recording", answer),
                    ("transcription", answer),
                    ("ai_support", answer),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "consent of {candidate_email}");
        token
    }

    /// Schedules an interview of an application (on 1 December 2026, 45 minutes) as `staff`;
    /// returns its public id.
    pub async fn schedule_interview(
        &self,
        staff: &Client,
        application: &str,
        candidate: &str,
    ) -> String {
        let res = self
            .call(
                staff,
                "schedule_interview",
                &[
                    ("application", application),
                    ("candidate", candidate),
                    ("starts_at", "2026-12-01T09:30"),
                    ("duration", "45"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .trim_start_matches("/app/interviews/")
            .to_owned()
    }

    /// Every file in the store, as (path, bytes).
    pub fn stored_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.files_dir, &mut out);
        out
    }

    /// Carries out the deferred requests (sign-ups, resets, resends, privacy links) now, as the
    /// worker of a running portal does within a moment.
    pub async fn work_deferred(&self) {
        while candor_app::backend::deferred::worker::work(&self.state)
            .await
            .unwrap()
            > 0
        {}
    }

    /// Carries out the deferred requests, delivers every queued e-mail now and returns the
    /// `.eml` files written so far.
    pub async fn deliver_mail(&self) -> Vec<String> {
        self.work_deferred().await;
        outbox::deliver_due(
            self.state.db.system_pool(),
            &self.state.mailer,
            &self.state.settings.mail_from,
            self.state.clock.now(),
        )
        .await
        .unwrap();
        let Ok(entries) = std::fs::read_dir(&self.outbox_dir) else {
            return vec![];
        };
        // Ordered by outbox id (from the Message-ID), the order in which they were queued.
        let mut files: Vec<(u64, String)> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| {
                let text = std::fs::read_to_string(e.path()).unwrap();
                let id = text
                    .split("<outbox-")
                    .nth(1)
                    .and_then(|rest| rest.split('@').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                (id, text)
            })
            .collect();
        files.sort_by_key(|(id, _)| *id);
        files.into_iter().map(|(_, s)| s).collect()
    }

    /// The last e-mail sent to `to`, decoded from quoted-printable.
    pub async fn last_mail_to(&self, to: &str) -> Option<String> {
        self.deliver_mail()
            .await
            .into_iter()
            .rfind(|m| m.contains(&format!("To: {to}")))
            .map(|m| decode_qp(&m))
    }

    /// The path of the first link in `mail` that starts with `prefix` (e.g. `/reset/`).
    pub fn link_in(&self, mail: &str, prefix: &str) -> String {
        let at = mail
            .find(prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in {mail}"));
        let rest = &mail[at..];
        rest.split(|c: char| c.is_whitespace() || c == '"' || c == '<')
            .next()
            .unwrap()
            .to_owned()
    }

    /// Signs up an organisation through the public form, and lets the worker carry the sign-up
    /// out as a running portal's would a moment later; returns the form's answer.
    pub async fn sign_up(&self, org: &str, email: &str) -> Response {
        let answer = self
            .call(
                &self.browser(),
                "sign_up",
                &[
                    ("org_name", org),
                    ("display_name", "Ada Admin"),
                    ("email", email),
                    ("password", PASSWORD),
                    ("accept_dpa", "on"),
                ],
            )
            .await;
        self.work_deferred().await;
        answer
    }

    /// Signs up and confirms the address: a ready admin.
    pub async fn verified_admin(&self, org: &str, email: &str) {
        let res = self.sign_up(org, email).await;
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "{}",
            res.status()
        );
        let mail = self.last_mail_to(email).await.expect("verification mail");
        let link = self.link_in(&mail, "/verify-email/");
        let token = link.trim_start_matches("/verify-email/");
        let res = self
            .call(&self.browser(), "verify_email", &[("token", token)])
            .await;
        assert!(res.status().is_success(), "verify: {}", res.status());
        // Consent links wait for the organisation's privacy contact; most tests send some.
        sqlx::query(
            "UPDATE orgs SET privacy_contact = 'Data protection officer',
                    privacy_street_address = 'Keizersgracht 1', privacy_postal_code = '1015 CJ',
                    privacy_locality = 'Amsterdam', privacy_country = 'NL',
                    privacy_email = 'privacy@example.org', privacy_phone = '+31 20 123 4567'
             WHERE name = $1",
        )
        .bind(org)
        .execute(&self.owner)
        .await
        .unwrap();
    }

    /// A signed-in browser for an existing, verified account. Like a real user, it passes the
    /// second factor when the account has one and enrols first when its role demands one.
    pub async fn signed_in(&self, email: &str, password: &str) -> Client {
        let client = self.browser();
        let res = self
            .call(
                &client,
                "sign_in",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "sign-in of {email}");
        let step: String = res.json().await.unwrap();
        if step == "second_factor" {
            let res = self.pass_second_factor(&client, email).await;
            assert_eq!(res.status(), StatusCode::OK, "second factor of {email}");
        } else if step == "enrolment_needed" {
            self.enrol_second_factor(&client, email).await;
        }
        client
    }

    /// Creates an API key through the admin page's server function and reads its raw value, shown
    /// once. `form` adds fields such as `("scope_write", "on")` or `("expires_on", "2027-01-01")`.
    pub async fn create_api_key(&self, admin: &Client, form: &[(&str, &str)]) -> String {
        let mut fields = vec![("name", "Integration")];
        fields.extend_from_slice(form);
        let res = self.call(admin, "create_api_key", &fields).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let view: serde_json::Value = self
            .call(admin, "api_keys", &[])
            .await
            .json()
            .await
            .unwrap();
        view["fresh"][1]
            .as_str()
            .expect("the new key, shown once")
            .to_owned()
    }

    /// A call to the public API with `key` as the bearer token.
    pub async fn api(&self, key: Option<&str>, path: &str) -> Response {
        let mut request = reqwest::Client::new().get(self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await.unwrap()
    }

    /// The current TOTP time step on the portal's clock.
    pub fn totp_step_now(&self) -> u64 {
        self.state.clock.now().unix_timestamp() as u64 / 30
    }

    /// An authenticator app's code for `key` at `step`, computed by `totp-rs` on its own.
    pub fn totp_code(key: &[u8], step: u64) -> String {
        totp_rs::TOTP::new_unchecked(
            totp_rs::Algorithm::SHA1,
            6,
            1,
            30,
            key.to_vec(),
            None,
            String::new(),
        )
        .generate(step * 30)
    }

    /// A code for `email` that the portal has not seen yet (the next step when the current one
    /// was used; the clock moves on when even that is spent).
    pub fn fresh_totp_code(&self, email: &str) -> String {
        let mut keys = self.totp_keys.lock().unwrap();
        let (key, last) = keys.get_mut(email).expect("an enrolled account");
        let mut step = self.totp_step_now().max(*last + 1);
        if step > self.totp_step_now() + 1 {
            self.state.clock.advance(time::Duration::seconds(30));
            step = self.totp_step_now().max(*last + 1);
        }
        *last = step;
        Self::totp_code(key, step)
    }

    pub async fn pass_second_factor(&self, client: &Client, email: &str) -> Response {
        let code = self.fresh_totp_code(email);
        self.call(client, "complete_sign_in", &[("code", &code)])
            .await
    }

    /// Enrols the signed-in `client` in two-factor sign-in, as the enrolment page does; returns
    /// the recovery codes shown once.
    pub async fn enrol_second_factor(&self, client: &Client, email: &str) -> Vec<String> {
        let res = self.call(client, "start_two_factor", &[]).await;
        assert_eq!(res.status(), StatusCode::OK, "start enrolment");
        let status: serde_json::Value = self
            .call(client, "two_factor_status", &[])
            .await
            .json()
            .await
            .unwrap();
        let encoded = status["pending"]["key"].as_str().expect("a pending key");
        let key = totp_rs::Secret::Encoded(encoded.to_owned())
            .to_bytes()
            .unwrap();
        let step = self.totp_step_now();
        let code = Self::totp_code(&key, step);
        let res = self
            .call(client, "confirm_two_factor", &[("code", &code)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "confirm enrolment");
        self.totp_keys
            .lock()
            .unwrap()
            .insert(email.to_owned(), (key, step));
        let status: serde_json::Value = self
            .call(client, "two_factor_status", &[])
            .await
            .json()
            .await
            .unwrap();
        status["fresh_recovery_codes"]
            .as_array()
            .expect("recovery codes shown once")
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    }

    /// Adds a verified user with `role` to the organisation of `admin_email`, directly in SQL.
    pub async fn add_member(&self, admin_email: &str, email: &str, role: &str) {
        let hash = {
            let pw = candor_app::backend::auth::password::parse_new_password(PASSWORD.into(), &[])
                .unwrap();
            candor_app::backend::auth::password::hash(&pw)
                .await
                .unwrap()
        };
        sqlx::query(
            "INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role, email_verified_at)
             SELECT gen_random_uuid(), 'usr_' || substr(md5(random()::text), 1, 26), org_id, $2, $3, $4, $5, now()
             FROM users WHERE email = $1",
        )
        .bind(admin_email)
        .bind(email)
        .bind(format!("Member {role}"))
        .bind(hash)
        .bind(role)
        .execute(&self.owner)
        .await
        .unwrap();
    }

    /// Adds several verified colleagues, `(email, role)`, to the organisation of `admin_email`.
    pub async fn add_members(&self, admin_email: &str, members: &[(&str, &str)]) {
        for (email, role) in members {
            self.add_member(admin_email, email, role).await;
        }
    }

    /// The public id (`usr_…`) of the account with this address.
    pub async fn user_id(&self, email: &str) -> String {
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.owner)
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.owner)
            .await
            .unwrap()
    }

    /// A transaction of the application role scoped to `org_id`, as a request's would be.
    pub async fn app_tx_for(
        &self,
        org_id: uuid::Uuid,
    ) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let mut tx = self.app_pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.org_id', $1, true)")
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    }

    /// Waits until `n` of the portal's statements starting with `statement` (any, when empty)
    /// wait for a lock in the test's database.
    pub async fn until_waiting_for_locks(&self, statement: &str, n: i64) {
        for _ in 0..400 {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND query LIKE $1 || '%'",
            )
            .bind(statement)
            .fetch_one(&self.owner)
            .await
            .unwrap();
            if waiting >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{n} statements never waited for a lock");
    }

    pub async fn seal_audit(&self) {
        candor_app::backend::audit::seal_pending(&self.owner)
            .await
            .unwrap();
    }
}

/// Undoes quoted-printable soft breaks and `=3D`, enough to read links in a test.
/// The dashboard's team panel as (role, active, deactivated), in the order it is shown.
pub fn dashboard_team(board: &Value) -> Vec<(String, i64, i64)> {
    board["team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["role"].as_str().unwrap().to_owned(),
                t["active"].as_i64().unwrap(),
                t["deactivated"].as_i64().unwrap(),
            )
        })
        .collect()
}

pub fn decode_qp(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// What the portal logs while a test runs, as the JSON lines the binary writes (the same
/// subscriber, filter and format). The test's runtime runs on one thread, so everything the
/// in-process portal logs passes here, and nothing of other tests.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Starts capturing for as long as the guard lives.
    pub fn start() -> (CapturedLog, tracing::subscriber::DefaultGuard) {
        // With a single registered subscriber, `tracing` decides whether a place in the code logs
        // at all by asking the subscriber of whichever thread reaches it first: another test's
        // thread, which has none, would switch it off for this one too. A second, process-wide
        // subscriber makes it ask each thread's own subscriber every time.
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let log = CapturedLog::default();
        let filter = tracing_subscriber::EnvFilter::new(candor_server::telemetry::DEFAULT_FILTER);
        let guard = tracing::subscriber::set_default(candor_server::telemetry::subscriber(
            filter,
            log.clone(),
        ));
        (log, guard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for CapturedLog {
    type Writer = CapturedLog;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}
