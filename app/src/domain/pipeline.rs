//! The application pipeline (F6): stages, moves between them, and the human hiring decision that
//! ends it. Nothing here decides for a person; it only says which moves make sense.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Applied,
    Screening,
    Interview,
    Offer,
    Hired,
    Rejected,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Applied,
        Stage::Screening,
        Stage::Interview,
        Stage::Offer,
        Stage::Hired,
        Stage::Rejected,
    ];

    /// Stages a person moves an application between; the last two come only from a decision.
    pub const IN_PROGRESS: [Stage; 4] = [
        Stage::Applied,
        Stage::Screening,
        Stage::Interview,
        Stage::Offer,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Applied => "applied",
            Stage::Screening => "screening",
            Stage::Interview => "interview",
            Stage::Offer => "offer",
            Stage::Hired => "hired",
            Stage::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            Stage::Applied => "Applied",
            Stage::Screening => "Screening",
            Stage::Interview => "Interview",
            Stage::Offer => "Offer",
            Stage::Hired => "Hired",
            Stage::Rejected => "Rejected",
        }
    }

    pub const fn is_decided(self) -> bool {
        matches!(self, Stage::Hired | Stage::Rejected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Hired,
    Rejected,
}

impl Decision {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "hired" => Some(Decision::Hired),
            "rejected" => Some(Decision::Rejected),
            _ => None,
        }
    }

    pub const fn stage(self) -> Stage {
        match self {
            Decision::Hired => Stage::Hired,
            Decision::Rejected => Stage::Rejected,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error("A hiring decision was recorded for this application; it no longer moves.")]
    AlreadyDecided,
    #[error("Hired and rejected are set by recording a hiring decision, with its reason.")]
    NeedsDecision,
}

pub fn check_move(from: Stage, to: Stage) -> Result<(), PipelineError> {
    if from.is_decided() {
        return Err(PipelineError::AlreadyDecided);
    }
    if to.is_decided() {
        return Err(PipelineError::NeedsDecision);
    }
    Ok(())
}

pub fn check_decision(from: Stage) -> Result<(), PipelineError> {
    if from.is_decided() {
        Err(PipelineError::AlreadyDecided)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_stage_labels_read_as_people_and_forms_give_them() {
        assert_eq!(Decision::parse("hired"), Some(Decision::Hired));
        assert_eq!(Decision::parse("rejected"), Some(Decision::Rejected));
        assert_eq!(Decision::parse("maybe"), None);
        assert_eq!(
            Stage::ALL.map(Stage::label),
            [
                "Applied",
                "Screening",
                "Interview",
                "Offer",
                "Hired",
                "Rejected"
            ]
        );
    }

    #[test]
    fn applications_move_freely_between_open_stages() {
        for from in Stage::IN_PROGRESS {
            for to in Stage::IN_PROGRESS {
                assert_eq!(check_move(from, to), Ok(()), "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn only_a_decision_ends_the_pipeline_and_nothing_moves_after_it() {
        assert_eq!(
            check_move(Stage::Offer, Stage::Hired),
            Err(PipelineError::NeedsDecision)
        );
        assert_eq!(
            check_move(Stage::Applied, Stage::Rejected),
            Err(PipelineError::NeedsDecision)
        );
        assert_eq!(
            check_move(Stage::Hired, Stage::Offer),
            Err(PipelineError::AlreadyDecided)
        );
        assert_eq!(
            check_decision(Stage::Rejected),
            Err(PipelineError::AlreadyDecided)
        );
        assert_eq!(check_decision(Stage::Screening), Ok(()));
        assert_eq!(
            Decision::parse("hired").map(Decision::stage),
            Some(Stage::Hired)
        );
        assert_eq!(Decision::parse("maybe"), None);
    }

    #[test]
    fn stage_names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }
}
