//! The candidate's language (F7, F9): candidate pages and candidate e-mails speak English, Dutch,
//! Swedish, German or Polish, chosen from `Accept-Language` or the page's switcher. Staff pages are
//! in English. Every text a candidate reads is a field of [`Messages`], one table per language,
//! so a missing translation is a compile error, not a blank.

mod de;
mod en;
mod nl;
mod pl;
mod sv;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
    Sv,
    De,
    Pl,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Nl, Lang::Sv, Lang::De, Lang::Pl];

    /// The BCP 47 tag, as in `<html lang>` and the consent record.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Sv => "sv",
            Lang::De => "de",
            Lang::Pl => "pl",
        }
    }

    /// The language's own name, for the switcher.
    pub const fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Nl => "Nederlands",
            Lang::Sv => "Svenska",
            Lang::De => "Deutsch",
            Lang::Pl => "Polski",
        }
    }

    /// A supported tag or its primary subtag (`nl-BE` is Dutch); anything else is `None`.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best supported language of an `Accept-Language` header, by weight, if any.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut ranked: Vec<(u16, usize, Lang)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(position, item)| {
                let mut parts = item.split(';');
                let lang = Lang::parse(parts.next()?)?;
                let weight =
                    parts
                        .find_map(|p| p.trim().strip_prefix("q="))
                        .map_or(Some(1000), |q| {
                            q.trim()
                                .parse::<f32>()
                                .ok()
                                .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                        })?;
                (weight > 0).then_some((weight, position, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|(_, _, l)| *l)
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::En => &en::MESSAGES,
            Lang::Nl => &nl::MESSAGES,
            Lang::Sv => &sv::MESSAGES,
            Lang::De => &de::MESSAGES,
            Lang::Pl => &pl::MESSAGES,
        }
    }
}

/// Replaces `{name}` placeholders; values are inserted as they are (escaping is the renderer's).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// Every text a candidate reads. Placeholders in braces are filled with [`fill`].
#[derive(Debug)]
pub struct Messages {
    // The consent page (F7).
    /// {org}
    pub consent_title: &'static str,
    /// {org}, {recruitment}
    pub consent_intro: &'static str,
    pub controller_heading: &'static str,
    /// {org}
    pub controller_text: &'static str,
    pub processing_heading: &'static str,
    pub processing_text: &'static str,
    pub sub_processors_heading: &'static str,
    /// {org}
    pub sub_processors_none: &'static str,
    pub retention_heading: &'static str,
    /// {days}
    pub retention_text: &'static str,
    pub rights_heading: &'static str,
    pub rights_text: &'static str,
    pub choices_heading: &'static str,
    pub choices_hint: &'static str,
    pub purpose_evaluation: &'static str,
    pub purpose_evaluation_detail: &'static str,
    pub purpose_recording: &'static str,
    pub purpose_recording_detail: &'static str,
    pub purpose_transcription: &'static str,
    pub purpose_transcription_detail: &'static str,
    pub purpose_ai_support: &'static str,
    pub purpose_ai_support_detail: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub save_choices: &'static str,
    pub answer_each: &'static str,
    pub saved_title: &'static str,
    pub saved_text: &'static str,
    pub link_invalid_title: &'static str,
    pub link_invalid_text: &'static str,
    pub language_label: &'static str,
    pub privacy_link_text: &'static str,
    // Managing consent later (from the confirmation e-mail).
    pub manage_title: &'static str,
    /// {org}, {recruitment}
    pub manage_intro: &'static str,
    pub status_given: &'static str,
    pub status_refused: &'static str,
    pub status_withdrawn: &'static str,
    pub status_not_answered: &'static str,
    pub withdraw: &'static str,
    pub withdraw_all: &'static str,
    pub withdrawn_title: &'static str,
    pub withdrawn_text: &'static str,
    pub receipt_heading: &'static str,
    pub receipt_text: &'static str,
    // E-mails.
    /// {name}
    pub email_greeting: &'static str,
    /// {org}, {recruitment}
    pub consent_request_subject: &'static str,
    /// {org}, {recruitment}
    pub consent_request_text: &'static str,
    pub consent_request_action: &'static str,
    /// {days}
    pub link_validity: &'static str,
    /// {recruitment}
    pub consent_confirmation_subject: &'static str,
    pub consent_confirmation_text: &'static str,
    pub consent_confirmation_manage: &'static str,
    /// {org}
    pub email_sender_line: &'static str,
    pub email_privacy_line: &'static str,
    // The privacy page and the candidate's own data (F9).
    pub privacy_title: &'static str,
    pub privacy_intro: &'static str,
    pub privacy_email_label: &'static str,
    pub privacy_send: &'static str,
    /// {days}
    pub privacy_sent: &'static str,
    /// {org}
    pub privacy_email_subject: &'static str,
    /// {org}
    pub privacy_email_text: &'static str,
    pub privacy_email_action: &'static str,
    pub privacy_not_you: &'static str,
    /// {org}
    pub privacy_continue_intro: &'static str,
    pub privacy_continue: &'static str,
    /// {org}
    pub my_data_title: &'static str,
    pub session_ended: &'static str,
    pub held_heading: &'static str,
    pub field_name: &'static str,
    pub field_email: &'static str,
    pub field_phone: &'static str,
    pub applications_heading: &'static str,
    pub stage_applied: &'static str,
    pub stage_screening: &'static str,
    pub stage_interview: &'static str,
    pub stage_offer: &'static str,
    pub stage_hired: &'static str,
    pub stage_rejected: &'static str,
    pub documents_heading: &'static str,
    pub documents_none: &'static str,
    /// {notes}, {scores}
    pub evaluations_summary: &'static str,
    pub retention_heading_own: &'static str,
    /// {date}
    pub retention_until: &'static str,
    /// {days}
    pub retention_not_started: &'static str,
    pub reads_heading: &'static str,
    pub reads_none: &'static str,
    pub role_admin: &'static str,
    pub role_recruiter: &'static str,
    pub role_hiring_manager: &'static str,
    pub role_interviewer: &'static str,
    pub role_auditor: &'static str,
    pub read_viewed: &'static str,
    pub read_listed: &'static str,
    pub read_exported: &'static str,
    pub read_downloaded: &'static str,
    pub download_heading: &'static str,
    pub download_text: &'static str,
    pub download_button: &'static str,
    pub requests_heading: &'static str,
    pub request_kind_label: &'static str,
    pub request_rectification: &'static str,
    pub request_restriction: &'static str,
    pub request_deletion: &'static str,
    pub request_objection: &'static str,
    pub request_details_label: &'static str,
    pub request_send: &'static str,
    /// {org}, {date}
    pub request_sent: &'static str,
    pub your_requests_heading: &'static str,
    pub request_status_open: &'static str,
    pub request_status_extended: &'static str,
    pub request_status_completed: &'static str,
    pub request_status_rejected: &'static str,
    /// {date}
    pub request_due: &'static str,
    /// {org}
    pub request_extended_subject: &'static str,
    /// {org}, {date}, {reason}
    pub request_extended_text: &'static str,
    /// {org}
    pub request_answered_subject: &'static str,
    /// {org}, {outcome}
    pub request_completed_text: &'static str,
    /// {org}, {reason}
    pub request_rejected_text: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_supported_language_wins_by_weight_then_order() {
        assert_eq!(Lang::negotiate("nl-BE,nl;q=0.9,en;q=0.8"), Some(Lang::Nl));
        assert_eq!(Lang::negotiate("fr-FR, de;q=0.5, pl;q=0.7"), Some(Lang::Pl));
        assert_eq!(Lang::negotiate("sv, de"), Some(Lang::Sv));
        assert_eq!(Lang::negotiate("fr, es;q=0.9"), None);
        assert_eq!(Lang::negotiate("de;q=0, nl;q=0.1"), Some(Lang::Nl));
        assert_eq!(Lang::negotiate(""), None);
        assert_eq!(Lang::negotiate("*;q=1,pl;q=garbage"), None);
    }

