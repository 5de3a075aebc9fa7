use super::Tx;
use sqlx::{types::ipnetwork::IpNetwork, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewEvent<'a> {
    pub org_id: Option<Uuid>,
    pub occurred_at: OffsetDateTime,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub source_addr: Option<IpNetwork>,
    pub request_id: Option<&'a str>,
}

/// A plain insert: the id comes from a sequence, so concurrent appends never wait on each other.
pub async fn append(tx: &mut Tx, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO audit_events
             (org_id, occurred_at, actor, action, target, outcome, source_addr, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        e.org_id,
        e.occurred_at,
        e.actor,
        e.action,
        e.target,
        e.outcome,
        e.source_addr,
        e.request_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One event in a statement of its own, outside any transaction of the caller: the function
/// scopes its own INSERT to the event's organisation (migration 0032).
pub async fn append_alone(db: &PgPool, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"SELECT 1 AS "appended!" FROM append_audit_event($1, $2, $3, $4, $5, $6, $7, $8)"#,
        e.org_id,
        e.occurred_at,
        e.actor,
        e.action,
        e.target,
        e.outcome,
        e.source_addr,
        e.request_id,
    )
    .fetch_one(db)
    .await?;
    Ok(())
}

/// Several events in one statement, appended in the order given (a list read through the API
/// audits every record it returns: one round trip, not one per record).
pub async fn append_many(tx: &mut Tx, events: &[NewEvent<'_>]) -> Result<(), sqlx::Error> {
    let org_ids: Vec<Option<Uuid>> = events.iter().map(|e| e.org_id).collect();
    let times: Vec<OffsetDateTime> = events.iter().map(|e| e.occurred_at).collect();
    let actors: Vec<Option<&str>> = events.iter().map(|e| e.actor).collect();
    let actions: Vec<&str> = events.iter().map(|e| e.action).collect();
    let targets: Vec<Option<&str>> = events.iter().map(|e| e.target).collect();
    let outcomes: Vec<&str> = events.iter().map(|e| e.outcome).collect();
    let addrs: Vec<Option<IpNetwork>> = events.iter().map(|e| e.source_addr).collect();
    let request_ids: Vec<Option<&str>> = events.iter().map(|e| e.request_id).collect();
    sqlx::query!(
        r#"INSERT INTO audit_events
             (org_id, occurred_at, actor, action, target, outcome, source_addr, request_id)
           SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[], $3::text[], $4::text[],
                                $5::text[], $6::text[], $7::inet[], $8::text[])"#,
        &org_ids as &[Option<Uuid>],
        &times,
        &actors as &[Option<&str>],
        &actions as &[&str],
        &targets as &[Option<&str>],
        &outcomes as &[&str],
        &addrs as &[Option<IpNetwork>],
        &request_ids as &[Option<&str>],
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct EventRow {
    pub id: i64,
    pub org_id: Option<Uuid>,
    pub occurred_at: OffsetDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
}

/// Chains (organisations, or the nil uuid for org-less events) with events still to seal.
pub async fn chains_with_unsealed(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT DISTINCT chain_key FROM audit_pending"#)
        .fetch_all(pool)
        .await
}

/// Serialises sealers of one chain (several portal instances may run one each).
pub async fn lock_chain(tx: &mut Tx, chain_key: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('audit_chain:' || $1::uuid::text, 0))",
        chain_key
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn chain_head(
    tx: &mut Tx,
    chain_key: Uuid,
) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT position, hash FROM audit_chain WHERE chain_key = $1
           ORDER BY position DESC LIMIT 1"#,
        chain_key
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.position, r.hash)))
}

/// The oldest lists of unsealed events of a chain (one per appending statement), cut once they
/// hold `max_events`; the first list is always taken whole.
pub async fn unsealed_lists(
    tx: &mut Tx,
    chain_key: Uuid,
    max_events: i64,
) -> Result<Vec<(i64, Vec<i64>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", event_ids AS "event_ids!"
           FROM (SELECT id, event_ids,
                        sum(cardinality(event_ids)) OVER (ORDER BY id) - cardinality(event_ids)
                          AS events_before
                 FROM (SELECT id, event_ids FROM audit_pending WHERE chain_key = $1
                       ORDER BY id LIMIT 1000) oldest) l
           WHERE events_before < $2
           ORDER BY id"#,
        chain_key,
        max_events
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.event_ids)).collect())
}

