//! The audit log (F12, S16): appending, sealing into per-organisation hash chains, verifying.

use super::db::{self, audit::Link, Tx};
use super::request::RequestMeta;
use crate::domain::audit::{chain_hash, AuditAction, SealedFields, GENESIS};
use serde::{Deserialize, Serialize};
use sqlx::{types::ipnetwork::IpNetwork, PgPool};
use std::net::IpAddr;
use time::OffsetDateTime;
use uuid::Uuid;

pub const NO_ORG_CHAIN: Uuid = Uuid::nil();
const SEAL_BATCH: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

pub struct Entry<'a> {
    pub org_id: Option<Uuid>,
    pub actor: Option<&'a str>,
    pub action: AuditAction,
    pub target: Option<&'a str>,
    pub outcome: Outcome,
}

fn new_event<'a>(
    meta: &'a RequestMeta,
    now: OffsetDateTime,
    entry: &Entry<'a>,
) -> db::audit::NewEvent<'a> {
    db::audit::NewEvent {
        org_id: entry.org_id,
        occurred_at: now,
        actor: entry.actor,
        action: entry.action.as_str(),
        target: entry.target,
        outcome: entry.outcome.as_str(),
        source_addr: Some(IpNetwork::from(meta.client_addr)),
        request_id: Some(&meta.request_id),
    }
}

/// An event whose change is written elsewhere, in one statement with it: the sign-in that opens a
/// session travels in the session (`auth::session::OPENING_EVENT_KEY`) to the session store,
/// which stores both together (`server/src/sessions.rs`). Owned, to travel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredEvent {
    org_id: Option<Uuid>,
    /// Microseconds since the Unix epoch: PostgreSQL's precision.
    occurred_at_micros: i64,
    actor: Option<String>,
    action: String,
    target: Option<String>,
    outcome: String,
    source_addr: IpAddr,
    request_id: String,
}

impl DeferredEvent {
    pub fn new(meta: &RequestMeta, now: OffsetDateTime, entry: &Entry<'_>) -> Self {
        let micros = now.unix_timestamp_nanos() / 1000;
        DeferredEvent {
            org_id: entry.org_id,
            occurred_at_micros: i64::try_from(micros).unwrap_or(i64::MAX),
            actor: entry.actor.map(str::to_owned),
            action: entry.action.as_str().to_owned(),
            target: entry.target.map(str::to_owned),
            outcome: entry.outcome.as_str().to_owned(),
            source_addr: meta.client_addr,
            request_id: meta.request_id.clone(),
        }
    }

    /// The event as it is appended; `None` for a time out of range (never made by [`Self::new`]).
    pub fn to_append(&self) -> Option<db::audit::NewEvent<'_>> {
        let occurred_at =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.occurred_at_micros) * 1000)
                .ok()?;
        Some(db::audit::NewEvent {
            org_id: self.org_id,
            occurred_at,
            actor: self.actor.as_deref(),
            action: &self.action,
            target: self.target.as_deref(),
            outcome: &self.outcome,
            source_addr: Some(IpNetwork::from(self.source_addr)),
            request_id: Some(&self.request_id),
        })
    }
}

/// Appends inside the caller's transaction, so the event commits with the change it records.
pub async fn record(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    db::audit::append(tx, &new_event(meta, now, &entry)).await
}

/// Appends an entry that is its request's only write, in one round trip of its own (no
/// transaction of the caller to commit it with).
pub async fn record_alone(
    pool: &PgPool,
    meta: &RequestMeta,
    now: OffsetDateTime,
    entry: Entry<'_>,
) -> Result<(), sqlx::Error> {
    db::audit::append_alone(pool, &new_event(meta, now, &entry)).await
}

/// Appends several entries of one request in one statement, in order, inside the caller's
/// transaction.
pub async fn record_many(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    entries: &[Entry<'_>],
) -> Result<(), sqlx::Error> {
    let events: Vec<db::audit::NewEvent<'_>> = entries
        .iter()
        .map(|entry| new_event(meta, now, entry))
        .collect();
    db::audit::append_many(tx, &events).await
}

/// A successful action a user took on their own account (actor and target are the same).
pub async fn record_own_action(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    org_id: Uuid,
    user_public_id: &str,
    action: AuditAction,
) -> Result<(), sqlx::Error> {
    record(tx, meta, now, own_action(org_id, user_public_id, action)).await
}

/// The entry of a successful action a user took on their own account.
pub fn own_action(org_id: Uuid, user_public_id: &str, action: AuditAction) -> Entry<'_> {
    Entry {
        org_id: Some(org_id),
        actor: Some(user_public_id),
        action,
        target: Some(user_public_id),
        outcome: Outcome::Success,
    }
}

