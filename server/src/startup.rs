//! Wiring: database pools and migrations, application state, the router and its middleware,
//! background workers, and graceful shutdown.

use crate::metrics::Metrics;
use crate::{
    config::{Config, Mode},
    demo, embedded_pg,
    middleware::{fn_errors, headers, outage, page_access, request_meta, run_to_end, same_origin},
    routes::{files, health, logout, sso},
    workers,
};
use anyhow::{bail, Context};
use axum::{
    body::Body,
    extract::{DefaultBodyLimit, FromRef, Request, State},
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use candor_app::backend::{
    audit,
    clock::Clock,
    db::Db,
    files::{crypto::MasterKey, store::LocalDir, FileVault},
    mail::Mailer,
    request::CspNonce,
    signing::Signer,
    sso::Sso,
    state::{AppState, Settings},
};
use candor_app::routes::{
    ADD_CANDIDATE_WITH_CV, DOWNLOAD_DOCUMENT, EXPORT_AUDIT_LOG, EXPORT_CANDIDATES, EXPORT_MY_DATA,
    UPLOAD_CANDIDATE_DOCUMENT, UPLOAD_INTERVIEW_FILE,
};
use candor_app::{shell, App};
use leptos::prelude::*;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use sqlx::{postgres::PgPoolOptions, Connection, PgPool};
use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, services::ServeDir,
    set_header::SetResponseHeader,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub use crate::migrations::MIGRATOR;

/// Form posts and server-function calls are small; uploads get their own limits on their routes.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

/// The owner pool (migrations, background work), the application pool (`candor_app`), and the
/// private cluster's folder when this process started it.
pub struct Database {
    pub system: PgPool,
    pub app: PgPool,
    started_cluster: Option<std::path::PathBuf>,
}

impl Database {
    /// Closes both pools, then stops the private cluster if this process started it (one that
    /// was running already belongs to whoever started it).
    pub async fn close(self) -> anyhow::Result<()> {
        self.app.close().await;
        self.system.close().await;
        if let Some(dir) = self.started_cluster {
            tokio::task::spawn_blocking(move || embedded_pg::stop(&dir)).await??;
            tracing::info!("the private PostgreSQL cluster is stopped");
        }
        Ok(())
    }
}

pub async fn connect(config: &Config) -> anyhow::Result<Database> {
    let mut started_cluster = None;
    let (owner_url, app_url) = match &config.database_url {
        Some(owner) => {
            let app = match &config.app_database_url {
                Some(app) => app.clone(),
                None => {
                    let mut url = url::Url::parse(owner).context("DATABASE_URL")?;
                    url.set_username("candor_app").ok();
                    url.set_password(None).ok();
                    url.to_string()
                }
            };
            (owner.clone(), app)
        }
        None => {
            let dir = config.data_dir.clone();
            let port = config.embedded_pg_port;
            let pg = {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || embedded_pg::start(&dir, port)).await??
            };
            if pg.started {
                started_cluster = Some(dir);
            }
            (pg.owner_url, pg.app_url)
        }
    };
    let system = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&owner_url)
        .await
        .context("connecting to PostgreSQL as the schema owner")?;
    crate::migrations::migrate(&system).await?;
    let app = app_pool_options(config.db_pool_size)
        .connect(&app_url)
        .await
        .context("connecting to PostgreSQL as candor_app")?;
    refuse_privileged_app_role(&app).await?;
    Ok(Database {
        system,
        app,
        started_cluster,
    })
}

