//! Every page URL with the access it demands, in one table. The server's page-access middleware
//! enforces it before a page renders, and the route-coverage test fails when the router has a
//! page this table does not list (or the other way round).

use crate::domain::role::{Access, Permission};

pub struct Page {
    pub path: &'static str,
    pub access: Access,
}

/// Where a user who must enrol a second factor is sent before anything else (F2).
pub const TWO_FACTOR_PAGE: &str = "/app/account/two-factor";

pub const PAGES: &[Page] = &[
    Page {
        path: "/",
        access: Access::Public,
    },
    Page {
        path: "/login",
        access: Access::Public,
    },
    Page {
        path: "/signup",
        access: Access::Public,
    },
    Page {
        path: "/signup/check-email",
        access: Access::Public,
    },
    Page {
        path: "/verify-email",
        access: Access::Public,
    },
    Page {
        path: "/verify-email/{token}",
        access: Access::Public,
    },
    Page {
        path: "/reset",
        access: Access::Public,
    },
    Page {
        path: "/reset/{token}",
        access: Access::Public,
    },
    Page {
        path: "/c/consent/{token}",
        access: Access::Public,
    },
    Page {
        path: "/c/saved",
        access: Access::Public,
    },
    Page {
        path: "/privacy",
        access: Access::Public,
    },
    Page {
        path: "/c/privacy/{token}",
        access: Access::Public,
    },
    Page {
        path: "/c/my-data",
        access: Access::Public,
    },
    Page {
        path: "/app/requests",
        access: Access::Requires(Permission::ViewDataRequests),
    },
    Page {
        path: "/invite/{token}",
        access: Access::Public,
    },
    Page {
        path: "/admin/users",
        access: Access::Requires(Permission::ManageUsers),
    },
    Page {
        path: "/app/audit",
        access: Access::Requires(Permission::ViewAuditLog),
    },
    Page {
        path: "/admin/api-keys",
        access: Access::Requires(Permission::ManageApiKeys),
    },
    Page {
        path: "/admin/settings",
        access: Access::Requires(Permission::ManageOrgSettings),
    },
    Page {
        path: "/app",
        access: Access::Requires(Permission::ViewDashboard),
    },
    Page {
        path: "/app/account",
        access: Access::Requires(Permission::ManageOwnAccount),
    },
    Page {
        path: TWO_FACTOR_PAGE,
        access: Access::Requires(Permission::ManageOwnAccount),
    },
    Page {
        path: "/login/two-factor",
        access: Access::Public,
    },
    Page {
        path: "/app/recruitments",
        access: Access::Requires(Permission::ViewRecruitments),
    },
    Page {
        path: "/app/recruitments/new",
        access: Access::Requires(Permission::ManageRecruitments),
    },
    Page {
        path: "/app/recruitments/{id}",
        access: Access::Requires(Permission::ViewRecruitments),
    },
    Page {
        path: "/app/recruitments/{id}/edit",
        access: Access::Requires(Permission::ManageRecruitments),
    },
    Page {
        path: "/app/candidates",
        access: Access::Requires(Permission::ViewCandidates),
    },
    Page {
        path: "/app/candidates/{id}",
        access: Access::Requires(Permission::ViewCandidates),
    },
    Page {
        path: "/app/interviews",
        access: Access::Requires(Permission::ConductInterviews),
    },
    Page {
        path: "/app/interviews/{id}",
        access: Access::Requires(Permission::ConductInterviews),
    },
    Page {
        path: "/app/dpa",
        access: Access::Requires(Permission::AcceptDpa),
    },
];

/// A route that moves files (multipart uploads, attachment downloads): plain HTTP handlers beside
/// the pages and server functions, under the same guard and listed here for the coverage test.
pub struct FileRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

pub const ADD_CANDIDATE_WITH_CV: FileRoute = FileRoute {
    method: "POST",
    path: "/app/recruitments/{id}/candidates",
    access: Access::Requires(Permission::ManageCandidates),
};
pub const UPLOAD_CANDIDATE_DOCUMENT: FileRoute = FileRoute {
    method: "POST",
    path: "/app/candidates/{id}/documents",
    access: Access::Requires(Permission::ManageCandidates),
};
pub const UPLOAD_INTERVIEW_FILE: FileRoute = FileRoute {
    method: "POST",
    path: "/app/interviews/{id}/files",
    access: Access::Requires(Permission::ConductInterviews),
};
pub const DOWNLOAD_DOCUMENT: FileRoute = FileRoute {
    method: "GET",
    path: "/app/documents/{id}",
    access: Access::Requires(Permission::ViewFiles),
};

