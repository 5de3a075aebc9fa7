//! Two-factor sign-in (F2): enrolment with a QR code, the second step of sign-in, one-time
//! recovery codes, turning it off where the role allows, an admin's reset for a lost phone, and
//! the organisation's policy.

use super::accounts::{keep_this_session, start_session};
use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::session::{PendingSignIn, FRESH_RECOVERY_CODES_KEY, PENDING_SIGN_IN_KEY};
use super::auth::{tokens, totp};
use super::db;
use super::guard::{Caller, Ctx};
use super::rate_limit;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::mfa::{
    accepted_step, display_recovery_code, MfaPolicy, SecondFactor, PENDING_SIGN_IN_SECS,
    RECOVERY_CODE_COUNT, RECOVERY_CODE_LEN,
};
use crate::domain::rate_limit as limits;
use crate::domain::role::Permission;
use crate::error::AppError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub struct Enrolment {
    pub key_base32: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

pub struct Status {
    pub enabled: bool,
    pub required: bool,
    pub recovery_codes_left: i64,
    /// Set while enrolment waits for the first code.
    pub pending: Option<Enrolment>,
    /// Recovery codes made by the previous request, shown this once.
    pub fresh_recovery_codes: Option<Vec<String>>,
}

fn wrong_code() -> AppError {
    AppError::invalid(
        "code",
        "That code is not right. Use the current code from your app, or one of your recovery codes.",
    )
}

/// The time step an app code typed as `raw_code` is valid for, newer than `last_step`.
fn app_code_step(
    key: &[u8],
    raw_code: &str,
    now: time::OffsetDateTime,
    last_step: i64,
) -> Option<i64> {
    let Some(SecondFactor::Totp(code)) = SecondFactor::parse(raw_code) else {
        return None;
    };
    let now = u64::try_from(now.unix_timestamp()).ok()?;
    let last = u64::try_from(last_step).unwrap_or(0);
    let step = accepted_step(&code, now, last, |s| totp::code_at(key, s))?;
    i64::try_from(step).ok()
}

/// Rate-limits a code attempt on the caller's account, then reads their second-factor state in
/// the transaction that will carry the change.
async fn own_mfa_state(ctx: &Ctx, caller: &Caller) -> Result<(db::Tx, db::mfa::MfaRow), AppError> {
    rate_limit::check(
        &ctx.state,
        limits::SECOND_FACTOR_PER_ACCOUNT,
        &caller.user_public_id,
    )
    .await?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let row = db::mfa::state(&mut tx, caller.org_id, caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((tx, row))
}

pub async fn status(ctx: &Ctx, caller: &Caller) -> Result<Status, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let row = db::mfa::state(&mut tx, caller.org_id, caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    tx.commit().await?;
    let pending = match (&row.key, &row.pending_key) {
        (None, Some(sealed)) => {
            let key = ctx.state.files.open_totp_key(caller.user_id, sealed)?;
            let p = totp::provisioning(
                &key,
                &format!("Candor ({})", caller.org_name),
                &caller.email,
            )
            .ok_or_else(|| super::errors::internal("TOTP provisioning"))?;
            Some(Enrolment {
                key_base32: p.key_base32,
                otpauth_url: p.url,
                qr_svg: p.qr_svg,
            })
        }
        _ => None,
    };
    let fresh_recovery_codes = ctx
        .session
        .remove::<Vec<String>>(FRESH_RECOVERY_CODES_KEY)
        .await?;
    Ok(Status {
        enabled: row.key.is_some(),
        required: caller.mfa_required,
        recovery_codes_left: row.recovery_codes_left,
        pending,
        fresh_recovery_codes,
    })
}

/// Makes a new key and keeps it sealed until a first code proves the app holds it.
pub async fn start_enrolment(ctx: &Ctx, caller: &Caller) -> Result<(), AppError> {
    if caller.mfa_enabled {
        return Err(AppError::BadRequest {
            message: "Two-factor sign-in is already on.".into(),
        });
    }
    let sealed = ctx
        .state
        .files
        .seal_totp_key(caller.user_id, &totp::generate_key());
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::mfa::set_pending_key(&mut tx, caller.org_id, caller.user_id, &sealed).await?;
    tx.commit().await?;
    Ok(())
}

/// The first code turns the key on: recovery codes are made, every other session ends (it was
/// opened without the second factor) and this one gets a fresh id.
pub async fn confirm_enrolment(ctx: &Ctx, caller: &Caller, raw_code: &str) -> Result<(), AppError> {
    let state = &ctx.state;
    let (mut tx, row) = own_mfa_state(ctx, caller).await?;
    let Some(pending) = row.pending_key.filter(|_| row.key.is_none()) else {
        return Err(AppError::invalid(
            "code",
            "Start the set-up again: no key is waiting for a first code.",
        ));
    };
    let key = state.files.open_totp_key(caller.user_id, &pending)?;
    let now = state.clock.now();
    let step = app_code_step(&key, raw_code, now, 0).ok_or_else(wrong_code)?;
    if !db::mfa::enable(&mut tx, caller.org_id, caller.user_id, &pending, step, now).await? {
        return Err(wrong_code());
    }
    let codes = replace_recovery_codes(&mut tx, caller).await?;
    let epoch = db::users::bump_session_epoch(&mut tx, caller.org_id, caller.user_id).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::MfaEnabled,
        &caller.user_public_id,
    )
    .await?;
    tx.commit().await?;
    keep_this_session(ctx, caller, epoch).await?;
    ctx.session.insert(FRESH_RECOVERY_CODES_KEY, codes).await?;
    Ok(())
}

/// New recovery codes replace the old ones; a current code from the app is asked first.
pub async fn regenerate_recovery_codes(
    ctx: &Ctx,
    caller: &Caller,
    raw_code: &str,
) -> Result<(), AppError> {
    let mut tx = verified_by_app(ctx, caller, raw_code).await?;
    let codes = replace_recovery_codes(&mut tx, caller).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::RecoveryCodesRegenerated,
        &caller.user_public_id,
    )
    .await?;
    tx.commit().await?;
    ctx.session.insert(FRESH_RECOVERY_CODES_KEY, codes).await?;
    Ok(())
}

