//! Account use cases: sign-up (F1), e-mail verification, sign-in and sign-out (F2), password
//! reset (F3), and a user's own account. Each owns its transaction.

use super::audit::{self, Entry, Outcome};
use super::auth::session::{SessionUser, OPENING_EVENT_KEY, SESSION_KEY};
use super::auth::{password, tokens};
use super::db::{self, orgs::NewOrg, users::NewUser};
use super::deferred::{self, Job};
use super::errors::is_unique_violation;
use super::guard::{Caller, Ctx, CURRENT_DPA_VERSION};
use super::links::consume_token;
use super::mail::messages::{self, AccountExists, PasswordChanged, PasswordReset, VerifyEmail};
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::mfa::{second_factor_required, MfaPolicy};
use crate::domain::rate_limit as limits;
use crate::domain::role::Role;
use crate::domain::token::TokenPurpose;
use crate::error::{AppError, FieldError};
use uuid::Uuid;

pub struct SignUpForm {
    pub org_name: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub accept_dpa: bool,
}

struct ValidSignUp {
    org_name: String,
    display_name: String,
    email: EmailAddress,
    password: crate::domain::password::NewPassword,
}

fn required_text(field: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.push(FieldError {
            field: field.into(),
            message: "This field is required.".into(),
        });
    } else if value.chars().count() > max || value.chars().any(char::is_control) {
        errors.push(FieldError {
            field: field.into(),
            message: format!("Use at most {max} characters, without control characters."),
        });
    }
    value.to_owned()
}

fn validate_sign_up(form: SignUpForm) -> Result<ValidSignUp, AppError> {
    let mut errors = Vec::new();
    let org_name = required_text("org_name", &form.org_name, 200, &mut errors);
    let display_name = required_text("display_name", &form.display_name, 200, &mut errors);
    let email = EmailAddress::parse(&form.email).map_err(|e| {
        errors.push(FieldError {
            field: "email".into(),
            message: e.to_string(),
        })
    });
    let password = password::parse_new_password(
        form.password,
        &[form.email.trim(), display_name.as_str(), org_name.as_str()],
    )
    .map_err(|e| {
        errors.push(FieldError {
            field: "password".into(),
            message: e.to_string(),
        })
    });
    if !form.accept_dpa {
        errors.push(FieldError {
            field: "accept_dpa".into(),
            message: "Accept the data processing agreement to continue.".into(),
        });
    }
    match (email, password) {
        (Ok(email), Ok(password)) if errors.is_empty() => Ok(ValidSignUp {
            org_name,
            display_name,
            email,
            password,
        }),
        _ => Err(AppError::Invalid { fields: errors }),
    }
}

fn new_public_id(kind: IdKind) -> PublicId {
    PublicId::from_random(kind, tokens::random_16())
}

/// Sign-up (F1): checks the limits and the form, hashes the password and queues the rest, so the
/// answer — and its timing and statements — is the same whether or not the address has an
/// account ([`complete_sign_up`] runs in the worker).
pub async fn sign_up(ctx: &Ctx, form: SignUpForm) -> Result<(), AppError> {
    let state = &ctx.state;
    rate_limit::check(
        state,
        limits::SIGN_UP_PER_ADDRESS,
        &limits::address_subject(ctx.meta.client_addr),
    )
    .await?;
    let valid = validate_sign_up(form)?;
    let password_hash = password::hash(&valid.password).await?;
    let job = Job::SignUp(deferred::SignUp {
        org_name: valid.org_name,
        display_name: valid.display_name,
        email: valid.email.as_str().to_owned(),
        password_hash,
    });
    deferred::defer(state, &ctx.meta, &job).await
}