/// The caller's successful action on `target`, now, from inside a use case.
pub async fn record_caller_action(
    ctx: &super::guard::Ctx,
    tx: &mut Tx,
    caller: &super::guard::Caller,
    action: AuditAction,
    target: &str,
) -> Result<(), crate::error::AppError> {
    let now = ctx.state.clock.now();
    Ok(record_by(tx, &ctx.meta, now, caller, action, target).await?)
}

/// A staff member read these candidates' data (a list, a comparison): one event per candidate,
/// in one statement, so that each candidate can learn who saw them (F9).
pub async fn record_caller_reads(
    ctx: &super::guard::Ctx,
    tx: &mut Tx,
    caller: &super::guard::Caller,
    action: AuditAction,
    candidates: &[&str],
) -> Result<(), crate::error::AppError> {
    if candidates.is_empty() {
        return Ok(());
    }
    let entries: Vec<Entry<'_>> = candidates
        .iter()
        .map(|candidate| Entry {
            org_id: Some(caller.org_id),
            actor: Some(&caller.user_public_id),
            action,
            target: Some(candidate),
            outcome: Outcome::Success,
        })
        .collect();
    Ok(record_many(tx, &ctx.meta, ctx.state.clock.now(), &entries).await?)
}

/// A signed-in staff member's successful action on `target`.
pub async fn record_by(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    caller: &super::guard::Caller,
    action: AuditAction,
    target: &str,
) -> Result<(), sqlx::Error> {
    record(
        tx,
        meta,
        now,
        Entry {
            org_id: Some(caller.org_id),
            actor: Some(&caller.user_public_id),
            action,
            target: Some(target),
            outcome: Outcome::Success,
        },
    )
    .await
}

fn micros(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos() / 1000
}

