//! Retention (F10): the staff's extension and legal hold, and the sweep that the portal's worker
//! runs — warning recruiters before a clock ends, then deleting each due candidate as one unit with
//! a signed certificate. The sweep claims rows with `FOR UPDATE SKIP LOCKED`, so any number of
//! portals may run it at once and each candidate is processed exactly once; it catches up on
//! everything overdue whenever it runs.

use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::tokens::random_16;
use super::db::{self, retention as store, Tx};
use super::guard::{Caller, Ctx};
use super::mail::messages::{self, Action, CandidateEmail};
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::i18n::{fill, Lang};
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::retention::{
    legal_hold, parse_days, sha256_hex, DeletionCause, DeletionCertificate, EXTENSION,
    WARNING_BEFORE,
};
use crate::domain::role::Permission;
use crate::error::AppError;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use uuid::Uuid;

async fn visible_candidate(
    tx: &mut Tx,
    caller: &Caller,
    public_id: &str,
) -> Result<(Uuid, String), AppError> {
    let id = PublicId::parse(IdKind::Candidate, public_id).ok_or(AppError::NotFound)?;
    let scope = super::recruitments::viewer(caller)?;
    let c = db::candidates::find_visible(tx, caller.org_id, id.as_str(), scope)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((c.id, c.public_id))
}

/// One click: the clock ends [`EXTENSION`] later (audited).
pub async fn extend(
    ctx: &Ctx,
    caller: &Caller,
    candidate_public_id: &str,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let (id, public_id) = visible_candidate(&mut tx, caller, candidate_public_id).await?;
    let days = i32::try_from(EXTENSION.whole_days()).unwrap_or(30);
    if !store::extend(&mut tx, caller.org_id, id, days).await? {
        return Err(AppError::invalid(
            "retention",
            "The retention clock starts with the hiring decision; there is nothing to extend yet.",
        ));
    }
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::RetentionExtended,
        &public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(public_id)
}

/// Gives this candidate their own retention period (at least 30 days), audited.
pub async fn set_period(
    ctx: &Ctx,
    caller: &Caller,
    candidate_public_id: &str,
    raw_days: &str,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let days = parse_days(raw_days).map_err(|m| AppError::invalid("days", m))?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let (id, public_id) = visible_candidate(&mut tx, caller, candidate_public_id).await?;
    store::set_period(&mut tx, caller.org_id, id, days).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::RetentionPeriodSet,
        &public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(public_id)
}

/// Places (with a reason and an end date) or lifts a legal hold (audited).
pub async fn hold(
    ctx: &Ctx,
    caller: &Caller,
    candidate_public_id: &str,
    place: Option<(&str, &str)>,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let now = ctx.state.clock.now();
    let hold = place
        .map(|(reason, until)| legal_hold(reason, until, now))
        .transpose()
        .map_err(|(field, message)| AppError::invalid(field, message))?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let (id, public_id) = visible_candidate(&mut tx, caller, candidate_public_id).await?;
    store::set_legal_hold(
        &mut tx,
        caller.org_id,
        id,
        hold.as_ref().map(|(r, u)| (r.as_str(), *u)),
    )
    .await?;
    let action = if hold.is_some() {
        AuditAction::LegalHoldPlaced
    } else {
        AuditAction::LegalHoldLifted
    };
    record_caller_action(ctx, &mut tx, caller, action, &public_id).await?;
    tx.commit().await?;
    Ok(public_id)
}

/// The retention facts of a candidate, for the candidate page.
pub async fn clock(
    ctx: &Ctx,
    caller: &Caller,
    candidate_id: Uuid,
) -> Result<Option<store::ClockRow>, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let row = store::clock(&mut tx, caller.org_id, candidate_id).await?;
    tx.commit().await?;
    Ok(row)
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub warned: usize,
    pub deleted: usize,
}

/// The worker's metadata for audit entries: no request, no client.
fn system_meta() -> RequestMeta {
    RequestMeta {
        request_id: "retention-worker".into(),
        client_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
    }
}

/// Candidates deleted per transaction: few round trips per candidate, and a transaction short
/// enough (under 100 ms here) that pages served meanwhile keep their latency. A hundred a batch
/// made bursts twice as long, in which the candidate page's p99 rose to 85 ms.
const DELETION_BATCH: i64 = 50;

