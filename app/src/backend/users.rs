//! Users (F4): admins invite by e-mail (one-time link, 7 days), change roles, deactivate and
//! reactivate. Every request re-reads the user (F2), so a change takes effect on their very next
//! request; deactivation also ends their sessions. No change may leave an organisation without an
//! active admin.

use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::{password, tokens::random_16, tokens::RawToken};
use super::db::{self, users::NewUser, Tx};
use super::guard::{Caller, Ctx};
use super::links::{consume_token, peek_token};
use super::mail::messages::{self, Action, CandidateEmail};
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::recruitment::single_line;
use crate::domain::role::{Permission, Role};
use crate::domain::token::TokenPurpose;
use crate::error::{AppError, FieldError};
use uuid::Uuid;

pub async fn list(ctx: &Ctx, caller: &Caller) -> Result<Vec<db::users::MemberRow>, AppError> {
    caller.require(Permission::ManageUsers)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = db::users::list_for_org(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(rows)
}

fn parse_role(raw: &str) -> Result<Role, AppError> {
    Role::parse(raw).ok_or_else(|| AppError::invalid("role", "Choose a role."))
}

/// Invites a colleague: an account that cannot sign in until the link is used.
pub async fn invite(
    ctx: &Ctx,
    caller: &Caller,
    raw_email: &str,
    raw_name: &str,
    raw_role: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageUsers)?;
    let mut fields = Vec::new();
    let email = EmailAddress::parse(raw_email).map_err(|e| {
        fields.push(FieldError {
            field: "email".into(),
            message: e.to_string(),
        })
    });
    let name = single_line(raw_name, 200).map_err(|m| {
        fields.push(FieldError {
            field: "display_name".into(),
            message: m,
        })
    });
    let role = parse_role(raw_role).map_err(|_| {
        fields.push(FieldError {
            field: "role".into(),
            message: "Choose a role.".into(),
        })
    });
    let (Ok(email), Ok(name), Ok(role)) = (email, name, role) else {
        return Err(AppError::Invalid { fields });
    };
    let mut probe = ctx.state.db.begin_unscoped().await?;
    let taken = db::users::locate_by_email(&mut probe, email.as_str()).await?;
    probe.commit().await?;
    if taken.is_some() {
        return Err(AppError::invalid(
            "email",
            "This address cannot be invited: it already belongs to an account.",
        ));
    }
    // A real hash of random bytes: an invitee cannot sign in, and a try takes as long as any.
    let unusable = RawToken::generate();
    let placeholder = password::parse_new_password(unusable.as_str().to_owned(), &[])
        .map_err(|_| super::errors::internal("a random placeholder was refused"))?;
    let hash = password::hash(&placeholder).await?;
    let now = ctx.state.clock.now();
    let user_id = Uuid::new_v4();
    let public = PublicId::from_random(IdKind::User, random_16());
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let inserted = db::users::insert(
        &mut tx,
        &NewUser {
            id: user_id,
            public_id: public.as_str(),
            org_id: caller.org_id,
            email: email.as_str(),
            display_name: &name,
            password_hash: &hash,
            role: role.as_str(),
        },
    )
    .await;
    if let Err(err) = inserted {
        return Err(if super::errors::is_unique_violation(&err) {
            AppError::invalid(
                "email",
                "This address cannot be invited: it already belongs to an account.",
            )
        } else {
            err.into()
        });
    }
    let token = RawToken::generate();
    let purpose = TokenPurpose::Invite;
    db::tokens::insert(
        &mut tx,
        caller.org_id,
        purpose.as_str(),
        user_id,
        &token.hash(),
        now + purpose.lifetime(),
    )
    .await?;
    let mail = CandidateEmail {
        kind: "invite",
        lang: "en",
        subject: format!("{} invites you to Candor", caller.org_name),
        greeting: format!("Hello {name},"),
        paragraphs: vec![format!(
            "{} invites you to join {} on Candor as {}.",
            caller.display_name,
            caller.org_name,
            role.label().to_lowercase()
        )],
        action: Some(Action {
            label: "Accept the invitation".into(),
            link: ctx
                .state
                .settings
                .link(&format!("/invite/{}", token.as_str())),
        }),
        closing: vec![format!(
            "The link works once, for {} days. If you did not expect it, ignore this e-mail.",
            purpose.lifetime().whole_days()
        )],
        sender_line: "Candor, the recruiting portal.".into(),
    };
    messages::queue(&mut tx, Some(caller.org_id), email.as_str(), &mail).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::UserInvited,
        public.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A colleague named in a form: by public id (a picker's choice), or by e-mail address (typed
/// where the organisation has more colleagues than a picker lists).
pub(super) async fn colleague(
    tx: &mut Tx,
    org_id: Uuid,
    reference: &str,
) -> Result<Option<db::users::StaffRow>, AppError> {
    let reference = reference.trim();
    if !reference.contains('@') {
        return Ok(db::users::staff_by_public_id(tx, org_id, reference).await?);
    }
    match EmailAddress::parse(reference) {
        Ok(email) => Ok(db::users::staff_by_email(tx, org_id, email.as_str()).await?),
        Err(_) => Ok(None),
    }
}

async fn target(
    tx: &mut Tx,
    caller: &Caller,
    user_public_id: &str,
) -> Result<db::users::StaffRow, AppError> {
    let id = PublicId::parse(IdKind::User, user_public_id).ok_or(AppError::NotFound)?;
    db::users::staff_by_public_id(tx, caller.org_id, id.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(
    tx: &mut Tx,
    caller: &Caller,
    user: &db::users::StaffRow,
    stays_admin: bool,
) -> Result<(), AppError> {
    let admins = db::users::lock_active_admins(tx, caller.org_id).await?;
    if !stays_admin && admins == [user.id] {
        return Err(AppError::invalid(
            "role",
            "This is the organisation's last active admin; make someone else admin first.",
        ));
    }
    Ok(())
}

pub async fn change_role(
    ctx: &Ctx,
    caller: &Caller,
    user_public_id: &str,
    raw_role: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageUsers)?;
    let role = parse_role(raw_role)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let user = target(&mut tx, caller, user_public_id).await?;
    keep_an_admin(&mut tx, caller, &user, role == Role::Admin || !user.active).await?;
    db::users::set_role(&mut tx, caller.org_id, user.id, role.as_str()).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::UserRoleChanged,
        &user.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_active(
    ctx: &Ctx,
    caller: &Caller,
    user_public_id: &str,
    active: bool,
) -> Result<(), AppError> {
    caller.require(Permission::ManageUsers)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let user = target(&mut tx, caller, user_public_id).await?;
    let stays_admin = active || user.role != Role::Admin.as_str();
    keep_an_admin(&mut tx, caller, &user, stays_admin).await?;
    db::users::set_active(&mut tx, caller.org_id, user.id, active).await?;
    let action = if active {
        AuditAction::UserReactivated
    } else {
        AuditAction::UserDeactivated
    };
    record_caller_action(ctx, &mut tx, caller, action, &user.public_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Where an invitation leads, if the link still works: (organisation, address).
pub async fn invitation(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
) -> Result<Option<(String, String)>, AppError> {
    let Some(mut peeked) = peek_token(state, meta, raw_token, &[TokenPurpose::Invite]).await?
    else {
        return Ok(None);
    };
    let row = db::users::invitee(&mut peeked.tx, peeked.org_id, peeked.subject).await?;
    let tx = peeked.tx;
    tx.commit().await?;
    Ok(row.map(|r| (r.org_name, r.email)))
}

/// The link proved the address: verified, audited, committed.
async fn finish_acceptance(
    mut tx: db::Tx,
    meta: &RequestMeta,
    org_id: Uuid,
    user_id: Uuid,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    db::users::mark_email_verified(&mut tx, org_id, user_id, now).await?;
    let public: Option<String> = db::users::caller(&mut *tx, org_id, user_id)
        .await?
        .map(|c| c.user_public_id);
    audit::record(
        &mut tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: public.as_deref(),
            action: AuditAction::InvitationAccepted,
            target: public.as_deref(),
            outcome: Outcome::Success,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Uses the invitation through single sign-on (F4): the provider vouched for `email`, which must
/// be the invited address; the organisation's SSO rules were checked by the caller. The name the
/// admin typed stays; the password stays unusable.
pub async fn accept_via_sso(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    email: &str,
) -> Result<(), AppError> {
    let (_, invited) = invitation(state, meta, raw_token)
        .await?
        .ok_or(AppError::InvalidToken)?;
    if invited != email {
        return Err(AppError::SsoRefused);
    }
    let (tx, org_id, user_id) = consume_token(state, meta, raw_token, TokenPurpose::Invite).await?;
    let now = state.clock.now();
    finish_acceptance(tx, meta, org_id, user_id, now).await
}

/// Uses the invitation: the name and password the invitee chose; the address is verified by the
/// link itself.
pub async fn accept(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    raw_name: &str,
    raw_password: String,
) -> Result<(), AppError> {
    let name = single_line(raw_name, 200).map_err(|m| AppError::invalid("display_name", m))?;
    // The choice is checked before the link is used, so a refused password does not spend it.
    let (_, email) = invitation(state, meta, raw_token)
        .await?
        .ok_or(AppError::InvalidToken)?;
    let checked = password::parse_new_password(raw_password, &[email.as_str(), &name])
        .map_err(|e| AppError::invalid("password", e))?;
    let hash = password::hash(&checked).await?;
    let (mut tx, org_id, user_id) =
        consume_token(state, meta, raw_token, TokenPurpose::Invite).await?;
    let now = state.clock.now();
    db::users::set_password(&mut tx, org_id, user_id, &hash, now).await?;
    db::users::set_display_name(&mut tx, org_id, user_id, &name).await?;
    finish_acceptance(tx, meta, org_id, user_id, now).await
}
