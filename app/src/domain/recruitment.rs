//! Recruitments (F5): what a valid title, criterion and list query are.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecruitmentStatus {
    Open,
    Closed,
}

impl RecruitmentStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RecruitmentStatus::Open => "open",
            RecruitmentStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(RecruitmentStatus::Open),
            "closed" => Some(RecruitmentStatus::Closed),
            _ => None,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            RecruitmentStatus::Open => "Open",
            RecruitmentStatus::Closed => "Closed",
        }
    }
}

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const CRITERION_NAME_MAX: usize = 120;
pub const CRITERION_DESCRIPTION_MAX: usize = 2_000;
pub const MAX_CRITERIA: usize = 20;
pub const PAGE_SIZE: u32 = 25;
pub use super::listing::{MAX_PAGE, SEARCH_MAX};

/// Plain one-line text: trimmed, non-empty, bounded, without control characters.
pub fn single_line(raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("This field is required.".into());
    }
    if value.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err("Use a single line without control characters.".into());
    }
    Ok(value.to_owned())
}

/// Free text that may span lines: bounded, without control characters other than line breaks.
pub fn multi_line(raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("Remove control characters.".into());
    }
    Ok(value.to_owned())
}

/// A criterion's weight in the comparison: 1 (minor) to 5 (decisive).
pub fn weight(raw: &str) -> Result<i32, String> {
    match raw.trim().parse::<i32>() {
        Ok(w) if (1..=5).contains(&w) => Ok(w),
        _ => Err("Choose a weight from 1 to 5.".into()),
    }
}

/// A bounded list query: search text, status filter and page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub search: Option<String>,
    pub status: Option<RecruitmentStatus>,
    pub page: u32,
}

impl ListQuery {
    pub fn parse(search: Option<&str>, status: Option<&str>, page: Option<u32>) -> Self {
        Self {
            search: super::listing::search_term(search),
            status: status.and_then(RecruitmentStatus::parse),
            page: super::listing::page_number(page),
        }
    }

    pub fn offset(&self) -> i64 {
        super::listing::offset(self.page, PAGE_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_as_stored() {
        for status in [RecruitmentStatus::Open, RecruitmentStatus::Closed] {
            assert_eq!(RecruitmentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RecruitmentStatus::Open.as_str(), "open");
        assert_eq!(RecruitmentStatus::Closed.as_str(), "closed");
        assert_eq!(RecruitmentStatus::parse("draft"), None);
        assert_eq!(RecruitmentStatus::Open.label(), "Open");
        assert_eq!(RecruitmentStatus::Closed.label(), "Closed");
    }

    #[test]
    fn free_text_keeps_its_lines_and_tabs_within_its_bound() {
        assert_eq!(
            multi_line("  first line\r\n\tsecond line \n", 100).unwrap(),
            "first line\r\n\tsecond line"
        );
        assert_eq!(multi_line("", 100).unwrap(), "");
        assert_eq!(multi_line(&"é".repeat(100), 100).unwrap(), "é".repeat(100));
        assert!(multi_line(&"é".repeat(101), 100).is_err());
        for control in ["\u{0}", "\u{7}", "\u{1b}[31m", "\u{7f}"] {
            assert!(
                multi_line(&format!("a{control}b"), 100).is_err(),
                "{control:?}"
            );
        }
    }

    #[test]
    fn titles_are_single_bounded_lines() {
        assert_eq!(
            single_line("  Senior engineer ", TITLE_MAX).unwrap(),
            "Senior engineer"
        );
        assert!(single_line("   ", TITLE_MAX).is_err());
        assert!(single_line(&"x".repeat(201), TITLE_MAX).is_err());
        assert!(single_line(&"x".repeat(200), TITLE_MAX).is_ok());
        assert!(single_line("a\u{0}b", TITLE_MAX).is_err());
        assert!(single_line("two\nlines", TITLE_MAX).is_err());
    }

    #[test]
    fn weights_are_one_to_five() {
        assert_eq!(weight("3"), Ok(3));
        for bad in ["0", "6", "-1", "x", ""] {
            assert!(weight(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn list_queries_are_bounded() {
        let q = ListQuery::parse(Some(&"a".repeat(500)), Some("bogus"), Some(0));
        assert_eq!(q.search.as_deref().map(str::len), Some(SEARCH_MAX));
        assert_eq!(q.status, None);
        assert_eq!(q.page, 1);
        assert_eq!(
            ListQuery::parse(None, Some("closed"), Some(u32::MAX)).page,
            MAX_PAGE
        );
        assert_eq!(ListQuery::parse(Some("  "), None, Some(3)).offset(), 50);
    }
}
