//! Server functions: thin glue that names its access, lets the guard decide, calls one use case
//! and answers. Endpoints are stable (`/fn/...`) because forms post to them without JavaScript.

pub mod account;
pub mod api_keys;
pub mod audit_log;
pub mod auth;
pub mod candidates;
pub mod consent;
pub mod documents;
pub mod interviews;
pub mod organisation;
pub mod privacy;
pub mod recruitments;
pub mod retention;
pub mod settings;
pub mod two_factor;
pub mod users;

/// The request's `Accept-Language` header (empty when absent): candidate pages speak it.
#[cfg(feature = "ssr")]
fn accept_language() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// Every server function endpoint with the access it declares. The route-coverage test compares
/// this table with the functions actually registered and with the guard's decisions.
pub const SERVER_FUNCTIONS: &[(&str, crate::domain::role::Access)] = {
    use crate::domain::role::{Access, Permission};
    &[
        ("/fn/sign_in", Access::Public),
        ("/fn/sign_up", Access::Public),
        ("/fn/verify_email", Access::Public),
        ("/fn/resend_verification", Access::Public),
        ("/fn/request_password_reset", Access::Public),
        ("/fn/reset_password", Access::Public),
        ("/fn/token_status", Access::Public),
        ("/fn/complete_sign_in", Access::Public),
        ("/fn/current_user", Access::SignedIn),
        (
            "/fn/two_factor_status",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/start_two_factor",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/confirm_two_factor",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/new_recovery_codes",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/turn_off_two_factor",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/reset_two_factor",
            Access::Requires(Permission::ManageUsers),
        ),
        ("/fn/sso_providers", Access::Public),
        (
            "/fn/set_sso_provider",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        (
            "/fn/set_mfa_policy",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        ("/fn/consent_page", Access::Public),
        ("/fn/give_consent", Access::Public),
        ("/fn/withdraw_consent", Access::Public),
        ("/fn/request_privacy_link", Access::Public),
        ("/fn/privacy_page_language", Access::Public),
        ("/fn/invitation", Access::Public),
        ("/fn/accept_invitation", Access::Public),
        ("/fn/list_users", Access::Requires(Permission::ManageUsers)),
        ("/fn/api_keys", Access::Requires(Permission::ManageApiKeys)),
        ("/fn/audit_log", Access::Requires(Permission::ViewAuditLog)),
        (
            "/fn/create_api_key",
            Access::Requires(Permission::ManageApiKeys),
        ),
        (
            "/fn/revoke_api_key",
            Access::Requires(Permission::ManageApiKeys),
        ),
        (
            "/fn/org_settings",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        (
            "/fn/set_org_retention",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        (
            "/fn/set_privacy_contact",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        (
            "/fn/add_sub_processor",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        (
            "/fn/remove_sub_processor",
            Access::Requires(Permission::ManageOrgSettings),
        ),
        ("/fn/invite_user", Access::Requires(Permission::ManageUsers)),
        (
            "/fn/pending_invitations",
            Access::Requires(Permission::ManageUsers),
        ),
        (
            "/fn/withdraw_invitation",
            Access::Requires(Permission::ManageUsers),
        ),
        (
            "/fn/change_user_role",
            Access::Requires(Permission::ManageUsers),
        ),
        (
            "/fn/set_user_active",
            Access::Requires(Permission::ManageUsers),
        ),
        ("/fn/privacy_link", Access::Public),
        ("/fn/open_privacy", Access::Public),
        ("/fn/my_data", Access::Public),
        ("/fn/file_data_request", Access::Public),
        (
            "/fn/extend_retention",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/set_retention_period",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/update_candidate",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/set_legal_hold",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/data_requests",
            Access::Requires(Permission::ViewDataRequests),
        ),
        (
            "/fn/update_data_request",
            Access::Requires(Permission::ManageDataRequests),
        ),
        (
            "/fn/resend_consent",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/change_password",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/sign_out_other_sessions",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        (
            "/fn/account_activity",
            Access::Requires(Permission::ManageOwnAccount),
        ),
        ("/fn/dashboard", Access::Requires(Permission::ViewDashboard)),
        ("/fn/accept_dpa", Access::Requires(Permission::AcceptDpa)),
        (
            "/fn/list_recruitments",
            Access::Requires(Permission::ViewRecruitments),
        ),
        (
            "/fn/recruitment_board",
            Access::Requires(Permission::ViewRecruitments),
        ),
        (
            "/fn/recruitment",
            Access::Requires(Permission::ViewRecruitments),
        ),
        (
            "/fn/create_recruitment",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/update_recruitment",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/set_recruitment_status",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/add_recruitment_member",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/remove_recruitment_member",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/add_criterion",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/remove_criterion",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/recruitment_staff",
            Access::Requires(Permission::ManageRecruitments),
        ),
        (
            "/fn/add_candidate",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/list_candidates",
            Access::Requires(Permission::ViewCandidates),
        ),
        (
            "/fn/candidate",
            Access::Requires(Permission::ViewCandidates),
        ),
        (
            "/fn/move_application",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/move_applications",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/record_decision",
            Access::Requires(Permission::EvaluateCandidates),
        ),
        (
            "/fn/add_application_note",
            Access::Requires(Permission::EvaluateCandidates),
        ),
        (
            "/fn/schedule_interview",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/assign_interviewer",
            Access::Requires(Permission::ManageCandidates),
        ),
        (
            "/fn/my_interviews",
            Access::Requires(Permission::ConductInterviews),
        ),
        (
            "/fn/interview",
            Access::Requires(Permission::ConductInterviews),
        ),
        (
            "/fn/save_score",
            Access::Requires(Permission::ConductInterviews),
        ),
    ]
};

/// Whether a form's confirmation box was ticked (`confirm` posted as `yes`).
#[cfg(feature = "ssr")]
pub(crate) fn ticked(confirm: Option<&str>) -> bool {
    confirm == Some("yes")
}

/// An irreversible step goes ahead only when its form's confirmation box was ticked. Checked
/// here, on the server, so a post without it (a crafted one, or a script) is refused with what it
/// would have confirmed rather than carried out.
#[cfg(feature = "ssr")]
pub(crate) fn require_confirmation(
    confirm: Option<&str>,
    what: &str,
) -> Result<(), crate::error::AppError> {
    if ticked(confirm) {
        Ok(())
    } else {
        Err(crate::error::AppError::ConfirmationRequired { what: what.into() })
    }
}