/// Unanswered consent requests whose link has expired, then warnings, then deletions, until
/// nothing is due. Safe to run from several portals at once.
pub async fn sweep(state: &AppState) -> Result<SweepReport, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.system_pool().begin().await?;
    let lifetime = crate::domain::token::TokenPurpose::Consent.lifetime();
    db::consent::expire_requests(&mut tx, now - lifetime, now).await?;
    // Idempotency records of the API are kept one day.
    db::idempotency::purge(&mut tx, now - time::Duration::days(1)).await?;
    tx.commit().await?;
    remove_leftover_files(state).await?;
    let mut report = SweepReport {
        warned: warn(state).await?,
        ..SweepReport::default()
    };
    loop {
        let started = std::time::Instant::now();
        let deleted = delete_due(state).await?;
        report.deleted += deleted;
        if deleted < DELETION_BATCH as usize {
            break;
        }
        // A backlog (a policy shortened, a portal down for a week) is worked through at half the
        // pace the machine allows: resting as long as each batch took leaves the cores to the
        // pages in between. (Twice as long took 55 s for 10,000 here: too near the minute.)
        tokio::time::sleep(started.elapsed()).await;
    }
    Ok(report)
}

/// Removes stored files whose candidate is gone, then forgets them. Removing twice is harmless,
/// so two portals finishing the same leftovers do no harm either.
async fn remove_files(state: &AppState, names: &[String]) -> Result<(), AppError> {
    if names.is_empty() {
        return Ok(());
    }
    for name in names {
        state.files.delete(name).await;
    }
    store::forget_file_deletions(state.db.system_pool(), names).await?;
    Ok(())
}

/// Finishes the file removals a portal stopped before completing (killed after the deleting
/// transaction committed), so no file outlives its candidate.
async fn remove_leftover_files(state: &AppState) -> Result<(), AppError> {
    loop {
        let names = store::pending_file_deletions(state.db.system_pool(), 500).await?;
        if names.is_empty() {
            return Ok(());
        }
        remove_files(state, &names).await?;
    }
}

