//! Retention (F10): one clock per candidate, started by the latest hiring decision; the warning
//! before it ends, the extension, the legal hold; and the deletion certificate, which states what
//! was deleted without saying whose data it was.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, Time};

/// Recruiters are warned this long before a candidate's data is deleted.
pub const WARNING_BEFORE: Duration = Duration::days(15);
/// One click in the warning adds this much time.
pub const EXTENSION: Duration = Duration::days(30);
/// No organisation or candidate may keep data for less (F10).
pub const MIN_DAYS: i32 = 30;
pub const MAX_DAYS: i32 = 3650;

/// When the clock started at `decided_at` ends.
pub fn clock_end(decided_at: OffsetDateTime, days: i32) -> OffsetDateTime {
    decided_at + Duration::days(i64::from(days))
}

pub fn is_warning_due(until: OffsetDateTime, now: OffsetDateTime) -> bool {
    now >= until - WARNING_BEFORE && now < until
}

/// A retention period in days, from a form.
pub fn parse_days(raw: &str) -> Result<i32, String> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|d| (MIN_DAYS..=MAX_DAYS).contains(d))
        .ok_or_else(|| format!("Give a number of days from {MIN_DAYS} to {MAX_DAYS}."))
}

/// A legal hold's reason and end (the end of the given day, UTC), which must lie ahead.
pub fn legal_hold(
    reason: &str,
    until: &str,
    now: OffsetDateTime,
) -> Result<(String, OffsetDateTime), (&'static str, String)> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err((
            "reason",
            "Give the reason for the hold (at most 2000 characters).".into(),
        ));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(until.trim(), &format)
        .map_err(|_| ("until", "Give the end date as YYYY-MM-DD.".to_owned()))?;
    let end = day.with_time(Time::MAX).assume_utc();
    if end <= now {
        return Err(("until", "The hold must end in the future.".into()));
    }
    Ok((reason.to_owned(), end))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionCause {
    RetentionExpired,
    DataSubjectRequest,
}

/// The signed certificate of one candidate's deletion: no name, address or content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionCertificate {
    pub version: String,
    pub certificate_id: String,
    /// The organisation's public id.
    pub controller: String,
    /// SHA-256 of the candidate's public id: provable to the candidate, meaningless to others.
    pub subject_hash: String,
    pub cause: DeletionCause,
    /// SHA-256 of the data request's public id, when the candidate asked.
    pub request_hash: Option<String>,
    /// (kind of record, how many were deleted)
    pub deleted: Vec<(String, i64)>,
    pub files_removed: i64,
    pub data_key_destroyed: bool,
    pub deleted_at: i64,
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_clock_ends_its_period_after_the_decision_and_warns_fifteen_days_before() {
        let until = clock_end(datetime!(2026-01-10 12:00 UTC), 365);
        assert_eq!(until, datetime!(2027-01-10 12:00 UTC));
        assert!(!is_warning_due(until, datetime!(2026-12-25 11:00 UTC)));
        assert!(is_warning_due(until, datetime!(2026-12-26 12:00 UTC)));
        assert!(
            !is_warning_due(until, datetime!(2027-01-10 12:00 UTC)),
            "then it is due"
        );
    }

    #[test]
    fn periods_and_holds_are_bounded() {
        assert_eq!(parse_days("30"), Ok(30));
        assert!(parse_days("29").is_err());
        assert!(parse_days("ten").is_err());
        let now = datetime!(2026-11-21 10:00 UTC);
        let (reason, end) = legal_hold("Pending tribunal claim", "2027-03-31", now).unwrap();
        assert_eq!(reason, "Pending tribunal claim");
        assert_eq!(end.date(), time::macros::date!(2027 - 03 - 31));
        assert_eq!(legal_hold(" ", "2027-03-31", now).unwrap_err().0, "reason");
        assert_eq!(legal_hold("x", "2026-11-20", now).unwrap_err().0, "until");
        assert_eq!(legal_hold("x", "31/03/2027", now).unwrap_err().0, "until");
        let longest = "é".repeat(2000);
        assert!(legal_hold(&longest, "2027-03-31", now).is_ok());
        let longer = format!("{longest}x");
        assert_eq!(
            legal_hold(&longer, "2027-03-31", now).unwrap_err().0,
            "reason"
        );
    }

    #[test]
    fn a_certificate_names_its_subject_by_the_sha256_of_its_public_id() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
