//! Consent per purpose (F7): what a candidate is asked, the events of its history, the status
//! they add up to, and the notice they were shown — whose exact text is hashed, so any record
//! can later be matched to the words the candidate read.

use super::controller::PrivacyContact;
use super::i18n::{fill, Lang};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of the notice's wording. Any change to the notice texts gets a new version.
pub const NOTICE_VERSION: &str = "2026-12";

/// GDPR Art. 6(1)(a): each purpose here rests on the candidate's consent.
pub const LAWFUL_BASIS: &str = "consent (GDPR Art. 6(1)(a))";

/// How the portal collected a choice (ISO/IEC TS 27560 "collection method").
pub const COLLECTED_BY_WEB_FORM: &str = "web form reached from a one-time e-mail link";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Evaluation,
    Recording,
    Transcription,
    AiSupport,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::Evaluation,
        Purpose::Recording,
        Purpose::Transcription,
        Purpose::AiSupport,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Evaluation => "evaluation",
            Purpose::Recording => "recording",
            Purpose::Transcription => "transcription",
            Purpose::AiSupport => "ai_support",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// The staff-facing name (staff pages are in English).
    pub const fn label(self) -> &'static str {
        match self {
            Purpose::Evaluation => "Evaluation",
            Purpose::Recording => "Recording",
            Purpose::Transcription => "Transcription",
            Purpose::AiSupport => "AI support",
        }
    }

    /// The label's first letter, for boards where four labels do not fit.
    pub const fn initial(self) -> &'static str {
        match self {
            Purpose::Evaluation => "E",
            Purpose::Recording => "R",
            Purpose::Transcription => "T",
            Purpose::AiSupport => "A",
        }
    }

    /// The question and its explanation, in the candidate's language.
    pub fn question(self, lang: Lang) -> (&'static str, &'static str) {
        let m = lang.messages();
        match self {
            Purpose::Evaluation => (m.purpose_evaluation, m.purpose_evaluation_detail),
            Purpose::Recording => (m.purpose_recording, m.purpose_recording_detail),
            Purpose::Transcription => (m.purpose_transcription, m.purpose_transcription_detail),
            Purpose::AiSupport => (m.purpose_ai_support, m.purpose_ai_support_detail),
        }
    }
}

/// One entry of the consent history (never rewritten, only appended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentEvent {
    Requested,
    Given,
    Refused,
    Withdrawn,
    Expired,
    Renewed,
}

impl ConsentEvent {
    pub const ALL: [ConsentEvent; 6] = [
        ConsentEvent::Requested,
        ConsentEvent::Given,
        ConsentEvent::Refused,
        ConsentEvent::Withdrawn,
        ConsentEvent::Expired,
        ConsentEvent::Renewed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ConsentEvent::Requested => "requested",
            ConsentEvent::Given => "given",
            ConsentEvent::Refused => "refused",
            ConsentEvent::Withdrawn => "withdrawn",
            ConsentEvent::Expired => "expired",
            ConsentEvent::Renewed => "renewed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// Where a purpose stands for one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Asked, not answered yet (or asked again).
    Pending,
    Granted,
    Refused,
    Withdrawn,
    Expired,
}

impl ConsentStatus {
    /// The status after the purpose's latest event; `None`: never asked.
    pub fn after(latest: Option<ConsentEvent>) -> Self {
        match latest {
            None | Some(ConsentEvent::Requested) => ConsentStatus::Pending,
            Some(ConsentEvent::Given | ConsentEvent::Renewed) => ConsentStatus::Granted,
            Some(ConsentEvent::Refused) => ConsentStatus::Refused,
            Some(ConsentEvent::Withdrawn) => ConsentStatus::Withdrawn,
            Some(ConsentEvent::Expired) => ConsentStatus::Expired,
        }
    }

    pub const fn is_granted(self) -> bool {
        matches!(self, ConsentStatus::Granted)
    }

    pub const fn label(self) -> &'static str {
        match self {
            ConsentStatus::Pending => "Awaiting answer",
            ConsentStatus::Granted => "Given",
            ConsentStatus::Refused => "Refused",
            ConsentStatus::Withdrawn => "Withdrawn",
            ConsentStatus::Expired => "Expired",
        }
    }

    pub fn candidate_label(self, lang: Lang) -> &'static str {
        let m = lang.messages();
        match self {
            ConsentStatus::Pending | ConsentStatus::Expired => m.status_not_answered,
            ConsentStatus::Granted => m.status_given,
            ConsentStatus::Refused => m.status_refused,
            ConsentStatus::Withdrawn => m.status_withdrawn,
        }
    }
}

