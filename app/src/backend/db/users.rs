use super::Tx;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewUser<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
}

pub async fn insert(tx: &mut Tx, user: &NewUser<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        user.id,
        user.public_id,
        user.org_id,
        user.email,
        user.display_name,
        user.password_hash,
        user.role,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Before sign-in the organisation is unknown: this narrow lookup (a security-definer function)
/// names the account's organisation and nothing more.
pub async fn locate_by_email(
    tx: &mut Tx,
    email: &str,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT user_id AS "user_id!", org_id AS "org_id!" FROM org_of_user_email($1)"#,
        email
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.user_id, r.org_id)))
}

/// What sign-in needs to decide. The hash never leaves the backend.
pub struct Credentials {
    pub id: Uuid,
    pub public_id: String,
    pub password_hash: String,
    pub active: bool,
    pub email_verified: bool,
    pub session_epoch: i32,
    pub mfa_enabled: bool,
    pub role: String,
    pub mfa_policy: String,
}

pub async fn credentials(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as!(
        Credentials,
        r#"SELECT u.id, u.public_id, u.password_hash, u.active,
                  u.email_verified_at IS NOT NULL AS "email_verified!", u.session_epoch,
                  u.totp_secret IS NOT NULL AS "mfa_enabled!", u.role, o.mfa_policy
           FROM users u JOIN orgs o ON o.id = u.org_id
           WHERE u.org_id = $1 AND u.id = $2"#,
        org_id,
        user_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// What a sign-in attempt learns in its one statement before the password is checked.
pub struct SignInAttempt {
    /// Each rate-limit bucket hit, with its count and window's start.
    pub counted: Vec<(String, i64, OffsetDateTime)>,
    /// The organisation and credentials of the account with the address, if there is one.
    pub account: Option<(Uuid, Credentials)>,
}

/// Counts a sign-in's rate-limit hits (`count_rate_limit_hits`, migration 0033; `buckets` must
/// be distinct) and reads the organisation and credentials of the account with `email`, which
/// scopes only itself (`sign_in_credentials`, migration 0031), in one statement: each hit counts
/// whatever the account. No address (one that does not parse) reads no account.
pub async fn sign_in_attempt(
    db: impl sqlx::PgExecutor<'_>,
    buckets: &[String],
    window_starts: &[OffsetDateTime],
    email: Option<&str>,
) -> Result<SignInAttempt, sqlx::Error> {
    // One row per bucket (or one with no bucket), each with the account (or none).
    let rows = sqlx::query!(
        r#"WITH counted AS MATERIALIZED (SELECT * FROM count_rate_limit_hits($1, $2)),
                account AS MATERIALIZED (SELECT * FROM sign_in_credentials($3))
           SELECT counted.bucket AS "bucket?", counted.hits AS "hits?",
                  counted.window_start AS "window_start?",
                  account.org_id AS "org_id?", account.id AS "id?",
                  account.public_id AS "public_id?", account.password_hash AS "password_hash?",
                  account.active AS "active?", account.email_verified AS "email_verified?",
                  account.session_epoch AS "session_epoch?",
                  account.mfa_enabled AS "mfa_enabled?", account.role AS "role?",
                  account.mfa_policy AS "mfa_policy?"
           FROM (VALUES (1)) AS one (n)
           LEFT JOIN counted ON true
           LEFT JOIN account ON true"#,
        buckets,
        window_starts,
        email
    )
    .fetch_all(db)
    .await?;
    let account = rows.first().and_then(|r| {
        Some((
            r.org_id?,
            Credentials {
                id: r.id?,
                public_id: r.public_id.clone()?,
                password_hash: r.password_hash.clone()?,
                active: r.active?,
                email_verified: r.email_verified?,
                session_epoch: r.session_epoch?,
                mfa_enabled: r.mfa_enabled?,
                role: r.role.clone()?,
                mfa_policy: r.mfa_policy.clone()?,
            },
        ))
    });
    let counted = rows
        .into_iter()
        .filter_map(|r| Some((r.bucket?, r.hits?, r.window_start?)))
        .collect();
    Ok(SignInAttempt { counted, account })
}

/// The signed-in user as every request re-reads it (F2): existence, activity, role, epoch.
pub struct CallerRow {
    pub user_id: Uuid,
    pub user_public_id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub session_epoch: i32,
    pub org_id: Uuid,
    pub org_public_id: String,
    pub org_name: String,
    pub dpa_version_accepted: Option<String>,
    pub mfa_enabled: bool,
    pub mfa_policy: String,
}

/// The session's user in one round trip, from a pool (the guard, outside any transaction) or
/// inside a transaction: `session_caller` (migration 0028) scopes its own lookup to the
/// organisation and gives the transaction back the scope it had.
pub async fn caller<'c>(
    db: impl PgExecutor<'c>,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<Option<CallerRow>, sqlx::Error> {
    sqlx::query_as!(
        CallerRow,
        r#"SELECT user_id AS "user_id!", user_public_id AS "user_public_id!", email AS "email!",
                  display_name AS "display_name!", role AS "role!", active AS "active!",
                  session_epoch AS "session_epoch!", org_id AS "org_id!",
                  org_public_id AS "org_public_id!", org_name AS "org_name!",
                  dpa_version_accepted, mfa_enabled AS "mfa_enabled!", mfa_policy AS "mfa_policy!"
           FROM session_caller($1, $2)"#,
        org_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

pub async fn mark_email_verified(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3), updated_at = $3
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        user_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the password and bumps the session epoch, which revokes every session at once (F3).
/// Returns the new epoch.
pub async fn set_password(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1, updated_at = $4
           WHERE org_id = $1 AND id = $2 RETURNING session_epoch"#,
        org_id,
        user_id,
        password_hash,
        now
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn bump_session_epoch(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE users SET session_epoch = session_epoch + 1
           WHERE org_id = $1 AND id = $2 RETURNING session_epoch"#,
        org_id,
        user_id
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn password_hash(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT password_hash FROM users WHERE org_id = $1 AND id = $2",
        org_id,
        user_id
    )
    .fetch_one(&mut **tx)
    .await
}

pub struct MemberRow {
    pub public_id: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub mfa_enabled: bool,
}

pub async fn list_for_org(tx: &mut Tx, org_id: Uuid) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as!(
        MemberRow,
        r#"SELECT public_id, display_name, email, role, active,
                  totp_secret IS NOT NULL AS "mfa_enabled!"
           FROM users WHERE org_id = $1 ORDER BY display_name LIMIT 200"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct RoleCountRow {
    pub role: String,
    pub active: i64,
    pub deactivated: i64,
}

/// Members per role, active and deactivated: the dashboard's team panel, whatever the team's size.
pub async fn count_by_role(tx: &mut Tx, org_id: Uuid) -> Result<Vec<RoleCountRow>, sqlx::Error> {
    sqlx::query_as!(
        RoleCountRow,
        r#"SELECT role, (COALESCE(sum(n) FILTER (WHERE active), 0))::bigint AS "active!",
                  (COALESCE(sum(n) FILTER (WHERE NOT active), 0))::bigint AS "deactivated!"
           FROM member_counts WHERE org_id = $1
           GROUP BY role HAVING sum(n) <> 0"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub struct StaffRow {
    pub id: Uuid,
    pub public_id: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
}

/// One user of the organisation by public id (another org's id finds nothing).
pub async fn staff_by_public_id(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, public_id, display_name, role, active FROM users
           WHERE org_id = $1 AND public_id = $2"#,
        org_id,
        public_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The colleague with this (lower-case) e-mail address, for pickers too long to list.
pub async fn staff_by_email(
    tx: &mut Tx,
    org_id: Uuid,
    email: &str,
) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, public_id, display_name, role, active FROM users
           WHERE org_id = $1 AND email = $2"#,
        org_id,
        email
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Active users of the organisation by name, for owner and member pickers: at most
/// `PICKER_SIZE + 1`, so the caller can tell a complete list from a long one.
pub async fn active_staff(tx: &mut Tx, org_id: Uuid) -> Result<Vec<StaffRow>, sqlx::Error> {
    const _: () = assert!(crate::domain::listing::PICKER_SIZE == 50);
    sqlx::query_as!(
        StaffRow,
        r#"SELECT id, public_id, display_name, role, active FROM users
           WHERE org_id = $1 AND active ORDER BY display_name, public_id LIMIT 51"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn set_role(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    role: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET role = $3, updated_at = now() WHERE org_id = $1 AND id = $2",
        org_id,
        user_id,
        role
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deactivating also bumps the session epoch: every session of the user ends at once.
pub async fn set_active(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    active: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE users SET active = $3, updated_at = now(),
               session_epoch = session_epoch + CASE WHEN $3 THEN 0 ELSE 1 END
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        user_id,
        active
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The organisation's active admins, locked until the transaction ends, so that two admins
/// demoting each other at once cannot leave the organisation without one.
pub async fn lock_active_admins(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT id FROM users WHERE org_id = $1 AND role = 'admin' AND active
           ORDER BY id FOR UPDATE"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// The account an accepted invitation makes, verified by the link itself. An invitation made
/// before invitations had a table of their own already has its account (same id): it is
/// completed instead. Returns the account's public id.
pub async fn create_invited(
    tx: &mut Tx,
    user: &NewUser<'_>,
    now: OffsetDateTime,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO users (id, public_id, org_id, email, display_name, password_hash, role,
                              email_verified_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)
           ON CONFLICT (id) DO UPDATE
             SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
                 email_verified_at = EXCLUDED.email_verified_at, updated_at = EXCLUDED.updated_at
           RETURNING public_id"#,
        user.id,
        user.public_id,
        user.org_id,
        user.email,
        user.display_name,
        user.password_hash,
        user.role,
        now
    )
    .fetch_one(&mut **tx)
    .await
}