fn to_array(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

/// Seals every pending event of every chain; returns how many were sealed. Safe to run from
/// several instances at once: each chain is sealed under its own advisory lock.
pub async fn seal_pending(system: &PgPool) -> Result<u64, sqlx::Error> {
    let mut sealed = 0u64;
    for chain_key in db::audit::chains_with_unsealed(system).await? {
        loop {
            let mut tx = system.begin().await?;
            db::audit::lock_chain(&mut tx, chain_key).await?;
            let (mut position, mut prev) = match db::audit::chain_head(&mut tx, chain_key).await? {
                Some((pos, hash)) => (pos, to_array(&hash).unwrap_or(GENESIS)),
                None => (0, GENESIS),
            };
            let lists = db::audit::unsealed_lists(&mut tx, chain_key, SEAL_BATCH).await?;
            if lists.is_empty() {
                tx.rollback().await?;
                break;
            }
            let list_ids: Vec<i64> = lists.iter().map(|(id, _)| *id).collect();
            let event_ids: Vec<i64> = lists.into_iter().flat_map(|(_, ids)| ids).collect();
            let events = db::audit::events_by_id(&mut tx, &event_ids).await?;
            let mut links = Vec::with_capacity(events.len());
            for e in &events {
                position += 1;
                let org = e.org_id.map(|o| o.to_string());
                let hash = chain_hash(
                    &prev,
                    position,
                    &SealedFields {
                        event_id: e.id,
                        org: org.as_deref(),
                        occurred_at_micros: micros(e.occurred_at),
                        actor: e.actor.as_deref(),
                        action: &e.action,
                        target: e.target.as_deref(),
                        outcome: &e.outcome,
                    },
                );
                links.push(Link {
                    event_id: e.id,
                    position,
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                });
                prev = hash;
            }
            db::audit::insert_links(&mut tx, chain_key, &links, &list_ids).await?;
            tx.commit().await?;
            sealed += links.len() as u64;
            // Short of a full batch, the list was empty when read: what arrived since waits for
            // the next pass, so a chain under steady load cannot keep the others waiting.
            if (links.len() as i64) < SEAL_BATCH {
                break;
            }
        }
    }
    Ok(sealed)
}

#[derive(Debug, Default)]
pub struct VerifyReport {
    pub chains: u64,
    pub events_verified: u64,
    /// Events older than a minute that no sealer has chained yet.
    pub unsealed: i64,
    pub problems: Vec<String>,
    /// When the chain was last walked from its first link (the audit viewer's report).
    pub full_pass_at: Option<OffsetDateTime>,
    /// Sealed events newer than those verified, left to the verifier's next pass.
    pub awaiting_check: i64,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recomputes every chain from its first link: a changed field, a removed event, a removed or
/// reordered link each break it.
pub async fn verify(system: &PgPool, now: OffsetDateTime) -> Result<VerifyReport, sqlx::Error> {
    let mut walker = ChainWalker::default();
    let mut cursor = (Uuid::nil(), -1i64);
    loop {
        let page = db::audit::sealed_page(system, cursor.0, cursor.1, 5000).await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            cursor = (row.chain_key, row.position);
            walker.step(row);
        }
    }
    let mut report = walker.report;
    report.unsealed =
        db::audit::count_unsealed_older_than(system, now - time::Duration::minutes(1)).await?;
    Ok(report)
}

/// How often the verifier walks each chain from its first link again; in between, each pass
/// verifies the links sealed since the one before.
const FULL_PASS_EVERY: time::Duration = time::Duration::days(1);
/// Links the audit viewer verifies itself beyond the verifier's last pass: a view stays a short
/// read however busy the last minute was. At 1,000 the audit log served 350 views a second
/// instead of 840 whenever the verifier was behind (after a burst of audited API reads), each
/// view walking its thousand links again; what lies beyond is the verifier's next pass.
pub const VIEWER_TAIL: i64 = 200;
const WALK_PAGE: i64 = 5000;
/// Enough to show what broke and where; a chain broken everywhere would otherwise keep millions.
const MAX_RECORDED_PROBLEMS: usize = 1000;

/// Where a walk starts: after a verified link, or at the chain's first link.
struct Start {
    position: i64,
    hash: Option<[u8; 32]>,
}

/// One chain walked from `start`, at most `limit` links.
async fn walk_chain(
    conn: &mut sqlx::PgConnection,
    chain_key: Uuid,
    start: &Start,
    limit: Option<i64>,
    pace: bool,
) -> Result<(VerifyReport, Start), sqlx::Error> {
    let mut walker = ChainWalker::default();
    let mut end = Start {
        position: start.position,
        hash: start.hash,
    };
    if let Some(hash) = start.hash {
        walker.current = Some((chain_key, start.position, hash));
        walker.report.chains = 1;
        let now_there = db::audit::link_hash(conn, chain_key, start.position).await?;
        if now_there.as_deref().and_then(to_array) != Some(hash) {
            walker.report.problems.push(format!(
                "chain {chain_key} position {}: the link verified last has changed or gone \
                 (the chain was rewritten)",
                start.position
            ));
        }
    }
    let mut left = limit.unwrap_or(i64::MAX);
    while left > 0 {
        let started = std::time::Instant::now();
        let page =
            db::audit::org_chain_page(conn, chain_key, end.position, left.min(WALK_PAGE)).await?;
        let Some(last) = page.last() else { break };
        left -= page.len() as i64;
        end = Start {
            position: last.position,
            hash: to_array(&last.hash),
        };
        for row in &page {
            walker.step(row);
        }
        if pace {
            // A full pass over millions of links leaves the cores to the pages in between.
            tokio::time::sleep(started.elapsed()).await;
        }
    }
    Ok((walker.report, end))
}

/// Brings every chain's record up to date: the links sealed since the last pass, or the whole
/// chain from its first link once a day (or when it has no record yet). One portal at a time:
/// another finding the verifier busy returns at once.
///
/// Each page is read in a statement of its own, outside any transaction: a pass over a million
/// links takes tens of seconds, and a snapshot held that long kept PostgreSQL from pruning the
/// rows rewritten on every request meanwhile (a session's row: its update took up to 10 s).
pub async fn verify_chains(system: &PgPool, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    let mut conn = system.acquire().await?;
    if !db::audit::claim_verifier(&mut conn).await? {
        return Ok(());
    }
    match verify_claimed(&mut conn, now).await {
        Ok(()) => db::audit::release_verifier(&mut conn).await,
        Err(e) => {
            // Closing the connection releases the claim whatever state it is in.
            let _ = conn.close().await;
            Err(e)
        }
    }
}

async fn verify_claimed(
    conn: &mut sqlx::PgConnection,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    for chain_key in db::audit::chain_keys(conn).await? {
        let previous = db::audit::checkpoint(conn, chain_key).await?;
        let incremental = previous
            .as_ref()
            .filter(|c| now - c.full_pass_at < FULL_PASS_EVERY && c.verified_through > 0);
        let start = match incremental {
            Some(c) => Start {
                position: c.verified_through,
                hash: to_array(&c.through_hash),
            },
            None => Start {
                position: 0,
                hash: None,
            },
        };
        let (report, end) = walk_chain(conn, chain_key, &start, None, true).await?;
        let (mut problems, events_before, full_pass_at) = match incremental {
            Some(c) => (c.problems.clone(), c.events_verified, c.full_pass_at),
            None => (Vec::new(), 0, now),
        };
        // A problem found again (a rewritten link is met on every pass) is listed once.
        for problem in report.problems {
            if problems.len() < MAX_RECORDED_PROBLEMS && !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        let unsealed =
            db::audit::pending_older_than(conn, chain_key, now - time::Duration::minutes(1))
                .await?;
        let checkpoint = db::audit::Checkpoint {
            verified_through: end.position,
            through_hash: end.hash.map(|h| h.to_vec()).unwrap_or_default(),
            events_verified: events_before + i64::try_from(report.events_verified).unwrap_or(0),
            problems,
            unsealed,
            full_pass_at,
            checked_at: now,
        };
        db::audit::save_checkpoint(conn, chain_key, &checkpoint).await?;
    }
    Ok(())
}

/// One organisation's chain for the audit viewer (F12), inside the viewer's transaction: the
/// verifier's record, the link it ended at still there unchanged, and the links sealed since
/// (up to [`VIEWER_TAIL`]). Before the verifier's first pass, the whole chain.
pub async fn verify_org(tx: &mut Tx, org_id: Uuid) -> Result<VerifyReport, sqlx::Error> {
    let checkpoint = db::audit::checkpoint(tx, org_id).await?;
    let Some(c) = checkpoint.filter(|c| c.verified_through > 0) else {
        let start = Start {
            position: 0,
            hash: None,
        };
        let (mut report, _) = walk_chain(tx, org_id, &start, None, false).await?;
        report.unsealed = db::audit::org_unsealed(tx, org_id).await?;
        return Ok(report);
    };
    let start = Start {
        position: c.verified_through,
        hash: to_array(&c.through_hash),
    };
    let (tail, end) = walk_chain(tx, org_id, &start, Some(VIEWER_TAIL), false).await?;
    let head = db::audit::head_position(tx, org_id).await?;
    let mut problems = c.problems;
    problems.extend(tail.problems);
    Ok(VerifyReport {
        chains: 1,
        events_verified: u64::try_from(c.events_verified).unwrap_or(0) + tail.events_verified,
        unsealed: c.unsealed,
        problems,
        full_pass_at: Some(c.full_pass_at),
        awaiting_check: head - end.position,
    })
}

/// Walks sealed links in chain order, checking each against the one before.
#[derive(Default)]
struct ChainWalker {
    report: VerifyReport,
    current: Option<(Uuid, i64, [u8; 32])>,
}

impl ChainWalker {
    fn step(&mut self, row: &db::audit::SealedRow) {
        let report = &mut self.report;
        let (expected_position, expected_prev) = match self.current {
            Some((key, pos, hash)) if key == row.chain_key => (pos + 1, hash),
            _ => {
                report.chains += 1;
                (1, GENESIS)
            }
        };
        // Named only for a problem: formatting it for every link cost each walk an allocation a
        // link.
        let label = || format!("chain {} position {}", row.chain_key, row.position);
        if row.position != expected_position {
            report.problems.push(format!(
                "{}: expected position {expected_position} (links removed)",
                label()
            ));
        }
        if to_array(&row.prev_hash) != Some(expected_prev) {
            report.problems.push(format!(
                "{}: link does not follow the previous one",
                label()
            ));
        }
        let stored = to_array(&row.hash).unwrap_or(GENESIS);
        if !row.event_present {
            report
                .problems
                .push(format!("{}: event {} was removed", label(), row.event_id));
        } else {
            let org = row.org_id.map(|o| o.to_string());
            let recomputed = chain_hash(
                &to_array(&row.prev_hash).unwrap_or(GENESIS),
                row.position,
                &SealedFields {
                    event_id: row.event_id,
                    org: org.as_deref(),
                    occurred_at_micros: row.occurred_at.map(micros).unwrap_or_default(),
                    actor: row.actor.as_deref(),
                    action: row.action.as_deref().unwrap_or_default(),
                    target: row.target.as_deref(),
                    outcome: row.outcome.as_deref().unwrap_or_default(),
                },
            );
            let chain_matches = row.org_id.unwrap_or(NO_ORG_CHAIN) == row.chain_key;
            if recomputed != stored || !chain_matches {
                report
                    .problems
                    .push(format!("{}: event {} was altered", label(), row.event_id));
            } else {
                report.events_verified += 1;
            }
        }
        self.current = Some((row.chain_key, row.position, stored));
    }
}