/// The given events in the order they were appended, each fetched by its key.
pub async fn events_by_id(tx: &mut Tx, ids: &[i64]) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as!(
        EventRow,
        r#"SELECT id, org_id, occurred_at, actor, action, target, outcome
           FROM audit_events WHERE id = ANY($1) ORDER BY id"#,
        ids
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct Link {
    pub event_id: i64,
    pub position: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Writes a chain's new links and removes the lists they came from, in the sealing transaction.
pub async fn insert_links(
    tx: &mut Tx,
    chain_key: Uuid,
    links: &[Link],
    sealed_lists: &[i64],
) -> Result<(), sqlx::Error> {
    let event_ids: Vec<i64> = links.iter().map(|l| l.event_id).collect();
    let positions: Vec<i64> = links.iter().map(|l| l.position).collect();
    let prevs: Vec<Vec<u8>> = links.iter().map(|l| l.prev_hash.clone()).collect();
    let hashes: Vec<Vec<u8>> = links.iter().map(|l| l.hash.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO audit_chain (event_id, chain_key, position, prev_hash, hash)
           SELECT e, $1, p, ph, h FROM UNNEST($2::bigint[], $3::bigint[], $4::bytea[], $5::bytea[])
             AS t(e, p, ph, h)"#,
        chain_key,
        &event_ids,
        &positions,
        &prevs,
        &hashes,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("DELETE FROM audit_pending WHERE id = ANY($1)", sealed_lists)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One link of a chain with the event it seals (absent if the event row was removed).
pub struct SealedRow {
    pub chain_key: Uuid,
    pub position: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    pub event_id: i64,
    pub event_present: bool,
    pub org_id: Option<Uuid>,
    pub occurred_at: Option<OffsetDateTime>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<String>,
}

/// Every sealed link after `after` (chain_key, position), in chain order, a page at a time.
pub async fn sealed_page(
    pool: &PgPool,
    after_chain: Uuid,
    after_position: i64,
    limit: i64,
) -> Result<Vec<SealedRow>, sqlx::Error> {
    sqlx::query_as!(
        SealedRow,
        r#"SELECT c.chain_key, c.position, c.prev_hash, c.hash, c.event_id,
                  (e.id IS NOT NULL) AS "event_present!",
                  e.org_id, e.occurred_at AS "occurred_at?", e.actor,
                  e.action AS "action?", e.target, e.outcome AS "outcome?"
           FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
           WHERE (c.chain_key, c.position) > ($1, $2)
           ORDER BY c.chain_key, c.position
           LIMIT $3"#,
        after_chain,
        after_position,
        limit
    )
    .fetch_all(pool)
    .await
}

pub async fn count_unsealed_older_than(
    pool: &PgPool,
    before: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_events e
           WHERE e.occurred_at < $1
             AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)"#,
        before
    )
    .fetch_one(pool)
    .await
}

pub struct RecentEvent {
    pub occurred_at: OffsetDateTime,
    pub action: String,
    pub outcome: String,
}

/// The latest events about one user, for their own account page.
pub async fn recent_for_actor(
    tx: &mut Tx,
    org_id: Uuid,
    actor: &str,
    limit: i64,
) -> Result<Vec<RecentEvent>, sqlx::Error> {
    sqlx::query_as!(
        RecentEvent,
        // Two index walks, one per role the user plays in an event, each stopping at the limit.
        r#"SELECT occurred_at AS "occurred_at!", action AS "action!", outcome AS "outcome!"
           FROM ((SELECT id, occurred_at, action, outcome FROM audit_events
                  WHERE org_id = $1 AND actor = $2 ORDER BY id DESC LIMIT $3)
                 UNION
                 (SELECT id, occurred_at, action, outcome FROM audit_events
                  WHERE org_id = $1 AND target = $2 ORDER BY id DESC LIMIT $3)) e
           ORDER BY id DESC LIMIT $3"#,
        org_id,
        actor,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

/// One event as the audit viewer lists it.
pub struct ListedEvent {
    pub occurred_at: OffsetDateTime,
    pub actor: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub source_addr: Option<String>,
    pub request_id: Option<String>,
}

pub struct EventFilter<'a> {
    pub actor: Option<&'a str>,
    /// An action, or a family such as `auth` (matches `auth.…`).
    pub action: Option<&'a str>,
    pub target: Option<&'a str>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

/// The organisation's events matching `f`, newest first.
pub async fn search(
    tx: &mut Tx,
    org_id: Uuid,
    f: &EventFilter<'_>,
    offset: i64,
    limit: i64,
) -> Result<Vec<ListedEvent>, sqlx::Error> {
    sqlx::query_as!(
        ListedEvent,
        r#"SELECT e.occurred_at, e.actor, u.display_name AS "actor_name?", e.action, e.target,
                  e.outcome, host(e.source_addr) AS source_addr, e.request_id
           FROM audit_events e
           LEFT JOIN users u ON u.org_id = e.org_id AND u.public_id = e.actor
           WHERE e.org_id = $1
             AND ($2::text IS NULL OR e.actor = $2)
             AND ($3::text IS NULL OR e.action = $3 OR starts_with(e.action, $3 || '.'))
             AND ($4::text IS NULL OR e.target = $4)
             AND ($5::timestamptz IS NULL OR e.occurred_at >= $5)
             AND ($6::timestamptz IS NULL OR e.occurred_at < $6)
           ORDER BY e.id DESC OFFSET $7 LIMIT $8"#,
        org_id,
        f.actor,
        f.action,
        f.target,
        f.from,
        f.until,
        offset,
        limit
    )
    .fetch_all(&mut **tx)
    .await
}

/// One organisation's chain after `after_position`, read through its own row-level security.
pub async fn org_chain_page(
    conn: &mut PgConnection,
    org_id: Uuid,
    after_position: i64,
    limit: i64,
) -> Result<Vec<SealedRow>, sqlx::Error> {
    sqlx::query_as!(
        SealedRow,
        r#"SELECT c.chain_key, c.position, c.prev_hash, c.hash, c.event_id,
                  (e.id IS NOT NULL) AS "event_present!",
                  e.org_id, e.occurred_at AS "occurred_at?", e.actor,
                  e.action AS "action?", e.target, e.outcome AS "outcome?"
           FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id
           WHERE c.chain_key = $1 AND c.position > $2
           ORDER BY c.position
           LIMIT $3"#,
        org_id,
        after_position,
        limit
    )
    .fetch_all(conn)
    .await
}

/// The hash of one link, if the link is there.
pub async fn link_hash(
    conn: &mut PgConnection,
    chain_key: Uuid,
    position: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT hash FROM audit_chain WHERE chain_key = $1 AND position = $2"#,
        chain_key,
        position
    )
    .fetch_optional(conn)
    .await
}

/// The position of a chain's newest link (0 while it has none).
pub async fn head_position(conn: &mut PgConnection, chain_key: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(max(position), 0) AS "head!" FROM audit_chain WHERE chain_key = $1"#,
        chain_key
    )
    .fetch_one(conn)
    .await
}

/// Whether this connection is the only verifier running, until it releases the claim or closes.
pub async fn claim_verifier(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_lock(hashtext('candor.audit_verifier')::bigint) AS "claimed!""#
    )
    .fetch_one(conn)
    .await
}

pub async fn release_verifier(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT pg_advisory_unlock(hashtext('candor.audit_verifier')::bigint) AS "released!""#
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// Every chain there can be: one per organisation, and the org-less one.
pub async fn chain_keys(conn: &mut PgConnection) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM orgs
           UNION ALL SELECT '00000000-0000-0000-0000-000000000000'::uuid"#
    )
    .fetch_all(conn)
    .await
}

