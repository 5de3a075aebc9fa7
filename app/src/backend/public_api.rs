//! The public REST API's use cases (SPEC section 5): what an integration with a valid key may
//! read, one organisation at a time, in cursor pages. Reads of candidate data are audited with
//! the key as the actor (F12).

use super::api_keys::ApiCaller;
use super::audit::{self, Entry, Outcome};
use super::db::{self, public_api as q, Tx};
use super::guard::{Caller, Ctx};
use super::request::RequestMeta;
use super::state::AppState;
use super::{candidates, recruitments};
use crate::domain::api_key::Scope;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::pipeline::{Decision, Stage};
use crate::error::AppError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::sync::Arc;
use tower_sessions::{MemoryStore, Session};

pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 100;

/// One page of a list and the cursor of the next one, if there is more.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The page size asked for, within 1..=100.
pub fn page_limit(raw: Option<i64>) -> Result<i64, AppError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::BadRequest {
            message: format!("limit must be between 1 and {MAX_LIMIT}."),
        }),
    }
}

fn bad_cursor() -> AppError {
    AppError::BadRequest {
        message: "cursor is not one this API gave out.".into(),
    }
}

/// Cursors say where the previous page ended: the last public id of a keyset page, or the
/// number of consent events already read, so that the document can describe every cursor the
/// API takes. The earlier form (base64url of `k:<id>` or `o:<n>`) is still read, for a client
/// that was paging when the form changed.
fn legacy_cursor(raw: &str, kind: char) -> Result<String, AppError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    let value = text
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .ok_or_else(bad_cursor)?;
    Ok(value.to_owned())
}

/// The consents' cursor: how many events the previous pages held.
fn offset_cursor(raw: Option<&str>) -> Result<i64, AppError> {
    let Some(raw) = raw else { return Ok(0) };
    let digits = if raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.to_owned()
    } else {
        legacy_cursor(raw, 'o')?
    };
    digits
        .parse::<i64>()
        .ok()
        .filter(|o| *o > 0 && *o <= MAX_OFFSET)
        .ok_or_else(bad_cursor)
}

/// The largest offset a consents cursor may name (18 digits, so that adding a page never
/// overflows).
const MAX_OFFSET: i64 = 999_999_999_999_999_999;

/// An id from the request, if it has the shape of one this portal gives out; anything else
/// (including bytes the database could not even store) is simply not found.
fn known_shape(kind: IdKind, raw: &str) -> Result<String, AppError> {
    PublicId::parse(kind, raw)
        .map(|id| id.as_str().to_owned())
        .ok_or(AppError::NotFound)
}

/// The keyset cursor of a list of `kind`: the last id of the previous page.
fn after_cursor(raw: Option<&str>, kind: IdKind) -> Result<Option<String>, AppError> {
    let Some(raw) = raw else { return Ok(None) };
    let id = match PublicId::parse(kind, raw) {
        Some(id) => id.as_str().to_owned(),
        None => legacy_cursor(raw, 'k')?,
    };
    known_shape(kind, &id).map(Some).map_err(|_| bad_cursor())
}

/// Turns `limit + 1` fetched rows into a page.
fn keyset_page<T>(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> &str) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more
        .then(|| rows.last().map(|r| id_of(r).to_owned()))
        .flatten();
    Page {
        items: rows,
        next_cursor,
    }
}

/// What every read starts with: the scope, then the organisation's transaction (reads by id and
/// keyset pages, whose plan is the same whatever the cursor).
async fn begin_read(state: &AppState, caller: &ApiCaller) -> Result<db::Tx, AppError> {
    caller.require(Scope::Read)?;
    state.db.begin_for_org_keyed(caller.org_id).await
}

async fn audit_candidate_reads(
    tx: &mut db::Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    candidates: &[String],
) -> Result<(), AppError> {
    let entries: Vec<Entry<'_>> = candidates
        .iter()
        .map(|candidate| Entry {
            org_id: Some(caller.org_id),
            actor: Some(&caller.key_public_id),
            action: AuditAction::CandidateViewed,
            target: Some(candidate.as_str()),
            outcome: Outcome::Success,
        })
        .collect();
    audit::record_many(tx, meta, state.clock.now(), &entries).await?;
    Ok(())
}

/// A list or a single record (`only`) of one kind; a single record not found is 404.
pub struct Query<'a> {
    pub only: Option<&'a str>,
    pub limit: i64,
    pub cursor: Option<&'a str>,
}

fn single<T>(page: Page<T>) -> Result<T, AppError> {
    page.items.into_iter().next().ok_or(AppError::NotFound)
}

