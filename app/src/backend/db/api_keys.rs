//! API keys (F11): stored as a lookup part and the SHA-256 of the secret, never the key itself.

use super::Tx;
use ipnetwork::IpNetwork;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct NewKey<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub org_id: Uuid,
    pub name: &'a str,
    pub lookup: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: &'a [String],
    pub allowed_networks: Option<&'a [IpNetwork]>,
    pub expires_at: Option<OffsetDateTime>,
    pub created_by: Uuid,
}

pub async fn insert(tx: &mut Tx, k: &NewKey<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO api_keys (id, public_id, org_id, name, lookup, secret_hash, scopes,
                                 allowed_networks, expires_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::cidr[], $9, $10)"#,
        k.id,
        k.public_id,
        k.org_id,
        k.name,
        k.lookup,
        k.secret_hash,
        k.scopes,
        k.allowed_networks as Option<&[IpNetwork]>,
        k.expires_at,
        k.created_by
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct KeyRow {
    pub public_id: String,
    pub name: String,
    pub lookup: String,
    pub scopes: Vec<String>,
    pub allowed_networks: Option<Vec<IpNetwork>>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub created_by_name: String,
}

pub async fn list(tx: &mut Tx, org_id: Uuid) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query_as!(
        KeyRow,
        r#"SELECT k.public_id, k.name, k.lookup, k.scopes,
                  k.allowed_networks AS "allowed_networks: Vec<IpNetwork>",
                  k.expires_at, k.revoked_at, k.last_used_at, k.created_at,
                  u.display_name AS created_by_name
           FROM api_keys k JOIN users u ON u.id = k.created_by
           WHERE k.org_id = $1 ORDER BY k.created_at DESC LIMIT 200"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

/// Revokes a key of this organisation; false when there is no such key.
pub async fn revoke(
    tx: &mut Tx,
    org_id: Uuid,
    public_id: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3)
           WHERE org_id = $1 AND public_id = $2"#,
        org_id,
        public_id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Before the organisation is known: which one the lookup part belongs to, scoping the
/// transaction to it in the same statement.
pub async fn locate_and_scope(tx: &mut Tx, lookup: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT o.org_id AS "org_id!", set_config('app.org_id', o.org_id::text, true) AS scoped
           FROM org_of_api_key($1) o"#,
        lookup
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.org_id))
}

/// What authenticating a call needs.
pub struct PresentedRow {
    pub id: Uuid,
    pub public_id: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub allowed_networks: Option<Vec<IpNetwork>>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub plan_tier: String,
}

pub async fn presented(
    tx: &mut Tx,
    org_id: Uuid,
    lookup: &str,
) -> Result<Option<PresentedRow>, sqlx::Error> {
    sqlx::query_as!(
        PresentedRow,
        r#"SELECT k.id, k.public_id, k.secret_hash, k.scopes,
                  k.allowed_networks AS "allowed_networks: Vec<IpNetwork>",
                  k.expires_at, k.revoked_at, k.last_used_at, o.plan_tier
           FROM api_keys k JOIN orgs o ON o.id = k.org_id
           WHERE k.org_id = $1 AND k.lookup = $2"#,
        org_id,
        lookup
    )
    .fetch_optional(&mut **tx)
    .await
}

pub async fn touch(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE api_keys SET last_used_at = $3 WHERE org_id = $1 AND id = $2",
        org_id,
        id,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
