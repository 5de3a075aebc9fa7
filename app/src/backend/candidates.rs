//! Candidate and application use cases (F6): adding a candidate to a recruitment, moving the
//! application through the pipeline, the human hiring decision, notes, and the candidate page
//! (whose every view is audited, F12). Visibility follows the recruitment (R2, R3).

use super::audit::record_caller_action as record;
use super::auth::tokens::random_16;
use super::db::{candidates as store, Tx};
use super::errors::is_unique_violation;
use super::guard::{Caller, Ctx};
use super::html;
use super::recruitments::{load_visible, viewer};
use crate::domain::audit::AuditAction;
use crate::domain::consent::{ConsentStatus, Purpose};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::listing::CandidateListQuery;
use crate::domain::pipeline::{check_decision, check_move, Decision, PipelineError, Stage};
use crate::domain::recruitment::{multi_line, single_line};
use crate::domain::role::Permission;
use crate::error::{AppError, FieldError};
use std::collections::HashMap;
use uuid::Uuid;

pub struct CandidateForm {
    pub full_name: String,
    pub email: String,
    pub phone: String,
}

pub(super) struct ValidCandidate {
    full_name: String,
    email: EmailAddress,
    phone: String,
}

impl ValidCandidate {
    /// The details as given, normalised as they would be stored: (name, address, phone).
    pub(super) fn into_parts(self) -> (String, String, String) {
        (self.full_name, self.email.as_str().to_owned(), self.phone)
    }
}

/// The form's values, or every field that is wrong.
pub(super) fn validate(form: &CandidateForm) -> Result<ValidCandidate, Vec<FieldError>> {
    let mut fields = Vec::new();
    let mut field = |name: &str, message: String| {
        fields.push(FieldError {
            field: name.into(),
            message,
        })
    };
    let full_name = single_line(&form.full_name, 200).map_err(|m| field("full_name", m));
    let email = EmailAddress::parse(&form.email).map_err(|e| field("email", e.to_string()));
    let phone = form.phone.trim().to_owned();
    let phone_ok = phone.chars().count() <= 40
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !phone_ok {
        field(
            "phone",
            "Use digits, spaces and + - ( ) only, at most 40 characters.".into(),
        );
    }
    match (full_name, email) {
        (Ok(full_name), Ok(email)) if phone_ok => Ok(ValidCandidate {
            full_name,
            email,
            phone,
        }),
        _ => Err(fields),
    }
}

/// Adds a candidate (found by e-mail within the organisation, or new) to an open recruitment.
/// `confirmed_deletion` is the id of the candidate's open deletion request the caller confirmed
/// going ahead past, if any. Returns the candidate's public id.
pub async fn add_to_recruitment(
    ctx: &Ctx,
    caller: &Caller,
    recruitment_public_id: &str,
    form: CandidateForm,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let candidate_public = add_to_recruitment_in(
        ctx,
        &mut tx,
        caller,
        recruitment_public_id,
        form,
        confirmed_deletion,
    )
    .await?;
    tx.commit().await?;
    Ok(candidate_public)
}

/// [`add_to_recruitment`] inside the caller's transaction.
pub(super) async fn add_to_recruitment_in(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    recruitment_public_id: &str,
    form: CandidateForm,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let valid = validate(&form).map_err(|fields| AppError::Invalid { fields })?;
    let (_, candidate_public) = add_in(
        ctx,
        tx,
        caller,
        recruitment_public_id,
        &valid,
        confirmed_deletion,
    )
    .await?;
    Ok(candidate_public)
}