pub async fn recruitments(
    state: &AppState,
    caller: &ApiCaller,
    query: Query<'_>,
) -> Result<Page<q::RecruitmentRow>, AppError> {
    let after = after_cursor(query.cursor, IdKind::Recruitment)?;
    let mut tx = begin_read(state, caller).await?;
    let rows = q::recruitments(
        &mut tx,
        caller.org_id,
        query.only,
        after.as_deref(),
        query.limit + 1,
    )
    .await?;
    tx.commit().await?;
    Ok(keyset_page(rows, query.limit, |r| &r.public_id))
}

pub async fn recruitment(
    state: &AppState,
    caller: &ApiCaller,
    id: &str,
) -> Result<q::RecruitmentRow, AppError> {
    single(
        recruitments(
            state,
            caller,
            Query {
                only: Some(&known_shape(IdKind::Recruitment, id)?),
                limit: 1,
                cursor: None,
            },
        )
        .await?,
    )
}

pub async fn candidates(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    query: Query<'_>,
) -> Result<Page<q::CandidateRow>, AppError> {
    let after = after_cursor(query.cursor, IdKind::Candidate)?;
    let mut tx = begin_read(state, caller).await?;
    let rows = q::candidates(
        &mut tx,
        caller.org_id,
        query.only,
        after.as_deref(),
        query.limit + 1,
    )
    .await?;
    let page = keyset_page(rows, query.limit, |r| &r.public_id);
    let read: Vec<String> = page.items.iter().map(|c| c.public_id.clone()).collect();
    audit_candidate_reads(&mut tx, state, meta, caller, &read).await?;
    tx.commit().await?;
    Ok(page)
}

pub async fn candidate(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    id: &str,
) -> Result<q::CandidateRow, AppError> {
    single(
        candidates(
            state,
            meta,
            caller,
            Query {
                only: Some(&known_shape(IdKind::Candidate, id)?),
                limit: 1,
                cursor: None,
            },
        )
        .await?,
    )
}

pub async fn applications(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    recruitment: Option<&str>,
    query: Query<'_>,
) -> Result<Page<q::ApplicationRow>, AppError> {
    let after = after_cursor(query.cursor, IdKind::Application)?;
    caller.require(Scope::Read)?;
    // A filter that cannot name a recruitment is a malformed request, as the document says.
    if recruitment.is_some_and(|r| PublicId::parse(IdKind::Recruitment, r).is_none()) {
        return Err(AppError::BadRequest {
            message: "recruitment must be a recruitment id (rec_…).".into(),
        });
    }
    let mut tx = begin_read(state, caller).await?;
    let rows = q::applications(
        &mut tx,
        caller.org_id,
        query.only,
        recruitment,
        after.as_deref(),
        query.limit + 1,
    )
    .await?;
    let page = keyset_page(rows, query.limit, |r| &r.public_id);
    let read = distinct(page.items.iter().map(|a| a.candidate_public_id.as_str()));
    audit_candidate_reads(&mut tx, state, meta, caller, &read).await?;
    tx.commit().await?;
    Ok(page)
}

/// Each candidate once, whatever number of their records a page holds.
fn distinct<'a>(candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = candidates.map(str::to_owned).collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub async fn application(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    id: &str,
) -> Result<q::ApplicationRow, AppError> {
    single(
        applications(
            state,
            meta,
            caller,
            None,
            Query {
                only: Some(&known_shape(IdKind::Application, id)?),
                limit: 1,
                cursor: None,
            },
        )
        .await?,
    )
}

pub async fn interviews(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    query: Query<'_>,
) -> Result<Page<q::InterviewRow>, AppError> {
    let after = after_cursor(query.cursor, IdKind::Interview)?;
    let mut tx = begin_read(state, caller).await?;
    let rows = q::interviews(
        &mut tx,
        caller.org_id,
        query.only,
        after.as_deref(),
        query.limit + 1,
    )
    .await?;
    let page = keyset_page(rows, query.limit, |r| &r.public_id);
    let read = distinct(page.items.iter().map(|i| i.candidate_public_id.as_str()));
    audit_candidate_reads(&mut tx, state, meta, caller, &read).await?;
    tx.commit().await?;
    Ok(page)
}

pub async fn interview(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    id: &str,
) -> Result<q::InterviewRow, AppError> {
    single(
        interviews(
            state,
            meta,
            caller,
            Query {
                only: Some(&known_shape(IdKind::Interview, id)?),
                limit: 1,
                cursor: None,
            },
        )
        .await?,
    )
}

