//! Recruitment use cases (F5) with data-level visibility (R2): admins and recruiters see every
//! recruitment, hiring managers those they own or belong to; anything else is "not found" (R3).

use super::audit::record_caller_action as record;
use super::auth::tokens::random_16;
use super::db::{self, recruitments as store, Tx};
use super::guard::{Caller, Ctx};
use super::html;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::listing::PICKER_SIZE;
use crate::domain::recruitment::{self as rules, ListQuery, RecruitmentStatus, PAGE_SIZE};
use crate::domain::role::{recruitment_scope, Permission, RecruitmentScope, Role};
use crate::error::{AppError, FieldError};
use uuid::Uuid;

/// The user whose memberships narrow what the caller sees, or `None` for the whole organisation.
pub(super) fn viewer(caller: &Caller) -> Result<Option<Uuid>, AppError> {
    match recruitment_scope(caller.role) {
        RecruitmentScope::All => Ok(None),
        RecruitmentScope::OwnedOrMember => Ok(Some(caller.user_id)),
        RecruitmentScope::AssignedInterviews | RecruitmentScope::None => Err(AppError::Forbidden),
    }
}

pub(super) async fn load_visible(
    tx: &mut Tx,
    caller: &Caller,
    public_id: &str,
) -> Result<store::RecruitmentRow, AppError> {
    let id = PublicId::parse(IdKind::Recruitment, public_id).ok_or(AppError::NotFound)?;
    store::find_visible(tx, caller.org_id, id.as_str(), viewer(caller)?)
        .await?
        .ok_or(AppError::NotFound)
}

pub struct Page {
    pub items: Vec<store::SummaryRow>,
    pub total: i64,
    pub page: u32,
}

