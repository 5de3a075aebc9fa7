//! The audit log's tamper evidence (F12, S16).
//!
//! Events are appended without any lock; a sealer later chains them per organisation. Only
//! pseudonymous fields enter the hash (public ids, action, outcome, time), never names, e-mail
//! addresses or network addresses, so erasing a person never has to touch a hashed field.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    OrgCreated,
    DpaAccepted,
    SignUp,
    SignUpExistingAddress,
    EmailVerificationSent,
    EmailVerified,
    SignInSucceeded,
    SignInFailed,
    SignInRateLimited,
    SignedOut,
    PasswordResetRequested,
    PasswordResetCompleted,
    PasswordChanged,
    OtherSessionsRevoked,
    RecruitmentCreated,
    RecruitmentUpdated,
    RecruitmentClosed,
    RecruitmentReopened,
    RecruitmentMemberAdded,
    RecruitmentMemberRemoved,
    CriterionAdded,
    CriterionRemoved,
    CandidateAdded,
    CandidateViewed,
    /// Seen in a list or a comparison: name and where they stand, not the whole record.
    CandidateListed,
    CandidateExported,
    CandidateUpdated,
    RetentionPeriodSet,
    ApplicationStageChanged,
    HiringDecisionRecorded,
    NoteAdded,
    InterviewScheduled,
    InterviewerAssigned,
    ScorecardUpdated,
    DocumentUploaded,
    DocumentReplaced,
    DocumentDownloaded,
    ConsentRequested,
    ConsentRecorded,
    ConsentWithdrawn,
    PrivacyLinkSent,
    PrivacyOpened,
    PersonalDataExported,
    DataRequestReceived,
    DataRequestUpdated,
    RetentionExtended,
    LegalHoldPlaced,
    LegalHoldLifted,
    CandidateDeleted,
    UserInvited,
    InvitationWithdrawn,
    InvitationAccepted,
    UserRoleChanged,
    UserDeactivated,
    UserReactivated,
    OrgSettingsChanged,
    MfaEnabled,
    MfaDisabled,
    MfaVerified,
    MfaFailed,
    RecoveryCodeUsed,
    RecoveryCodesRegenerated,
    MfaReset,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyRefused,
    ApiWrite,
    AuditLogExported,
    EmailSuppressed,
    SsoSignInRefused,
}

impl AuditAction {
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::OrgCreated => "org.created",
            AuditAction::DpaAccepted => "dpa.accepted",
            AuditAction::SignUp => "user.signed_up",
            AuditAction::SignUpExistingAddress => "user.sign_up_existing_address",
            AuditAction::EmailVerificationSent => "user.email_verification_sent",
            AuditAction::EmailVerified => "user.email_verified",
            AuditAction::SignInSucceeded => "auth.sign_in.succeeded",
            AuditAction::SignInFailed => "auth.sign_in.failed",
            AuditAction::SignInRateLimited => "auth.sign_in.rate_limited",
            AuditAction::SignedOut => "auth.signed_out",
            AuditAction::PasswordResetRequested => "auth.password_reset.requested",
            AuditAction::PasswordResetCompleted => "auth.password_reset.completed",
            AuditAction::PasswordChanged => "auth.password_changed",
            AuditAction::OtherSessionsRevoked => "auth.other_sessions_revoked",
            AuditAction::RecruitmentCreated => "recruitment.created",
            AuditAction::RecruitmentUpdated => "recruitment.updated",
            AuditAction::RecruitmentClosed => "recruitment.closed",
            AuditAction::RecruitmentReopened => "recruitment.reopened",
            AuditAction::RecruitmentMemberAdded => "recruitment.member_added",
            AuditAction::RecruitmentMemberRemoved => "recruitment.member_removed",
            AuditAction::CriterionAdded => "recruitment.criterion_added",
            AuditAction::CriterionRemoved => "recruitment.criterion_removed",
            AuditAction::CandidateAdded => "candidate.added",
            AuditAction::CandidateViewed => "candidate.viewed",
            AuditAction::CandidateListed => "candidate.listed",
            AuditAction::CandidateExported => "candidate.exported",
            AuditAction::CandidateUpdated => "candidate.updated",
            AuditAction::RetentionPeriodSet => "retention.period_set",
            AuditAction::ApplicationStageChanged => "application.stage_changed",
            AuditAction::HiringDecisionRecorded => "application.decision_recorded",
            AuditAction::NoteAdded => "application.note_added",
            AuditAction::InterviewScheduled => "interview.scheduled",
            AuditAction::InterviewerAssigned => "interview.interviewer_assigned",
            AuditAction::ScorecardUpdated => "interview.scorecard_updated",
            AuditAction::DocumentUploaded => "document.uploaded",
            AuditAction::DocumentReplaced => "document.replaced",
            AuditAction::DocumentDownloaded => "document.downloaded",
            AuditAction::ConsentRequested => "consent.requested",
            AuditAction::ConsentRecorded => "consent.recorded",
            AuditAction::ConsentWithdrawn => "consent.withdrawn",
            AuditAction::PrivacyLinkSent => "dsar.link_sent",
            AuditAction::PrivacyOpened => "dsar.access_opened",
            AuditAction::PersonalDataExported => "dsar.exported",
            AuditAction::DataRequestReceived => "dsar.request_received",
            AuditAction::DataRequestUpdated => "dsar.request_updated",
            AuditAction::RetentionExtended => "retention.extended",
            AuditAction::LegalHoldPlaced => "retention.legal_hold_placed",
            AuditAction::LegalHoldLifted => "retention.legal_hold_lifted",
            AuditAction::CandidateDeleted => "candidate.deleted",
            AuditAction::UserInvited => "user.invited",
            AuditAction::InvitationWithdrawn => "user.invitation_withdrawn",
            AuditAction::InvitationAccepted => "user.invitation_accepted",
            AuditAction::UserRoleChanged => "user.role_changed",
            AuditAction::UserDeactivated => "user.deactivated",
            AuditAction::UserReactivated => "user.reactivated",
            AuditAction::OrgSettingsChanged => "org.settings_changed",
            AuditAction::MfaEnabled => "auth.mfa.enabled",
            AuditAction::MfaDisabled => "auth.mfa.disabled",
            AuditAction::MfaVerified => "auth.mfa.verified",
            AuditAction::MfaFailed => "auth.mfa.failed",
            AuditAction::RecoveryCodeUsed => "auth.mfa.recovery_code_used",
            AuditAction::RecoveryCodesRegenerated => "auth.mfa.recovery_codes_regenerated",
            AuditAction::MfaReset => "auth.mfa.reset_by_admin",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRevoked => "api_key.revoked",
            AuditAction::ApiKeyRefused => "api_key.refused",
            AuditAction::ApiWrite => "api.write",
            AuditAction::AuditLogExported => "audit.exported",
            AuditAction::EmailSuppressed => "email.suppressed",
            AuditAction::SsoSignInRefused => "auth.sso.refused",
        }
    }
}

