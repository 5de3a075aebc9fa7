//! Users (F4): admins invite by e-mail (one-time link, 7 days; the account is made when the
//! invitee accepts), change roles, deactivate and reactivate. Every request re-reads the user
//! (F2), so a change takes effect on their very next request; deactivation also ends their
//! sessions. No change may leave an organisation without an active admin.

use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::{password, tokens::random_16, tokens::RawToken};
use super::db::{self, users::NewUser, Tx};
use super::guard::{Caller, Ctx};
use super::links::{consume_token, peek_token};
use super::mail::messages::{self, Action, CandidateEmail};
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::rate_limit as limits;
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

/// Invites a colleague (F4): an invitation, not yet an account — the account is made when the
/// link is used. The answer never depends on whether the address has an account in another
/// organisation, and a pending invitation never keeps the address from signing up or joining
/// elsewhere. Inviting a pending address again renews its invitation with a new link.
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
    let now = ctx.state.clock.now();
    let purpose = TokenPurpose::Invite;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    // Counted with the invitation it allows: a refused one sends nothing.
    rate_limit::check_in(
        &mut tx,
        &ctx.state,
        limits::INVITATIONS_PER_ORG,
        &caller.org_public_id,
    )
    .await?;
    // Only this organisation's own members are looked at.
    if db::users::staff_by_email(&mut tx, caller.org_id, email.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::invalid(
            "email",
            "This address belongs to a member of your organisation already.",
        ));
    }
    let public = PublicId::from_random(IdKind::Invitation, random_16());
    let (invitation_id, invitation_public) = db::invitations::upsert(
        &mut tx,
        &db::invitations::NewInvitation {
            id: Uuid::new_v4(),
            public_id: public.as_str(),
            org_id: caller.org_id,
            email: email.as_str(),
            display_name: &name,
            role: role.as_str(),
            invited_by: caller.user_id,
            expires_at: now + purpose.lifetime(),
            now,
        },
    )
    .await?;
    db::tokens::revoke(&mut tx, caller.org_id, purpose.as_str(), invitation_id, now).await?;
    let token = RawToken::generate();
    db::tokens::insert(
        &mut tx,
        caller.org_id,
        purpose.as_str(),
        invitation_id,
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
        attachment: None,
    };
    messages::queue(&mut tx, Some(caller.org_id), email.as_str(), &mail).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::UserInvited,
        &invitation_public,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organisation's invitations waiting for an answer.
