//! Seeds the load benchmark's organisation (`scripts/bench`); not part of the portal.
//!
//! `bench_seed base OUT_DIR` creates, once, an enterprise organisation with 20,000 candidates in
//! 200 recruitments, 5,000 interviews, 200,000 sealed audit events, 4,000 recruiters who may sign
//! in, and 64 API keys, then writes what the load generator needs into OUT_DIR (credentials,
//! consent links, API keys, candidate ids). A second run only rewrites OUT_DIR.
//!
//! `bench_seed expired COUNT` adds COUNT rejected candidates, each with a sealed CV, whose
//! retention is held a century away (no sweep touches them, no warning is due) until the
//! benchmark makes all of them due at once, while the portal runs, for its sweep to delete.
//!
//! Plain columns are written in bulk (`UNNEST` of arrays built here); whatever involves the
//! portal's rules goes through its own code: passwords are hashed by `password::hash`, consent
//! requests, links and notices come from `candidates::add_to_recruitment`, API keys from
//! `api_keys::create`, files are sealed by `documents::seal_into`, the audit chain is built by
//! `audit::seal_pending`.

use anyhow::{bail, Context};
use candor_app::backend::{
    api_keys, audit,
    auth::{password, tokens::random_16},
    candidates::{self, CandidateForm},
    clock::Clock,
    db::{self, orgs::NewOrg, users::NewUser, Db},
    documents,
    guard::{Caller, Ctx, CURRENT_DPA_VERSION},
    request::RequestMeta,
    sso::Sso,
    state::AppState,
};
use candor_app::domain::{
    ids::{IdKind, PublicId},
    role::Role,
    upload::FileKind,
};
use candor_server::demo::{FIRST_NAMES as FIRST, LAST_NAMES as LAST};
use candor_server::{config::Config, startup};
use std::{net::IpAddr, path::Path, sync::Arc};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const ORG_NAME: &str = "Candor benchmark";
const DOMAIN: &str = "bench.candor.test";
/// Every benchmark account's password (recruiters sign in without a second factor by default).
const PASSWORD: &str = "bench load passphrase for candor 2026";
const CANDIDATES: usize = 20_000;
const RECRUITMENTS: usize = 200;
const INTERVIEWS: usize = 5_000;
const AUDIT_EVENTS: i64 = 200_000;
const SIGN_IN_ACCOUNTS: usize = 4_000;
const API_KEYS: usize = 64;

const TITLES: [&str; 8] = [
    "Backend engineer",
    "Product designer",
    "Data protection officer",
    "Site reliability engineer",
    "Recruiter",
    "Sales lead",
    "Support specialist",
    "Finance controller",
];
const STAGES: [&str; 10] = [
    "applied",
    "applied",
    "applied",
    "screening",
    "screening",
    "interview",
    "interview",
    "offer",
    "hired",
    "rejected",
];

fn public(kind: IdKind) -> String {
    PublicId::from_random(kind, random_16()).as_str().to_owned()
}

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "bench-seed".into(),
        client_addr: IpAddr::from([127, 0, 0, 1]),
    }
}

async fn state(config: &Config) -> anyhow::Result<AppState> {
    // The bench always names its database (DATABASE_URL): no private cluster to stop.
    let database = startup::connect(config).await?;
    Ok(AppState {
        db: Db::new(database.app, database.system),
        settings: Arc::new(startup::settings(config)),
        clock: Clock::default(),
        mailer: startup::mailer(config)?,
        files: startup::file_vault(config)?,
        signer: Arc::new(startup::signer(config)?),
        sso: Arc::new(Sso::new(vec![])),
    })
}

fn ctx(state: &AppState, caller: &Caller) -> Ctx {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    Ctx {
        state: state.clone(),
        meta: meta(),
        session: tower_sessions::Session::new(None, store, None),
        caller: Some(caller.clone()),
    }
}

