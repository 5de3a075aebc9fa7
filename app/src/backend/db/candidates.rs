//! Candidates, applications, notes and the timeline. `viewer` narrows reads to applications in
//! recruitments a hiring manager owns or belongs to (R2); `None` means the whole organisation.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

/// Finds the organisation's candidate with this address, or creates one; returns (id, public id).
pub struct NewCandidate<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub full_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub now: OffsetDateTime,
}

/// The candidate with this address in the organisation, or a new one whose retention clock
/// starts now (F10: every candidate has an end date from the moment they exist).
pub async fn upsert(tx: &mut Tx, c: &NewCandidate<'_>) -> Result<(Uuid, String), sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO candidates
             (id, public_id, org_id, full_name, email, phone, created_at, updated_at,
              retention_anchor, retention_until)
           SELECT $1, $2, $3, $4, $5, $6, $7::timestamptz, $7, $7,
                  $7 + make_interval(days => o.retention_days)
           FROM orgs o WHERE o.id = $3
           ON CONFLICT (org_id, email) DO UPDATE SET updated_at = candidates.updated_at
           RETURNING id, public_id"#,
        c.id,
        c.public_id,
        c.org_id,
        c.full_name,
        c.email,
        c.phone,
        c.now
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.id, row.public_id))
}

