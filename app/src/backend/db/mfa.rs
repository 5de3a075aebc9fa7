//! Second-factor records (F2): sealed TOTP keys on the user, hashed recovery codes beside it.

use super::Tx;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct MfaRow {
    pub pending_key: Option<Vec<u8>>,
    pub key: Option<Vec<u8>>,
    pub last_step: i64,
    pub recovery_codes_left: i64,
}

pub async fn state(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
) -> Result<Option<MfaRow>, sqlx::Error> {
    sqlx::query_as!(
        MfaRow,
        r#"SELECT u.totp_pending_secret AS pending_key, u.totp_secret AS key,
                  u.totp_last_step AS last_step,
                  (SELECT count(*) FROM recovery_codes r
                   WHERE r.user_id = u.id AND r.used_at IS NULL) AS "recovery_codes_left!"
           FROM users u WHERE u.org_id = $1 AND u.id = $2"#,
        org_id,
        user_id
    )
    .fetch_optional(&mut **tx)
    .await
}

pub async fn set_pending_key(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    sealed: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET totp_pending_secret = $3 WHERE org_id = $1 AND id = $2",
        org_id,
        user_id,
        sealed
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes the pending key the user's key, remembering the step its first code used. Answers
/// false when the pending key changed meanwhile (another enrolment in another tab).
pub async fn enable(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    pending: &[u8],
    step: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,
                  totp_enabled_at = $5, totp_last_step = $4, updated_at = $5
           WHERE org_id = $1 AND id = $2 AND totp_pending_secret = $3"#,
        org_id,
        user_id,
        pending,
        step,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records `step` as used, only if it is newer than every step used before: of two requests
/// racing with the same code, one wins.
pub async fn claim_step(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE users SET totp_last_step = $3
           WHERE org_id = $1 AND id = $2 AND totp_secret IS NOT NULL AND totp_last_step < $3"#,
        org_id,
        user_id,
        step
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the second factor and its recovery codes.
pub async fn disable(tx: &mut Tx, org_id: Uuid, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL,
                  totp_enabled_at = NULL, updated_at = now()
           WHERE org_id = $1 AND id = $2"#,
        org_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM recovery_codes WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces every recovery code of the user with these hashes.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM recovery_codes WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO recovery_codes (org_id, user_id, code_hash)
           SELECT $1, $2, h FROM unnest($3::bytea[]) AS h"#,
        org_id,
        user_id,
        hashes
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Spends one unused recovery code; false when there is none with this hash.
pub async fn spend_recovery_code(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    hash: &[u8],
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE recovery_codes SET used_at = $4
           WHERE org_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL"#,
        org_id,
        user_id,
        hash,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn policy(tx: &mut Tx, org_id: Uuid) -> Result<String, sqlx::Error> {
    sqlx::query_scalar!("SELECT mfa_policy FROM orgs WHERE id = $1", org_id)
        .fetch_one(&mut **tx)
        .await
}

pub async fn set_policy(tx: &mut Tx, org_id: Uuid, policy: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE orgs SET mfa_policy = $2 WHERE id = $1",
        org_id,
        policy
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