/// Turns the second factor off, for users whose role and organisation leave it optional.
pub async fn disable(ctx: &Ctx, caller: &Caller, raw_code: &str) -> Result<(), AppError> {
    if caller.mfa_required {
        return Err(AppError::BadRequest {
            message: "Your role or your organisation requires two-factor sign-in; it stays on."
                .into(),
        });
    }
    let mut tx = verified_by_app(ctx, caller, raw_code).await?;
    db::mfa::disable(&mut tx, caller.org_id, caller.user_id).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::MfaDisabled,
        &caller.user_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a current app code (never a recovery code) and spends its time step; the open
/// transaction carries the change the code authorises.
async fn verified_by_app(ctx: &Ctx, caller: &Caller, raw_code: &str) -> Result<db::Tx, AppError> {
    let state = &ctx.state;
    let (mut tx, row) = own_mfa_state(ctx, caller).await?;
    let Some(sealed) = row.key else {
        return Err(AppError::BadRequest {
            message: "Two-factor sign-in is not on.".into(),
        });
    };
    let key = state.files.open_totp_key(caller.user_id, &sealed)?;
    let step =
        app_code_step(&key, raw_code, state.clock.now(), row.last_step).ok_or_else(wrong_code)?;
    if !db::mfa::claim_step(&mut tx, caller.org_id, caller.user_id, step).await? {
        return Err(wrong_code());
    }
    Ok(tx)
}

async fn replace_recovery_codes(tx: &mut db::Tx, caller: &Caller) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| new_recovery_code())
        .collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| recovery_hash(c)).collect();
    db::mfa::replace_recovery_codes(tx, caller.org_id, caller.user_id, &hashes).await?;
    Ok(codes.iter().map(|c| display_recovery_code(c)).collect())
}

fn new_recovery_code() -> String {
    let raw = tokens::random_16();
    let encoded = tokens::base32(&raw[..10]).to_ascii_uppercase();
    encoded[..RECOVERY_CODE_LEN].to_owned()
}

fn recovery_hash(normalised: &str) -> Vec<u8> {
    Sha256::digest(normalised.as_bytes()).to_vec()
}

