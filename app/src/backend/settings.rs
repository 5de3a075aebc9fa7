//! Organisation settings (F13): the default retention period, the privacy contact and the
//! sub-processor register shown to candidates. Admin work, behind the current DPA; every change audited.

use super::audit::record_caller_action;
use super::auth::tokens::random_16;
use super::db::{self, consent::SubProcessorRow};
use super::guard::{Caller, Ctx};
use crate::domain::audit::AuditAction;
use crate::domain::controller::{self, PrivacyContact, PrivacyContactForm};
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::recruitment::single_line;
use crate::domain::retention::parse_days;
use crate::domain::role::Permission;
use crate::error::{AppError, FieldError};

pub struct Settings {
    pub retention_days: i32,
    /// `None` until an admin gives it; consent links wait for it.
    pub privacy_contact: Option<PrivacyContact>,
    pub sub_processors: Vec<SubProcessorRow>,
    pub dpa: Option<db::orgs::DpaAcceptance>,
}

pub async fn view(ctx: &Ctx, caller: &Caller) -> Result<Settings, AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let settings = Settings {
        retention_days: db::orgs::retention_days(&mut tx, caller.org_id).await?,
        privacy_contact: db::orgs::privacy_contact(&mut tx, caller.org_id).await?,
        sub_processors: db::consent::sub_processors(&mut tx, caller.org_id).await?,
        dpa: db::orgs::latest_dpa_acceptance(&mut tx, caller.org_id).await?,
    };
    tx.commit().await?;
    Ok(settings)
}

/// The default period for clocks started from now on (at least 30 days, F10).
pub async fn set_retention(ctx: &Ctx, caller: &Caller, raw_days: &str) -> Result<(), AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let days = parse_days(raw_days).map_err(|m| AppError::invalid("retention_days", m))?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::orgs::set_retention_days(&mut tx, caller.org_id, days).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::OrgSettingsChanged,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who candidates can reach about their data: required before consent links go out (every
/// request and receipt states it).
pub async fn set_privacy_contact(
    ctx: &Ctx,
    caller: &Caller,
    form: &PrivacyContactForm<'_>,
) -> Result<(), AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let contact = controller::parse(form).map_err(|errors| AppError::Invalid {
        fields: errors
            .into_iter()
            .map(|(field, message)| FieldError {
                field: field.into(),
                message,
            })
            .collect(),
    })?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::orgs::set_privacy_contact(&mut tx, caller.org_id, &contact).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::OrgSettingsChanged,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_sub_processor(
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    service: &str,
    country: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let mut fields = Vec::new();
    let mut check = |field: &str, raw: &str| {
        single_line(raw, 200)
            .map_err(|message| {
                fields.push(FieldError {
                    field: field.into(),
                    message,
                })
            })
            .ok()
    };
    let (name, service, country) = (
        check("name", name),
        check("service", service),
        check("country", country),
    );
    let (Some(name), Some(service), Some(country)) = (name, service, country) else {
        return Err(AppError::Invalid { fields });
    };
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let position = i32::try_from(
        db::consent::sub_processors(&mut tx, caller.org_id)
            .await?
            .len(),
    )
    .unwrap_or(i32::MAX);
    let public = PublicId::from_random(IdKind::SubProcessor, random_16());
    db::consent::add_sub_processor(
        &mut tx,
        caller.org_id,
        public.as_str(),
        &name,
        &service,
        &country,
        position,
    )
    .await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::OrgSettingsChanged,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_sub_processor(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    if !db::consent::remove_sub_processor(&mut tx, caller.org_id, public_id).await? {
        return Err(AppError::NotFound);
    }
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::OrgSettingsChanged,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organisation's SSO providers with their e-mail domains (F13).
pub async fn sso(ctx: &Ctx, caller: &Caller) -> Result<Vec<db::sso::SsoRow>, AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = db::sso::for_org(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Enables a provider for the domains typed (or, with none, disables it); audited.
pub async fn set_sso(
    ctx: &Ctx,
    caller: &Caller,
    provider: &str,
    domains: &str,
) -> Result<(), AppError> {
    use crate::domain::sso::{parse_domains, SsoProvider};
    caller.require(Permission::ManageOrgSettings)?;
    let kind = SsoProvider::parse(provider)
        .filter(|k| ctx.state.sso.configured().contains(k))
        .ok_or_else(|| {
            AppError::invalid("provider", "This portal does not offer that provider.")
        })?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    if domains.trim().is_empty() {
        db::sso::disable(&mut tx, caller.org_id, kind.as_str()).await?;
    } else {
        let parsed = parse_domains(domains).ok_or_else(|| {
            AppError::invalid(
                "domains",
                "List your e-mail domains, such as acme.example, separated by commas.",
            )
        })?;
        db::sso::enable(&mut tx, caller.org_id, kind.as_str(), &parsed).await?;
    }
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::OrgSettingsChanged,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