async fn caller(state: &AppState, org_id: Uuid, email: &str) -> anyhow::Result<Caller> {
    let mut tx = state.db.begin_for_org(org_id).await?;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&mut *tx)
        .await
        .with_context(|| format!("user {email}"))?;
    let row = db::users::caller(&mut *tx, org_id, id).await?;
    tx.commit().await?;
    row.and_then(Caller::from_row)
        .context("benchmark user without a known role")
}

fn staff_email(role: Role) -> String {
    format!("bench-{}@{DOMAIN}", role.as_str().replace('_', "-"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let config = Config::from_env(|key| std::env::var(key).ok())?;
    let state = state(&config).await?;
    match args.get(1).map(String::as_str) {
        Some("base") => {
            let out = Path::new(args.get(2).context("bench_seed base OUT_DIR")?);
            let org_id = match org(&state).await? {
                Some(id) => id,
                None => seed_base(&state).await?,
            };
            let complete: Option<String> =
                sqlx::query_scalar("SELECT to_regclass('bench_fixture_keys')::text")
                    .fetch_one(state.db.system_pool())
                    .await?;
            if complete.is_none() {
                bail!("an earlier seed did not finish: remove target/bench and run again");
            }
            write_fixtures(&state, org_id, out).await
        }
        Some("expired") => {
            let count: usize = args.get(2).context("bench_seed expired COUNT")?.parse()?;
            let org_id = org(&state).await?.context("seed the base first")?;
            seed_expired(&state, org_id, count).await
        }
        _ => bail!("usage: bench_seed base OUT_DIR | bench_seed expired COUNT"),
    }
}

async fn org(state: &AppState) -> anyhow::Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
        .bind(ORG_NAME)
        .fetch_optional(state.db.system_pool())
        .await?)
}