/// The worker's half of a sign-up: creates the organisation and its first admin, records the DPA
/// acceptance and sends the verification link; an address that already has an account is sent
/// another e-mail instead, so sign-up cannot be used to discover accounts.
pub(super) async fn complete_sign_up(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    sign_up: deferred::SignUp,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(&sign_up.email).map_err(super::errors::internal)?;
    if let Some((_, org_id)) = db::users::locate_by_email(tx, email.as_str()).await? {
        return notify_existing_account(state, tx, meta, org_id, &email).await;
    }
    let now = state.clock.now();
    let org_id = Uuid::new_v4();
    let user_id = Uuid::new_v4();
    let org_public = new_public_id(IdKind::Org);
    let user_public = new_public_id(IdKind::User);
    db::scope(tx, org_id).await?;
    // Another sign-up with this address may win the race: this one then answers as for an
    // existing account, in the same transaction.
    db::savepoint(tx).await?;
    let created = create_org_and_admin(
        tx,
        &NewOrg {
            id: org_id,
            public_id: org_public.as_str(),
            name: &sign_up.org_name,
            dpa_version: CURRENT_DPA_VERSION,
        },
        &NewUser {
            id: user_id,
            public_id: user_public.as_str(),
            org_id,
            email: email.as_str(),
            display_name: &sign_up.display_name,
            password_hash: &sign_up.password_hash,
            role: Role::Admin.as_str(),
        },
    )
    .await;
    match created {
        Ok(()) => {}
        Err(err) if is_unique_violation(&err) => {
            db::roll_back_to_savepoint(tx).await?;
            if let Some((_, org_id)) = db::users::locate_by_email(tx, email.as_str()).await? {
                return notify_existing_account(state, tx, meta, org_id, &email).await;
            }
            return Err(err.into());
        }
        Err(err) => return Err(err.into()),
    }

    let user_ref = user_public.as_str();
    let created: Vec<Entry<'_>> = [
        (AuditAction::OrgCreated, org_public.as_str()),
        (AuditAction::SignUp, user_ref),
        (AuditAction::DpaAccepted, org_public.as_str()),
    ]
    .into_iter()
    .map(|(action, target)| Entry {
        org_id: Some(org_id),
        actor: Some(user_ref),
        action,
        target: Some(target),
        outcome: Outcome::Success,
    })
    .collect();
    audit::record_many(tx, meta, now, &created).await?;
    send_verification(
        state,
        tx,
        meta,
        org_id,
        user_id,
        user_ref,
        &sign_up.display_name,
        &sign_up.org_name,
        &email,
    )
    .await
}

/// The organisation, its first admin and the admin's acceptance of the current DPA.
async fn create_org_and_admin(
    tx: &mut db::Tx,
    org: &NewOrg<'_>,
    admin: &NewUser<'_>,
) -> Result<(), sqlx::Error> {
    db::orgs::insert(tx, org).await?;
    db::users::insert(tx, admin).await?;
    db::orgs::record_dpa_acceptance(tx, org.id, admin.id, CURRENT_DPA_VERSION).await
}

async fn notify_existing_account(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    org_id: Uuid,
    email: &EmailAddress,
) -> Result<(), AppError> {
    db::scope(tx, org_id).await?;
    messages::queue(
        tx,
        Some(org_id),
        email.as_str(),
        &AccountExists {
            sign_in_link: state.settings.link("/login"),
            reset_link: state.settings.link("/reset"),
        },
    )
    .await?;
    audit::record(
        tx,
        meta,
        state.clock.now(),
        Entry {
            org_id: Some(org_id),
            actor: None,
            action: AuditAction::SignUpExistingAddress,
            target: None,
            outcome: Outcome::Denied,
        },
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)] // one call site each; a struct would only rename them
async fn send_verification(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    org_id: Uuid,
    user_id: Uuid,
    user_public_id: &str,
    display_name: &str,
    org_name: &str,
    email: &EmailAddress,
) -> Result<(), AppError> {
    let purpose = TokenPurpose::EmailVerification;
    let token = tokens::RawToken::generate();
    let now = state.clock.now();
    db::tokens::insert(
        tx,
        org_id,
        purpose.as_str(),
        user_id,
        &token.hash(),
        now + purpose.lifetime(),
    )
    .await?;
    messages::queue(
        tx,
        Some(org_id),
        email.as_str(),
        &VerifyEmail {
            display_name: display_name.to_owned(),
            org_name: org_name.to_owned(),
            link: state
                .settings
                .link(&format!("/verify-email/{}", token.as_str())),
            valid_hours: purpose.lifetime().whole_hours(),
        },
    )
    .await?;
    audit::record(
        tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: None,
            action: AuditAction::EmailVerificationSent,
            target: Some(user_public_id),
            outcome: Outcome::Success,
        },
    )
    .await?;
    Ok(())
}

