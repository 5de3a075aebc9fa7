//! Data-subject requests (F9): the kinds a candidate may ask for, their lifecycle, and the deadline
//! engine of GDPR Art. 12(3): due one month after receipt, extendable once by up to two further
//! months, with the reason told to the candidate within the first month.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Rectification,
    Restriction,
    Deletion,
    Objection,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [
        RequestKind::Rectification,
        RequestKind::Restriction,
        RequestKind::Deletion,
        RequestKind::Objection,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RequestKind::Rectification => "rectification",
            RequestKind::Restriction => "restriction",
            RequestKind::Deletion => "deletion",
            RequestKind::Objection => "objection",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            RequestKind::Rectification => "Rectification",
            RequestKind::Restriction => "Restriction of processing",
            RequestKind::Deletion => "Deletion",
            RequestKind::Objection => "Objection to processing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Received,
    Verified,
    InProgress,
    Extended,
    Completed,
    Rejected,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 6] = [
        RequestStatus::Received,
        RequestStatus::Verified,
        RequestStatus::InProgress,
        RequestStatus::Extended,
        RequestStatus::Completed,
        RequestStatus::Rejected,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Received => "received",
            RequestStatus::Verified => "verified",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::Extended => "extended",
            RequestStatus::Completed => "completed",
            RequestStatus::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            RequestStatus::Received => "Received",
            RequestStatus::Verified => "Verified",
            RequestStatus::InProgress => "In progress",
            RequestStatus::Extended => "Extended",
            RequestStatus::Completed => "Completed",
            RequestStatus::Rejected => "Rejected",
        }
    }

    pub const fn is_open(self) -> bool {
        !matches!(self, RequestStatus::Completed | RequestStatus::Rejected)
    }

    /// The lifecycle: forward only, and nothing after an outcome.
    pub fn may_become(self, next: RequestStatus) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (Received, Verified)
                | (Received | Verified, InProgress)
                | (Verified | InProgress, Extended)
                | (Verified | InProgress | Extended, Completed)
                | (Received | Verified | InProgress | Extended, Rejected)
        )
    }
}

/// The same day `months` later; a day the month lacks becomes its last day (31 Jan + 1 = 28/29 Feb).
pub fn add_months(at: OffsetDateTime, months: u8) -> OffsetDateTime {
    let date = at.date();
    let zero_based = date.month() as u32 - 1 + u32::from(months);
    let year = date.year() + i32::try_from(zero_based / 12).unwrap_or(0);
    let month =
        Month::try_from(u8::try_from(zero_based % 12 + 1).unwrap_or(1)).unwrap_or(Month::January);
    let last_day = month.length(year);
    let day = date.day().min(last_day);
    Date::from_calendar_date(year, month, day)
        .map(|d| at.replace_date(d))
        .unwrap_or(at)
}