/// The application role's pool. While PostgreSQL is down every request waits 3 s for a
/// connection before it answers 503: long enough to ride out a burst, short enough that nobody
/// mistakes it for a hang. A connection back from a request was tested on its way into the pool
/// (sqlx pings it there), so one taken again soon after is used as is; only one that sat idle
/// for a second, long enough for PostgreSQL to have gone away, is tested again. The test on
/// every acquire cost each transaction a round trip (6 % of the portal's CPU on the
/// recruitment page).
pub fn app_pool_options(size: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= Duration::from_secs(1) {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Row-level security means nothing to a superuser or a table owner (S1): refuse to run so.
pub async fn refuse_privileged_app_role(app: &PgPool) -> anyhow::Result<()> {
    let row: (bool, bool, i64) = sqlx::query_as(
        "SELECT r.rolsuper, r.rolbypassrls,
                (SELECT count(*) FROM pg_tables t WHERE t.schemaname = 'public'
                   AND t.tableowner = current_user)
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(app)
    .await?;
    if row.0 || row.1 || row.2 > 0 {
        bail!("the application role must be no superuser, not bypass RLS and own no table");
    }
    Ok(())
}

pub fn settings(config: &Config) -> Settings {
    Settings {
        base_url: config.base_url.as_str().trim_end_matches('/').to_owned(),
        secure_cookies: config.secure_cookies(),
        expose_authz_decisions: config.expose_authz_decisions,
        mail_from: config.mail_from.clone(),
        email_webhook_secret: config.email_webhook_secret.clone(),
    }
}

pub fn mailer(config: &Config) -> anyhow::Result<Mailer> {
    match &config.smtp_url {
        Some(url) => Ok(Mailer::smtp(url).context("CANDOR_SMTP_URL")?),
        None => {
            let dir = config.outbox_dir();
            std::fs::create_dir_all(&dir).context("creating the outbox folder")?;
            Ok(Mailer::files(dir))
        }
    }
}

/// The file vault: the master key from configuration and the local file store.
pub fn file_vault(config: &Config) -> anyhow::Result<FileVault> {
    let master = MasterKey::from_base64(&config.master_key).context("CANDOR_MASTER_KEY")?;
    let store = LocalDir::new(config.files_dir()).context("creating the files folder")?;
    Ok(FileVault::new(master, store))
}

pub fn signer(config: &Config) -> anyhow::Result<Signer> {
    Signer::from_seed_base64(&config.signing_key).context("CANDOR_SIGNING_KEY")
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("candor")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .env(match config.mode {
            Mode::Development => leptos::config::Env::DEV,
            Mode::Production => leptos::config::Env::PROD,
        })
        .build()
}

/// The app's page routes, walked once per process. While the walk runs, leptos_server stops every
/// resource in the process from loading (a process-wide flag, `SuppressResourceLoad`), so a page
/// that another portal of the same process renders meanwhile would wait forever (leptos#4773):
/// the tests run many portals in one process, and now and then one of their pages never answered.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP application: routes, pages, server functions and the middleware stack.
pub fn router(state: AppState, config: &Config, app_pool: PgPool) -> anyhow::Result<Router> {
    router_with_metrics(state, config, app_pool, Arc::new(Metrics::new()))
}

/// The portal's router, counting every request into `metrics` (scraped on their own address).
pub fn router_with_metrics(
    state: AppState,
    config: &Config,
    app_pool: PgPool,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Router> {
    let leptos = leptos_options(config);
    let server_state = ServerState {
        app: state.clone(),
        leptos: leptos.clone(),
    };
    let routes = route_list();

    let page_context = {
        let app_state = state.clone();
        move || {
            provide_context(app_state.clone());
            if let Some(parts) = use_context::<http::request::Parts>() {
                if let Some(nonce) = parts.extensions.get::<CspNonce>() {
                    provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
                }
            }
        }
    };

    let store = crate::sessions::Sessions::new(app_pool).map_err(anyhow::Error::msg)?;
    let sessions = SessionManagerLayer::new(store)
        .with_name(state.settings.session_cookie_name())
        .with_secure(state.settings.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // Saved when changed; activity changes it at most once a minute (`load_caller`).
        .with_always_save(false)
        .with_expiry(Expiry::OnInactivity(
            candor_app::backend::auth::session::IDLE_TIMEOUT,
        ));

    let pkg_dir = config.site_root.join("pkg");
    let shell_options = leptos.clone();
    // Uploads are the only routes allowed a large body; axum's own multipart cap is lifted so the
    // one limit that applies is this one (per file kind, the use case's).
    let uploads = Router::new()
        .route(
            ADD_CANDIDATE_WITH_CV.path,
            post(files::add_candidate_with_cv),
        )
        .route(
            UPLOAD_CANDIDATE_DOCUMENT.path,
            post(files::upload_candidate_document),
        )
        .route(
            UPLOAD_INTERVIEW_FILE.path,
            post(files::upload_interview_file),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(files::UPLOAD_BODY_LIMIT));
    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/.well-known/jwks.json", get(health::jwks))
        .route("/logout", post(logout::logout))
        .route(DOWNLOAD_DOCUMENT.path, get(files::download_document))
        .route(EXPORT_CANDIDATES.path, get(files::export_candidates))
        .route(EXPORT_AUDIT_LOG.path, get(files::export_audit_log))
        .route("/auth/sso/{provider}/start", get(sso::start))
        .route("/auth/sso/{provider}/callback", get(sso::callback))
        .route(EXPORT_MY_DATA.path, get(files::export_my_data))
        // Registered server functions get their own routes from `leptos_routes_with_context`;
        // this one answers for every other path under /fn/.
        .route(
            "/fn/{*name}",
            post(server_fn_handler).get(server_fn_handler),
        )
        // The bundle's names stay the same from one release to the next, and a page must hydrate
        // with the bundle built with it: browsers keep it but ask each time whether it changed.
        .nest_service(
            "/pkg",
            SetResponseHeader::overriding(
                ServeDir::new(pkg_dir).precompressed_gzip(),
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-cache"),
            ),
        )
        .leptos_routes_with_context(&server_state, routes, page_context.clone(), move || {
            shell(shell_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(page_context, shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(uploads)
        .with_state(server_state)
        .layer(from_fn(fn_errors::map_status))
        .layer(from_fn_with_state(state.clone(), page_access::guard))
        .layer(sessions)
        .layer(from_fn_with_state(
            state.clone(),
            outage::answer_503_while_database_is_down,
        ))
        .layer(from_fn_with_state(
            same_origin::PortalOrigin::of(&config.base_url),
            same_origin::refuse_cross_origin_writes,
        ))
        // The API authenticates each call by key: no session, no cookie, no browser-origin
        // check; its own small body limit (set by the API, which answers it as a problem).
        .merge(crate::rest::router(state.clone()))
        // The e-mail provider signs its events; no session or browser-origin check applies.
        .merge(
            Router::new()
                .route(
                    crate::routes::webhooks::EMAIL_EVENTS_PATH,
                    post(crate::routes::webhooks::email_events),
                )
                .with_state(state.clone())
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT)),
        )
        .layer(CatchPanicLayer::custom(|_| {
            (http::StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }))
        .layer(from_fn_with_state(metrics, crate::metrics::track))
        .layer(from_fn(headers::apply))
        .layer(from_fn(run_to_end::detach))
        .layer(from_fn_with_state(
            Arc::new(config.trusted_proxies.clone()),
            request_meta::attach,
        ));
    Ok(app)
}

async fn server_fn_handler(
    State(state): State<ServerState>,
    request: Request<Body>,
) -> impl IntoResponse {
    let app_state = state.app.clone();
    handle_server_fns_with_context(move || provide_context(app_state.clone()), request).await
}

pub async fn serve(config: Config, demo_requested: bool) -> anyhow::Result<()> {
    config.check_demo(demo_requested)?;
    let database = connect(&config).await?;
    let (system, app_pool) = (database.system.clone(), database.app.clone());
    let state = AppState {
        db: Db::new(app_pool.clone(), system.clone()),
        settings: Arc::new(settings(&config)),
        clock: Clock::default(),
        mailer: mailer(&config)?,
        files: file_vault(&config)?,
        signer: Arc::new(signer(&config)?),
        sso: Arc::new(Sso::new(config.sso.clone())),
    };
    if demo_requested {
        let credentials = demo::seed(&state).await?;
        demo::print(&credentials, config.base_url.as_str());
    }
    let workers = workers::spawn_all(state.clone(), config.mail_from.clone());
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = config.metrics_listen {
        let scrape = crate::metrics::router(state.clone(), metrics.clone());
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics address {addr}"))?;
        tracing::info!(%addr, "metrics are served");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, scrape).await {
                tracing::warn!(error = %e, "metrics server");
            }
        });
    }
    let router = router_with_metrics(state, &config, app_pool, metrics)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    tracing::info!(addr = %config.listen, "Candor is listening");
    println!("Candor is serving on {}", config.base_url);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Requests have drained; a worker stopped mid-transaction rolls it back.
    for worker in workers {
        worker.abort();
        let _ = worker.await;
    }
    database.close().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

pub async fn verify_audit(config: Config) -> anyhow::Result<()> {
    let database = connect(&config).await?;
    let report = audit::verify(&database.system, Clock::default().now()).await;
    database.close().await?;
    let report = report?;
    println!(
        "chains: {}, events verified: {}, unsealed (older than a minute): {}",
        report.chains, report.events_verified, report.unsealed
    );
    if report.is_intact() {
        println!("audit log intact");
        Ok(())
    } else {
        for p in &report.problems {
            println!("TAMPERED: {p}");
        }
        bail!(
            "the audit log failed verification ({} problem(s))",
            report.problems.len()
        )
    }
}

/// `candor verify-receipt`: checks a consent receipt's signature and prints its claims.
pub fn verify_receipt(config: &Config, file: Option<&std::path::Path>) -> anyhow::Result<()> {
    use std::io::Read;
    let mut jws = String::new();
    match file {
        Some(path) => {
            jws = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            std::io::stdin().read_to_string(&mut jws)?;
        }
    }
    let receipt: candor_app::domain::consent::ConsentReceipt = signer(config)?
        .verify(&jws)
        .context("the receipt was not issued by this portal, or it was changed")?;
    println!("{}", serde_json::to_string_pretty(&receipt)?);
    println!("receipt verified: issued by this portal and unchanged");
    Ok(())
}