pub async fn verify_email(ctx: &Ctx, raw_token: &str) -> Result<(), AppError> {
    let state = &ctx.state;
    let (mut tx, org_id, user_id) =
        consume_token(state, &ctx.meta, raw_token, TokenPurpose::EmailVerification).await?;
    let now = state.clock.now();
    db::users::mark_email_verified(&mut tx, org_id, user_id, now).await?;
    let user = db::users::caller(&mut *tx, org_id, user_id)
        .await?
        .ok_or(AppError::InvalidToken)?;
    audit::record_own_action(
        &mut tx,
        &ctx.meta,
        now,
        org_id,
        &user.user_public_id,
        AuditAction::EmailVerified,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Asks for a fresh verification link: checks the limits and queues the request, so the answer
/// never says whether the address is known ([`send_fresh_verification`] runs in the worker).
pub async fn resend_verification(ctx: &Ctx, raw_email: &str) -> Result<(), AppError> {
    let limits = (limits::RESEND_PER_ADDRESS, limits::RESEND_PER_ACCOUNT);
    defer_for_address(ctx, limits, raw_email, |email| Job::VerificationResend {
        email,
    })
    .await
}

/// Counts the request against its address's and its account's limits, then queues it.
async fn defer_for_address(
    ctx: &Ctx,
    (per_address, per_account): (limits::Policy, limits::Policy),
    raw_email: &str,
    job: impl FnOnce(String) -> Job,
) -> Result<(), AppError> {
    let state = &ctx.state;
    let address = limits::address_subject(ctx.meta.client_addr);
    rate_limit::check(state, per_address, &address).await?;
    let email = EmailAddress::parse(raw_email).map_err(|e| AppError::invalid("email", e))?;
    rate_limit::check(state, per_account, email.as_str()).await?;
    deferred::defer(state, &ctx.meta, &job(email.as_str().to_owned())).await
}

/// The account with this address, the transaction scoped to its organisation.
async fn scoped_account(
    tx: &mut db::Tx,
    raw_email: &str,
) -> Result<Option<(EmailAddress, Uuid, Uuid)>, AppError> {
    let email = EmailAddress::parse(raw_email).map_err(super::errors::internal)?;
    let Some((user_id, org_id)) = db::users::locate_by_email(tx, email.as_str()).await? else {
        return Ok(None);
    };
    db::scope(tx, org_id).await?;
    Ok(Some((email, user_id, org_id)))
}

/// The worker's half: a fresh link, only to an active account not verified yet.
pub(super) async fn send_fresh_verification(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    raw_email: &str,
) -> Result<(), AppError> {
    let Some((email, user_id, org_id)) = scoped_account(tx, raw_email).await? else {
        return Ok(());
    };
    let creds = db::users::credentials(tx, org_id, user_id).await?;
    let user = db::users::caller(&mut **tx, org_id, user_id).await?;
    if let (Some(creds), Some(user)) = (creds, user) {
        if creds.active && !creds.email_verified {
            send_verification(
                state,
                tx,
                meta,
                org_id,
                user_id,
                &user.user_public_id,
                &user.display_name,
                &user.org_name,
                &email,
            )
            .await?;
        }
    }
    Ok(())
}

/// Records a failed sign-in in its own transaction, so it persists although the request fails.
async fn audit_sign_in_failure(
    ctx: &Ctx,
    org_id: Option<Uuid>,
    target: Option<&str>,
    action: AuditAction,
) -> Result<(), AppError> {
    audit::record_alone(
        ctx.state.db.app_pool(),
        &ctx.meta,
        ctx.state.clock.now(),
        Entry {
            org_id,
            actor: None,
            action,
            target,
            outcome: Outcome::Failure,
        },
    )
    .await?;
    Ok(())
}

/// Signs in with e-mail and password. Every failure answers the same, after the same work.
pub async fn sign_in(
    ctx: &Ctx,
    raw_email: &str,
    raw_password: String,
) -> Result<SignInOutcome, AppError> {
    let state = &ctx.state;
    let email = EmailAddress::parse(raw_email).ok();
    let account_key = email
        .as_ref()
        .map_or(raw_email.trim().to_lowercase(), |e| e.to_string());
    let address = limits::address_subject(ctx.meta.client_addr);
    let counted = [
        (limits::SIGN_IN_PER_ADDRESS, address.as_str()),
        (limits::SIGN_IN_PER_ACCOUNT, account_key.as_str()),
    ];
    // The hits are counted and the account read in one statement; a refused attempt reads an
    // account it never uses, and answers as soon.
    let hits = rate_limit::Hits::new(&counted, state.clock.now());
    let attempt = db::users::sign_in_attempt(
        state.db.app_pool(),
        &hits.buckets,
        &hits.window_starts,
        email.as_ref().map(EmailAddress::as_str),
    )
    .await?;
    if let Err(limited) = hits.decide(&attempt.counted) {
        if matches!(limited, AppError::RateLimited { .. }) {
            audit_sign_in_failure(ctx, None, None, AuditAction::SignInRateLimited).await?;
        }
        return Err(limited);
    }

    let creds = attempt.account;
    let stored = creds.as_ref().map(|(_, c)| c.password_hash.clone());
    let password_ok = password::verify(raw_password, stored).await?;

    let (org_id, creds) = match creds {
        Some((org_id, creds)) if password_ok && creds.active => (org_id, creds),
        other => {
            let (org, target) = other.map_or((None, None), |(o, c)| (Some(o), Some(c.public_id)));
            audit_sign_in_failure(ctx, org, target.as_deref(), AuditAction::SignInFailed).await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    if !creds.email_verified {
        // Only someone who knows the password learns this.
        return Err(AppError::EmailNotVerified);
    }

    after_first_factor(ctx, org_id, &creds).await
}

/// The first factor (password or SSO) passed: ask for the second, or open the session.
pub(super) async fn after_first_factor(
    ctx: &Ctx,
    org_id: Uuid,
    creds: &db::users::Credentials,
) -> Result<SignInOutcome, AppError> {
    if creds.mfa_enabled {
        super::mfa::await_second_factor(ctx, org_id, creds).await?;
        return Ok(SignInOutcome::SecondFactorNeeded);
    }
    start_session(ctx, org_id, creds).await?;
    let must_enrol = Role::parse(&creds.role).is_some_and(|role| {
        second_factor_required(
            role,
            MfaPolicy::parse(&creds.mfa_policy).unwrap_or(MfaPolicy::Everyone),
        )
    });
    Ok(if must_enrol {
        SignInOutcome::EnrolmentNeeded
    } else {
        SignInOutcome::SignedIn
    })
}

/// Where a correct password leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    SignedIn,
    /// The user has a second factor: `/login/two-factor` asks for it.
    SecondFactorNeeded,
    /// Signed in, but the role or the organisation demands a second factor first.
    EnrolmentNeeded,
}

/// Opens the signed-in session once every factor passed, under a fresh id (session fixation, S4).
pub(super) async fn start_session(
    ctx: &Ctx,
    org_id: Uuid,
    creds: &db::users::Credentials,
) -> Result<(), AppError> {
    let now = ctx.state.clock.now();
    // Only a session the store holds can have an id someone else knows (fixation, S4), so only
    // it is replaced. Reading it settles that: an id the store does not hold is dropped, and the
    // session is then created under a fresh one when it is saved. Cycling regardless cost every
    // sign-in a DELETE of an id that was never stored.
    ctx.session.get::<SessionUser>(SESSION_KEY).await?;
    if ctx.session.id().is_some() {
        ctx.session.cycle_id().await?;
    }
    ctx.session
        .insert(
            SESSION_KEY,
            SessionUser {
                user_id: creds.id,
                org_id,
                epoch: creds.session_epoch,
                signed_in_at: now.unix_timestamp(),
            },
        )
        .await?;
    // Appended by the session store with the session, in one statement (OPENING_EVENT_KEY).
    let opening = audit::own_action(org_id, &creds.public_id, AuditAction::SignInSucceeded);
    ctx.session
        .insert(
            OPENING_EVENT_KEY,
            audit::DeferredEvent::new(&ctx.meta, now, &opening),
        )
        .await?;
    Ok(())
}

/// Deletes the session (S4). Signing out without a session is not an error.
pub async fn sign_out(
    state: &AppState,
    meta: &RequestMeta,
    session: &tower_sessions::Session,
    caller: Option<&Caller>,
) -> Result<(), AppError> {
    if let Some(caller) = caller {
        let mut tx = state.db.begin_for_org(caller.org_id).await?;
        audit::record_own_action(
            &mut tx,
            meta,
            state.clock.now(),
            caller.org_id,
            &caller.user_public_id,
            AuditAction::SignedOut,
        )
        .await?;
        tx.commit().await?;
    }
    session.flush().await?;
    Ok(())
}

/// Asks for a reset link: checks the limits and queues the request, so the answer never says
/// whether the address is known ([`send_reset`] runs in the worker).
pub async fn request_password_reset(ctx: &Ctx, raw_email: &str) -> Result<(), AppError> {
    let limits = (limits::RESET_PER_ADDRESS, limits::RESET_PER_ACCOUNT);
    defer_for_address(ctx, limits, raw_email, |email| Job::PasswordReset { email }).await
}

/// The worker's half: a reset link (30 minutes), only to an active account.
pub(super) async fn send_reset(
    state: &AppState,
    tx: &mut db::Tx,
    meta: &RequestMeta,
    raw_email: &str,
) -> Result<(), AppError> {
    let Some((email, user_id, org_id)) = scoped_account(tx, raw_email).await? else {
        return Ok(());
    };
    let Some(user) = db::users::caller(&mut **tx, org_id, user_id).await? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    let purpose = TokenPurpose::PasswordReset;
    let token = tokens::RawToken::generate();
    let now = state.clock.now();
    db::tokens::insert(
        tx,
        org_id,
        purpose.as_str(),
        user_id,
        &token.hash(),
        now + purpose.lifetime(),
    )
    .await?;
    messages::queue(
        tx,
        Some(org_id),
        email.as_str(),
        &PasswordReset {
            display_name: user.display_name.clone(),
            link: state.settings.link(&format!("/reset/{}", token.as_str())),
            valid_minutes: purpose.lifetime().whole_minutes(),
        },
    )
    .await?;
    audit::record(
        tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: None,
            action: AuditAction::PasswordResetRequested,
            target: Some(&user.user_public_id),
            outcome: Outcome::Success,
        },
    )
    .await?;
    Ok(())
}

/// Sets a new password from a reset link and revokes every session of the user (F3).
pub async fn reset_password(
    ctx: &Ctx,
    raw_token: &str,
    new_password: String,
) -> Result<(), AppError> {
    let state = &ctx.state;
    // Validate first: a refused password must not burn the link.
    let candidate = password::parse_new_password(new_password, &[])
        .map_err(|e| AppError::invalid("password", e))?;
    let (mut tx, org_id, user_id) =
        consume_token(state, &ctx.meta, raw_token, TokenPurpose::PasswordReset).await?;
    let user = db::users::caller(&mut *tx, org_id, user_id)
        .await?
        .ok_or(AppError::InvalidToken)?;
    if !user.active {
        return Err(AppError::InvalidToken);
    }
    let hash = password::hash(&candidate).await?;
    let now = state.clock.now();
    db::users::set_password(&mut tx, org_id, user_id, &hash, now).await?;
    audit::record_own_action(
        &mut tx,
        &ctx.meta,
        now,
        org_id,
        &user.user_public_id,
        AuditAction::PasswordResetCompleted,
    )
    .await?;
    tx.commit().await?;
    ctx.session.flush().await?;
    Ok(())
}

/// Changes the signed-in user's password after checking the current one; other sessions end,
/// this one continues under a new id.
pub async fn change_password(
    ctx: &Ctx,
    caller: &Caller,
    current: String,
    new_password: String,
) -> Result<(), AppError> {
    let state = &ctx.state;
    rate_limit::check(state, limits::SIGN_IN_PER_ACCOUNT, &caller.email).await?;
    let candidate = password::parse_new_password(
        new_password,
        &[caller.email.as_str(), caller.display_name.as_str()],
    )
    .map_err(|e| AppError::invalid("new_password", e))?;
    let mut tx = state.db.begin_for_org(caller.org_id).await?;
    let stored = db::users::password_hash(&mut tx, caller.org_id, caller.user_id).await?;
    if !password::verify(current, Some(stored)).await? {
        return Err(AppError::invalid(
            "current_password",
            "This is not your current password.",
        ));
    }
    let hash = password::hash(&candidate).await?;
    let now = state.clock.now();
    let epoch = db::users::set_password(&mut tx, caller.org_id, caller.user_id, &hash, now).await?;
    audit::record_own_action(
        &mut tx,
        &ctx.meta,
        now,
        caller.org_id,
        &caller.user_public_id,
        AuditAction::PasswordChanged,
    )
    .await?;
    messages::queue(
        &mut tx,
        Some(caller.org_id),
        &caller.email,
        &PasswordChanged {
            display_name: caller.display_name.clone(),
            reset_link: state.settings.link("/reset"),
        },
    )
    .await?;
    tx.commit().await?;
    keep_this_session(ctx, caller, epoch).await
}

/// Ends every other session of the signed-in user (their epoch moves on; this one follows).
pub async fn sign_out_other_sessions(ctx: &Ctx, caller: &Caller) -> Result<(), AppError> {
    let state = &ctx.state;
    let mut tx = state.db.begin_for_org(caller.org_id).await?;
    let epoch = db::users::bump_session_epoch(&mut tx, caller.org_id, caller.user_id).await?;
    audit::record_own_action(
        &mut tx,
        &ctx.meta,
        state.clock.now(),
        caller.org_id,
        &caller.user_public_id,
        AuditAction::OtherSessionsRevoked,
    )
    .await?;
    tx.commit().await?;
    keep_this_session(ctx, caller, epoch).await
}

pub(super) async fn keep_this_session(
    ctx: &Ctx,
    caller: &Caller,
    epoch: i32,
) -> Result<(), AppError> {
    let mut record: SessionUser = ctx
        .session
        .get(SESSION_KEY)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    debug_assert_eq!(record.user_id, caller.user_id);
    record.epoch = epoch;
    ctx.session.cycle_id().await?;
    ctx.session.insert(SESSION_KEY, record).await?;
    Ok(())
}

/// Records the organisation's acceptance of the current DPA by this admin (F1).
pub async fn accept_current_dpa(ctx: &Ctx, caller: &Caller) -> Result<(), AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::orgs::record_dpa_acceptance(&mut tx, caller.org_id, caller.user_id, CURRENT_DPA_VERSION)
        .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        ctx.state.clock.now(),
        Entry {
            org_id: Some(caller.org_id),
            actor: Some(&caller.user_public_id),
            action: AuditAction::DpaAccepted,
            target: Some(&caller.org_public_id),
            outcome: Outcome::Success,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub struct ActivityItem {
    pub occurred_at: time::OffsetDateTime,
    pub action: String,
    pub outcome: String,
}

/// The signed-in user's recent security events, for their account page.
pub async fn recent_activity(ctx: &Ctx, caller: &Caller) -> Result<Vec<ActivityItem>, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows =
        db::audit::recent_for_actor(&mut tx, caller.org_id, &caller.user_public_id, 10).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| ActivityItem {
            occurred_at: r.occurred_at,
            action: r.action,
            outcome: r.outcome,
        })
        .collect())
}

/// The caller's organisation in numbers, for the dashboard's team panel: members per role.
pub async fn team(ctx: &Ctx, caller: &Caller) -> Result<Vec<db::users::RoleCountRow>, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = db::users::count_by_role(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(rows)
}