/// Rectification (F9): the candidate's own details, as corrected by staff.
pub async fn update_details(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    full_name: &str,
    email: &str,
    phone: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE candidates SET full_name = $3, email = $4, phone = $5, updated_at = now()
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        candidate_id,
        full_name,
        email,
        phone
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_application(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    public_id: &str,
    candidate_id: Uuid,
    recruitment_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO applications (id, public_id, org_id, candidate_id, recruitment_id)
           VALUES ($1, $2, $3, $4, $5)"#,
        id,
        public_id,
        org_id,
        candidate_id,
        recruitment_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends to the application's timeline. Every event is activity on the candidate, so it moves
/// their retention clock (F10) to at least its time plus their period, in the same statement.
pub async fn append_event(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    kind: &str,
    stage: Option<&str>,
    actor_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"WITH appended AS (
             INSERT INTO application_events (org_id, application_id, kind, stage, actor_id, occurred_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING application_id, occurred_at)
           UPDATE candidates c
           SET retention_anchor = GREATEST(c.retention_anchor, e.occurred_at),
               retention_until = GREATEST(c.retention_until, e.occurred_at
                   + make_interval(days => COALESCE(c.retention_days_override, o.retention_days))),
               retention_warned_at = CASE
                   WHEN e.occurred_at + make_interval(
                            days => COALESCE(c.retention_days_override, o.retention_days))
                        > c.retention_until THEN NULL
                   ELSE c.retention_warned_at END
           FROM appended e, applications a, orgs o
           WHERE a.org_id = $1 AND a.id = e.application_id AND c.org_id = $1
             AND c.id = a.candidate_id AND o.id = c.org_id"#,
        org_id,
        application_id,
        kind,
        stage,
        actor_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct CardRow {
    pub application_id: Uuid,
    pub application_public_id: String,
    pub candidate_public_id: String,
    pub full_name: String,
    pub stage: String,
    /// The purposes with a consent event, and each one's latest event, pairwise.
    pub consent_purposes: Vec<String>,
    pub consent_events: Vec<String>,
    /// An open deletion request, as `data_requests::pending_deletion` finds it.
    pub deletion_pending: bool,
}

/// The pipeline of one recruitment (already checked visible by the caller), each card with its
/// latest consent events: one statement for the board rather than a second one of four rows a
/// card.
pub async fn pipeline(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<CardRow>, sqlx::Error> {
    sqlx::query_as!(
        CardRow,
        r#"SELECT a.id AS application_id, a.public_id AS application_public_id,
                  c.public_id AS candidate_public_id, c.full_name, a.stage,
                  COALESCE(l.purposes, '{}') AS "consent_purposes!",
                  COALESCE(l.events, '{}') AS "consent_events!",
                  (c.deletion_requested_at IS NOT NULL OR EXISTS (
                      SELECT 1 FROM data_requests d
                      WHERE d.org_id = a.org_id AND d.candidate_id = c.id AND d.kind = 'deletion'
                        AND d.status NOT IN ('completed', 'rejected'))) AS "deletion_pending!"
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           LEFT JOIN LATERAL (
               SELECT array_agg(l.purpose) AS purposes, array_agg(l.event) AS events
               FROM consent_latest l
               WHERE l.org_id = a.org_id AND l.application_id = a.id) l ON true
           WHERE a.org_id = $1 AND a.recruitment_id = $2
           ORDER BY a.created_at, a.public_id
           LIMIT 1000"#,
        org_id,
        recruitment_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct ExportRow {
    pub candidate_public_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub stage: String,
    pub applied_at: OffsetDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

/// Everything a recruitment's export holds, one row per application, oldest first.
pub async fn export_rows(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as!(
        ExportRow,
        r#"SELECT c.public_id AS candidate_public_id, c.full_name, c.email, c.phone, a.stage,
                  a.created_at AS applied_at, u.display_name AS "decided_by?", a.decided_at,
                  a.decision_reason
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           LEFT JOIN users u ON u.id = a.decided_by
           WHERE a.org_id = $1 AND a.recruitment_id = $2
           ORDER BY a.created_at, a.public_id
           LIMIT 10000"#,
        org_id,
        recruitment_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct CandidateRow {
    pub id: Uuid,
    pub public_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
}

/// A candidate the viewer may see: with any application in a recruitment visible to them.
pub async fn find_visible(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
    viewer: Option<Uuid>,
) -> Result<Option<CandidateRow>, sqlx::Error> {
    sqlx::query_as!(
        CandidateRow,
        r#"SELECT c.id, c.public_id, c.full_name, c.email, c.phone
           FROM candidates c
           WHERE c.org_id = $1 AND c.public_id = $2
             AND ($3::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM applications a JOIN recruitments r ON r.id = a.recruitment_id
                   WHERE a.candidate_id = c.id
                     AND (r.owner_id = $3 OR EXISTS (
                           SELECT 1 FROM recruitment_members m
                           WHERE m.recruitment_id = r.id AND m.user_id = $3))))"#,
        org_id,
        public_id,
        viewer
    )
    .fetch_optional(&mut **tx)
    .await
}

pub struct ApplicationRow {
    pub id: Uuid,
    pub public_id: String,
    pub candidate_id: Uuid,
    pub candidate_public_id: String,
    pub recruitment_public_id: String,
    pub recruitment_title: String,
    pub stage: String,
    pub decision_reason: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
}

pub struct ListedCandidateRow {
    pub public_id: String,
    pub full_name: String,
    pub created_at: OffsetDateTime,
    /// Applications in recruitments the viewer may see.
    pub applications: i64,
    /// The stage of the most recently changed of those applications.
    pub latest_stage: Option<String>,
    /// An open deletion request, as `data_requests::pending_deletion` finds it.
    pub deletion_pending: bool,
}

/// A page of the candidates the viewer may see, newest first, optionally by name: 51 rows, one
/// more than a page shows, to tell whether another follows (the limit is written in the
/// statement so that its plan can be kept). The page is cut before each row's applications are
/// summarised, so only its rows are.
pub async fn list_visible(
    tx: &mut Tx,
    org_id: Uuid,
    viewer: Option<Uuid>,
    search: Option<&str>,
    offset: i64,
) -> Result<Vec<ListedCandidateRow>, sqlx::Error> {
    sqlx::query_as!(
        ListedCandidateRow,
        r#"WITH page AS (
               SELECT c.id, c.public_id, c.full_name, c.created_at, c.deletion_requested_at
               FROM candidates c
               WHERE c.org_id = $1
                 AND ($2::uuid IS NULL OR EXISTS (
                       SELECT 1 FROM applications a JOIN recruitments r ON r.id = a.recruitment_id
                       WHERE a.candidate_id = c.id
                         AND (r.owner_id = $2 OR EXISTS (
                               SELECT 1 FROM recruitment_members m
                               WHERE m.recruitment_id = r.id AND m.user_id = $2))))
                 AND ($3::text IS NULL OR c.full_name ILIKE '%' || $3 || '%')
               ORDER BY c.created_at DESC, c.public_id
               LIMIT 51 OFFSET $4
           )
           SELECT p.public_id, p.full_name, p.created_at,
                  s.applications AS "applications!", s.latest_stage,
                  (p.deletion_requested_at IS NOT NULL OR EXISTS (
                      SELECT 1 FROM data_requests d
                      WHERE d.org_id = $1 AND d.candidate_id = p.id AND d.kind = 'deletion'
                        AND d.status NOT IN ('completed', 'rejected'))) AS "deletion_pending!"
           FROM page p
           CROSS JOIN LATERAL (
               SELECT count(*) AS applications,
                      (array_agg(a.stage ORDER BY a.updated_at DESC))[1] AS latest_stage
               FROM applications a JOIN recruitments r ON r.id = a.recruitment_id
               WHERE a.candidate_id = p.id
                 AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                       SELECT 1 FROM recruitment_members m
                       WHERE m.recruitment_id = r.id AND m.user_id = $2))
           ) s
           ORDER BY p.created_at DESC, p.public_id"#,
        org_id,
        viewer,
        search.map(super::like_literal),
        offset
    )
    .fetch_all(&mut **tx)
    .await
}

/// One application by public id, if the viewer may see it.
pub async fn visible_application(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
    viewer: Option<Uuid>,
) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        r#"SELECT a.id, a.public_id, a.candidate_id, c.public_id AS candidate_public_id,
                  r.public_id AS recruitment_public_id, r.title AS recruitment_title, a.stage,
                  a.decision_reason, d.display_name AS "decided_by_name?", a.decided_at
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           LEFT JOIN users d ON d.id = a.decided_by
           WHERE a.org_id = $1 AND a.public_id = $2
             AND ($3::uuid IS NULL OR r.owner_id = $3 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $3))"#,
        org_id,
        public_id,
        viewer
    )
    .fetch_optional(&mut **tx)
    .await
}

/// A candidate's applications the viewer may see, oldest first. Two statements rather than one
/// with optional filters: an optional filter on the access path makes PostgreSQL plan the
/// statement anew on every call, which cost more than running it.
pub async fn visible_applications_of(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        r#"SELECT a.id, a.public_id, a.candidate_id, c.public_id AS candidate_public_id,
                  r.public_id AS recruitment_public_id, r.title AS recruitment_title, a.stage,
                  a.decision_reason, d.display_name AS "decided_by_name?", a.decided_at
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           LEFT JOIN users d ON d.id = a.decided_by
           WHERE a.org_id = $1 AND a.candidate_id = $2
             AND ($3::uuid IS NULL OR r.owner_id = $3 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $3))
           ORDER BY a.created_at
           LIMIT 200"#,
        org_id,
        candidate_id,
        viewer
    )
    .fetch_all(&mut **tx)
    .await
}