/// Due one month after receipt (GDPR Art. 12(3)).
pub fn due_date(received_at: OffsetDateTime) -> OffsetDateTime {
    add_months(received_at, 1)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionRefused {
    #[error("This request was extended already; it can be extended only once.")]
    AlreadyExtended,
    #[error("An extension must be decided and told to the candidate within the first month.")]
    TooLate,
    #[error("An extension adds one or two months.")]
    BadLength,
    #[error("Give the reason for the extension; it is sent to the candidate.")]
    NoReason,
}

/// The new due date of an extension by `months` (1 or 2), decided `now` with `reason`.
pub fn extend(
    received_at: OffsetDateTime,
    already_extended: bool,
    months: u8,
    reason: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ExtensionRefused> {
    if already_extended {
        return Err(ExtensionRefused::AlreadyExtended);
    }
    if now >= due_date(received_at) {
        return Err(ExtensionRefused::TooLate);
    }
    if !(1..=2).contains(&months) {
        return Err(ExtensionRefused::BadLength);
    }
    if reason.trim().is_empty() {
        return Err(ExtensionRefused::NoReason);
    }
    Ok(add_months(due_date(received_at), months))
}

/// Whole days until `due` (negative once overdue), counted by calendar date.
pub fn days_left(due: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (due.date() - now.date()).whole_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn request_kinds_read_back_as_stored() {
        assert_eq!(
            RequestKind::ALL.map(RequestKind::as_str),
            ["rectification", "restriction", "deletion", "objection"]
        );
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RequestKind::parse("erasure"), None);
        assert_eq!(
            RequestStatus::ALL.map(RequestStatus::as_str),
            [
                "received",
                "verified",
                "in_progress",
                "extended",
                "completed",
                "rejected"
            ]
        );
        for status in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RequestStatus::parse("done"), None);
    }

    #[test]
    fn staff_read_each_kind_and_status_in_words_of_its_own() {
        let kinds = RequestKind::ALL.map(RequestKind::label);
        let statuses = RequestStatus::ALL.map(RequestStatus::label);
        for labels in [&kinds[..], &statuses[..]] {
            let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
            assert_eq!(distinct.len(), labels.len(), "{labels:?}");
            assert!(labels.iter().all(|l| l.len() > 1), "{labels:?}");
        }
        assert_eq!(RequestKind::Objection.label(), "Objection to processing");
        assert_eq!(RequestStatus::InProgress.label(), "In progress");
    }

    #[test]
    fn a_request_is_due_one_calendar_month_after_receipt() {
        assert_eq!(
            due_date(datetime!(2026-03-15 10:00 UTC)),
            datetime!(2026-04-15 10:00 UTC)
        );
        assert_eq!(
            due_date(datetime!(2026-01-31 09:00 UTC)),
            datetime!(2026-02-28 09:00 UTC)
        );
        assert_eq!(
            due_date(datetime!(2028-01-31 09:00 UTC)),
            datetime!(2028-02-29 09:00 UTC)
        );
        assert_eq!(
            due_date(datetime!(2026-12-10 09:00 UTC)),
            datetime!(2027-01-10 09:00 UTC)
        );
    }

    #[test]
    fn an_extension_comes_once_inside_the_first_month_with_a_reason() {
        let received = datetime!(2026-03-15 10:00 UTC);
        let inside = datetime!(2026-04-01 12:00 UTC);
        assert_eq!(
            extend(
                received,
                false,
                2,
                "Many archived interviews to review",
                inside
            ),
            Ok(datetime!(2026-06-15 10:00 UTC))
        );
        assert_eq!(
            extend(received, false, 1, "x", inside),
            Ok(datetime!(2026-05-15 10:00 UTC))
        );
        assert_eq!(
            extend(received, true, 1, "x", inside),
            Err(ExtensionRefused::AlreadyExtended)
        );
        assert_eq!(
            extend(received, false, 1, "x", datetime!(2026-04-15 10:00 UTC)),
            Err(ExtensionRefused::TooLate)
        );
        assert_eq!(
            extend(received, false, 3, "x", inside),
            Err(ExtensionRefused::BadLength)
        );
        assert_eq!(
            extend(received, false, 0, "x", inside),
            Err(ExtensionRefused::BadLength)
        );
        assert_eq!(
            extend(received, false, 1, "  ", inside),
            Err(ExtensionRefused::NoReason)
        );
    }

    #[test]
    fn days_left_count_calendar_days_and_go_negative_when_overdue() {
        let due = datetime!(2026-04-15 10:00 UTC);
        assert_eq!(days_left(due, datetime!(2026-04-05 23:00 UTC)), 10);
        assert_eq!(days_left(due, datetime!(2026-04-15 23:00 UTC)), 0);
        assert_eq!(days_left(due, datetime!(2026-04-17 08:00 UTC)), -2);
    }

    #[test]
    fn the_lifecycle_only_moves_forward() {
        use RequestStatus::*;
        assert!(Received.may_become(Verified));
        assert!(Verified.may_become(Extended));
        assert!(Extended.may_become(Completed));
        assert!(!Completed.may_become(InProgress));
        assert!(!Rejected.may_become(Completed));
        assert!(!Extended.may_become(Extended));
        assert!(!Completed.is_open() && InProgress.is_open());
    }
}