/// The hashed content of one audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedFields<'a> {
    pub event_id: i64,
    pub org: Option<&'a str>,
    pub occurred_at_micros: i128,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
}

pub const GENESIS: [u8; 32] = [0; 32];

/// `hash = SHA-256(prev_hash ‖ position ‖ fields…)`, each field length-prefixed so that no two
/// different events can encode to the same bytes.
pub fn chain_hash(prev: &[u8; 32], position: i64, fields: &SealedFields<'_>) -> [u8; 32] {
    fn put(h: &mut Sha256, field: Option<&[u8]>) {
        match field {
            None => h.update([0u8]),
            Some(bytes) => {
                h.update([1u8]);
                h.update((bytes.len() as u64).to_be_bytes());
                h.update(bytes);
            }
        }
    }
    let mut h = Sha256::new();
    h.update(b"candor-audit-v1");
    h.update(prev);
    h.update(position.to_be_bytes());
    h.update(fields.event_id.to_be_bytes());
    put(&mut h, fields.org.map(str::as_bytes));
    h.update(fields.occurred_at_micros.to_be_bytes());
    put(&mut h, fields.actor.map(str::as_bytes));
    put(&mut h, Some(fields.action.as_bytes()));
    put(&mut h, fields.target.map(str::as_bytes));
    put(&mut h, Some(fields.outcome.as_bytes()));
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SealedFields<'static> {
        SealedFields {
            event_id: 42,
            org: Some("5f0c1d9e-0000-4000-8000-000000000001"),
            occurred_at_micros: 1_700_000_000_000_000,
            actor: Some("usr_a"),
            action: "auth.sign_in.succeeded",
            target: Some("usr_a"),
            outcome: "success",
        }
    }

    #[test]
    fn actions_are_stored_under_their_family_names() {
        assert_eq!(AuditAction::OrgCreated.as_str(), "org.created");
        assert_eq!(AuditAction::DpaAccepted.as_str(), "dpa.accepted");
        assert_eq!(
            AuditAction::SignInSucceeded.as_str(),
            "auth.sign_in.succeeded"
        );
        assert!(AuditAction::SignInFailed.as_str().starts_with("auth."));
    }

    #[test]
    fn any_change_to_a_field_or_the_link_changes_the_hash() {
        let base = chain_hash(&GENESIS, 1, &sample());
        assert_eq!(base, chain_hash(&GENESIS, 1, &sample()));
        assert_ne!(base, chain_hash(&[1; 32], 1, &sample()));
        assert_ne!(base, chain_hash(&GENESIS, 2, &sample()));
        let mut changed = sample();
        changed.action = "auth.sign_in.failed";
        assert_ne!(base, chain_hash(&GENESIS, 1, &changed));
        let mut moved = sample();
        moved.actor = None;
        moved.target = Some("usr_a");
        assert_ne!(base, chain_hash(&GENESIS, 1, &moved));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = sample();
        a.actor = Some("usr_ab");
        a.target = Some("c");
        let mut b = sample();
        b.actor = Some("usr_a");
        b.target = Some("bc");
        assert_ne!(chain_hash(&GENESIS, 1, &a), chain_hash(&GENESIS, 1, &b));
    }
}