/// Events of a chain listed for sealing by statements that appended them before `before`.
pub async fn pending_older_than(
    conn: &mut PgConnection,
    chain_key: Uuid,
    before: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(cardinality(p.event_ids)), 0)::bigint AS "n!"
           FROM audit_pending p JOIN audit_events e ON e.id = p.event_ids[1]
           WHERE p.chain_key = $1 AND e.occurred_at < $2"#,
        chain_key,
        before
    )
    .fetch_one(conn)
    .await
}

pub struct Checkpoint {
    pub verified_through: i64,
    pub through_hash: Vec<u8>,
    pub events_verified: i64,
    pub problems: Vec<String>,
    pub unsealed: i64,
    pub full_pass_at: OffsetDateTime,
    pub checked_at: OffsetDateTime,
}

/// What the verifier last established about a chain (visible to its organisation only).
pub async fn checkpoint(
    conn: &mut PgConnection,
    chain_key: Uuid,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as!(
        Checkpoint,
        r#"SELECT verified_through, through_hash, events_verified, problems, unsealed,
                  full_pass_at, checked_at
           FROM audit_verifications WHERE chain_key = $1"#,
        chain_key
    )
    .fetch_optional(conn)
    .await
}

/// Records a pass.
pub async fn save_checkpoint(
    conn: &mut PgConnection,
    chain_key: Uuid,
    c: &Checkpoint,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO audit_verifications
             (chain_key, verified_through, through_hash, events_verified, problems, unsealed,
              full_pass_at, checked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (chain_key) DO UPDATE
             SET verified_through = EXCLUDED.verified_through,
                 through_hash = EXCLUDED.through_hash,
                 events_verified = EXCLUDED.events_verified,
                 problems = EXCLUDED.problems,
                 unsealed = EXCLUDED.unsealed,
                 full_pass_at = EXCLUDED.full_pass_at,
                 checked_at = EXCLUDED.checked_at"#,
        chain_key,
        c.verified_through,
        c.through_hash,
        c.events_verified,
        &c.problems,
        c.unsealed,
        c.full_pass_at,
        c.checked_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Events of the organisation not sealed into its chain yet.
pub async fn org_unsealed(tx: &mut Tx, org_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_events e
           WHERE e.org_id = $1
             AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)"#,
        org_id
    )
    .fetch_one(&mut **tx)
    .await
}
