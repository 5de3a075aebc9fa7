//! Roles (R1), permissions and data-level visibility (R2) as pure data. The guard in
//! `backend::guard` consults this table and nothing else.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Recruiter,
    HiringManager,
    Interviewer,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Recruiter,
        Role::HiringManager,
        Role::Interviewer,
        Role::Auditor,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Recruiter => "recruiter",
            Role::HiringManager => "hiring_manager",
            Role::Interviewer => "interviewer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Recruiter => "Recruiter",
            Role::HiringManager => "Hiring manager",
            Role::Interviewer => "Interviewer",
            Role::Auditor => "Auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewDashboard,
    ManageOwnAccount,
    ViewRecruitments,
    ManageRecruitments,
    ViewCandidates,
    ManageCandidates,
    /// Notes and hiring decisions on applications the user may see.
    EvaluateCandidates,
    ConductInterviews,
    /// Opening stored files; which ones depends on what the file belongs to (R2).
    ViewFiles,
    /// The queue of data-subject requests (names only with `ManageDataRequests`).
    ViewDataRequests,
    ManageDataRequests,
    ViewPrivacyReports,
    ViewAuditLog,
    ManageUsers,
    ManageApiKeys,
    ManageOrgSettings,
    AcceptDpa,
}

impl Permission {
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::ViewDashboard => "view_dashboard",
            Permission::ManageOwnAccount => "manage_own_account",
            Permission::ViewRecruitments => "view_recruitments",
            Permission::ManageRecruitments => "manage_recruitments",
            Permission::ViewCandidates => "view_candidates",
            Permission::ManageCandidates => "manage_candidates",
            Permission::EvaluateCandidates => "evaluate_candidates",
            Permission::ConductInterviews => "conduct_interviews",
            Permission::ViewFiles => "view_files",
            Permission::ViewDataRequests => "view_data_requests",
            Permission::ManageDataRequests => "manage_data_requests",
            Permission::ViewPrivacyReports => "view_privacy_reports",
            Permission::ViewAuditLog => "view_audit_log",
            Permission::ManageUsers => "manage_users",
            Permission::ManageApiKeys => "manage_api_keys",
            Permission::ManageOrgSettings => "manage_org_settings",
            Permission::AcceptDpa => "accept_dpa",
        }
    }

    /// Admin work that must wait until the organisation accepted the current DPA (F1).
    pub const fn needs_current_dpa(self) -> bool {
        matches!(
            self,
            Permission::ManageUsers | Permission::ManageApiKeys | Permission::ManageOrgSettings
        )
    }
}

/// The permission table. Every role decision in the portal goes through this function.
pub const fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Recruiter => matches!(
            permission,
            ViewDashboard
                | ManageOwnAccount
                | ViewRecruitments
                | ManageRecruitments
                | ViewCandidates
                | ManageCandidates
                | EvaluateCandidates
                | ConductInterviews
                | ViewFiles
                | ViewDataRequests
                | ManageDataRequests
        ),
        Role::HiringManager => matches!(
            permission,
            ViewDashboard
                | ManageOwnAccount
                | ViewRecruitments
                | ViewCandidates
                | EvaluateCandidates
                | ConductInterviews
                | ViewFiles
        ),
        Role::Interviewer => {
            matches!(
                permission,
                ViewDashboard | ManageOwnAccount | ConductInterviews | ViewFiles
            )
        }
        Role::Auditor => matches!(
            permission,
            ViewDashboard | ManageOwnAccount | ViewAuditLog | ViewPrivacyReports | ViewDataRequests
        ),
    }
}

/// Which recruitments (and so which applications and candidates) a role may see at all (R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecruitmentScope {
    /// Every recruitment of the organisation.
    All,
    /// Only recruitments the user owns or is a member of.
    OwnedOrMember,
    /// Only the interviews assigned to the user, with the minimum candidate data they need.
    AssignedInterviews,
    /// No candidate content at all.
    None,
}

pub const fn recruitment_scope(role: Role) -> RecruitmentScope {
    match role {
        Role::Admin | Role::Recruiter => RecruitmentScope::All,
        Role::HiringManager => RecruitmentScope::OwnedOrMember,
        Role::Interviewer => RecruitmentScope::AssignedInterviews,
        Role::Auditor => RecruitmentScope::None,
    }
}

/// What a route or server function demands before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in, sign-up, token pages, health).
    Public,
    /// Any signed-in, active user of an organisation.
    SignedIn,
    /// A signed-in user whose role allows this permission.
    Requires(Permission),
}

impl Access {
    pub fn describe(self) -> String {
        match self {
            Access::Public => "public".into(),
            Access::SignedIn => "signed-in".into(),
            Access::Requires(p) => format!("permission:{}", p.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn roles_read_as_the_database_stores_them_and_as_people_name_them() {
        assert_eq!(
            Role::ALL.map(|r| r.to_string()),
            [
                "admin",
                "recruiter",
                "hiring_manager",
                "interviewer",
                "auditor"
            ]
        );
        assert_eq!(
            Role::ALL.map(Role::label),
            [
                "Admin",
                "Recruiter",
                "Hiring manager",
                "Interviewer",
                "Auditor"
            ]
        );
    }

    #[test]
    fn each_access_is_described_by_its_permissions_name() {
        assert_eq!(Access::Public.describe(), "public");
        assert_eq!(Access::SignedIn.describe(), "signed-in");
        assert_eq!(
            Access::Requires(Permission::ManageApiKeys).describe(),
            "permission:manage_api_keys"
        );
        assert_eq!(
            Access::Requires(Permission::EvaluateCandidates).describe(),
            "permission:evaluate_candidates"
        );
    }

    #[test]
    fn only_admins_manage_users_keys_and_settings() {
        for role in Role::ALL {
            for p in [
                Permission::ManageUsers,
                Permission::ManageApiKeys,
                Permission::ManageOrgSettings,
                Permission::AcceptDpa,
            ] {
                assert_eq!(allows(role, p), role == Role::Admin, "{role} {p:?}");
            }
        }
    }

    #[test]
    fn auditors_see_no_candidate_content() {
        assert!(!allows(Role::Auditor, Permission::ViewCandidates));
        assert!(!allows(Role::Auditor, Permission::ViewRecruitments));
        assert!(allows(Role::Auditor, Permission::ViewAuditLog));
        assert_eq!(recruitment_scope(Role::Auditor), RecruitmentScope::None);
    }

    #[test]
    fn hiring_managers_and_interviewers_are_scoped() {
        assert_eq!(
            recruitment_scope(Role::HiringManager),
            RecruitmentScope::OwnedOrMember
        );
        assert_eq!(
            recruitment_scope(Role::Interviewer),
            RecruitmentScope::AssignedInterviews
        );
        assert!(!allows(Role::Interviewer, Permission::ViewCandidates));
        assert!(!allows(Role::HiringManager, Permission::ManageRecruitments));
    }

    #[test]
    fn every_role_can_see_the_dashboard_and_its_own_account() {
        for role in Role::ALL {
            assert!(allows(role, Permission::ViewDashboard));
            assert!(allows(role, Permission::ManageOwnAccount));
        }
    }
}