/// The adding itself, inside the caller's transaction; returns the candidate's (id, public id).
/// A known candidate with an open deletion request is added only past its confirmation.
pub(super) async fn add_in(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    recruitment_public_id: &str,
    valid: &ValidCandidate,
    confirmed_deletion: Option<&str>,
) -> Result<(Uuid, String), AppError> {
    let now = ctx.state.clock.now();
    let recruitment = load_visible(tx, caller, recruitment_public_id).await?;
    if recruitment.status != "open" {
        return Err(AppError::invalid(
            "full_name",
            "This recruitment is closed; reopen it to add candidates.",
        ));
    }
    let new_public = PublicId::from_random(IdKind::Candidate, random_16());
    let (candidate_id, candidate_public) = store::upsert(
        tx,
        &store::NewCandidate {
            id: Uuid::new_v4(),
            public_id: new_public.as_str(),
            org_id: caller.org_id,
            full_name: &valid.full_name,
            email: valid.email.as_str(),
            phone: &valid.phone,
            now,
        },
    )
    .await?;
    super::data_requests::require_deletion_confirmed(
        tx,
        caller.org_id,
        candidate_id,
        confirmed_deletion,
    )
    .await?;
    let application_id = Uuid::new_v4();
    let application_public = PublicId::from_random(IdKind::Application, random_16());
    let inserted = store::insert_application(
        tx,
        caller.org_id,
        application_id,
        application_public.as_str(),
        candidate_id,
        recruitment.id,
    )
    .await;
    if let Err(err) = inserted {
        // A request that is fine in itself but clashes with what is stored: a conflict (409).
        return Err(if is_unique_violation(&err) {
            AppError::Conflict {
                message: "This candidate already applied to this recruitment.".into(),
            }
        } else {
            err.into()
        });
    }
    store::append_event(
        tx,
        caller.org_id,
        application_id,
        "applied",
        Some(Stage::Applied.as_str()),
        caller.user_id,
        now,
    )
    .await?;
    record(
        ctx,
        tx,
        caller,
        AuditAction::CandidateAdded,
        &candidate_public,
    )
    .await?;
    super::consent::request_in(
        &ctx.state,
        tx,
        caller.org_id,
        application_id,
        &caller.user_public_id,
    )
    .await?;
    Ok((candidate_id, candidate_public))
}

/// Each application's consent per purpose (F7), as staff see it wherever the candidate appears.
pub type Consents = HashMap<Uuid, Vec<(Purpose, ConsentStatus)>>;