async fn warn(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.system_pool().begin().await?;
    let due = store::claim_warnings(&mut tx, now, now + WARNING_BEFORE).await?;
    for c in &due {
        // Staff e-mail names no candidate: the link leads to the page, so the name stays out of
        // staff mailboxes and out of the outbox.
        let link = state
            .settings
            .link(&format!("/app/candidates/{}#retention", c.public_id));
        let date = c.retention_until.date().to_string();
        let email = CandidateEmail {
            kind: "retention_warning",
            lang: "en",
            subject: format!("A candidate's data will be deleted on {date}"),
            greeting: "Hello,".into(),
            paragraphs: vec![format!(
                "The retention period of a candidate ends on {date}. Then all their data is \
                 deleted for good, files included. If there is a reason to keep it longer, open \
                 the candidate and extend it by {} days with one click.",
                EXTENSION.whole_days()
            )],
            action: Some(Action {
                label: "Open the candidate to extend".into(),
                link,
            }),
            closing: vec![],
            sender_line: "Candor, your recruiting portal.".into(),
            attachment: None,
        };
        for address in store::recruiter_addresses(&mut tx, c.org_id).await? {
            messages::queue_about(&mut tx, c.org_id, c.candidate_id, &address, &email).await?;
        }
        store::mark_warned(&mut tx, c.candidate_id, now).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Deletes the next due candidates (at most [`DELETION_BATCH`]) in one transaction: each goes
/// entirely, with its signed certificate and audit event, or not at all. Returns how many.
async fn delete_due(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.system_pool().begin().await?;
    let due = store::claim_due(&mut tx, now, DELETION_BATCH).await?;
    if due.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let candidate_ids: Vec<Uuid> = due.iter().map(|d| d.candidate_id).collect();
    let org_ids: Vec<Uuid> = due.iter().map(|d| d.org_id).collect();
    let emails: Vec<String> = due.iter().map(|d| d.email.clone()).collect();
    let batch = store::Batch {
        candidate_ids: &candidate_ids,
        org_ids: &org_ids,
        emails: &emails,
    };
    let mut counts = store::counts(&mut tx, &batch).await?;
    let mut requests = HashMap::new();
    for d in &due {
        if let Some(id) = d.deletion_request_id {
            let request = db::data_requests::find(&mut tx, d.org_id, None, Some(d.candidate_id))
                .await?
                .into_iter()
                .find(|r| r.id == id);
            if let Some(request) = request {
                requests.insert(d.candidate_id, request);
            }
        }
    }
    let files = store::delete_candidates(&mut tx, &batch).await?;
    let file_names: Vec<String> = files.iter().map(|f| f.storage_name.clone()).collect();
    store::journal_file_deletions(&mut tx, &file_names).await?;
    let mut certificates = Vec::with_capacity(due.len());
    for d in &due {
        let request = requests.get(&d.candidate_id);
        let mut deleted = counts.remove(&d.candidate_id).unwrap_or_default();
        deleted.push(("candidates".into(), 1));
        let files_removed = files
            .iter()
            .filter(|f| f.candidate_id == d.candidate_id)
            .count();
        let certificate_id = PublicId::from_random(IdKind::Certificate, random_16());
        let certificate = DeletionCertificate {
            version: "candor.deletion-certificate.v1".into(),
            certificate_id: certificate_id.to_string(),
            controller: d.org_public_id.clone(),
            subject_hash: sha256_hex(&d.public_id),
            cause: if request.is_some() {
                DeletionCause::DataSubjectRequest
            } else {
                DeletionCause::RetentionExpired
            },
            request_hash: request.map(|r| sha256_hex(&r.public_id)),
            deleted,
            files_removed: i64::try_from(files_removed).unwrap_or(i64::MAX),
            data_key_destroyed: true,
            deleted_at: now.unix_timestamp(),
        };
        let signed = state
            .signer
            .sign(&certificate)
            .map_err(super::errors::internal)?;
        if let Some(request) = request {
            send_certificate(&mut tx, d, request, &certificate_id, &signed, now).await?;
        }
        certificates.push(store::NewCertificate {
            org_id: d.org_id,
            public_id: certificate_id.as_str().to_owned(),
            certificate: signed,
        });
    }
    store::insert_certificates(&mut tx, &certificates).await?;
    let events: Vec<Entry<'_>> = certificates
        .iter()
        .map(|c| Entry {
            org_id: Some(c.org_id),
            actor: Some("system"),
            action: AuditAction::CandidateDeleted,
            target: Some(c.public_id.as_str()),
            outcome: Outcome::Success,
        })
        .collect();
    audit::record_many(&mut tx, &system_meta(), now, &events).await?;
    tx.commit().await?;
    remove_files(state, &file_names).await?;
    for c in &certificates {
        tracing::info!(certificate = %c.public_id, "candidate deleted");
    }
    Ok(due.len())
}

/// Completes the data-subject request that asked for the deletion and e-mails the candidate
/// their certificate.
async fn send_certificate(
    tx: &mut Tx,
    due: &store::DueRow,
    request: &db::data_requests::RequestRow,
    certificate_id: &PublicId,
    signed: &str,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let outcome = format!("Deleted; deletion certificate {certificate_id}.");
    store::complete_request(tx, request.id, &outcome, now).await?;
    let lang = Lang::parse(&due.language).unwrap_or_default();
    let m = lang.messages();
    let org = db::data_requests::org_name(tx, due.org_id).await?;
    let email = CandidateEmail {
        kind: CERTIFICATE_EMAIL,
        lang: lang.code(),
        subject: fill(m.request_answered_subject, &[("org", &org)]),
        greeting: fill(m.email_greeting, &[("name", &due.full_name)]),
        paragraphs: vec![fill(
            m.request_completed_text,
            &[("org", &org), ("outcome", &outcome)],
        )],
        action: None,
        closing: vec![signed.to_owned()],
        sender_line: fill(m.email_sender_line, &[("org", &org)]),
        attachment: None,
    };
    messages::queue(tx, Some(due.org_id), &due.email, &email).await?;
    Ok(())
}

/// The e-mail that carries a deletion certificate to the candidate who asked; the outbox forgets
/// its address once it is sent.
pub const CERTIFICATE_EMAIL: &str = "deletion_certificate";
