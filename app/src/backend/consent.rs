//! Consent use cases (F7): asking when a candidate is added, the candidate's page (shown by GET,
//! acted on by POST, S11), recording choices against the exact notice shown, withdrawing with the
//! deletion of what was made under the consent, and the gate that refuses processing without it.

use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::tokens::{random_16, RawToken};
use super::db::{self, consent as store, Tx};
use super::guard::{Caller, Ctx};
use super::links::{consume_token, peek_token};
use super::mail::messages::{self, Action, Attachment, CandidateEmail};
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::consent::{
    parse_choices, ConsentEvent, ConsentReceipt, ConsentStatus, Notice, NoticeFacts, Purpose,
    ReceiptFacts, SubProcessor, COLLECTED_BY_WEB_FORM, LAWFUL_BASIS, NOTICE_VERSION,
};
use crate::domain::controller::PrivacyContact;
use crate::domain::i18n::{fill, Lang};
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::rate_limit::CONSENT_RESEND_PER_APPLICATION;
use crate::domain::role::Permission;
use crate::domain::token::TokenPurpose;
use crate::error::{AppError, FieldError};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The file name of the signed consent receipt sent with the confirmation.
pub const RECEIPT_FILE: &str = "consent-receipt.jwt";

/// Who appended an event: the candidate, or a staff member by public id.
const CANDIDATE: &str = "candidate";

/// A notice as stored and the facts it states.
struct ShownNotice {
    id: Uuid,
    public_id: String,
    notice: Notice,
    facts: NoticeFacts,
}

/// The notice of one application in one language, stored if new.
async fn notice_for(
    tx: &mut Tx,
    org_id: Uuid,
    context: &store::ContextRow,
    lang: Lang,
) -> Result<ShownNotice, AppError> {
    let facts = facts_for(tx, org_id, context).await?;
    let notice = Notice::new(lang, &facts);
    let public = PublicId::from_random(IdKind::Notice, random_16());
    let (id, public_id) = store::notice(
        tx,
        &store::NewNotice {
            org_id,
            public_id: public.as_str(),
            version: NOTICE_VERSION,
            language: lang.code(),
            body: &notice.text(),
            sha256: &notice.sha256(),
        },
    )
    .await?;
    Ok(ShownNotice {
        id,
        public_id,
        notice,
        facts,
    })
}

/// What the notice of one application states: read only, so showing a page writes nothing.
async fn facts_for(
    tx: &mut Tx,
    org_id: Uuid,
    context: &store::ContextRow,
) -> Result<NoticeFacts, AppError> {
    let registered = store::sub_processors(tx, org_id)
        .await?
        .into_iter()
        .map(|s| SubProcessor {
            name: s.name,
            service: s.service,
            country: s.country,
        })
        .collect();
    Ok(facts_from(context, registered))
}

/// A sub-processor of the consent page's statement, as the notice states it.
fn named(s: store::NamedSubProcessor) -> SubProcessor {
    SubProcessor {
        name: s.name,
        service: s.service,
        country: s.country,
    }
}

fn facts_from(context: &store::ContextRow, sub_processors: Vec<SubProcessor>) -> NoticeFacts {
    NoticeFacts {
        org_name: context.org_name.clone(),
        recruitment_title: context.recruitment_title.clone(),
        sub_processors,
        retention_days: context.retention_days,
    }
}