    #[test]
    fn a_language_the_browser_marks_not_acceptable_is_never_chosen() {
        // `q=0` means "not acceptable" (RFC 9110, 12.4.2), not "least preferred".
        assert_eq!(Lang::negotiate("de;q=0, fr"), None);
        assert_eq!(Lang::negotiate("pl;q=0.0"), None);
        assert_eq!(Lang::negotiate("pl;q=0, sv;q=0.001"), Some(Lang::Sv));
    }

    #[test]
    fn the_switcher_names_each_language_in_itself() {
        assert_eq!(
            Lang::ALL.map(Lang::native_name),
            ["English", "Nederlands", "Svenska", "Deutsch", "Polski"]
        );
    }

    #[test]
    fn e_mail_action_labels_end_without_punctuation_the_text_part_adds_its_colon() {
        for lang in Lang::ALL {
            let m = lang.messages();
            for label in [
                m.consent_request_action,
                m.consent_confirmation_manage,
                m.privacy_email_action,
            ] {
                assert!(!label.ends_with([':', '.']), "{lang:?}: {label}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_every_language_keeps_them() {
        assert_eq!(
            fill(
                "{org} asks about {recruitment}",
                &[("org", "Acme"), ("recruitment", "Chef")]
            ),
            "Acme asks about Chef"
        );
        for lang in Lang::ALL {
            let m = lang.messages();
            for (text, names) in [
                (m.consent_intro, &["{org}", "{recruitment}"][..]),
                (m.consent_request_subject, &["{org}", "{recruitment}"][..]),
                (m.retention_text, &["{days}"][..]),
                (m.link_validity, &["{days}"][..]),
                (m.email_greeting, &["{name}"][..]),
                (m.manage_intro, &["{org}", "{recruitment}"][..]),
                (m.consent_confirmation_subject, &["{recruitment}"][..]),
            ] {
                for name in names {
                    assert!(text.contains(name), "{lang:?}: {name} missing in {text:?}");
                }
            }
        }
    }
}
