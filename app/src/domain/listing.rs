//! Paged staff lists (recruitments, candidates): the bounds every list query is held to, whatever
//! the query string says.

/// The deepest page a list serves; beyond it, narrow the search.
pub const MAX_PAGE: u32 = 10_000;
/// Colleagues a picker (owner, member, interviewer) lists; an organisation with more has the
/// colleague's e-mail address typed instead: a list of thousands helps nobody and weighs on
/// every page that carries it.
pub const PICKER_SIZE: usize = 50;
/// Characters of a search term kept.
pub const SEARCH_MAX: usize = 100;

/// A search term: trimmed and bounded; `None` when nothing is left.
pub fn search_term(raw: Option<&str>) -> Option<String> {
    raw.map(|s| s.trim().chars().take(SEARCH_MAX).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// A page number from 1 to [`MAX_PAGE`]; absent means the first.
pub fn page_number(raw: Option<u32>) -> u32 {
    raw.unwrap_or(1).clamp(1, MAX_PAGE)
}

/// Rows skipped before `page`.
pub fn offset(page: u32, page_size: u32) -> i64 {
    i64::from(page.saturating_sub(1)) * i64::from(page_size)
}

/// The staff candidate list: 50 candidates a page, newest first, optionally narrowed by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateListQuery {
    pub search: Option<String>,
    pub page: u32,
}

impl CandidateListQuery {
    pub const PAGE_SIZE: u32 = 50;

    pub fn parse(search: Option<&str>, page: Option<u32>) -> Self {
        Self {
            search: search_term(search),
            page: page_number(page),
        }
    }

    pub fn offset(&self) -> i64 {
        offset(self.page, Self::PAGE_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_list_queries_are_bounded() {
        let q = CandidateListQuery::parse(Some(&"é".repeat(500)), Some(0));
        assert_eq!(
            q.search.as_deref().map(|s| s.chars().count()),
            Some(SEARCH_MAX)
        );
        assert_eq!(q.page, 1);
        assert_eq!(
            CandidateListQuery::parse(None, Some(u32::MAX)).page,
            MAX_PAGE
        );
        assert_eq!(CandidateListQuery::parse(Some(" \t "), None).search, None);
        assert_eq!(CandidateListQuery::parse(None, Some(10)).offset(), 450);
    }
}
