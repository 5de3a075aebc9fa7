//! Interview use cases (F8): scheduling, assigning interviewers, scorecards against the
//! recruitment's criteria, and the side-by-side comparison. Interviewers see only interviews
//! assigned to them, with the minimum candidate data they need (R2). Nothing decides for a person.

use super::audit::record_caller_action as record;
use super::auth::tokens::random_16;
use super::candidates::visible_application;
use super::db::{self, interviews as store, Tx};
use super::guard::{Caller, Ctx};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::interview::{parse_duration, parse_score, parse_start, weighted_mean};
use crate::domain::recruitment::multi_line;
use crate::domain::role::{recruitment_scope, Permission, RecruitmentScope, Role};
use crate::error::{AppError, FieldError};
use uuid::Uuid;

/// (recruitment viewer, assigned-to) narrowing for the caller's role.
fn scope(caller: &Caller) -> Result<(Option<Uuid>, Option<Uuid>), AppError> {
    match recruitment_scope(caller.role) {
        RecruitmentScope::All => Ok((None, None)),
        RecruitmentScope::OwnedOrMember => Ok((Some(caller.user_id), None)),
        RecruitmentScope::AssignedInterviews => Ok((None, Some(caller.user_id))),
        RecruitmentScope::None => Err(AppError::Forbidden),
    }
}

pub struct ScheduleForm {
    pub starts_at: String,
    pub duration: String,
    pub location: String,
}

pub async fn schedule(
    ctx: &Ctx,
    caller: &Caller,
    application_public_id: &str,
    form: ScheduleForm,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let mut fields = Vec::new();
    let mut err = |f: &str, m: String| {
        fields.push(FieldError {
            field: f.into(),
            message: m,
        })
    };
    let starts = parse_start(&form.starts_at).map_err(|m| err("starts_at", m));
    let duration = parse_duration(&form.duration).map_err(|m| err("duration", m));
    let location = multi_line(&form.location, 200).map_err(|m| err("location", m));
    let (Ok(starts), Ok(duration), Ok(location)) = (starts, duration, location) else {
        return Err(AppError::Invalid { fields });
    };
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let app = visible_application(&mut tx, caller, application_public_id).await?;
    let public = PublicId::from_random(IdKind::Interview, random_16());
    store::insert(
        &mut tx,
        &store::NewInterview {
            id: Uuid::new_v4(),
            public_id: public.as_str(),
            org_id: caller.org_id,
            application_id: app.id,
            scheduled_at: starts,
            duration_minutes: duration,
            location: &location,
            created_by: caller.user_id,
        },
    )
    .await?;
    db::candidates::append_event(
        &mut tx,
        caller.org_id,
        app.id,
        "interview_scheduled",
        None,
        caller.user_id,
        ctx.state.clock.now(),
    )
    .await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::InterviewScheduled,
        public.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(public.to_string())
}