/// The second step of sign-in: a code from the app (each time step once) or an unused recovery
/// code. Success opens the session exactly as a sign-in without a second factor does.
pub async fn complete_sign_in(ctx: &Ctx, raw_code: &str) -> Result<(), AppError> {
    let state = &ctx.state;
    let Some(pending) = ctx
        .session
        .get::<PendingSignIn>(PENDING_SIGN_IN_KEY)
        .await?
    else {
        return Err(AppError::Unauthenticated);
    };
    let now = state.clock.now();
    if now.unix_timestamp() - pending.started_at > PENDING_SIGN_IN_SECS {
        ctx.session
            .remove::<PendingSignIn>(PENDING_SIGN_IN_KEY)
            .await?;
        return Err(AppError::Unauthenticated);
    }
    let mut tx = state.db.begin_for_org(pending.org_id).await?;
    let creds = db::users::credentials(&mut tx, pending.org_id, pending.user_id).await?;
    let Some(creds) = creds.filter(|c| c.active && c.session_epoch == pending.epoch) else {
        tx.commit().await?;
        ctx.session
            .remove::<PendingSignIn>(PENDING_SIGN_IN_KEY)
            .await?;
        return Err(AppError::Unauthenticated);
    };
    // Counted in the transaction, which commits every attempt with its audit event (a refused
    // one rolls back, leaving the count at the limit).
    rate_limit::check_in(
        &mut tx,
        state,
        limits::SECOND_FACTOR_PER_ACCOUNT,
        &creds.public_id,
    )
    .await?;
    let row = db::mfa::state(&mut tx, pending.org_id, pending.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let passed = match (SecondFactor::parse(raw_code), row.key) {
        (Some(SecondFactor::Totp(_)), Some(sealed)) => {
            let key = state.files.open_totp_key(pending.user_id, &sealed)?;
            match app_code_step(&key, raw_code, now, row.last_step) {
                Some(step) => db::mfa::claim_step(&mut tx, pending.org_id, pending.user_id, step)
                    .await?
                    .then_some(AuditAction::MfaVerified),
                None => None,
            }
        }
        (Some(SecondFactor::Recovery(code)), Some(_)) => db::mfa::spend_recovery_code(
            &mut tx,
            pending.org_id,
            pending.user_id,
            &recovery_hash(&code),
            now,
        )
        .await?
        .then_some(AuditAction::RecoveryCodeUsed),
        _ => None,
    };
    let (action, outcome) = match passed {
        Some(action) => (action, Outcome::Success),
        None => (AuditAction::MfaFailed, Outcome::Failure),
    };
    audit::record(
        &mut tx,
        &ctx.meta,
        now,
        Entry {
            org_id: Some(pending.org_id),
            actor: (outcome == Outcome::Success).then_some(creds.public_id.as_str()),
            action,
            target: Some(&creds.public_id),
            outcome,
        },
    )
    .await?;
    tx.commit().await?;
    if passed.is_none() {
        return Err(wrong_code());
    }
    ctx.session
        .remove::<PendingSignIn>(PENDING_SIGN_IN_KEY)
        .await?;
    start_session(ctx, pending.org_id, &creds).await
}

/// Remembers that the first factor passed, under a fresh session id.
pub async fn await_second_factor(
    ctx: &Ctx,
    org_id: Uuid,
    creds: &db::users::Credentials,
) -> Result<(), AppError> {
    ctx.session.cycle_id().await?;
    ctx.session
        .insert(
            PENDING_SIGN_IN_KEY,
            PendingSignIn {
                user_id: creds.id,
                org_id,
                epoch: creds.session_epoch,
                started_at: ctx.state.clock.now().unix_timestamp(),
            },
        )
        .await?;
    Ok(())
}

/// An admin removes a colleague's second factor (lost phone): their sessions end and, where it is
/// required, they enrol again at their next sign-in.
pub async fn reset_for(ctx: &Ctx, caller: &Caller, user_public_id: &str) -> Result<(), AppError> {
    caller.require(Permission::ManageUsers)?;
    PublicId::parse(IdKind::User, user_public_id).ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let user_id = db::users::staff_by_public_id(&mut tx, caller.org_id, user_public_id)
        .await?
        .ok_or(AppError::NotFound)?
        .id;
    db::mfa::disable(&mut tx, caller.org_id, user_id).await?;
    db::users::bump_session_epoch(&mut tx, caller.org_id, user_id).await?;
    record_caller_action(ctx, &mut tx, caller, AuditAction::MfaReset, user_public_id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_policy(ctx: &Ctx, caller: &Caller, raw: &str) -> Result<(), AppError> {
    caller.require(Permission::ManageOrgSettings)?;
    let policy = MfaPolicy::parse(raw)
        .ok_or_else(|| AppError::invalid("mfa_policy", "Choose one of the listed policies."))?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::mfa::set_policy(&mut tx, caller.org_id, policy.as_str()).await?;
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

pub async fn policy(ctx: &Ctx, caller: &Caller) -> Result<MfaPolicy, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let raw = db::mfa::policy(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(MfaPolicy::parse(&raw).unwrap_or(MfaPolicy::Everyone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_80_bit_base32_and_read_back_as_typed() {
        let a = new_recovery_code();
        assert_eq!(a.len(), RECOVERY_CODE_LEN);
        assert_ne!(a, new_recovery_code());
        let shown = display_recovery_code(&a);
        assert_eq!(
            SecondFactor::parse(&shown.to_lowercase()),
            Some(SecondFactor::Recovery(a.clone()))
        );
    }
}
