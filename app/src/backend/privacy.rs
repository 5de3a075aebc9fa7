//! The candidate's own data (F9): the public privacy page sends a one-time link to each
//! organisation holding the address (the answer is the same whether or not it is known); the link,
//! once used (POST), opens a short privacy session bound to that one candidate; in it the candidate
//! sees what is held, who read it and when it will be deleted, downloads it all, and files requests.

use super::audit::{self, Entry, Outcome};
use super::auth::tokens::{random_16, RawToken};
use super::db::{self, data_requests as store, Tx};
use super::deferred::{self, Job};
use super::files::FileVault;
use super::links::consume_token;
use super::mail::messages::{self, Action, CandidateEmail};
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::dsar::{due_date, RequestKind, RequestStatus};
use crate::domain::email_address::EmailAddress;
use crate::domain::i18n::{fill, Lang};
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::rate_limit as limits;
use crate::domain::recruitment::multi_line;
use crate::domain::token::TokenPurpose;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use uuid::Uuid;

const SESSION_KEY: &str = "privacy";
/// A privacy session ends this long after the link was used.
pub const SESSION_LIFETIME: Duration = Duration::minutes(30);

/// Whose data this browser may see: one candidate of one organisation, for a short while.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PrivacySession {
    org_id: Uuid,
    candidate_id: Uuid,
    opened_at: i64,
}

async fn record_for_candidate(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    org_id: Uuid,
    action: AuditAction,
    target: &str,
) -> Result<(), AppError> {
    audit::record(
        tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: Some("candidate"),
            action,
            target: Some(target),
            outcome: Outcome::Success,
        },
    )
    .await?;
    Ok(())
}

/// A link to the candidate's own data, for every e-mail they receive and the privacy page.
pub(super) async fn link_in(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
) -> Result<String, AppError> {
    let token = RawToken::generate();
    let purpose = TokenPurpose::Privacy;
    db::tokens::insert(
        tx,
        org_id,
        purpose.as_str(),
        candidate_id,
        &token.hash(),
        state.clock.now() + purpose.lifetime(),
    )
    .await?;
    Ok(state
        .settings
        .link(&format!("/c/privacy/{}", token.as_str())))
}

/// The public privacy page's request: checks the limits and queues it, so the answer — and its
/// timing and statements — is the same whether any organisation holds the address or none
/// ([`send_links_to`] runs in the worker).
pub async fn send_links(
    state: &AppState,
    meta: &RequestMeta,
    raw_email: &str,
    lang: Lang,
) -> Result<(), AppError> {
    rate_limit::check(
        state,
        limits::PRIVACY_LINK_PER_ADDRESS,
        &limits::address_subject(meta.client_addr),
    )
    .await?;
    let email =
        EmailAddress::parse(raw_email).map_err(|e| AppError::invalid("email", e.to_string()))?;
    rate_limit::check(state, limits::PRIVACY_LINK_PER_EMAIL, email.as_str()).await?;
    let job = Job::PrivacyLinks {
        email: email.as_str().to_owned(),
        lang: lang.code().to_owned(),
    };
    deferred::defer(state, meta, &job).await
}

/// The worker's half: a link to each organisation that holds this address, each e-mail in the
/// transaction scoped to its organisation.
pub(super) async fn send_links_to(
    state: &AppState,
    tx: &mut Tx,
    meta: &RequestMeta,
    raw_email: &str,
    lang: &str,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(raw_email).map_err(super::errors::internal)?;
    let lang = Lang::parse(lang).unwrap_or_default();
    let holders = store::candidates_with_email(tx, email.as_str()).await?;
    for (org_id, candidate_id) in holders {
        db::scope(tx, org_id).await?;
        let Some(subject) = store::subject(tx, org_id, candidate_id).await? else {
            continue;
        };
        let link = link_in(state, tx, org_id, candidate_id).await?;
        let m = lang.messages();
        let org = [("org", subject.org_name.as_str())];
        let email = CandidateEmail {
            kind: "privacy_link",
            lang: lang.code(),
            subject: fill(m.privacy_email_subject, &org),
            greeting: fill(m.email_greeting, &[("name", &subject.full_name)]),
            paragraphs: vec![fill(m.privacy_email_text, &org)],
            action: Some(Action {
                label: m.privacy_email_action.into(),
                link,
            }),
            closing: vec![
                fill(
                    m.link_validity,
                    &[(
                        "days",
                        &TokenPurpose::Privacy.lifetime().whole_days().to_string(),
                    )],
                ),
                m.privacy_not_you.into(),
            ],
            sender_line: fill(m.email_sender_line, &org),
            attachment: None,
        };
        messages::queue_about(tx, org_id, candidate_id, &subject.email, &email).await?;
        record_for_candidate(
            tx,
            meta,
            state.clock.now(),
            org_id,
            AuditAction::PrivacyLinkSent,
            &subject.public_id,
        )
        .await?;
    }
    Ok(())
}