/// A sub-processor from the organisation's register, as shown to candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubProcessor {
    pub name: String,
    pub service: String,
    pub country: String,
}

/// The facts the notice states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFacts {
    pub org_name: String,
    pub recruitment_title: String,
    pub sub_processors: Vec<SubProcessor>,
    pub retention_days: i32,
}

/// The notice exactly as the consent page shows it, section by section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub lang: Lang,
    pub title: String,
    pub intro: String,
    /// (heading, paragraphs)
    pub sections: Vec<(String, Vec<String>)>,
}

impl Notice {
    pub fn new(lang: Lang, facts: &NoticeFacts) -> Self {
        let m = lang.messages();
        let org = facts.org_name.as_str();
        let sub_processors = if facts.sub_processors.is_empty() {
            vec![fill(m.sub_processors_none, &[("org", org)])]
        } else {
            facts
                .sub_processors
                .iter()
                .map(|s| format!("{} — {} ({})", s.name, s.service, s.country))
                .collect()
        };
        let days = facts.retention_days.to_string();
        Self {
            lang,
            title: fill(m.consent_title, &[("org", org)]),
            intro: fill(
                m.consent_intro,
                &[("org", org), ("recruitment", &facts.recruitment_title)],
            ),
            sections: vec![
                (
                    m.controller_heading.into(),
                    vec![fill(m.controller_text, &[("org", org)])],
                ),
                (m.processing_heading.into(), vec![m.processing_text.into()]),
                (m.sub_processors_heading.into(), sub_processors),
                (
                    m.retention_heading.into(),
                    vec![fill(m.retention_text, &[("days", &days)])],
                ),
                (m.rights_heading.into(), vec![m.rights_text.into()]),
                (
                    m.choices_heading.into(),
                    Purpose::ALL
                        .into_iter()
                        .map(|p| {
                            let (question, detail) = p.question(lang);
                            format!("{question}: {detail}")
                        })
                        .collect(),
                ),
            ],
        }
    }

    /// The canonical text: what the hash covers, and what is kept with the consent record.
    pub fn text(&self) -> String {
        let mut text = format!("{}\n\n{}\n", self.title, self.intro);
        for (heading, paragraphs) in &self.sections {
            text.push_str(&format!("\n{heading}\n"));
            for p in paragraphs {
                text.push_str(&format!("{p}\n"));
            }
        }
        text
    }

    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.text().as_bytes()).into()
    }
}

/// A consent receipt in the fields of the Kantara Initiative Consent Receipt Specification
/// (v1.1), with the ISO/IEC TS 27560 link to the exact notice shown and every purpose's choice.
/// The portal signs it; `candor verify-receipt` or the published key checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentReceipt {
    pub version: String,
    pub jurisdiction: String,
    pub consent_timestamp: i64,
    pub collection_method: String,
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: String,
    /// The key the receipt is verifiable with: the signer's public JWK (RFC 7517) as JSON text,
    /// also published at `/.well-known/jwks.json`.
    pub public_key: String,
    pub language: String,
    /// The candidate's pseudonymous id: a receipt carries no name or address.
    pub pii_principal_id: String,
    pub pii_controllers: Vec<PiiController>,
    pub policy_url: String,
    pub services: Vec<ReceiptService>,
    pub sensitive: bool,
    pub spi_cat: Vec<String>,
    /// What Candor states beyond Kantara v1.1, kept apart under one name so that no reader
    /// takes it for a field of the specification.
    pub extensions: ReceiptExtensions,
}