/// A recruitment's board (already checked visible), each card with its consent per purpose.
pub(super) async fn pipeline_in(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<(Vec<store::CardRow>, Consents), AppError> {
    let cards = store::pipeline(tx, org_id, recruitment_id).await?;
    let consents = cards
        .iter()
        .map(|c| {
            let latest = c.consent_purposes.iter().map(String::as_str);
            let latest = latest.zip(c.consent_events.iter().map(String::as_str));
            (c.application_id, super::consent::statuses_from(latest))
        })
        .collect();
    Ok((cards, consents))
}

pub struct CandidateView {
    pub candidate: store::CandidateRow,
    pub applications: Vec<store::ApplicationRow>,
    pub notes: Vec<store::NoteRow>,
    pub events: Vec<store::EventRow>,
    pub documents: Vec<super::db::documents::DocumentRow>,
    pub consents: Consents,
    pub retention: Option<super::db::retention::ClockRow>,
    pub interviews: Vec<super::db::interviews::InterviewRow>,
    pub pending_deletion: Option<super::data_requests::PendingDeletion>,
    pub can_manage: bool,
    pub can_evaluate: bool,
}

/// One page of the candidate list.
pub struct CandidateList {
    pub items: Vec<store::ListedCandidateRow>,
    pub page: u32,
    pub has_next: bool,
}

/// The candidates the caller may see, a page at a time: names and where they stand, each listed
/// candidate audited as seen (F12), while opening one is the audited view of their data. One row more than a page
/// is read to know whether another follows, rather than counting every match on every view.
pub async fn list(
    ctx: &Ctx,
    caller: &Caller,
    query: &CandidateListQuery,
) -> Result<CandidateList, AppError> {
    // The statement reads 51 rows, written in its text.
    const _: () = assert!(CandidateListQuery::PAGE_SIZE == 50);
    caller.require(Permission::ViewCandidates)?;
    let scope = viewer(caller)?;
    let page_size = CandidateListQuery::PAGE_SIZE as usize;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let mut items = store::list_visible(
        &mut tx,
        caller.org_id,
        scope,
        query.search.as_deref(),
        query.offset(),
    )
    .await?;
    let has_next = items.len() > page_size;
    items.truncate(page_size);
    let listed: Vec<&str> = items.iter().map(|c| c.public_id.as_str()).collect();
    super::audit::record_caller_reads(ctx, &mut tx, caller, AuditAction::CandidateListed, &listed)
        .await?;
    tx.commit().await?;
    Ok(CandidateList {
        items,
        page: query.page,
        has_next,
    })
}

/// The candidate page: what the caller may see of this candidate. The view itself is audited,
/// in the same transaction, so a candidate can later learn who looked at their data.
pub async fn view(ctx: &Ctx, caller: &Caller, public_id: &str) -> Result<CandidateView, AppError> {
    caller.require(Permission::ViewCandidates)?;
    let id = PublicId::parse(IdKind::Candidate, public_id).ok_or(AppError::NotFound)?;
    let scope = viewer(caller)?;
    let mut tx = ctx.state.db.begin_for_org_keyed(caller.org_id).await?;
    let candidate = store::find_visible(&mut tx, caller.org_id, id.as_str(), scope)
        .await?
        .ok_or(AppError::NotFound)?;
    let applications =
        store::visible_applications_of(&mut tx, caller.org_id, candidate.id, scope).await?;
    let ids: Vec<Uuid> = applications.iter().map(|a| a.id).collect();
    let notes = store::notes(&mut tx, caller.org_id, &ids).await?;
    let events = store::events(&mut tx, caller.org_id, &ids).await?;
    let documents =
        super::db::documents::of_candidate(&mut tx, caller.org_id, candidate.id).await?;
    let consents = super::consent::statuses(&mut tx, caller.org_id, &ids).await?;
    let retention = super::db::retention::clock(&mut tx, caller.org_id, candidate.id).await?;
    let interviews = super::interviews::of_applications(&mut tx, caller, &ids).await?;
    let pending_deletion =
        super::data_requests::pending_deletion(&mut tx, caller.org_id, candidate.id).await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::CandidateViewed,
        &candidate.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(CandidateView {
        candidate,
        applications,
        notes,
        events,
        documents,
        consents,
        retention,
        interviews,
        pending_deletion,
        can_manage: caller.require(Permission::ManageCandidates).is_ok(),
        can_evaluate: caller.require(Permission::EvaluateCandidates).is_ok(),
    })
}

pub(super) async fn visible_application(
    tx: &mut Tx,
    caller: &Caller,
    public_id: &str,
) -> Result<store::ApplicationRow, AppError> {
    let id = PublicId::parse(IdKind::Application, public_id).ok_or(AppError::NotFound)?;
    store::visible_application(tx, caller.org_id, id.as_str(), viewer(caller)?)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn move_stage(
    ctx: &Ctx,
    caller: &Caller,
    application_public_id: &str,
    to: Stage,
) -> Result<String, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let candidate = move_stage_in(ctx, &mut tx, caller, application_public_id, to).await?;
    tx.commit().await?;
    Ok(candidate)
}

/// The most applications one move takes: a board shows at most this many.
pub const MOST_MOVED_AT_ONCE: usize = 1000;

/// Moves the applications ticked on one recruitment's board to one stage (F6): all of them or,
/// when one cannot move (decided, not on this board, not visible), none. Returns how many moved.
pub async fn move_stages(
    ctx: &Ctx,
    caller: &Caller,
    recruitment_public_id: &str,
    application_public_ids: &[String],
    to: Stage,
) -> Result<usize, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let mut ids: Vec<&str> = application_public_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::invalid(
            "applications",
            "Select at least one candidate to move.",
        ));
    }
    if ids.len() > MOST_MOVED_AT_ONCE {
        return Err(AppError::invalid(
            "applications",
            format!("Move at most {MOST_MOVED_AT_ONCE} candidates at once."),
        ));
    }
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let recruitment = load_visible(&mut tx, caller, recruitment_public_id).await?;
    for id in &ids {
        let app = visible_application(&mut tx, caller, id).await?;
        if app.recruitment_public_id != recruitment.public_id {
            return Err(AppError::NotFound);
        }
        apply_move(ctx, &mut tx, caller, &app, to).await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// The move itself, inside the caller's transaction; returns the candidate's public id.
pub(super) async fn move_stage_in(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    application_public_id: &str,
    to: Stage,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let app = visible_application(tx, caller, application_public_id).await?;
    apply_move(ctx, tx, caller, &app, to).await?;
    Ok(app.candidate_public_id)
}

/// A visible application's move with its event and audit record; staying put records nothing.
async fn apply_move(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    app: &store::ApplicationRow,
    to: Stage,
) -> Result<(), AppError> {
    let now = ctx.state.clock.now();
    let from = Stage::parse(&app.stage).ok_or(AppError::NotFound)?;
    check_move(from, to).map_err(|e| pipeline_refusal("stage", e))?;
    if from != to {
        if !store::set_stage(tx, caller.org_id, app.id, from.as_str(), to.as_str(), now).await? {
            return Err(changed_meanwhile());
        }
        store::append_event(
            tx,
            caller.org_id,
            app.id,
            "stage_changed",
            Some(to.as_str()),
            caller.user_id,
            now,
        )
        .await?;
        record(
            ctx,
            tx,
            caller,
            AuditAction::ApplicationStageChanged,
            &app.public_id,
        )
        .await?;
    }
    Ok(())
}

/// Records a person's hiring decision with its reason; nothing in Candor decides on its own.
pub async fn decide(
    ctx: &Ctx,
    caller: &Caller,
    application_public_id: &str,
    decision: Decision,
    reason: &str,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let candidate = decide_in(
        ctx,
        &mut tx,
        caller,
        application_public_id,
        decision,
        reason,
        confirmed_deletion,
    )
    .await?;
    tx.commit().await?;
    Ok(candidate)
}

/// The decision itself, inside the caller's transaction; returns the candidate's public id.
/// About a candidate with an open deletion request, only past its confirmation.
pub(super) async fn decide_in(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    application_public_id: &str,
    decision: Decision,
    reason: &str,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    caller.require(Permission::EvaluateCandidates)?;
    let reason = decision_reason(reason)?;
    let now = ctx.state.clock.now();
    let app = visible_application(tx, caller, application_public_id).await?;
    super::data_requests::require_deletion_confirmed(
        tx,
        caller.org_id,
        app.candidate_id,
        confirmed_deletion,
    )
    .await?;
    let from = Stage::parse(&app.stage).ok_or(AppError::NotFound)?;
    check_decision(from).map_err(|e| pipeline_refusal("decision", e))?;
    let stage = decision.stage();
    let recorded = store::record_decision(
        tx,
        caller.org_id,
        app.id,
        &store::DecisionRecord {
            from: from.as_str(),
            stage: stage.as_str(),
            reason: &reason,
            decided_by: caller.user_id,
            now,
        },
    )
    .await?;
    if !recorded {
        return Err(changed_meanwhile());
    }
    store::append_event(
        tx,
        caller.org_id,
        app.id,
        "decision",
        Some(stage.as_str()),
        caller.user_id,
        now,
    )
    .await?;
    record(
        ctx,
        tx,
        caller,
        AuditAction::HiringDecisionRecorded,
        &app.public_id,
    )
    .await?;
    Ok(app.candidate_public_id)
}

/// A decided application clashes with the state the request expected (409); asking for a
/// decided stage by moving is a wrong field (422).
fn pipeline_refusal(field: &str, e: PipelineError) -> AppError {
    match e {
        PipelineError::AlreadyDecided => AppError::Conflict {
            message: e.to_string(),
        },
        PipelineError::NeedsDecision => AppError::invalid(field, e),
    }
}

/// Another decision or move committed between reading the application and changing it.
fn changed_meanwhile() -> AppError {
    AppError::Conflict {
        message: "Someone else changed this application meanwhile (a decision or a move); \
                  reload it to see where it stands."
            .into(),
    }
}

fn decision_reason(reason: &str) -> Result<String, AppError> {
    let reason = multi_line(reason, 2000).map_err(|m| AppError::invalid("reason", m))?;
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Give the reason for the decision; it is kept with it.",
        ));
    }
    Ok(reason)
}