/// A candidate's consent history (F7), oldest first.
pub async fn consents(
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    candidate: &str,
    limit: i64,
    cursor: Option<&str>,
) -> Result<Page<q::ConsentRow>, AppError> {
    let offset = offset_cursor(cursor)?;
    caller.require(Scope::Read)?;
    let candidate = &known_shape(IdKind::Candidate, candidate)?;
    let mut tx = begin_read(state, caller).await?;
    if !q::candidate_exists(&mut tx, caller.org_id, candidate).await? {
        return Err(AppError::NotFound);
    }
    let mut rows = q::consents(&mut tx, caller.org_id, candidate, offset, limit + 1).await?;
    audit_candidate_reads(&mut tx, state, meta, caller, &[candidate.to_owned()]).await?;
    tx.commit().await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Page {
        items: rows,
        next_cursor: more.then(|| (offset + limit).to_string()),
    })
}

// ---------------------------------------------------------------------------------------------
// Writes. Each names the staff member the integration acts for: the write is theirs, decided by
// their role and visibility (R2) exactly as in the portal, so no key can do more than a person of
// the organisation could. A hiring decision names the person who made it (F8).

/// The staff member `user_public_id` as the caller of a portal use case, if active in the key's
/// organisation.
async fn acting_for(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    field: &str,
    user_public_id: &str,
) -> Result<Ctx, AppError> {
    let unknown = || AppError::invalid(field, "Name an active user of your organisation (usr_…).");
    let user_public_id = PublicId::parse(IdKind::User, user_public_id).ok_or_else(unknown)?;
    let user_public_id = user_public_id.as_str();
    let staff = db::users::staff_by_public_id(tx, caller.org_id, user_public_id)
        .await?
        .ok_or_else(unknown)?;
    let row = db::users::caller(&mut **tx, caller.org_id, staff.id)
        .await?
        .filter(|r| r.active)
        .ok_or_else(unknown)?;
    let person = Caller::from_row(row).ok_or_else(unknown)?;
    Ok(Ctx {
        state: state.clone(),
        meta: meta.clone(),
        // An API call has no browser session; the use cases called from here never touch one.
        session: Session::new(None, Arc::new(MemoryStore::default()), None),
        caller: Some(person),
    })
}

/// Records that the key made this write (the use case recorded the person it acted for).
async fn audit_api_write(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    target: &str,
) -> Result<(), AppError> {
    audit::record(
        tx,
        meta,
        state.clock.now(),
        Entry {
            org_id: Some(caller.org_id),
            actor: Some(&caller.key_public_id),
            action: AuditAction::ApiWrite,
            target: Some(target),
            outcome: Outcome::Success,
        },
    )
    .await?;
    Ok(())
}

/// Reads back the one record just written, whatever the key's read scope.
fn first<T>(rows: Vec<T>) -> Result<T, AppError> {
    rows.into_iter().next().ok_or(AppError::NotFound)
}

pub struct NewRecruitment {
    pub title: String,
    pub description_html: String,
    pub owner: Option<String>,
    pub on_behalf_of: String,
}

// The writes below run in the transaction the caller gives them (begun for the key's
// organisation), so that the write, its audit events, the record read back and the
// `Idempotency-Key`'s answer commit together or not at all.

pub async fn create_recruitment(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    new: NewRecruitment,
) -> Result<q::RecruitmentRow, AppError> {
    caller.require(Scope::Write)?;
    let ctx = acting_for(tx, state, meta, caller, "on_behalf_of", &new.on_behalf_of).await?;
    let person = ctx.caller()?;
    let id = recruitments::create_in(
        &ctx,
        tx,
        person,
        recruitments::RecruitmentForm {
            title: new.title,
            description: new.description_html,
            owner: new.owner,
        },
    )
    .await?;
    audit_api_write(tx, state, meta, caller, &id).await?;
    first(q::recruitments(tx, caller.org_id, Some(&id), None, 1).await?)
}

pub struct NewCandidate {
    pub recruitment_id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub on_behalf_of: String,
    /// The candidate's open deletion request (`dsr_…`) the caller goes ahead past.
    pub confirm_deletion_request: Option<String>,
}

/// Adds a candidate to a recruitment, exactly as the portal's form does (F6): the consent link
/// (F7) goes out the same way. The answer is the stored record for a key that may read it; a key
/// without the read scope gets back only what it sent (and the id), so that adding a known
/// address again never discloses the record already held.
pub async fn add_candidate(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    new: NewCandidate,
) -> Result<q::CandidateRow, AppError> {
    caller.require(Scope::Write)?;
    let ctx = acting_for(tx, state, meta, caller, "on_behalf_of", &new.on_behalf_of).await?;
    let person = ctx.caller()?;
    let form = candidates::CandidateForm {
        full_name: new.full_name,
        email: new.email,
        phone: new.phone,
    };
    let sent = candidates::validate(&form).map(candidates::ValidCandidate::into_parts);
    let id = candidates::add_to_recruitment_in(
        &ctx,
        tx,
        person,
        &new.recruitment_id,
        form,
        new.confirm_deletion_request.as_deref(),
    )
    .await?;
    audit_api_write(tx, state, meta, caller, &id).await?;
    match sent {
        Ok((full_name, email, phone)) if caller.require(Scope::Read).is_err() => {
            Ok(q::CandidateRow {
                public_id: id,
                full_name,
                email,
                phone,
                created_at: state.clock.now(),
            })
        }
        _ => first(q::candidates(tx, caller.org_id, Some(&id), None, 1).await?),
    }
}