/// The organisation a privacy link leads to, if it still works (the GET only shows); refused as
/// `peek_token` refuses, and gone when the candidate's data is.
pub async fn link_org(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
) -> Result<String, AppError> {
    let mut peeked =
        super::links::peek_token(state, meta, raw_token, &[TokenPurpose::Privacy]).await?;
    let subject = store::subject(&mut peeked.tx, peeked.org_id, peeked.subject).await?;
    peeked.tx.commit().await?;
    Ok(subject.ok_or(AppError::InvalidToken)?.org_name)
}

/// Uses the link (POST): opens the privacy session for its candidate.
pub async fn open(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    raw_token: &str,
) -> Result<(), AppError> {
    let (mut tx, org_id, candidate_id) =
        consume_token(state, meta, raw_token, TokenPurpose::Privacy).await?;
    let now = state.clock.now();
    let subject = store::subject(&mut tx, org_id, candidate_id)
        .await?
        .ok_or(AppError::InvalidToken)?;
    record_for_candidate(
        &mut tx,
        meta,
        now,
        org_id,
        AuditAction::PrivacyOpened,
        &subject.public_id,
    )
    .await?;
    tx.commit().await?;
    session.cycle_id().await?;
    session
        .insert(
            SESSION_KEY,
            PrivacySession {
                org_id,
                candidate_id,
                opened_at: now.unix_timestamp(),
            },
        )
        .await?;
    Ok(())
}

async fn current(state: &AppState, session: &Session) -> Result<(Uuid, Uuid), AppError> {
    let Some(s) = session.get::<PrivacySession>(SESSION_KEY).await? else {
        return Err(AppError::Unauthenticated);
    };
    let age = state.clock.now().unix_timestamp() - s.opened_at;
    if age > SESSION_LIFETIME.whole_seconds() {
        session.remove::<PrivacySession>(SESSION_KEY).await?;
        return Err(AppError::Unauthenticated);
    }
    Ok((s.org_id, s.candidate_id))
}

/// Everything held about the candidate, as the access page and the export show it.
pub struct Held {
    pub subject: store::SubjectRow,
    pub applications: Vec<store::SubjectApplicationRow>,
    pub documents: Vec<db::documents::DocumentRow>,
    pub notes: Vec<store::NoteRow>,
    pub scores: Vec<store::ScoreRow>,
    pub reads: Vec<store::ReadRow>,
    pub requests: Vec<store::RequestRow>,
    pub consents: Vec<(String, Vec<db::consent::HistoryRow>)>,
    /// The retention clock's end, as the deletion will follow it.
    pub deleted_on: Option<OffsetDateTime>,
}

