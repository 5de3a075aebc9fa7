use super::Tx;
use crate::domain::controller::PrivacyContact;
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

pub async fn retention_days(tx: &mut Tx, org_id: Uuid) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!("SELECT retention_days FROM orgs WHERE id = $1", org_id)
        .fetch_one(&mut **tx)
        .await
}

/// The organisation's default retention period; running clocks keep the end they had.
pub async fn set_retention_days(tx: &mut Tx, org_id: Uuid, days: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE orgs SET retention_days = $2 WHERE id = $1",
        org_id,
        days
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The organisation's latest DPA acceptance: version, when and by whom.
pub struct DpaAcceptance {
    pub dpa_version: String,
    pub accepted_at: time::OffsetDateTime,
    pub accepted_by: String,
}

pub async fn latest_dpa_acceptance(
    tx: &mut Tx,
    org_id: Uuid,
) -> Result<Option<DpaAcceptance>, sqlx::Error> {
    sqlx::query_as!(
        DpaAcceptance,
        r#"SELECT a.dpa_version, a.accepted_at, u.display_name AS accepted_by
           FROM dpa_acceptances a JOIN users u ON u.id = a.user_id
           WHERE a.org_id = $1 ORDER BY a.id DESC LIMIT 1"#,
        org_id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The organisation's privacy contact, once an admin has given it whole.
pub async fn privacy_contact(
    tx: &mut Tx,
    org_id: Uuid,
) -> Result<Option<PrivacyContact>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT privacy_contact, privacy_street_address, privacy_postal_code, privacy_locality,
                  privacy_country, privacy_email, privacy_phone
           FROM orgs WHERE id = $1"#,
        org_id
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(
        match (
            row.privacy_contact,
            row.privacy_street_address,
            row.privacy_postal_code,
            row.privacy_locality,
            row.privacy_country,
            row.privacy_email,
            row.privacy_phone,
        ) {
            (
                Some(contact),
                Some(street_address),
                Some(postal_code),
                Some(locality),
                Some(country),
                Some(email),
                Some(phone),
            ) => Some(PrivacyContact {
                contact,
                street_address,
                postal_code,
                locality,
                country,
                email,
                phone,
            }),
            _ => None,
        },
    )
}

pub async fn set_privacy_contact(
    tx: &mut Tx,
    org_id: Uuid,
    c: &PrivacyContact,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE orgs SET privacy_contact = $2, privacy_street_address = $3,
                  privacy_postal_code = $4, privacy_locality = $5, privacy_country = $6,
                  privacy_email = $7, privacy_phone = $8
           WHERE id = $1"#,
        org_id,
        c.contact,
        c.street_address,
        c.postal_code,
        c.locality,
        c.country,
        c.email,
        c.phone,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
