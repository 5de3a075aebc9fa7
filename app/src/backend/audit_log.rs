//! The audit viewer (F12) for admins and auditors: the organisation's events filtered by actor,
//! action, target and time, a page at a time, with its hash chain verified on the spot; and the
//! CSV export, which is itself audited.

use super::audit::{record_caller_action, verify_org, VerifyReport};
use super::candidates::{spreadsheet_safe, Export};
use super::db::audit::{search as search_events, EventFilter, ListedEvent};
use super::guard::{Caller, Ctx};
use crate::domain::audit::AuditAction;
use crate::domain::role::Permission;
use crate::error::{AppError, FieldError};
use time::{Date, OffsetDateTime, Time};

pub const PAGE_SIZE: i64 = 50;
/// The largest export: a CSV of one filter, newest first.
pub const EXPORT_LIMIT: i64 = 10_000;

/// The filter as typed in the page (every field may be empty).
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    pub actor: String,
    pub action: String,
    pub target: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive.
    pub until: String,
}

struct ValidFilter {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

impl ValidFilter {
    fn as_query(&self) -> EventFilter<'_> {
        EventFilter {
            actor: self.actor.as_deref(),
            action: self.action.as_deref(),
            target: self.target.as_deref(),
            from: self.from,
            until: self.until,
        }
    }
}

fn validate(form: &FilterForm) -> Result<ValidFilter, AppError> {
    let mut errors = Vec::new();
    let mut id_like = |field: &str, raw: &str, extra: &[char]| -> Option<String> {
        let value = raw.trim();
        if value.is_empty() {
            return None;
        }
        let ok = value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c));
        if !ok {
            errors.push(FieldError {
                field: field.into(),
                message: "Use an id such as usr_… or key_…, or an action such as auth.sign_in."
                    .into(),
            });
        }
        ok.then(|| value.to_owned())
    };
    let actor = id_like("actor", &form.actor, &[]);
    let action = id_like("action", &form.action, &['.']);
    let target = id_like("target", &form.target, &[]);
    let mut day = |field: &str, raw: &str, next: bool| -> Option<OffsetDateTime> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let parsed = Date::parse(raw, format)
            .ok()
            .and_then(|d| if next { d.next_day() } else { Some(d) })
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc());
        if parsed.is_none() {
            errors.push(FieldError {
                field: field.into(),
                message: "Use a date such as 2026-11-21.".into(),
            });
        }
        parsed
    };
    let from = day("from", &form.from, false);
    let until = day("until", &form.until, true);
    if errors.is_empty() {
        Ok(ValidFilter {
            actor,
            action,
            target,
            from,
            until,
        })
    } else {
        Err(AppError::Invalid { fields: errors })
    }
}

pub struct AuditPage {
    pub events: Vec<ListedEvent>,
    pub page: i64,
    pub has_more: bool,
    pub verification: VerifyReport,
}

pub async fn search(
    ctx: &Ctx,
    caller: &Caller,
    form: &FilterForm,
    page: i64,
) -> Result<AuditPage, AppError> {
    caller.require(Permission::ViewAuditLog)?;
    let filter = validate(form)?;
    let page = page.clamp(1, 10_000);
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let mut events = search_events(
        &mut tx,
        caller.org_id,
        &filter.as_query(),
        (page - 1) * PAGE_SIZE,
        PAGE_SIZE + 1,
    )
    .await?;
    let verification = verify_org(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    let has_more = events.len() > PAGE_SIZE as usize;
    events.truncate(PAGE_SIZE as usize);
    Ok(AuditPage {
        events,
        page,
        has_more,
        verification,
    })
}

/// The filtered events as CSV (formula cells defused); the export is recorded before it leaves.
pub async fn export(ctx: &Ctx, caller: &Caller, form: &FilterForm) -> Result<Export, AppError> {
    caller.require(Permission::ViewAuditLog)?;
    let filter = validate(form)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let events = search_events(&mut tx, caller.org_id, &filter.as_query(), 0, EXPORT_LIMIT).await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::AuditLogExported,
        &caller.org_public_id,
    )
    .await?;
    tx.commit().await?;
    let failed = |e: csv::Error| super::errors::internal(format!("writing CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "occurred_at",
        "actor",
        "actor_name",
        "action",
        "target",
        "outcome",
        "source_address",
        "request_id",
    ])
    .map_err(failed)?;
    for e in events {
        out.write_record([
            e.occurred_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            spreadsheet_safe(&e.actor.unwrap_or_default()),
            spreadsheet_safe(&e.actor_name.unwrap_or_default()),
            e.action,
            spreadsheet_safe(&e.target.unwrap_or_default()),
            e.outcome,
            e.source_addr.unwrap_or_default(),
            e.request_id.unwrap_or_default(),
        ])
        .map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| super::errors::internal(format!("writing CSV: {e}")))?;
    Ok(Export {
        file_name: format!("audit-{}.csv", caller.org_public_id),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_ids_actions_and_inclusive_days() {
        let f = validate(&FilterForm {
            actor: " usr_abc ".into(),
            action: "auth.sign_in".into(),
            target: String::new(),
            from: "2026-11-01".into(),
            until: "2026-11-21".into(),
        })
        .unwrap();
        assert_eq!(f.actor.as_deref(), Some("usr_abc"));
        assert_eq!(f.target, None);
        assert_eq!(f.until, Some(time::macros::datetime!(2026-11-22 00:00 UTC)));
        let bad = validate(&FilterForm {
            actor: "x' OR 1=1 --".into(),
            from: "21/11/2026".into(),
            ..FilterForm::default()
        });
        let Err(AppError::Invalid { fields }) = bad else {
            panic!("expected field errors")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["actor", "from"]);
    }
}
