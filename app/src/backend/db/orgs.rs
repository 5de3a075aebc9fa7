use super::Tx;
use uuid::Uuid;

pub struct NewOrg<'a> {
    pub id: Uuid,
    pub public_id: &'a str,
    pub name: &'a str,
    pub dpa_version: &'a str,
}

pub async fn insert(tx: &mut Tx, org: &NewOrg<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO orgs (id, public_id, name, dpa_version_accepted) VALUES ($1, $2, $3, $4)",
        org.id,
        org.public_id,
        org.name,
        org.dpa_version,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn record_dpa_acceptance(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    dpa_version: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO dpa_acceptances (org_id, user_id, dpa_version) VALUES ($1, $2, $3)",
        org_id,
        user_id,
        dpa_version,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE orgs SET dpa_version_accepted = $2 WHERE id = $1",
        org_id,
        dpa_version
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