pub async fn add_note(
    ctx: &Ctx,
    caller: &Caller,
    application_public_id: &str,
    body: &str,
) -> Result<String, AppError> {
    caller.require(Permission::EvaluateCandidates)?;
    let body = multi_line(body, 20_000).map_err(|m| AppError::invalid("note", m))?;
    let body_html = html::sanitize(&body);
    if body_html.trim().is_empty() {
        return Err(AppError::invalid("note", "Write the note first."));
    }
    let now = ctx.state.clock.now();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let app = visible_application(&mut tx, caller, application_public_id).await?;
    store::insert_note(
        &mut tx,
        caller.org_id,
        app.id,
        caller.user_id,
        &body_html,
        now,
    )
    .await?;
    store::append_event(
        &mut tx,
        caller.org_id,
        app.id,
        "note_added",
        None,
        caller.user_id,
        now,
    )
    .await?;
    record(ctx, &mut tx, caller, AuditAction::NoteAdded, &app.public_id).await?;
    tx.commit().await?;
    Ok(app.candidate_public_id)
}

pub struct PipelineSummary {
    pub open_recruitments: i64,
    pub per_stage: Vec<(Stage, i64)>,
    pub awaiting_decision: Vec<store::AwaitingRow>,
}

/// The dashboard's view of the pipeline, for roles that may see candidates; `None` otherwise.
pub async fn summary(ctx: &Ctx, caller: &Caller) -> Result<Option<PipelineSummary>, AppError> {
    if caller.require(Permission::ViewCandidates).is_err() {
        return Ok(None);
    }
    let scope = viewer(caller)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let open_recruitments =
        super::db::recruitments::count_open(&mut tx, caller.org_id, scope).await?;
    let counts = store::stage_counts(&mut tx, caller.org_id, scope).await?;
    let awaiting_decision = store::awaiting_decision(&mut tx, caller.org_id, scope).await?;
    tx.commit().await?;
    let per_stage = Stage::ALL
        .into_iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|c| c.stage == s.as_str())
                .map_or(0, |c| c.n);
            (s, n)
        })
        .collect();
    Ok(Some(PipelineSummary {
        open_recruitments,
        per_stage,
        awaiting_decision,
    }))
}

