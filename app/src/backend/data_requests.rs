//! The staff's queue of data-subject requests (F9): the lifecycle step by step, the deadline
//! engine's extension (once, within the first month, with a reason the candidate is sent), and the
//! outcome told to the candidate. Auditors see the queue without candidate names.

use super::audit::record_caller_action;
use super::db::data_requests as store;
use super::guard::{Caller, Ctx};
use super::mail::messages::{self, CandidateEmail};
use crate::domain::audit::AuditAction;
use crate::domain::dsar::{extend, RequestKind, RequestStatus};
use crate::domain::i18n::{fill, Lang};
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::recruitment::multi_line;
use crate::domain::role::Permission;
use crate::error::AppError;
use time::OffsetDateTime;

/// The queue, open requests first and soonest due first; names only for those who handle them.
pub async fn queue(ctx: &Ctx, caller: &Caller) -> Result<(Vec<store::RequestRow>, bool), AppError> {
    caller.require(Permission::ViewDataRequests)?;
    let handles = caller.require(Permission::ManageDataRequests).is_ok();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let mut rows = store::find(&mut tx, caller.org_id, None, None).await?;
    tx.commit().await?;
    if !handles {
        // Staff texts may quote the candidate: auditors see the lifecycle, not the words.
        for r in &mut rows {
            r.candidate_name = None;
            r.candidate_public_id = None;
            r.details.clear();
            r.outcome = None;
            r.extension_reason = None;
        }
    }
    Ok((rows, handles))
}

/// What a staff member does with a request.
pub enum Step {
    Start,
    /// Months (1 or 2) and the reason sent to the candidate.
    Extend(u8, String),
    Complete(String),
    Reject(String),
}