pub async fn pending_invitations(
    ctx: &Ctx,
    caller: &Caller,
) -> Result<Vec<db::invitations::InvitationRow>, AppError> {
    caller.require(Permission::ManageUsers)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = db::invitations::pending(&mut tx, caller.org_id, ctx.state.clock.now()).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Withdraws a pending invitation: its link stops working at once (audited).
pub async fn withdraw_invitation(
    ctx: &Ctx,
    caller: &Caller,
    invitation_public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageUsers)?;
    let id = PublicId::parse(IdKind::Invitation, invitation_public_id).ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let invitation = db::invitations::withdraw(&mut tx, caller.org_id, id.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    db::tokens::revoke(
        &mut tx,
        caller.org_id,
        TokenPurpose::Invite.as_str(),
        invitation,
        ctx.state.clock.now(),
    )
    .await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::InvitationWithdrawn,
        id.as_str(),
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

/// An invitation whose link still works.
pub struct Invitation {
    pub org_id: Uuid,
    pub org_name: String,
    pub email: String,
}

/// The invitation behind a link that still works (the GET only shows); refused as `peek_token`
/// refuses, and gone when the invitation was withdrawn or has lapsed.
pub async fn invitation_behind(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
) -> Result<Invitation, AppError> {
    let mut peeked = peek_token(state, meta, raw_token, &[TokenPurpose::Invite]).await?;
    let now = state.clock.now();
    let row = db::invitations::find(&mut peeked.tx, peeked.org_id, peeked.subject, now).await?;
    let tx = peeked.tx;
    tx.commit().await?;
    let row = row.ok_or(AppError::InvalidToken)?;
    Ok(Invitation {
        org_id: peeked.org_id,
        org_name: row.org_name,
        email: row.email,
    })
}

/// Where an invitation leads, if the link still works: (organisation, address).
pub async fn invitation(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
) -> Result<(String, String), AppError> {
    let i = invitation_behind(state, meta, raw_token).await?;
    Ok((i.org_name, i.email))
}

/// An address belongs to one account across the portal: one made elsewhere since the invitation
/// was sent keeps it. Only the invitee, who holds the link, is told.
fn address_taken() -> AppError {
    AppError::Conflict {
        message: "This address already has a Candor account, which belongs to another \
                  organisation: one address has one account. Ask whoever invited you to invite \
                  another address."
            .into(),
    }
}

/// The link proved the address: the account is made (verified), the invitation goes, audited.
async fn create_account(
    mut tx: db::Tx,
    meta: &RequestMeta,
    org_id: Uuid,
    invitation_id: Uuid,
    chosen_name: Option<&str>,
    password_hash: &str,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let invitation = db::invitations::find(&mut tx, org_id, invitation_id, now)
        .await?
        .ok_or(AppError::InvalidToken)?;
    if let Some((user_id, _)) = db::users::locate_by_email(&mut tx, &invitation.email).await? {
        if user_id != invitation.id {
            return Err(address_taken());
        }
    }
    let public = PublicId::from_random(IdKind::User, random_16());
    let created = db::users::create_invited(
        &mut tx,
        &NewUser {
            id: invitation.id,
            public_id: public.as_str(),
            org_id,
            email: &invitation.email,
            display_name: chosen_name.unwrap_or(&invitation.display_name),
            password_hash,
            role: &invitation.role,
        },
        now,
    )
    .await;
    let user_public = match created {
        Ok(public) => public,
        Err(err) if super::errors::is_unique_violation(&err) => return Err(address_taken()),
        Err(err) => return Err(err.into()),
    };
    db::invitations::delete(&mut tx, org_id, invitation.id).await?;
    audit::record(
        &mut tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: Some(&user_public),
            action: AuditAction::InvitationAccepted,
            target: Some(&user_public),
            outcome: Outcome::Success,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A real hash of random bytes: an account joined through single sign-on has no password one
/// could guess, and trying one takes as long as any.
async fn unusable_password() -> Result<String, AppError> {
    let unusable = RawToken::generate();
    let placeholder = password::parse_new_password(unusable.as_str().to_owned(), &[])
        .map_err(|_| super::errors::internal("a random placeholder was refused"))?;
    password::hash(&placeholder).await
}

/// Uses the invitation through single sign-on (F4): the provider vouched for `email`, which must
/// be the invited address; the organisation's SSO rules were checked by the caller. The name the
/// admin typed stays; the password is unusable.
pub async fn accept_via_sso(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    email: &str,
) -> Result<(), AppError> {
    let (_, invited) = invitation(state, meta, raw_token)
        .await
        .map_err(super::links::refused_use)?;
    if invited != email {
        return Err(AppError::SsoRefused);
    }
    let hash = unusable_password().await?;
    let (tx, org_id, invitation_id) =
        consume_token(state, meta, raw_token, TokenPurpose::Invite).await?;
    let now = state.clock.now();
    create_account(tx, meta, org_id, invitation_id, None, &hash, now).await
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
        .await
        .map_err(super::links::refused_use)?;
    let checked = password::parse_new_password(raw_password, &[email.as_str(), &name])
        .map_err(|e| AppError::invalid("password", e))?;
    let hash = password::hash(&checked).await?;
    let (tx, org_id, invitation_id) =
        consume_token(state, meta, raw_token, TokenPurpose::Invite).await?;
    let now = state.clock.now();
    create_account(tx, meta, org_id, invitation_id, Some(&name), &hash, now).await
}
