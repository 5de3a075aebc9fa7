//! The organisation's single sign-on settings (F13).

use super::Tx;
use uuid::Uuid;

pub struct SsoRow {
    pub provider: String,
    pub allowed_domains: Vec<String>,
}

pub async fn for_org(tx: &mut Tx, org_id: Uuid) -> Result<Vec<SsoRow>, sqlx::Error> {
    sqlx::query_as!(
        SsoRow,
        r#"SELECT provider, allowed_domains FROM org_sso_providers
           WHERE org_id = $1 ORDER BY provider"#,
        org_id
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn enable(
    tx: &mut Tx,
    org_id: Uuid,
    provider: &str,
    domains: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO org_sso_providers (org_id, provider, allowed_domains) VALUES ($1, $2, $3)
           ON CONFLICT (org_id, provider) DO UPDATE SET allowed_domains = EXCLUDED.allowed_domains"#,
        org_id,
        provider,
        domains
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn disable(tx: &mut Tx, org_id: Uuid, provider: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM org_sso_providers WHERE org_id = $1 AND provider = $2",
        org_id,
        provider
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