pub async fn list(ctx: &Ctx, caller: &Caller, query: &ListQuery) -> Result<Page, AppError> {
    caller.require(Permission::ViewRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let items = store::list_visible(
        &mut tx,
        caller.org_id,
        viewer(caller)?,
        query.search.as_deref(),
        query.status.map(RecruitmentStatus::as_str),
        i64::from(PAGE_SIZE),
        query.offset(),
    )
    .await?;
    tx.commit().await?;
    let total = items.first().map_or(0, |r| r.total);
    Ok(Page {
        items,
        total,
        page: query.page,
    })
}

pub struct Detail {
    pub recruitment: store::RecruitmentRow,
    pub members: Vec<store::PersonRow>,
    pub criteria: Vec<store::CriterionRow>,
    pub can_manage: bool,
}

pub async fn detail(ctx: &Ctx, caller: &Caller, public_id: &str) -> Result<Detail, AppError> {
    caller.require(Permission::ViewRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let detail = detail_in(&mut tx, caller, public_id).await?;
    tx.commit().await?;
    Ok(detail)
}

async fn detail_in(tx: &mut Tx, caller: &Caller, public_id: &str) -> Result<Detail, AppError> {
    let recruitment = load_visible(tx, caller, public_id).await?;
    let members = store::members(tx, caller.org_id, recruitment.id).await?;
    let criteria = store::criteria(tx, caller.org_id, recruitment.id).await?;
    Ok(Detail {
        recruitment,
        members,
        criteria,
        can_manage: caller.require(Permission::ManageRecruitments).is_ok(),
    })
}

/// Everything a recruitment's page shows: its detail, the board with each card's consent, the
/// comparison of scores and, for those who manage recruitments, the colleagues they may add.
pub struct Board {
    pub detail: Detail,
    pub cards: Vec<db::candidates::CardRow>,
    pub consents: super::candidates::Consents,
    pub comparison: Vec<super::interviews::ComparedCandidate>,
    pub staff: Option<(Vec<db::users::StaffRow>, bool)>,
}

/// The page's reads in one transaction, each by the recruitment's key: four server calls had
/// each opened its own and read the recruitment again.
pub async fn board(ctx: &Ctx, caller: &Caller, public_id: &str) -> Result<Board, AppError> {
    caller.require(Permission::ViewRecruitments)?;
    caller.require(Permission::ViewCandidates)?;
    let mut tx = ctx.state.db.begin_for_org_keyed(caller.org_id).await?;
    let detail = detail_in(&mut tx, caller, public_id).await?;
    let id = detail.recruitment.id;
    let (cards, consents) = super::candidates::pipeline_in(&mut tx, caller.org_id, id).await?;
    let comparison = super::interviews::comparison_in(&mut tx, caller.org_id, id).await?;
    let compared: Vec<&str> = comparison
        .iter()
        .map(|c| c.candidate_public_id.as_str())
        .collect();
    super::audit::record_caller_reads(
        ctx,
        &mut tx,
        caller,
        AuditAction::CandidateListed,
        &compared,
    )
    .await?;
    let staff = match detail.can_manage {
        true => Some(staff_in(&mut tx, caller.org_id).await?),
        false => None,
    };
    tx.commit().await?;
    Ok(Board {
        detail,
        cards,
        consents,
        comparison,
        staff,
    })
}

pub struct RecruitmentForm {
    pub title: String,
    pub description: String,
    /// Public id of the owner; the caller when absent.
    pub owner: Option<String>,
}

struct ValidForm {
    title: String,
    description_html: String,
}

fn validate(form: &RecruitmentForm) -> Result<ValidForm, AppError> {
    let mut fields = Vec::new();
    let title = rules::single_line(&form.title, rules::TITLE_MAX).map_err(|m| {
        fields.push(FieldError {
            field: "title".into(),
            message: m,
        })
    });
    let description = rules::multi_line(&form.description, rules::DESCRIPTION_MAX).map_err(|m| {
        fields.push(FieldError {
            field: "description".into(),
            message: m,
        })
    });
    match (title, description) {
        (Ok(title), Ok(description)) => Ok(ValidForm {
            title,
            description_html: html::sanitize(&description),
        }),
        _ => Err(AppError::Invalid { fields }),
    }
}

/// Who may own a recruitment: an active admin, recruiter or hiring manager of the organisation.
async fn eligible_owner(tx: &mut Tx, caller: &Caller, public_id: &str) -> Result<Uuid, AppError> {
    let user = super::users::colleague(tx, caller.org_id, public_id).await?;
    let role = user.as_ref().and_then(|u| Role::parse(&u.role));
    match (user, role) {
        (Some(u), Some(Role::Admin | Role::Recruiter | Role::HiringManager)) if u.active => {
            Ok(u.id)
        }
        _ => Err(AppError::invalid(
            "owner",
            "Choose an active admin, recruiter or hiring manager of your organisation.",
        )),
    }
}

pub async fn create(ctx: &Ctx, caller: &Caller, form: RecruitmentForm) -> Result<String, AppError> {
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let public_id = create_in(ctx, &mut tx, caller, form).await?;
    tx.commit().await?;
    Ok(public_id)
}

/// The creating itself, inside the caller's transaction; returns the recruitment's public id.
pub(super) async fn create_in(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    form: RecruitmentForm,
) -> Result<String, AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let valid = validate(&form)?;
    let id = Uuid::new_v4();
    let public_id = PublicId::from_random(IdKind::Recruitment, random_16());
    let owner_id = match form.owner.as_deref().filter(|o| !o.is_empty()) {
        Some(owner) => eligible_owner(tx, caller, owner).await?,
        None => caller.user_id,
    };
    store::insert(
        tx,
        &store::NewRecruitment {
            id,
            public_id: public_id.as_str(),
            org_id: caller.org_id,
            title: &valid.title,
            description_html: &valid.description_html,
            owner_id,
        },
    )
    .await?;
    record(
        ctx,
        tx,
        caller,
        AuditAction::RecruitmentCreated,
        public_id.as_str(),
    )
    .await?;
    Ok(public_id.to_string())
}

/// Updates title and description only: owner, status and organisation are never taken from
/// this form (S9).
pub async fn update(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    form: RecruitmentForm,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let valid = validate(&form)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    store::update_details(
        &mut tx,
        caller.org_id,
        r.id,
        &valid.title,
        &valid.description_html,
        ctx.state.clock.now(),
    )
    .await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::RecruitmentUpdated,
        &r.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_status(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    status: RecruitmentStatus,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    if r.status != status.as_str() {
        let now = ctx.state.clock.now();
        store::set_status(&mut tx, caller.org_id, r.id, status.as_str(), now).await?;
        if status == RecruitmentStatus::Closed {
            super::db::retention::closing_moves_clocks(&mut tx, caller.org_id, r.id, now).await?;
        }
        let action = match status {
            RecruitmentStatus::Open => AuditAction::RecruitmentReopened,
            RecruitmentStatus::Closed => AuditAction::RecruitmentClosed,
        };
        record(ctx, &mut tx, caller, action, &r.public_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn add_member(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    user_public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    let user = super::users::colleague(&mut tx, caller.org_id, user_public_id).await?;
    let user = user
        .filter(|u| u.active && Role::parse(&u.role).is_some_and(|r| r != Role::Auditor))
        .ok_or_else(|| {
            AppError::invalid(
                "member",
                "Choose an active colleague who is not an auditor.",
            )
        })?;
    if store::add_member(&mut tx, caller.org_id, r.id, user.id).await? {
        record(
            ctx,
            &mut tx,
            caller,
            AuditAction::RecruitmentMemberAdded,
            &r.public_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    user_public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    let user = db::users::staff_by_public_id(&mut tx, caller.org_id, user_public_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if store::remove_member(&mut tx, caller.org_id, r.id, user.id).await? {
        record(
            ctx,
            &mut tx,
            caller,
            AuditAction::RecruitmentMemberRemoved,
            &r.public_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub struct CriterionForm {
    pub name: String,
    pub description: String,
    pub weight: String,
}

pub async fn add_criterion(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    form: CriterionForm,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut fields = Vec::new();
    let mut check = |field: &str, r: Result<String, String>| {
        r.map_err(|m| {
            fields.push(FieldError {
                field: field.into(),
                message: m,
            })
        })
        .ok()
    };
    let name = check(
        "name",
        rules::single_line(&form.name, rules::CRITERION_NAME_MAX),
    );
    let description = check(
        "criterion_description",
        rules::multi_line(&form.description, rules::CRITERION_DESCRIPTION_MAX),
    );
    let weight = check("weight", rules::weight(&form.weight).map(|w| w.to_string()));
    let (Some(name), Some(description), Some(weight)) = (name, description, weight) else {
        return Err(AppError::Invalid { fields });
    };
    let weight: i32 = weight
        .parse()
        .map_err(|_| AppError::invalid("weight", "1 to 5"))?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    let criterion_id = PublicId::from_random(IdKind::Criterion, random_16());
    let before = store::add_criterion(
        &mut tx,
        caller.org_id,
        r.id,
        &store::NewCriterion {
            public_id: criterion_id.as_str(),
            name: &name,
            description: &description,
            weight,
        },
    )
    .await?;
    if before >= rules::MAX_CRITERIA as i64 {
        // Nothing is half-saved: the whole transaction is dropped.
        return Err(AppError::invalid(
            "name",
            format!(
                "A recruitment has at most {} criteria.",
                rules::MAX_CRITERIA
            ),
        ));
    }
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::CriterionAdded,
        &r.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_criterion(
    ctx: &Ctx,
    caller: &Caller,
    public_id: &str,
    criterion_public_id: &str,
) -> Result<(), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let r = load_visible(&mut tx, caller, public_id).await?;
    if !store::remove_criterion(&mut tx, caller.org_id, r.id, criterion_public_id).await? {
        return Err(AppError::NotFound);
    }
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::CriterionRemoved,
        &r.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Active colleagues by name, for the owner, member and interviewer pickers of people who manage
/// recruitments, if they are at most [`PICKER_SIZE`]; whether they were listed.
pub async fn staff(
    ctx: &Ctx,
    caller: &Caller,
) -> Result<(Vec<db::users::StaffRow>, bool), AppError> {
    caller.require(Permission::ManageRecruitments)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let staff = staff_in(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(staff)
}

/// The active colleagues, all of them or (more than a picker holds) none.
async fn staff_in(tx: &mut Tx, org_id: Uuid) -> Result<(Vec<db::users::StaffRow>, bool), AppError> {
    let mut rows = db::users::active_staff(tx, org_id).await?;
    // A partial list helps nobody pick: the form asks for an address and the page carries none.
    let all = rows.len() <= PICKER_SIZE;
    if !all {
        rows.clear();
    }
    Ok((rows, all))
}