/// Takes one step. Completing a deletion request needs `confirmed` (its form's confirmation box):
/// the candidate's data is then erased for good.
pub async fn act(
    ctx: &Ctx,
    caller: &Caller,
    request_public_id: &str,
    step: Step,
    confirmed: bool,
) -> Result<(), AppError> {
    caller.require(Permission::ManageDataRequests)?;
    let id = PublicId::parse(IdKind::DataRequest, request_public_id).ok_or(AppError::NotFound)?;
    let now = ctx.state.clock.now();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let request = store::find(&mut tx, caller.org_id, Some(id.as_str()), None)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let from = RequestStatus::parse(&request.status).ok_or(AppError::NotFound)?;
    let text = |raw: &str, field: &str, what: &str| -> Result<String, AppError> {
        let text = multi_line(raw, 2000).map_err(|m| AppError::invalid(field, m))?;
        if text.is_empty() {
            return Err(AppError::invalid(field, what));
        }
        Ok(text)
    };
    let (to, due, reason, outcome) = match &step {
        Step::Start => (RequestStatus::InProgress, request.due_at, None, None),
        Step::Extend(months, raw) => {
            let reason = multi_line(raw, 2000).map_err(|m| AppError::invalid("reason", m))?;
            let due = extend(request.received_at, request.extended, *months, &reason, now)
                .map_err(|e| AppError::invalid("reason", e))?;
            (RequestStatus::Extended, due, Some(reason), None)
        }
        Step::Complete(raw) => {
            let outcome = text(raw, "outcome", "Say what was done; the candidate is told.")?;
            (
                RequestStatus::Completed,
                request.due_at,
                None,
                Some(outcome),
            )
        }
        Step::Reject(raw) => {
            let reason = text(raw, "outcome", "Give the reason; the candidate is told.")?;
            (RequestStatus::Rejected, request.due_at, None, Some(reason))
        }
    };
    // A deletion is carried out by the retention worker, which completes the request with the
    // signed certificate and sends it to the candidate.
    let deletion =
        request.kind == RequestKind::Deletion.as_str() && matches!(step, Step::Complete(_));
    if deletion && !confirmed {
        return Err(AppError::ConfirmationRequired {
            what: format!(
                "the deletion asked for in request {}: all of the candidate's data is erased and cannot be restored",
                request.public_id
            ),
        });
    }
    let (to, outcome) = if deletion {
        let Some(candidate_id) = request.candidate_id else {
            return Err(AppError::invalid(
                "status",
                "The candidate's data is deleted already.",
            ));
        };
        super::db::retention::request_deletion(
            &mut tx,
            caller.org_id,
            candidate_id,
            request.id,
            now,
        )
        .await?;
        (RequestStatus::InProgress, None)
    } else {
        (to, outcome)
    };
    let already_in_progress = deletion && from == RequestStatus::InProgress;
    if !(from.may_become(to) || already_in_progress) {
        return Err(AppError::invalid(
            "status",
            format!(
                "A request that is {} cannot become {}.",
                from.label(),
                to.label()
            ),
        ));
    }
    let changed = store::update(
        &mut tx,
        caller.org_id,
        request.id,
        from.as_str(),
        &store::Change {
            status: to.as_str(),
            due_at: due,
            extension_reason: reason.as_deref(),
            outcome: outcome.as_deref(),
            handled_by: caller.user_id,
            now,
        },
    )
    .await?;
    if !changed {
        return Err(AppError::invalid(
            "status",
            "Someone else changed this request meanwhile; reload it.",
        ));
    }
    // A granted restriction or objection pauses processing at once (GDPR Art. 18, 21).
    let restricts = matches!(
        RequestKind::parse(&request.kind),
        Some(RequestKind::Restriction | RequestKind::Objection)
    ) && matches!(step, Step::Complete(_));
    if let (Some(candidate_id), true) = (request.candidate_id, restricts) {
        super::db::consent::restrict_processing(&mut tx, caller.org_id, candidate_id, now).await?;
    }
    if let (Some(candidate_id), false) = (request.candidate_id, deletion) {
        tell_candidate(ctx, &mut tx, caller, candidate_id, &step, due).await?;
    }
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::DataRequestUpdated,
        &request.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Extensions and outcomes are sent to the candidate, in their language (GDPR Art. 12(3)).
async fn tell_candidate(
    ctx: &Ctx,
    tx: &mut super::db::Tx,
    caller: &Caller,
    candidate_id: uuid::Uuid,
    step: &Step,
    due: OffsetDateTime,
) -> Result<(), AppError> {
    let Some(subject) = store::subject(tx, caller.org_id, candidate_id).await? else {
        return Ok(());
    };
    let lang = Lang::parse(&subject.language).unwrap_or_default();
    let m = lang.messages();
    let org = subject.org_name.as_str();
    let date = due.date().to_string();
    let (subject_line, paragraph) = match step {
        Step::Start => return Ok(()),
        Step::Extend(_, reason) => (
            fill(m.request_extended_subject, &[("org", org)]),
            fill(
                m.request_extended_text,
                &[("org", org), ("date", &date), ("reason", reason.trim())],
            ),
        ),
        Step::Complete(outcome) => (
            fill(m.request_answered_subject, &[("org", org)]),
            fill(
                m.request_completed_text,
                &[("org", org), ("outcome", outcome.trim())],
            ),
        ),
        Step::Reject(reason) => (
            fill(m.request_answered_subject, &[("org", org)]),
            fill(
                m.request_rejected_text,
                &[("org", org), ("reason", reason.trim())],
            ),
        ),
    };
    let privacy = super::privacy::link_in(&ctx.state, tx, caller.org_id, candidate_id).await?;
    let email = CandidateEmail {
        kind: "data_request_update",
        lang: lang.code(),
        subject: subject_line,
        greeting: fill(m.email_greeting, &[("name", &subject.full_name)]),
        paragraphs: vec![paragraph],
        action: None,
        closing: vec![format!("{} {}", m.email_privacy_line, privacy)],
        sender_line: fill(m.email_sender_line, &[("org", org)]),
        attachment: None,
    };
    messages::queue_about(tx, caller.org_id, candidate_id, &subject.email, &email).await?;
    Ok(())
}

/// A candidate's open deletion request as staff are shown it: its public id and the day it was
/// received.
pub struct PendingDeletion {
    pub request_id: String,
    pub received_on: String,
}

/// The candidate's open deletion request, if they have one (F9).
pub(crate) async fn pending_deletion(
    tx: &mut super::db::Tx,
    org_id: uuid::Uuid,
    candidate_id: uuid::Uuid,
) -> Result<Option<PendingDeletion>, AppError> {
    Ok(store::pending_deletion(tx, org_id, candidate_id)
        .await?
        .map(|r| PendingDeletion {
            request_id: r.public_id,
            received_on: r.received_at.date().to_string(),
        }))
}

/// Adding a candidate with an open deletion request to a recruitment, asking them for consent
/// again and deciding about them go ahead only when the caller confirmed that very request by
/// its id (`confirmed`); otherwise they are refused with the request named, so nobody does so
/// unaware of it.
pub(crate) async fn require_deletion_confirmed(
    tx: &mut super::db::Tx,
    org_id: uuid::Uuid,
    candidate_id: uuid::Uuid,
    confirmed: Option<&str>,
) -> Result<(), AppError> {
    let Some(pending) = pending_deletion(tx, org_id, candidate_id).await? else {
        return Ok(());
    };
    if confirmed.map(str::trim) == Some(pending.request_id.as_str()) {
        return Ok(());
    }
    Err(AppError::DeletionRequestPending {
        request_id: pending.request_id,
        received_on: pending.received_on,
    })
}