/// A file made for download.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A recruitment's candidates as CSV. Exporting is a read of each candidate's data, so each one
/// is audited (F12) and a candidate can later learn who exported them.
pub async fn export(
    ctx: &Ctx,
    caller: &Caller,
    recruitment_public_id: &str,
) -> Result<Export, AppError> {
    caller.require(Permission::ViewCandidates)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let recruitment = load_visible(&mut tx, caller, recruitment_public_id).await?;
    let rows = store::export_rows(&mut tx, caller.org_id, recruitment.id).await?;
    for row in &rows {
        record(
            ctx,
            &mut tx,
            caller,
            AuditAction::CandidateExported,
            &row.candidate_public_id,
        )
        .await?;
    }
    tx.commit().await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let stamp = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let failed = |e: csv::Error| super::errors::internal(format!("writing CSV: {e}"));
    out.write_record([
        "candidate_id",
        "name",
        "email",
        "phone",
        "stage",
        "applied_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    ])
    .map_err(failed)?;
    for r in rows {
        out.write_record([
            r.candidate_public_id,
            spreadsheet_safe(&r.full_name),
            spreadsheet_safe(&r.email),
            spreadsheet_safe(&r.phone),
            r.stage,
            stamp(r.applied_at),
            spreadsheet_safe(&r.decided_by.unwrap_or_default()),
            r.decided_at.map(stamp).unwrap_or_default(),
            spreadsheet_safe(&r.decision_reason.unwrap_or_default()),
        ])
        .map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| super::errors::internal(format!("writing CSV: {e}")))?;
    Ok(Export {
        file_name: format!("candidates-{}.csv", recruitment.public_id),
        bytes,
    })
}

/// A cell a spreadsheet would run as a formula gets a leading quote (CSV injection, OWASP).
pub(super) fn spreadsheet_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Corrects a candidate's details (rectification, F9); the address stays unique in the org.
pub async fn update_details(
    ctx: &Ctx,
    caller: &Caller,
    candidate_public_id: &str,
    form: CandidateForm,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let valid = validate(&form).map_err(|fields| AppError::Invalid { fields })?;
    let id = PublicId::parse(IdKind::Candidate, candidate_public_id).ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let candidate = store::find_visible(&mut tx, caller.org_id, id.as_str(), viewer(caller)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = store::update_details(
        &mut tx,
        caller.org_id,
        candidate.id,
        &valid.full_name,
        valid.email.as_str(),
        &valid.phone,
    )
    .await;
    if let Err(err) = updated {
        return Err(if is_unique_violation(&err) {
            AppError::invalid("email", "Another candidate has this address.")
        } else {
            err.into()
        });
    }
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::CandidateUpdated,
        &candidate.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(candidate.public_id)
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn cells_that_would_run_as_formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+31 6 1234"), "'+31 6 1234");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Grace Hopper"), "Grace Hopper");
    }
}