pub async fn move_application(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    application_id: &str,
    stage: &str,
    on_behalf_of: &str,
) -> Result<q::ApplicationRow, AppError> {
    caller.require(Scope::Ats)?;
    let ctx = acting_for(tx, state, meta, caller, "on_behalf_of", on_behalf_of).await?;
    let to = Stage::parse(stage).ok_or_else(|| {
        AppError::invalid(
            "stage",
            "Use applied, screening, interview, offer, hired or rejected.",
        )
    })?;
    candidates::move_stage_in(&ctx, tx, ctx.caller()?, application_id, to).await?;
    audit_api_write(tx, state, meta, caller, application_id).await?;
    written_application(tx, caller, application_id).await
}

async fn written_application(
    tx: &mut Tx,
    caller: &ApiCaller,
    id: &str,
) -> Result<q::ApplicationRow, AppError> {
    first(q::applications(tx, caller.org_id, Some(id), None, None, 1).await?)
}

pub struct HiringDecision {
    pub decision: String,
    pub reason: String,
    /// The person who made the decision (`usr_…`).
    pub decided_by: String,
    /// The candidate's open deletion request (`dsr_…`) the caller goes ahead past.
    pub confirm_deletion_request: Option<String>,
}

/// Records the hiring decision a named person made (F8: nothing decides on its own).
pub async fn decide(
    tx: &mut Tx,
    state: &AppState,
    meta: &RequestMeta,
    caller: &ApiCaller,
    application_id: &str,
    made: HiringDecision,
) -> Result<q::ApplicationRow, AppError> {
    caller.require(Scope::Ats)?;
    let ctx = acting_for(tx, state, meta, caller, "decided_by", &made.decided_by).await?;
    let decision = Decision::parse(&made.decision)
        .ok_or_else(|| AppError::invalid("decision", "Use hired or rejected."))?;
    candidates::decide_in(
        &ctx,
        tx,
        ctx.caller()?,
        application_id,
        decision,
        &made.reason,
        made.confirm_deletion_request.as_deref(),
    )
    .await?;
    audit_api_write(tx, state, meta, caller, application_id).await?;
    written_application(tx, caller, application_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_where_the_last_page_ended_and_refuse_anything_else() {
        let id = "cand_0123456789abcdefghjkmnpqrs";
        assert_eq!(
            after_cursor(Some(id), IdKind::Candidate)
                .unwrap()
                .as_deref(),
            Some(id)
        );
        let legacy = URL_SAFE_NO_PAD.encode(format!("k:{id}"));
        assert_eq!(
            after_cursor(Some(&legacy), IdKind::Candidate)
                .unwrap()
                .as_deref(),
            Some(id),
            "the earlier form"
        );
        assert_eq!(after_cursor(None, IdKind::Candidate).unwrap(), None);
        for bad in [
            "",
            "!!!",
            "a2lk",
            "rec_0123456789abcdefghjkmnpqrs",
            &URL_SAFE_NO_PAD.encode("k:"),
            &URL_SAFE_NO_PAD.encode(format!("o:{id}")),
        ] {
            assert!(after_cursor(Some(bad), IdKind::Candidate).is_err(), "{bad}");
        }
        assert_eq!(offset_cursor(None).unwrap(), 0);
        assert_eq!(offset_cursor(Some("25")).unwrap(), 25);
        assert_eq!(
            offset_cursor(Some(&URL_SAFE_NO_PAD.encode("o:50"))).unwrap(),
            50
        );
        for bad in ["0", "-1", "", "1x", "9999999999999999999", "cand_x"] {
            assert!(offset_cursor(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_stay_within_one_and_a_hundred() {
        assert_eq!(page_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(page_limit(Some(100)).unwrap(), 100);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(101)).is_err());
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let rows = vec!["a".to_owned(), "b".into(), "c".into()];
        let page = keyset_page(rows.clone(), 2, |s| s);
        assert_eq!(page.items, ["a", "b"]);
        assert_eq!(page.next_cursor.as_deref(), Some("b"));
        assert!(keyset_page(rows, 3, |s| s).next_cursor.is_none());
    }
}