pub(super) async fn load(
    tx: &mut Tx,
    caller: &Caller,
    public_id: &str,
) -> Result<store::InterviewRow, AppError> {
    let id = PublicId::parse(IdKind::Interview, public_id).ok_or(AppError::NotFound)?;
    let (viewer, assigned) = scope(caller)?;
    store::visible(tx, caller.org_id, Some(id.as_str()), viewer, assigned)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

pub async fn assign(
    ctx: &Ctx,
    caller: &Caller,
    interview_public_id: &str,
    user_public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageCandidates)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let interview = load(&mut tx, caller, interview_public_id).await?;
    let user = super::users::colleague(&mut tx, caller.org_id, user_public_id)
        .await?
        .filter(|u| {
            u.active
                && Role::parse(&u.role)
                    .is_some_and(|r| crate::domain::role::allows(r, Permission::ConductInterviews))
        })
        .ok_or_else(|| {
            AppError::invalid("interviewer", "Choose an active colleague who interviews.")
        })?;
    if store::assign(&mut tx, caller.org_id, interview.id, user.id).await? {
        record(
            ctx,
            &mut tx,
            caller,
            AuditAction::InterviewerAssigned,
            &interview.public_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The interviews the caller may see, with each candidate's consent (F7).
pub async fn list(
    ctx: &Ctx,
    caller: &Caller,
) -> Result<(Vec<store::InterviewRow>, super::candidates::Consents), AppError> {
    caller.require(Permission::ConductInterviews)?;
    let (viewer, assigned) = scope(caller)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = store::visible(&mut tx, caller.org_id, None, viewer, assigned).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.application_id).collect();
    let consents = super::consent::statuses(&mut tx, caller.org_id, &ids).await?;
    let mut listed: Vec<&str> = rows
        .iter()
        .map(|r| r.candidate_public_id.as_str())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    super::audit::record_caller_reads(ctx, &mut tx, caller, AuditAction::CandidateListed, &listed)
        .await?;
    tx.commit().await?;
    Ok((rows, consents))
}

/// The interviews of these applications that the caller may see, in one query, in the
/// transaction of the page that shows them.
pub(super) async fn of_applications(
    tx: &mut Tx,
    caller: &Caller,
    application_ids: &[Uuid],
) -> Result<Vec<store::InterviewRow>, AppError> {
    let (viewer, assigned) = scope(caller)?;
    Ok(
        store::visible_for_applications(tx, caller.org_id, application_ids, viewer, assigned)
            .await?,
    )
}

pub struct InterviewView {
    pub interview: store::InterviewRow,
    pub interviewers: Vec<store::InterviewerRow>,
    pub criteria: Vec<db::recruitments::CriterionRow>,
    pub scores: Vec<store::ScoreRow>,
    pub files: Vec<db::documents::DocumentRow>,
    pub consent: Vec<(
        crate::domain::consent::Purpose,
        crate::domain::consent::ConsentStatus,
    )>,
    /// The candidate's granted restriction or objection pauses recording and transcription.
    pub restricted: bool,
    pub caller_assigned: bool,
    pub can_manage: bool,
}

/// An interview as the caller may see it. Interviewers see their own scorecard only, so that
/// one interviewer's scores cannot anchor another's.
pub async fn view(ctx: &Ctx, caller: &Caller, public_id: &str) -> Result<InterviewView, AppError> {
    caller.require(Permission::ConductInterviews)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let interview = load(&mut tx, caller, public_id).await?;
    let interviewers = store::interviewers(&mut tx, caller.org_id, interview.id).await?;
    let criteria =
        db::recruitments::criteria(&mut tx, caller.org_id, interview.recruitment_id).await?;
    let only_own = (caller.role == Role::Interviewer).then_some(caller.user_id);
    let scores = store::scores(&mut tx, caller.org_id, interview.id, only_own).await?;
    let files = db::documents::of_interview(&mut tx, caller.org_id, interview.id).await?;
    let consent = super::consent::statuses(&mut tx, caller.org_id, &[interview.application_id])
        .await?
        .remove(&interview.application_id)
        .unwrap_or_default();
    let restricted =
        db::consent::processing_restricted(&mut tx, caller.org_id, interview.application_id)
            .await?;
    // The page shows the candidate's interview, files and scores: a read of their data (F12).
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::CandidateViewed,
        &interview.candidate_public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(InterviewView {
        restricted,
        caller_assigned: interviewers.iter().any(|i| i.id == caller.user_id),
        can_manage: caller.require(Permission::ManageCandidates).is_ok(),
        interview,
        interviewers,
        criteria,
        scores,
        files,
        consent,
    })
}

pub async fn score(
    ctx: &Ctx,
    caller: &Caller,
    interview_public_id: &str,
    criterion_public_id: &str,
    raw_score: &str,
    evidence: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ConductInterviews)?;
    let mut fields = Vec::new();
    let score = parse_score(raw_score).map_err(|m| {
        fields.push(FieldError {
            field: "score".into(),
            message: m,
        })
    });
    let evidence = multi_line(evidence, 2000)
        .and_then(|e| {
            if e.is_empty() {
                Err("Quote the evidence behind the score.".into())
            } else {
                Ok(e)
            }
        })
        .map_err(|m| {
            fields.push(FieldError {
                field: "evidence".into(),
                message: m,
            })
        });
    let (Ok(score), Ok(evidence)) = (score, evidence) else {
        return Err(AppError::Invalid { fields });
    };
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let interview = load(&mut tx, caller, interview_public_id).await?;
    let assigned = store::interviewers(&mut tx, caller.org_id, interview.id)
        .await?
        .iter()
        .any(|i| i.id == caller.user_id);
    if !assigned {
        return Err(AppError::Forbidden);
    }
    super::consent::require_granted(
        &mut tx,
        caller.org_id,
        interview.application_id,
        crate::domain::consent::Purpose::Evaluation,
    )
    .await?;
    let criterion = store::criterion_id(
        &mut tx,
        caller.org_id,
        interview.recruitment_id,
        criterion_public_id,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    store::upsert_score(
        &mut tx,
        caller.org_id,
        interview.id,
        caller.user_id,
        criterion,
        score,
        &evidence,
        ctx.state.clock.now(),
    )
    .await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::ScorecardUpdated,
        &interview.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub struct ComparedCandidate {
    pub candidate_public_id: String,
    pub name: String,
    /// (criterion public id, average score, number of scores)
    pub per_criterion: Vec<(String, f64, i64)>,
    pub weighted: Option<f64>,
}

/// Side by side: each candidate's average per criterion and the weighted mean. A reading aid for
/// the people who decide; it decides nothing.
pub(super) async fn comparison_in(
    tx: &mut Tx,
    org_id: Uuid,
    recruitment_id: Uuid,
) -> Result<Vec<ComparedCandidate>, AppError> {
    let rows = store::comparison(tx, org_id, recruitment_id).await?;
    let mut out: Vec<ComparedCandidate> = Vec::new();
    let mut weights: Vec<Vec<(i32, f64)>> = Vec::new();
    for r in rows {
        if out.last().map(|c| &c.candidate_public_id) != Some(&r.candidate_public_id) {
            out.push(ComparedCandidate {
                candidate_public_id: r.candidate_public_id.clone(),
                name: r.candidate_name.clone(),
                per_criterion: Vec::new(),
                weighted: None,
            });
            weights.push(Vec::new());
        }
        if let (Some(c), Some(w)) = (out.last_mut(), weights.last_mut()) {
            c.per_criterion
                .push((r.criterion_public_id, r.average, r.scores));
            w.push((r.weight, r.average));
        }
    }
    for (c, w) in out.iter_mut().zip(&weights) {
        c.weighted = weighted_mean(w);
    }
    Ok(out)
}

/// Interviews the caller may see that start within the next seven days; `None` for roles that
/// do not interview.
pub async fn upcoming_week(ctx: &Ctx, caller: &Caller) -> Result<Option<i64>, AppError> {
    if caller.require(Permission::ConductInterviews).is_err() {
        return Ok(None);
    }
    let (viewer, assigned) = scope(caller)?;
    let now = ctx.state.clock.now();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let n = store::count_between(
        &mut tx,
        caller.org_id,
        viewer,
        assigned,
        now,
        now + time::Duration::days(7),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(n))
}