async fn held(tx: &mut Tx, org_id: Uuid, candidate_id: Uuid) -> Result<Held, AppError> {
    let subject = store::subject(tx, org_id, candidate_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let applications = store::applications(tx, org_id, candidate_id).await?;
    let documents = db::documents::held_about(tx, org_id, candidate_id).await?;
    let mut consents = Vec::new();
    for a in &applications {
        consents.push((
            a.public_id.clone(),
            db::consent::history(tx, org_id, a.id).await?,
        ));
    }
    let deleted_on = subject.retention_until;
    Ok(Held {
        notes: store::notes(tx, org_id, candidate_id).await?,
        scores: store::scores(tx, org_id, candidate_id).await?,
        reads: store::reads(tx, org_id, &subject.public_id).await?,
        requests: store::find(tx, org_id, None, Some(candidate_id)).await?,
        subject,
        applications,
        documents,
        consents,
        deleted_on,
    })
}

/// The access page (F9): what is held, who read it, when it goes.
pub async fn access(state: &AppState, session: &Session) -> Result<Held, AppError> {
    let (org_id, candidate_id) = current(state, session).await?;
    let mut tx = state.db.begin_for_org(org_id).await?;
    let held = held(&mut tx, org_id, candidate_id).await?;
    tx.commit().await?;
    Ok(held)
}

/// A candidate's export (F9): everything held as one JSON file. All but the documents' content
/// is read (and the export audited) up front; each document is read and opened only when the
/// download reaches it, so twenty large files never sit in memory together.
pub struct PersonalDataExport {
    pub file_name: String,
    /// The JSON object without its `documents` member.
    summary: serde_json::Value,
    candidate_id: Uuid,
    wrapped_key: Option<Vec<u8>>,
    documents: Vec<db::documents::DocumentRow>,
}

impl PersonalDataExport {
    pub fn document_count(&self) -> usize {
        self.documents.len()
    }

    /// The file's opening: every member but `documents`, then the start of that array.
    pub fn head(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(&self.summary).unwrap_or_else(|_| b"{}".to_vec());
        // `summary` is a non-empty object: replace its closing brace by one more member.
        bytes.pop();
        bytes.extend_from_slice(br#","documents":["#);
        bytes
    }

    /// The `index`-th entry of `documents`, its content read and opened now.
    pub async fn document(&self, files: &FileVault, index: usize) -> Result<Vec<u8>, AppError> {
        use base64::{engine::general_purpose::STANDARD, Engine};
        let d = &self.documents[index];
        let wrapped = self
            .wrapped_key
            .as_ref()
            .ok_or_else(|| super::errors::internal("documents without a data key"))?;
        let key = files.data_key(self.candidate_id, wrapped)?;
        let content = files.get(key, d.id, &d.storage_name).await?;
        let entry = serde_json::json!({
            "id": d.public_id,
            "kind": d.kind,
            "file_name": d.file_name,
            "content_type": d.content_type,
            "uploaded_at": d.created_at,
            "content_base64": STANDARD.encode(content),
        });
        let mut bytes = if index == 0 {
            Vec::new()
        } else {
            b",".to_vec()
        };
        serde_json::to_writer(&mut bytes, &entry).map_err(super::errors::internal)?;
        Ok(bytes)
    }

    /// The file's end, after the last document.
    pub fn tail(&self) -> &'static [u8] {
        b"]}"
    }
}

/// Prepares the export (F9) of the candidate of this privacy session, and audits it.
pub async fn export(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
) -> Result<PersonalDataExport, AppError> {
    let (org_id, candidate_id) = current(state, session).await?;
    let mut tx = state.db.begin_for_org(org_id).await?;
    let held = held(&mut tx, org_id, candidate_id).await?;
    let wrapped_key = db::documents::wrapped_key(&mut tx, org_id, candidate_id).await?;
    record_for_candidate(
        &mut tx,
        meta,
        state.clock.now(),
        org_id,
        AuditAction::PersonalDataExported,
        &held.subject.public_id,
    )
    .await?;
    tx.commit().await?;
    let s = &held.subject;
    let file_name = format!("my-data-{}.json", s.public_id);
    let summary = serde_json::json!({
        "format": "candor.personal-data.v1",
        "controller": s.org_name,
        "exported_at": state.clock.now(),
        "candidate": {
            "id": s.public_id,
            "name": s.full_name,
            "email": s.email,
            "phone": s.phone,
            "language": s.language,
            "added_at": s.created_at,
        },
        "applications": held.applications.iter().map(|a| serde_json::json!({
            "id": a.public_id,
            "recruitment": a.recruitment_title,
            "stage": a.stage,
            "applied_at": a.applied_at,
            "decided_at": a.decided_at,
            "decision_reason": a.decision_reason,
        })).collect::<Vec<_>>(),
        "consent_history": held.consents.iter().map(|(application, events)| serde_json::json!({
            "application": application,
            "events": events.iter().map(|e| serde_json::json!({
                "purpose": e.purpose,
                "event": e.event,
                "lawful_basis": e.lawful_basis,
                "notice": { "id": e.notice_public_id, "version": e.notice_version,
                            "language": e.notice_language,
                            "sha256": e.notice_sha256.iter().map(|b| format!("{b:02x}")).collect::<String>() },
                "controller": e.controller,
                "recipients": e.recipients,
                "retention_rule": e.retention_rule,
                "actor": e.actor,
                "collection_method": e.collection_method,
                "at": e.occurred_at,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "notes": held.notes.iter().map(|n| serde_json::json!({
            "application": n.application_public_id, "html": n.body_html, "at": n.created_at,
        })).collect::<Vec<_>>(),
        "interview_scores": held.scores.iter().map(|x| serde_json::json!({
            "application": x.application_public_id, "interview": x.interview_public_id,
            "interview_at": x.scheduled_at, "criterion": x.criterion, "score": x.score,
            "evidence": x.evidence,
        })).collect::<Vec<_>>(),
        "reads": held.reads.iter().map(|r| serde_json::json!({
            "what": r.action, "by_role": r.role, "at": r.occurred_at,
        })).collect::<Vec<_>>(),
        "requests": held.requests.iter().map(|r| serde_json::json!({
            "id": r.public_id, "kind": r.kind, "status": r.status,
            "received_at": r.received_at, "due_at": r.due_at, "outcome": r.outcome,
        })).collect::<Vec<_>>(),
        "deleted_on": held.deleted_on,
    });
    Ok(PersonalDataExport {
        file_name,
        summary,
        candidate_id,
        wrapped_key,
        documents: held.documents,
    })
}

/// Files a request (F9) from the privacy session: verified by the link it came through, due one
/// month from now. Returns the due date.
pub async fn file_request(
    state: &AppState,
    meta: &RequestMeta,
    session: &Session,
    kind: &str,
    details: &str,
) -> Result<OffsetDateTime, AppError> {
    let (org_id, candidate_id) = current(state, session).await?;
    let kind = RequestKind::parse(kind)
        .ok_or_else(|| AppError::invalid("kind", "Choose what you ask for."))?;
    let details = multi_line(details, 4000).map_err(|m| AppError::invalid("details", m))?;
    let now = state.clock.now();
    let mut tx = state.db.begin_for_org(org_id).await?;
    let public = PublicId::from_random(IdKind::DataRequest, random_16());
    let due = due_date(now);
    store::insert(
        &mut tx,
        &store::NewRequest {
            id: Uuid::new_v4(),
            public_id: public.as_str(),
            org_id,
            candidate_id,
            kind: kind.as_str(),
            details: &details,
            status: RequestStatus::Verified.as_str(),
            received_at: now,
            due_at: due,
        },
    )
    .await?;
    record_for_candidate(
        &mut tx,
        meta,
        now,
        org_id,
        AuditAction::DataRequestReceived,
        public.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(due)
}