/// Moves an application from the stage the caller saw; `false` when it changed meanwhile (a
/// decision or another move committed first).
pub async fn set_stage(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    from: &str,
    stage: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE applications SET stage = $4, updated_at = $5
           WHERE org_id = $1 AND id = $2 AND stage = $3"#,
        org_id,
        application_id,
        from,
        stage,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The decision on an application still at the stage the caller saw; `false` when it changed
/// meanwhile (another decision committed first: it is never overwritten).
pub struct DecisionRecord<'a> {
    pub from: &'a str,
    pub stage: &'a str,
    pub reason: &'a str,
    pub decided_by: Uuid,
    pub now: OffsetDateTime,
}

pub async fn record_decision(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    d: &DecisionRecord<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE applications
           SET stage = $4, decision_reason = $5, decided_by = $6, decided_at = $7, updated_at = $7
           WHERE org_id = $1 AND id = $2 AND stage = $3"#,
        org_id,
        application_id,
        d.from,
        d.stage,
        d.reason,
        d.decided_by,
        d.now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_note(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    author_id: Uuid,
    body_html: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO application_notes (id, org_id, application_id, author_id, body_html, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        Uuid::new_v4(),
        org_id,
        application_id,
        author_id,
        body_html,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct NoteRow {
    pub application_id: Uuid,
    pub author_name: String,
    pub body_html: String,
    pub created_at: OffsetDateTime,
}

pub async fn notes(
    tx: &mut Tx,
    org_id: Uuid,
    application_ids: &[Uuid],
) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as!(
        NoteRow,
        r#"SELECT n.application_id, u.display_name AS author_name, n.body_html, n.created_at
           FROM application_notes n JOIN users u ON u.id = n.author_id
           WHERE n.org_id = $1 AND n.application_id = ANY($2)
           ORDER BY n.created_at DESC
           LIMIT 500"#,
        org_id,
        application_ids
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct EventRow {
    pub application_id: Uuid,
    pub kind: String,
    pub stage: Option<String>,
    pub actor_name: Option<String>,
    pub occurred_at: OffsetDateTime,
}

pub async fn events(
    tx: &mut Tx,
    org_id: Uuid,
    application_ids: &[Uuid],
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as!(
        EventRow,
        r#"SELECT e.application_id, e.kind, e.stage, u.display_name AS "actor_name?", e.occurred_at
           FROM application_events e LEFT JOIN users u ON u.id = e.actor_id
           WHERE e.org_id = $1 AND e.application_id = ANY($2)
           ORDER BY e.id DESC
           LIMIT 500"#,
        org_id,
        application_ids
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct StageCount {
    pub stage: String,
    pub n: i64,
}

/// Applications per stage across the recruitments the viewer may see.
pub async fn stage_counts(
    tx: &mut Tx,
    org_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Vec<StageCount>, sqlx::Error> {
    if viewer.is_none() {
        // Whoever sees every recruitment needs no visibility check, nor the join it takes.
        return sqlx::query_as!(
            StageCount,
            r#"SELECT stage AS "stage!", sum(n)::bigint AS "n!"
               FROM application_stage_counts WHERE org_id = $1
               GROUP BY stage"#,
            org_id
        )
        .fetch_all(&mut **tx)
        .await;
    }
    sqlx::query_as!(
        StageCount,
        // Kept per recruitment and stage by triggers (migration 0017), so visibility is decided
        // once per recruitment and the cost does not grow with the applications.
        r#"SELECT s.stage AS "stage!", sum(s.n)::bigint AS "n!"
           FROM application_stage_counts s
           JOIN recruitments r ON r.id = s.recruitment_id
           WHERE s.org_id = $1 AND r.org_id = $1
             AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $2))
           GROUP BY s.stage"#,
        org_id,
        viewer
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct AwaitingRow {
    pub candidate_public_id: String,
    pub full_name: String,
    pub recruitment_title: String,
}

/// The ten oldest offers still waiting for a person's decision. The limit is written in the
/// statement: as a parameter, PostgreSQL cannot cost one plan for every limit, so it planned the
/// statement anew on every call.
pub async fn awaiting_decision(
    tx: &mut Tx,
    org_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Vec<AwaitingRow>, sqlx::Error> {
    sqlx::query_as!(
        AwaitingRow,
        r#"SELECT c.public_id AS candidate_public_id, c.full_name, r.title AS recruitment_title
           FROM applications a
           JOIN candidates c ON c.id = a.candidate_id
           JOIN recruitments r ON r.id = a.recruitment_id
           WHERE a.org_id = $1 AND a.stage = 'offer'
             AND ($2::uuid IS NULL OR r.owner_id = $2 OR EXISTS (
                   SELECT 1 FROM recruitment_members m
                   WHERE m.recruitment_id = r.id AND m.user_id = $2))
           ORDER BY a.updated_at
           LIMIT 10"#,
        org_id,
        viewer
    )
    .fetch_all(&mut **tx)
    .await
}