async fn seed_base(state: &AppState) -> anyhow::Result<Uuid> {
    let started = std::time::Instant::now();
    let system = state.db.system_pool();
    let now = state.clock.now();
    let org_id = Uuid::new_v4();
    let checked = password::parse_new_password(PASSWORD.into(), &[])
        .map_err(|e| anyhow::anyhow!("benchmark password: {e}"))?;
    let hash = password::hash(&checked).await?;

    let mut tx = state.db.begin_for_org(org_id).await?;
    db::orgs::insert(
        &mut tx,
        &NewOrg {
            id: org_id,
            public_id: &public(IdKind::Org),
            name: ORG_NAME,
            dpa_version: CURRENT_DPA_VERSION,
        },
    )
    .await?;
    db::consent::add_sub_processor(
        &mut tx,
        org_id,
        &public(IdKind::SubProcessor),
        "Hetzner Online GmbH",
        "hosting and backups",
        "Germany",
        0,
    )
    .await?;
    for role in Role::ALL {
        let user_id = Uuid::new_v4();
        db::users::insert(
            &mut tx,
            &NewUser {
                id: user_id,
                public_id: &public(IdKind::User),
                org_id,
                email: &staff_email(role),
                display_name: &format!("Bench {}", role.label()),
                password_hash: &hash,
                role: role.as_str(),
            },
        )
        .await?;
        db::users::mark_email_verified(&mut tx, org_id, user_id, now).await?;
        if role == Role::Admin {
            db::orgs::record_dpa_acceptance(&mut tx, org_id, user_id, CURRENT_DPA_VERSION).await?;
            let sealed = state.files.seal_totp_key(user_id, b"candor-bench-totp-key");
            db::mfa::set_pending_key(&mut tx, org_id, user_id, &sealed).await?;
            db::mfa::enable(&mut tx, org_id, user_id, &sealed, 0, now).await?;
        }
    }
    tx.commit().await?;
    sqlx::query("UPDATE orgs SET plan_tier = 'enterprise' WHERE id = $1")
        .bind(org_id)
        .execute(system)
        .await?;

    // Recruiters who sign in during the benchmark: one account per few sign-ins keeps each
    // under its rate limit (10 per 15 minutes). They share one hash of the one password.
    let (ids, publics, emails): (Vec<Uuid>, Vec<String>, Vec<String>) = (0..SIGN_IN_ACCOUNTS)
        .map(|n| {
            (
                Uuid::new_v4(),
                public(IdKind::User),
                format!("signin-{n:04}@{DOMAIN}"),
            )
        })
        .fold((vec![], vec![], vec![]), |mut acc, (a, b, c)| {
            acc.0.push(a);
            acc.1.push(b);
            acc.2.push(c);
            acc
        });
    sqlx::query(
        "INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role,
                            email_verified_at)
         SELECT id, public_id, $4, email, 'Bench recruiter', $5, 'recruiter', now()
         FROM UNNEST($1::uuid[], $2::text[], $3::text[]) AS t (id, public_id, email)",
    )
    .bind(&ids)
    .bind(&publics)
    .bind(&emails)
    .bind(org_id)
    .bind(&hash)
    .execute(system)
    .await?;

    let recruiter = caller(state, org_id, &staff_email(Role::Recruiter)).await?;
    let hiring_manager = caller(state, org_id, &staff_email(Role::HiringManager)).await?;
    let interviewer = caller(state, org_id, &staff_email(Role::Interviewer)).await?;

    // Recruitments, each with three criteria.
    let rec_ids: Vec<Uuid> = (0..RECRUITMENTS).map(|_| Uuid::new_v4()).collect();
    let rec_publics: Vec<String> = (0..RECRUITMENTS)
        .map(|_| public(IdKind::Recruitment))
        .collect();
    let rec_titles: Vec<String> = (0..RECRUITMENTS)
        .map(|n| format!("{} #{}", TITLES[n % TITLES.len()], n + 1))
        .collect();
    let rec_owners: Vec<Uuid> = (0..RECRUITMENTS)
        .map(|n| {
            if n % 4 == 0 {
                hiring_manager.user_id
            } else {
                recruiter.user_id
            }
        })
        .collect();
    sqlx::query(
        "INSERT INTO recruitments (id, public_id, org_id, title, description_html, owner_id,
                                   created_at)
         SELECT id, public_id, $5, title,
                '<p>Join us as a <strong>' || title || '</strong>.</p>', owner_id,
                now() - make_interval(days => ord::int)
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::uuid[]) WITH ORDINALITY
              AS t (id, public_id, title, owner_id, ord)",
    )
    .bind(&rec_ids)
    .bind(&rec_publics)
    .bind(&rec_titles)
    .bind(&rec_owners)
    .bind(org_id)
    .execute(system)
    .await?;
    let criteria = [
        ("Technical depth", 5),
        ("Communication", 3),
        ("Collaboration", 3),
    ];
    for (position, (name, weight)) in criteria.into_iter().enumerate() {
        let publics: Vec<String> = (0..RECRUITMENTS)
            .map(|_| public(IdKind::Criterion))
            .collect();
        sqlx::query(
            "INSERT INTO evaluation_criteria (id, public_id, org_id, recruitment_id, position,
                                              name, weight)
             SELECT gen_random_uuid(), public_id, $3, recruitment_id, $4, $5, $6
             FROM UNNEST($1::uuid[], $2::text[]) AS t (recruitment_id, public_id)",
        )
        .bind(&rec_ids)
        .bind(&publics)
        .bind(org_id)
        .bind(i32::try_from(position)?)
        .bind(name)
        .bind(weight)
        .execute(system)
        .await?;
    }
    sqlx::query(
        "INSERT INTO recruitment_members (org_id, recruitment_id, user_id)
         SELECT $2, id, $3 FROM UNNEST($1::uuid[]) AS t (id)",
    )
    .bind(&rec_ids)
    .bind(org_id)
    .bind(hiring_manager.user_id)
    .execute(system)
    .await?;

    // The first candidate of each recruitment comes through the portal's own use case: its
    // consent request (notice, events, one-time link, e-mail) is the template of the others'.
    let recruiter_ctx = ctx(state, &recruiter);
    for (n, rec) in rec_publics.iter().enumerate() {
        candidates::add_to_recruitment(
            &recruiter_ctx,
            &recruiter,
            rec,
            CandidateForm {
                full_name: format!("{} {}", FIRST[n % 16], LAST[n % 12]),
                email: format!("first-{n}@candidates.example"),
                phone: String::new(),
            },
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("adding a candidate: {e}"))?;
    }

    // The other candidates, one application each, spread over the recruitments and stages.
    let bulk = CANDIDATES - RECRUITMENTS;
    let cand_ids: Vec<Uuid> = (0..bulk).map(|_| Uuid::new_v4()).collect();
    let cand_publics: Vec<String> = (0..bulk).map(|_| public(IdKind::Candidate)).collect();
    let names: Vec<String> = (0..bulk)
        .map(|i| format!("{} {}", FIRST[i % 16], LAST[(i / 16) % 12]))
        .collect();
    let cand_emails: Vec<String> = (0..bulk)
        .map(|i| format!("candidate-{i}@candidates.example"))
        .collect();
    let app_ids: Vec<Uuid> = (0..bulk).map(|_| Uuid::new_v4()).collect();
    let app_publics: Vec<String> = (0..bulk).map(|_| public(IdKind::Application)).collect();
    let app_recs: Vec<Uuid> = (0..bulk).map(|i| rec_ids[i % RECRUITMENTS]).collect();
    let stages: Vec<String> = (0..bulk)
        .map(|i| STAGES[(i / RECRUITMENTS) % STAGES.len()].to_owned())
        .collect();
    let ages: Vec<i32> = (0..bulk)
        .map(|i| i32::try_from(i % 300).unwrap_or(0))
        .collect();
    let mut tx = system.begin().await?;
    sqlx::query(
        "INSERT INTO candidates (id, public_id, org_id, full_name, email, created_at)
         SELECT id, public_id, $5, full_name, email, now() - make_interval(days => age + 1)
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $6::int[])
              AS t (id, public_id, full_name, email, age)",
    )
    .bind(&cand_ids)
    .bind(&cand_publics)
    .bind(&names)
    .bind(&cand_emails)
    .bind(org_id)
    .bind(&ages)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO applications (id, public_id, org_id, candidate_id, recruitment_id, stage,
                                   decision_reason, decided_by, decided_at, created_at)
         SELECT id, public_id, $7, candidate_id, recruitment_id, stage,
                CASE WHEN stage IN ('hired', 'rejected') THEN 'Decided on the criteria' END,
                CASE WHEN stage IN ('hired', 'rejected') THEN $8::uuid END,
                CASE WHEN stage IN ('hired', 'rejected') THEN now() - make_interval(days => age) END,
                now() - make_interval(days => age + 1)
         FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::int[])
              AS t (id, public_id, candidate_id, recruitment_id, stage, age)",
    )
    .bind(&app_ids)
    .bind(&app_publics)
    .bind(&cand_ids)
    .bind(&app_recs)
    .bind(&stages)
    .bind(&ages)
    .bind(org_id)
    .bind(hiring_manager.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO application_events (org_id, application_id, kind, stage, actor_id, occurred_at)
         SELECT a.org_id, a.id, 'applied', 'applied', $2, a.created_at
         FROM applications a WHERE a.org_id = $1 AND a.id = ANY($3)
         UNION ALL
         SELECT a.org_id, a.id, 'stage_changed', a.stage, $2, a.created_at + interval '1 hour'
         FROM applications a WHERE a.org_id = $1 AND a.id = ANY($3) AND a.stage <> 'applied'",
    )
    .bind(org_id)
    .bind(recruiter.user_id)
    .bind(&app_ids)
    .execute(&mut *tx)
    .await?;
    // The same consent request as the recruitment's first candidate (same notice, controller,
    // recipients and retention rule); evaluation granted from the interview stage on.
    sqlx::query(
        "INSERT INTO consent_events (org_id, application_id, purpose, event, lawful_basis,
                                     notice_id, controller, recipients, retention_rule, actor,
                                     collection_method, occurred_at)
         SELECT a.org_id, a.id, e.purpose, e.event, e.lawful_basis, e.notice_id, e.controller,
                e.recipients, e.retention_rule, e.actor, e.collection_method, a.created_at
         FROM applications a
         JOIN applications first ON first.recruitment_id = a.recruitment_id
                                AND first.id <> ALL($2)
         JOIN consent_events e ON e.application_id = first.id
         WHERE a.org_id = $1 AND a.id = ANY($2)
         UNION ALL
         SELECT a.org_id, a.id, e.purpose, 'given', e.lawful_basis, e.notice_id, e.controller,
                e.recipients, e.retention_rule, 'candidate', e.collection_method,
                a.created_at + interval '1 day'
         FROM applications a
         JOIN applications first ON first.recruitment_id = a.recruitment_id
                                AND first.id <> ALL($2)
         JOIN consent_events e ON e.application_id = first.id AND e.purpose = 'evaluation'
         WHERE a.org_id = $1 AND a.id = ANY($2)
           AND a.stage IN ('interview', 'offer', 'hired', 'rejected')",
    )
    .bind(org_id)
    .bind(&app_ids)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        // Every candidate's clock runs from their latest decision or activity (F10).
        "UPDATE candidates c
         SET retention_anchor = x.anchor,
             retention_until = x.anchor + make_interval(days => o.retention_days)
         FROM (SELECT k.id, GREATEST(k.created_at, max(a.decided_at)) AS anchor
               FROM candidates k LEFT JOIN applications a ON a.candidate_id = k.id
               WHERE k.org_id = $1 GROUP BY k.id) x, orgs o
         WHERE x.id = c.id AND o.id = c.org_id",
    )
    .bind(org_id)
    .execute(&mut *tx)
    .await?;

    // Interviews for applications past the screening: held ones in the past, the rest ahead.
    let int_ids: Vec<Uuid> = (0..INTERVIEWS).map(|_| Uuid::new_v4()).collect();
    let int_publics: Vec<String> = (0..INTERVIEWS).map(|_| public(IdKind::Interview)).collect();
    sqlx::query(
        "WITH eligible AS (
             SELECT id, stage, row_number() OVER (ORDER BY created_at, id) AS n
             FROM applications
             WHERE org_id = $1 AND stage IN ('interview', 'offer', 'hired', 'rejected')),
         planned AS (
             SELECT id, public_id, ord FROM UNNEST($2::uuid[], $3::text[]) WITH ORDINALITY
                 AS t (id, public_id, ord))
         INSERT INTO interviews (id, public_id, org_id, application_id, scheduled_at,
                                 duration_minutes, location, created_by)
         SELECT p.id, p.public_id, $1, e.id,
                date_trunc('hour', now()) + make_interval(days => CASE WHEN e.stage = 'interview'
                    THEN (p.ord % 14)::int + 1 ELSE -((p.ord % 90)::int + 1) END),
                45, 'Video call', $4
         FROM planned p JOIN eligible e ON e.n = p.ord",
    )
    .bind(org_id)
    .bind(&int_ids)
    .bind(&int_publics)
    .bind(recruiter.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO interview_assignments (org_id, interview_id, user_id)
         SELECT $1, id, $2 FROM interviews WHERE org_id = $1",
    )
    .bind(org_id)
    .bind(interviewer.user_id)
    .execute(&mut *tx)
    .await?;

    // The audit log's history: appended unsealed, then chained by the portal's own sealer.
    let actors = [&recruiter.user_public_id, &hiring_manager.user_public_id];
    sqlx::query(
        "INSERT INTO audit_events (org_id, occurred_at, actor, action, target, outcome,
                                   source_addr, request_id)
         SELECT $1, now() - make_interval(secs => ($2 - n) * 60),
                ($3::text[])[1 + n % 2],
                (ARRAY['candidate.viewed', 'candidate.viewed', 'candidate.viewed',
                       'application.stage_changed', 'auth.sign_in.succeeded',
                       'document.downloaded', 'interview.scorecard_updated',
                       'candidate.added'])[1 + n % 8],
                ($4::text[])[1 + n % $5],
                'success', '198.18.0.1'::inet, 'bench-seed'
         FROM generate_series(1::bigint, $2) AS n",
    )
    .bind(org_id)
    .bind(AUDIT_EVENTS)
    .bind(actors.map(|s| s.as_str()).to_vec())
    .bind(&cand_publics)
    .bind(i64::try_from(bulk)?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(system).await?;
    let sealed = audit::seal_pending(system).await?;
    println!("sealed {sealed} audit events");

    let admin = caller(state, org_id, &staff_email(Role::Admin)).await?;
    let admin_ctx = ctx(state, &admin);
    let mut keys = Vec::new();
    for n in 0..API_KEYS {
        let key = api_keys::create(
            &admin_ctx,
            &admin,
            api_keys::NewKeyForm {
                name: format!("load benchmark {n}"),
                scopes: vec!["read".into()],
                allowed_networks: String::new(),
                expires_on: String::new(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating an API key: {e}"))?;
        keys.push(key.raw);
    }
    // The raw keys are shown once, like to an admin: kept beside the database for the script.
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_fixture_keys (raw text PRIMARY KEY)")
        .execute(system)
        .await?;
    sqlx::query("INSERT INTO bench_fixture_keys SELECT UNNEST($1::text[])")
        .bind(&keys)
        .execute(system)
        .await?;
    println!(
        "seeded the benchmark organisation in {:?}",
        started.elapsed()
    );
    Ok(org_id)
}

/// What the load generator needs, written as one value per line.
async fn write_fixtures(state: &AppState, org_id: Uuid, out: &Path) -> anyhow::Result<()> {
    let system = state.db.system_pool();
    std::fs::create_dir_all(out)?;
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox
         WHERE org_id = $1 AND template = 'consent_request' AND text_body IS NOT NULL",
    )
    .bind(org_id)
    .fetch_all(system)
    .await?;
    let mut tokens: Vec<String> = bodies
        .iter()
        .filter_map(|body| {
            let start = body.find("/c/consent/")? + "/c/consent/".len();
            let token: String = body[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            Some(token)
        })
        .collect();
    if tokens.is_empty() {
        // Delivered e-mails keep no body; the .eml files in the outbox folder still hold them.
        tokens = consent_links_in_outbox_files()?;
    }
    if tokens.is_empty() {
        bail!("no consent link found");
    }
    std::fs::write(out.join("consent_tokens"), tokens.join("\n") + "\n")?;
    let keys: Vec<String> = sqlx::query_scalar("SELECT raw FROM bench_fixture_keys ORDER BY raw")
        .fetch_all(system)
        .await?;
    std::fs::write(out.join("api_keys"), keys.join("\n") + "\n")?;
    let candidates: Vec<String> = sqlx::query_scalar(
        "SELECT public_id FROM candidates
         WHERE org_id = $1 AND email LIKE 'candidate-%' ORDER BY public_id LIMIT 500",
    )
    .bind(org_id)
    .fetch_all(system)
    .await?;
    std::fs::write(out.join("candidates"), candidates.join("\n") + "\n")?;
    std::fs::write(
        out.join("accounts.env"),
        format!(
            "BENCH_STAFF_EMAIL={}\nBENCH_PASSWORD='{PASSWORD}'\nBENCH_SIGNIN_ACCOUNTS={SIGN_IN_ACCOUNTS}\n\
             BENCH_SIGNIN_DOMAIN={DOMAIN}\n",
            staff_email(Role::Recruiter)
        ),
    )?;
    println!(
        "fixtures in {}: {} consent links, {} API keys, {} candidates",
        out.display(),
        tokens.len(),
        keys.len(),
        candidates.len()
    );
    Ok(())
}

fn consent_links_in_outbox_files() -> anyhow::Result<Vec<String>> {
    let dir = std::env::var("CANDOR_DATA_DIR").unwrap_or_else(|_| "data".into());
    let mut tokens = Vec::new();
    for entry in std::fs::read_dir(Path::new(&dir).join("outbox"))? {
        let text = std::fs::read_to_string(entry?.path())?;
        if let Some(start) = text.find("/c/consent/") {
            let token: String = text[start + "/c/consent/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            tokens.push(token);
        }
    }
    tokens.sort();
    tokens.dedup();
    Ok(tokens)
}

/// Candidates whose retention is held back, each with a sealed CV, in batches of 500.
async fn seed_expired(state: &AppState, org_id: Uuid, count: usize) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let system = state.db.system_pool();
    let now = state.clock.now();
    let recruiter = caller(state, org_id, &staff_email(Role::Recruiter)).await?;
    let recruitment: Uuid = sqlx::query_scalar(
        "SELECT id FROM recruitments WHERE org_id = $1 ORDER BY created_at LIMIT 1",
    )
    .bind(org_id)
    .fetch_one(system)
    .await?;
    let run = random_16()[0..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let decided = now - Duration::days(400);
    let mut done = 0;
    while done < count {
        let n = (count - done).min(500);
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
        let publics: Vec<String> = (0..n).map(|_| public(IdKind::Candidate)).collect();
        let emails: Vec<String> = (0..n)
            .map(|i| format!("expired-{run}-{}@candidates.example", done + i))
            .collect();
        let app_publics: Vec<String> = (0..n).map(|_| public(IdKind::Application)).collect();
        let mut tx = state.db.begin_for_org(org_id).await?;
        insert_expired(
            &mut tx,
            org_id,
            recruitment,
            recruiter.user_id,
            decided,
            (&ids, &publics, &emails, &app_publics),
        )
        .await?;
        for (i, id) in ids.iter().enumerate() {
            let upload = documents::Upload {
                file_name: format!("CV {}.txt", done + i),
                bytes: format!(
                    "Expired Candidate {}\n\nExperience\n- 2019-2024: analyst, Utrecht\n",
                    done + i
                )
                .into_bytes(),
            };
            let checked = documents::check(FileKind::Cv, "file", upload)
                .map_err(|e| anyhow::anyhow!("CV: {}", e.message))?;
            let owner = documents::FileOwner {
                org_id,
                candidate_id: *id,
                interview_id: None,
                uploaded_by: recruiter.user_id,
            };
            documents::seal_into(&state.files, &mut tx, &owner, checked, decided)
                .await
                .map_err(|e| anyhow::anyhow!("sealing a CV: {e}"))?;
        }
        tx.commit().await?;
        done += n;
    }
    println!(
        "seeded {count} expired candidates with a CV each in {:?}",
        started.elapsed()
    );
    Ok(())
}

async fn insert_expired(
    tx: &mut db::Tx,
    org_id: Uuid,
    recruitment: Uuid,
    decided_by: Uuid,
    decided: OffsetDateTime,
    (ids, publics, emails, app_publics): (&[Uuid], &[String], &[String], &[String]),
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO candidates (id, public_id, org_id, full_name, email, retention_until,
                                 created_at)
         SELECT id, public_id, $4, 'Expired Candidate', email, now() + interval '100 years', $5
         FROM UNNEST($1::uuid[], $2::text[], $3::text[]) AS t (id, public_id, email)",
    )
    .bind(ids)
    .bind(publics)
    .bind(emails)
    .bind(org_id)
    .bind(decided)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO applications (id, public_id, org_id, candidate_id, recruitment_id, stage,
                                   decision_reason, decided_by, decided_at, created_at)
         SELECT gen_random_uuid(), public_id, $3, candidate_id, $4, 'rejected',
                'Other candidates matched the criteria better', $5, $6, $6
         FROM UNNEST($1::uuid[], $2::text[]) AS t (candidate_id, public_id)",
    )
    .bind(ids)
    .bind(app_publics)
    .bind(org_id)
    .bind(recruitment)
    .bind(decided_by)
    .bind(decided)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
