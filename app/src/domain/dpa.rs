//! The data processing agreement (F1): the version an organisation must have accepted before
//! admin work continues. A new version here makes every organisation accept it again.

pub const CURRENT_VERSION: &str = "2026-11";

/// The commitments shown beside the acceptance box.
pub const SUMMARY: &str = "Candor processes candidate data only on your organisation's \
    instructions and only for recruitment, with the sub-processors your organisation lists, keeps \
    it no longer than your retention period and then deletes it provably, and helps you answer \
    every data-subject request.";