/// Candor's fields of a receipt (not in Kantara v1.1): the exact notice shown, and every
/// purpose's status, refused and withdrawn ones included (Kantara lists granted ones only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptExtensions {
    pub candor: CandorReceiptFields,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandorReceiptFields {
    pub notice: NoticeReference,
    pub choices: Vec<(Purpose, ConsentStatus)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiController {
    pub pii_controller: String,
    pub on_behalf: bool,
    pub contact: String,
    /// Required by Kantara v1.1; absent only from receipts of links sent before organisations
    /// gave their privacy contact (a candidate's answer is never refused for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<PostalAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub pii_controller_url: String,
}

/// A postal address in the schema.org `PostalAddress` terms Kantara receipts use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    pub street_address: String,
    pub postal_code: String,
    pub address_locality: String,
    /// ISO 3166-1 alpha-2.
    pub address_country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptService {
    pub service: String,
    pub purposes: Vec<ReceiptPurpose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptPurpose {
    pub purpose: String,
    pub purpose_category: Vec<String>,
    pub consent_type: String,
    pub pii_category: Vec<String>,
    pub primary_purpose: bool,
    pub termination: String,
    pub third_party_disclosure: bool,
    pub third_party_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeReference {
    pub id: String,
    pub version: String,
    pub language: String,
    /// Hex SHA-256 of the notice's exact text.
    pub sha256: String,
}

/// What the receipt states besides the choices.
pub struct ReceiptFacts<'a> {
    pub receipt_id: &'a str,
    /// The signer's public JWK as JSON text.
    pub public_key: &'a str,
    /// The organisation's privacy contact; `None` only for links sent before it was required.
    pub controller: Option<&'a PrivacyContact>,
    pub candidate_public_id: &'a str,
    pub policy_url: &'a str,
    pub notice_id: &'a str,
    pub notice: &'a Notice,
    pub facts: &'a NoticeFacts,
    pub at_unix: i64,
}

impl ConsentReceipt {
    pub fn new(r: &ReceiptFacts<'_>, choices: &[(Purpose, ConsentStatus)]) -> Self {
        let processors: Vec<String> = r
            .facts
            .sub_processors
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let termination = format!(
            "withdrawal, or deletion {} days after the hiring decision",
            r.facts.retention_days
        );
        let purposes = choices
            .iter()
            .filter(|(_, status)| status.is_granted())
            .map(|(purpose, _)| ReceiptPurpose {
                purpose: purpose.question(Lang::En).0.to_owned(),
                purpose_category: vec![purpose.as_str().to_owned()],
                consent_type: "EXPLICIT".into(),
                pii_category: vec![
                    "contact details".into(),
                    "application documents".into(),
                    "interview content".into(),
                ],
                primary_purpose: *purpose == Purpose::Evaluation,
                termination: termination.clone(),
                third_party_disclosure: !processors.is_empty(),
                third_party_name: processors.join(", "),
            })
            .collect();
        Self {
            version: "KI-CR-v1.1.0".into(),
            jurisdiction: "EU".into(),
            consent_timestamp: r.at_unix,
            collection_method: COLLECTED_BY_WEB_FORM.into(),
            consent_receipt_id: r.receipt_id.into(),
            public_key: r.public_key.into(),
            language: r.notice.lang.code().into(),
            pii_principal_id: r.candidate_public_id.into(),
            pii_controllers: vec![PiiController {
                pii_controller: r.facts.org_name.clone(),
                on_behalf: false,
                contact: r.controller.map_or_else(
                    || "the candidate privacy page".to_owned(),
                    |c| c.contact.clone(),
                ),
                address: r.controller.map(|c| PostalAddress {
                    street_address: c.street_address.clone(),
                    postal_code: c.postal_code.clone(),
                    address_locality: c.locality.clone(),
                    address_country: c.country.clone(),
                }),
                email: r.controller.map(|c| c.email.clone()),
                phone: r.controller.map(|c| c.phone.clone()),
                pii_controller_url: r.policy_url.into(),
            }],
            policy_url: r.policy_url.into(),
            services: vec![ReceiptService {
                service: format!("Recruitment: {}", r.facts.recruitment_title),
                purposes,
            }],
            sensitive: false,
            spi_cat: vec![],
            extensions: ReceiptExtensions {
                candor: CandorReceiptFields {
                    notice: NoticeReference {
                        id: r.notice_id.into(),
                        version: NOTICE_VERSION.into(),
                        language: r.notice.lang.code().into(),
                        sha256: r
                            .notice
                            .sha256()
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect(),
                    },
                    choices: choices.to_vec(),
                },
            },
        }
    }
}

/// The candidate's answers: one yes or no per purpose, all of them, nothing else.
pub fn parse_choices(answers: &[(String, String)]) -> Result<Vec<(Purpose, bool)>, Vec<Purpose>> {
    let mut unanswered = Vec::new();
    let mut choices = Vec::new();
    for purpose in Purpose::ALL {
        let answer = answers
            .iter()
            .find(|(name, _)| name == purpose.as_str())
            .map(|(_, value)| value.as_str());
        match answer {
            Some("yes") => choices.push((purpose, true)),
            Some("no") => choices.push((purpose, false)),
            _ => unanswered.push(purpose),
        }
    }
    if unanswered.is_empty() {
        Ok(choices)
    } else {
        Err(unanswered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> NoticeFacts {
        NoticeFacts {
            org_name: "Acme".into(),
            recruitment_title: "Backend engineer".into(),
            sub_processors: vec![SubProcessor {
                name: "Mailer Ltd".into(),
                service: "e-mail delivery".into(),
                country: "IE".into(),
            }],
            retention_days: 365,
        }
    }

    #[test]
    fn the_notice_states_the_facts_and_its_hash_follows_every_word() {
        let notice = Notice::new(Lang::En, &facts());
        let text = notice.text();
        for fact in [
            "Acme",
            "Backend engineer",
            "Mailer Ltd — e-mail delivery (IE)",
            "365 days",
        ] {
            assert!(text.contains(fact), "{fact} missing from {text}");
        }
        let mut changed = facts();
        changed.retention_days = 366;
        assert_ne!(notice.sha256(), Notice::new(Lang::En, &changed).sha256());
        assert_ne!(notice.sha256(), Notice::new(Lang::De, &facts()).sha256());
        assert_eq!(notice.sha256(), Notice::new(Lang::En, &facts()).sha256());
    }

    #[test]
    fn purposes_and_events_read_back_as_the_history_stores_them() {
        assert_eq!(
            Purpose::ALL.map(Purpose::as_str),
            ["evaluation", "recording", "transcription", "ai_support"]
        );
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(
            ConsentEvent::ALL.map(ConsentEvent::as_str),
            [
                "requested",
                "given",
                "refused",
                "withdrawn",
                "expired",
                "renewed"
            ]
        );
        for e in ConsentEvent::ALL {
            assert_eq!(ConsentEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(Purpose::parse("Evaluation"), None);
        assert_eq!(ConsentEvent::parse(""), None);
    }

    #[test]
    fn each_purpose_is_asked_in_words_of_its_own_in_every_language() {
        for lang in Lang::ALL {
            let questions: Vec<(&str, &str)> =
                Purpose::ALL.iter().map(|p| p.question(lang)).collect();
            for (question, detail) in &questions {
                assert!(!question.is_empty() && !detail.is_empty(), "{lang:?}");
            }
            let distinct: std::collections::BTreeSet<_> = questions.iter().collect();
            assert_eq!(distinct.len(), Purpose::ALL.len(), "{lang:?}");
        }
        assert_eq!(
            Purpose::Recording.question(Lang::En).0,
            Lang::En.messages().purpose_recording
        );
    }

    #[test]
    fn the_candidate_reads_each_answer_in_words_of_its_own() {
        use ConsentStatus::*;
        for lang in Lang::ALL {
            let labels = [Pending, Granted, Refused, Withdrawn].map(|s| s.candidate_label(lang));
            let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
            assert_eq!(distinct.len(), labels.len(), "{lang:?}: {labels:?}");
            assert!(labels.iter().all(|l| !l.is_empty()), "{lang:?}");
            // An expired request reads as one never answered.
            assert_eq!(Expired.candidate_label(lang), Pending.candidate_label(lang));
        }
        assert_eq!(
            Granted.candidate_label(Lang::En),
            Lang::En.messages().status_given
        );
    }

    #[test]
    fn every_purpose_must_be_answered_yes_or_no() {
        let all = |v: &str| -> Vec<(String, String)> {
            Purpose::ALL
                .iter()
                .map(|p| (p.as_str().to_owned(), v.to_owned()))
                .collect()
        };
        assert_eq!(parse_choices(&all("yes")).unwrap().len(), 4);
        let mut partial = all("no");
        partial.retain(|(name, _)| name != "recording");
        assert_eq!(parse_choices(&partial), Err(vec![Purpose::Recording]));
        assert!(parse_choices(&all("maybe")).is_err());
    }

    #[test]
    fn the_latest_event_decides_the_status() {
        assert_eq!(ConsentStatus::after(None), ConsentStatus::Pending);
        assert!(ConsentStatus::after(Some(ConsentEvent::Given)).is_granted());
        assert!(ConsentStatus::after(Some(ConsentEvent::Renewed)).is_granted());
        assert!(!ConsentStatus::after(Some(ConsentEvent::Withdrawn)).is_granted());
        assert!(!ConsentStatus::after(Some(ConsentEvent::Requested)).is_granted());
    }
}