/// Appends one event per purpose, all tied to the same notice.
async fn append_events(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    shown: &ShownNotice,
    events: &[(Purpose, ConsentEvent)],
    actor: &str,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let facts = &shown.facts;
    let recipients = std::iter::once(facts.org_name.clone())
        .chain(facts.sub_processors.iter().map(|s| s.name.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    let retention_rule = format!(
        "deleted {} days after the latest of the hiring decision, the recruitment's closing \
         and the last activity",
        facts.retention_days
    );
    for (purpose, event) in events {
        store::append(
            tx,
            &store::NewEvent {
                org_id,
                application_id,
                purpose: purpose.as_str(),
                event: event.as_str(),
                lawful_basis: LAWFUL_BASIS,
                notice_id: shown.id,
                controller: &facts.org_name,
                recipients: &recipients,
                retention_rule: &retention_rule,
                actor,
                collection_method: COLLECTED_BY_WEB_FORM,
                occurred_at: now,
            },
        )
        .await?;
    }
    Ok(())
}

fn sender_line(lang: Lang, org: &str) -> String {
    fill(lang.messages().email_sender_line, &[("org", org)])
}

/// Asks for consent on every purpose of a new application: the history records the request, and
/// the candidate receives a one-time link. Inside the caller's transaction.
pub(super) async fn request_in(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    actor: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    if db::orgs::privacy_contact(tx, org_id).await?.is_none() {
        return Err(AppError::PrivacyContactRequired);
    }
    let context = store::context(tx, org_id, application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = Lang::parse(&context.candidate_language).unwrap_or_default();
    let shown = notice_for(tx, org_id, &context, lang).await?;
    // Asking again never undoes consent already given: only the other purposes are asked.
    let current = statuses(tx, org_id, &[application_id])
        .await?
        .remove(&application_id)
        .unwrap_or_default();
    let requested: Vec<_> = current
        .iter()
        .filter(|(_, status)| !status.is_granted())
        .map(|(p, _)| (*p, ConsentEvent::Requested))
        .collect();
    if requested.is_empty() {
        return Err(AppError::BadRequest {
            message: "The candidate has already given consent for every purpose.".into(),
        });
    }
    append_events(tx, org_id, application_id, &shown, &requested, actor, now).await?;
    let token = RawToken::generate();
    let purpose = TokenPurpose::Consent;
    db::tokens::insert(
        tx,
        org_id,
        purpose.as_str(),
        application_id,
        &token.hash(),
        now + purpose.lifetime(),
    )
    .await?;
    let m = lang.messages();
    let values = [
        ("org", context.org_name.as_str()),
        ("recruitment", context.recruitment_title.as_str()),
    ];
    let email = CandidateEmail {
        kind: "consent_request",
        lang: lang.code(),
        subject: fill(m.consent_request_subject, &values),
        greeting: fill(m.email_greeting, &[("name", &context.candidate_name)]),
        paragraphs: vec![fill(m.consent_request_text, &values)],
        action: Some(Action {
            label: m.consent_request_action.into(),
            link: state
                .settings
                .link(&format!("/c/consent/{}", token.as_str())),
        }),
        closing: vec![
            fill(
                m.link_validity,
                &[("days", &purpose.lifetime().whole_days().to_string())],
            ),
            format!(
                "{} {}",
                m.email_privacy_line,
                super::privacy::link_in(state, tx, org_id, context.candidate_id).await?
            ),
        ],
        sender_line: sender_line(lang, &context.org_name),
        attachment: None,
    };
    messages::queue_about(
        tx,
        org_id,
        context.candidate_id,
        &context.candidate_email,
        &email,
    )
    .await?;
    Ok(())
}

/// Asks again (a lost e-mail, an expired link): rate-limited per application, and past an open
/// deletion request only when the caller confirmed it.
pub async fn resend(
    ctx: &Ctx,
    caller: &Caller,
    application_public_id: &str,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let app =
        super::candidates::visible_application(&mut tx, caller, application_public_id).await?;
    super::data_requests::require_deletion_confirmed(
        &mut tx,
        caller.org_id,
        app.candidate_id,
        confirmed_deletion,
    )
    .await?;
    // Counted with the resend it allows: a resend that fails sends nothing, so need not count.
    rate_limit::check_in(
        &mut tx,
        &ctx.state,
        CONSENT_RESEND_PER_APPLICATION,
        &app.public_id,
    )
    .await?;
    request_in(
        &ctx.state,
        &mut tx,
        caller.org_id,
        app.id,
        &caller.user_public_id,
    )
    .await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::ConsentRequested,
        &app.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(app.candidate_public_id)
}

/// Each purpose's status from the latest event of each purpose that has one, as stored (names
/// this build does not know are left out).
pub(super) fn statuses_from<'a>(
    latest: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(Purpose, ConsentStatus)> {
    let latest: Vec<(Purpose, ConsentEvent)> = latest
        .into_iter()
        .filter_map(|(purpose, event)| {
            Some((Purpose::parse(purpose)?, ConsentEvent::parse(event)?))
        })
        .collect();
    Purpose::ALL
        .into_iter()
        .map(|purpose| {
            let event = latest.iter().find(|(p, _)| *p == purpose).map(|(_, e)| *e);
            (purpose, ConsentStatus::after(event))
        })
        .collect()
}

/// Each purpose's status for these applications.
pub async fn statuses(
    tx: &mut Tx,
    org_id: Uuid,
    application_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(Purpose, ConsentStatus)>>, AppError> {
    let rows = store::latest(tx, org_id, application_ids).await?;
    let mut latest: HashMap<Uuid, Vec<(&str, &str)>> = HashMap::new();
    for row in &rows {
        latest
            .entry(row.application_id)
            .or_default()
            .push((&row.purpose, &row.event));
    }
    Ok(application_ids
        .iter()
        .map(|id| {
            let events = latest.get(id).into_iter().flatten().copied();
            (*id, statuses_from(events))
        })
        .collect())
}

/// The gate (F7, F9): recording, transcription and evaluation happen only under granted consent,
/// and not at all while the candidate's restriction or objection is in force. The answer holds
/// until the caller's transaction ends: a withdrawal, restriction or deletion waits for the write
/// this gate let through and then removes it, or, having begun first, is seen here and refuses it.
pub(super) async fn require_granted(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    purpose: Purpose,
) -> Result<(), AppError> {
    match store::lock_for_processing(tx, org_id, application_id).await? {
        None => return Err(AppError::NotFound),
        Some(true) => return Err(AppError::ProcessingRestricted),
        Some(false) => {}
    }
    let status = statuses(tx, org_id, &[application_id])
        .await?
        .remove(&application_id)
        .and_then(|s| s.into_iter().find(|(p, _)| *p == purpose))
        .map_or(ConsentStatus::Pending, |(_, s)| s);
    if status.is_granted() {
        Ok(())
    } else {
        Err(AppError::ConsentRequired {
            purpose: purpose.label().to_owned(),
        })
    }
}

/// What the candidate's page shows: the notice to answer, or the choices to manage.
pub struct ConsentPage {
    pub lang: Lang,
    pub notice: Notice,
    pub org_name: String,
    pub recruitment_title: String,
    /// `true`: a request to answer; `false`: given choices to withdraw.
    pub asking: bool,
    pub statuses: Vec<(Purpose, ConsentStatus)>,
}

/// The language of a candidate page: the one chosen in the switcher, else the browser's, else
/// the one stored for the candidate.
pub fn page_language(chosen: Option<&str>, accept_language: &str, stored: &str) -> Lang {
    chosen
        .and_then(Lang::parse)
        .or_else(|| Lang::negotiate(accept_language))
        .or_else(|| Lang::parse(stored))
        .unwrap_or_default()
}

/// The page behind a consent link; refused as `peek_token` refuses, and gone when the
/// application is.
pub async fn page(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    chosen_lang: Option<&str>,
    accept_language: &str,
) -> Result<ConsentPage, AppError> {
    let purposes = [TokenPurpose::Consent, TokenPurpose::ConsentManage];
    let peeked = peek_token(state, meta, raw_token, &purposes).await?;
    let (mut tx, org_id, application_id, purpose) =
        (peeked.tx, peeked.org_id, peeked.subject, peeked.purpose);
    let Some(shown) = store::page(&mut tx, org_id, application_id).await? else {
        tx.commit().await?;
        return Err(AppError::InvalidToken);
    };
    tx.commit().await?;
    let context = shown.context;
    let lang = page_language(chosen_lang, accept_language, &context.candidate_language);
    let registered = shown.sub_processors.into_iter().map(named).collect();
    // The GET only shows (S11): the notice is stored when an answer is recorded against it.
    let notice = Notice::new(lang, &facts_from(&context, registered));
    let statuses = statuses_from(shown.latest.iter().map(|(p, e)| (p.as_str(), e.as_str())));
    Ok(ConsentPage {
        lang,
        notice,
        org_name: context.org_name,
        recruitment_title: context.recruitment_title,
        asking: purpose == TokenPurpose::Consent,
        statuses,
    })
}

async fn record_candidate_action(
    tx: &mut Tx,
    meta: &RequestMeta,
    now: OffsetDateTime,
    org_id: Uuid,
    action: AuditAction,
    application_public_id: &str,
) -> Result<(), AppError> {
    audit::record(
        tx,
        meta,
        now,
        Entry {
            org_id: Some(org_id),
            actor: Some(CANDIDATE),
            action,
            target: Some(application_public_id),
            outcome: Outcome::Success,
        },
    )
    .await?;
    Ok(())
}

/// The signed receipt of the candidate's current choices (F7).
fn receipt(
    state: &AppState,
    context: &store::ContextRow,
    controller: Option<&PrivacyContact>,
    shown: &ShownNotice,
    statuses: &[(Purpose, ConsentStatus)],
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let receipt_id = PublicId::from_random(IdKind::Receipt, random_16());
    let public_key = state.signer.public_jwk().to_string();
    let receipt = ConsentReceipt::new(
        &ReceiptFacts {
            receipt_id: receipt_id.as_str(),
            public_key: &public_key,
            controller,
            candidate_public_id: &context.candidate_public_id,
            policy_url: &state.settings.link("/privacy"),
            notice_id: &shown.public_id,
            notice: &shown.notice,
            facts: &shown.facts,
            at_unix: now.unix_timestamp(),
        },
        statuses,
    );
    state.signer.sign(&receipt).map_err(super::errors::internal)
}

/// Sends the confirmation of the candidate's current choices, with their signed receipt and a
/// fresh link to manage them.
async fn confirm(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    context: &store::ContextRow,
    shown: &ShownNotice,
    statuses: &[(Purpose, ConsentStatus)],
) -> Result<(), AppError> {
    let lang = shown.notice.lang;
    let now = state.clock.now();
    let controller = db::orgs::privacy_contact(tx, org_id).await?;
    let signed = receipt(state, context, controller.as_ref(), shown, statuses, now)?;
    let token = RawToken::generate();
    let purpose = TokenPurpose::ConsentManage;
    db::tokens::insert(
        tx,
        org_id,
        purpose.as_str(),
        context.application_id,
        &token.hash(),
        now + purpose.lifetime(),
    )
    .await?;
    let m = lang.messages();
    let mut paragraphs = vec![m.consent_confirmation_text.to_owned()];
    paragraphs.extend(
        statuses
            .iter()
            .map(|(p, s)| format!("{}: {}", p.question(lang).0, s.candidate_label(lang))),
    );
    let email = CandidateEmail {
        kind: "consent_confirmation",
        lang: lang.code(),
        subject: fill(
            m.consent_confirmation_subject,
            &[("recruitment", &context.recruitment_title)],
        ),
        greeting: fill(m.email_greeting, &[("name", &context.candidate_name)]),
        paragraphs,
        action: Some(Action {
            label: m.consent_confirmation_manage.into(),
            link: state
                .settings
                .link(&format!("/c/consent/{}", token.as_str())),
        }),
        closing: vec![
            format!("{}: {}", m.receipt_heading, m.receipt_text),
            format!(
                "{} {}",
                m.email_privacy_line,
                super::privacy::link_in(state, tx, org_id, context.candidate_id).await?
            ),
        ],
        sender_line: sender_line(lang, &context.org_name),
        // One long line would make the message as wide as the receipt on a phone; a file is
        // also what `candor verify-receipt` reads.
        attachment: Some(Attachment {
            name: RECEIPT_FILE.into(),
            media_type: "application/jwt",
            content: signed,
        }),
    };
    messages::queue_about(
        tx,
        org_id,
        context.candidate_id,
        &context.candidate_email,
        &email,
    )
    .await?;
    Ok(())
}

/// Appends the candidate's answers, given or refused per purpose, against the notice in `lang`.
async fn record_choices_in(
    tx: &mut Tx,
    org_id: Uuid,
    context: &store::ContextRow,
    lang: Lang,
    choices: &[(Purpose, bool)],
    now: OffsetDateTime,
) -> Result<ShownNotice, AppError> {
    let shown = notice_for(tx, org_id, context, lang).await?;
    let history = store::history(tx, org_id, context.application_id).await?;
    // Consent given again — after it was given before, or after a request ran out — is a
    // renewal (ISO/IEC TS 27560).
    let renewal = |p: &Purpose| {
        history.iter().any(|e| {
            e.purpose == p.as_str()
                && matches!(
                    ConsentEvent::parse(&e.event),
                    Some(ConsentEvent::Given | ConsentEvent::Renewed | ConsentEvent::Expired)
                )
        })
    };
    let events: Vec<_> = choices
        .iter()
        .map(|(p, yes)| {
            let event = match (*yes, renewal(p)) {
                (true, true) => ConsentEvent::Renewed,
                (true, false) => ConsentEvent::Given,
                (false, _) => ConsentEvent::Refused,
            };
            (*p, event)
        })
        .collect();
    append_events(
        tx,
        org_id,
        context.application_id,
        &shown,
        &events,
        CANDIDATE,
        now,
    )
    .await?;
    Ok(shown)
}

/// The demo organisation's candidates answered before the portal started: their choices, without
/// the e-mails.
pub async fn seed_choices(
    tx: &mut Tx,
    org_id: Uuid,
    application_id: Uuid,
    choices: &[(Purpose, bool)],
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let context = store::context(tx, org_id, application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    record_choices_in(tx, org_id, &context, Lang::En, choices, now).await?;
    Ok(())
}

/// The candidate's answers to a consent request: one event per purpose against the notice in
/// the language they read, then a confirmation with the link to change their mind.
pub async fn give(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    lang: Lang,
    answers: &[(String, String)],
) -> Result<(), AppError> {
    let choices = parse_choices(answers).map_err(|unanswered| AppError::Invalid {
        fields: unanswered
            .into_iter()
            .map(|p| FieldError {
                field: p.as_str().into(),
                message: lang.messages().answer_each.into(),
            })
            .collect(),
    })?;
    let (mut tx, org_id, application_id) =
        consume_token(state, meta, raw_token, TokenPurpose::Consent).await?;
    let now = state.clock.now();
    let context = store::context(&mut tx, org_id, application_id)
        .await?
        .ok_or(AppError::InvalidToken)?;
    store::set_candidate_language(&mut tx, org_id, context.candidate_id, lang.code()).await?;
    let shown = record_choices_in(&mut tx, org_id, &context, lang, &choices, now).await?;
    record_candidate_action(
        &mut tx,
        meta,
        now,
        org_id,
        AuditAction::ConsentRecorded,
        &context.application_public_id,
    )
    .await?;
    let statuses = statuses(&mut tx, org_id, &[application_id])
        .await?
        .remove(&application_id)
        .unwrap_or_default();
    confirm(state, &mut tx, org_id, &context, &shown, &statuses).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws given consent for `purposes` (all of them when empty) and deletes what was made
/// under it: recordings, transcripts, scorecards. Files leave the store once the change commits.
pub async fn withdraw(
    state: &AppState,
    meta: &RequestMeta,
    raw_token: &str,
    lang: Lang,
    purposes: &[Purpose],
) -> Result<(), AppError> {
    let (mut tx, org_id, application_id) =
        consume_token(state, meta, raw_token, TokenPurpose::ConsentManage).await?;
    let now = state.clock.now();
    let context = store::context(&mut tx, org_id, application_id)
        .await?
        .ok_or(AppError::InvalidToken)?;
    // Waits for processing writes under way, so that what they made is deleted below.
    if !store::lock_for_withdrawal(&mut tx, org_id, application_id).await? {
        return Err(AppError::InvalidToken);
    }
    let current = statuses(&mut tx, org_id, &[application_id])
        .await?
        .remove(&application_id)
        .unwrap_or_default();
    let withdrawn: Vec<_> = current
        .iter()
        .filter(|(p, s)| s.is_granted() && (purposes.is_empty() || purposes.contains(p)))
        .map(|(p, _)| (*p, ConsentEvent::Withdrawn))
        .collect();
    let shown = notice_for(&mut tx, org_id, &context, lang).await?;
    append_events(
        &mut tx,
        org_id,
        application_id,
        &shown,
        &withdrawn,
        CANDIDATE,
        now,
    )
    .await?;
    let mut removed_files = Vec::new();
    for (purpose, _) in &withdrawn {
        match purpose {
            Purpose::Evaluation => {
                store::delete_evaluations(&mut tx, org_id, application_id).await?;
            }
            Purpose::Recording | Purpose::Transcription => {
                let kind = if *purpose == Purpose::Recording {
                    "recording"
                } else {
                    "transcript"
                };
                for (name, size) in
                    store::delete_interview_files(&mut tx, org_id, application_id, kind).await?
                {
                    db::documents::refund_storage(&mut tx, org_id, size).await?;
                    removed_files.push(name);
                }
            }
            // Nothing is stored under AI support yet.
            Purpose::AiSupport => {}
        }
    }
    record_candidate_action(
        &mut tx,
        meta,
        now,
        org_id,
        AuditAction::ConsentWithdrawn,
        &context.application_public_id,
    )
    .await?;
    let after = statuses(&mut tx, org_id, &[application_id])
        .await?
        .remove(&application_id)
        .unwrap_or_default();
    confirm(state, &mut tx, org_id, &context, &shown, &after).await?;
    tx.commit().await?;
    for name in removed_files {
        state.files.delete(&name).await;
    }
    Ok(())
}