pub const EXPORT_CANDIDATES: FileRoute = FileRoute {
    method: "GET",
    path: "/app/recruitments/{id}/candidates.csv",
    access: Access::Requires(Permission::ViewCandidates),
};

/// The candidate's own data as one file (F9); the privacy session decides, not a staff role.
pub const EXPORT_MY_DATA: FileRoute = FileRoute {
    method: "GET",
    path: "/c/my-data/export.json",
    access: Access::Public,
};

/// The audit log as CSV for the current filter (F12); the export is audited.
pub const EXPORT_AUDIT_LOG: FileRoute = FileRoute {
    method: "GET",
    path: "/app/audit.csv",
    access: Access::Requires(Permission::ViewAuditLog),
};

pub const FILE_ROUTES: &[FileRoute] = &[
    EXPORT_AUDIT_LOG,
    EXPORT_MY_DATA,
    ADD_CANDIDATE_WITH_CV,
    EXPORT_CANDIDATES,
    UPLOAD_CANDIDATE_DOCUMENT,
    UPLOAD_INTERVIEW_FILE,
    DOWNLOAD_DOCUMENT,
];

impl FileRoute {
    /// The path with its one `{id}` filled in.
    pub fn at(&self, id: &str) -> String {
        self.path.replace("{id}", id)
    }
}

/// Pages whose URL carries a one-time token: never cached, never indexed (S11).
pub fn is_token_page(path: &str) -> bool {
    ["/verify-email/", "/reset/", "/c/", "/invite/"]
        .iter()
        .any(|prefix| path.starts_with(prefix) && path.len() > prefix.len())
}

/// The access of the page serving `path`, matching `{param}` segments; `None` for no page.
pub fn page_access(path: &str) -> Option<Access> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let segments: Vec<&str> = path.split('/').collect();
    PAGES
        .iter()
        .find(|page| {
            let pattern: Vec<&str> = page.path.split('/').collect();
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') && !s.is_empty() || p == s)
        })
        .map(|page| page.access)
}

/// Staff navigation, shown to the roles whose permission allows each entry.
pub const STAFF_NAV: &[(&str, &str, Permission)] = &[
    ("/app", "Dashboard", Permission::ViewDashboard),
    (
        "/app/recruitments",
        "Recruitments",
        Permission::ViewRecruitments,
    ),
    ("/app/candidates", "Candidates", Permission::ViewCandidates),
    (
        "/app/interviews",
        "Interviews",
        Permission::ConductInterviews,
    ),
    (
        "/app/requests",
        "Data requests",
        Permission::ViewDataRequests,
    ),
    ("/admin/users", "Users", Permission::ManageUsers),
    ("/admin/api-keys", "API keys", Permission::ManageApiKeys),
    ("/app/audit", "Audit log", Permission::ViewAuditLog),
    ("/admin/settings", "Settings", Permission::ManageOrgSettings),
    ("/app/account", "My account", Permission::ManageOwnAccount),
    ("/app/dpa", "Agreement", Permission::AcceptDpa),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_match_one_segment_and_unknown_paths_match_nothing() {
        assert_eq!(page_access("/login"), Some(Access::Public));
        assert_eq!(page_access("/reset/abc"), Some(Access::Public));
        assert_eq!(page_access("/reset/abc/def"), None);
        assert_eq!(page_access("/app/"), page_access("/app"));
        assert_eq!(page_access("/app/unknown"), None);
        assert_eq!(
            page_access("/app/account"),
            Some(Access::Requires(Permission::ManageOwnAccount))
        );
    }

    #[test]
    fn token_pages_are_recognised() {
        assert!(is_token_page("/reset/abc"));
        assert!(is_token_page("/verify-email/abc"));
        assert!(!is_token_page("/reset"));
        assert!(!is_token_page("/login"));
    }
}
