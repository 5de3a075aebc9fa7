//! A candidate's consent per purpose (F7), shown wherever staff see the candidate.

use crate::api::candidates::PendingDeletion;
use crate::api::consent::ResendConsent;
use crate::domain::consent::{ConsentStatus, Purpose};
use crate::ui::components::form::DeletionRequestConfirm;
use leptos::form::ActionForm;
use leptos::prelude::*;

fn status_class(status: ConsentStatus) -> &'static str {
    match status {
        ConsentStatus::Granted => "consent-given",
        ConsentStatus::Refused | ConsentStatus::Withdrawn => "consent-refused",
        ConsentStatus::Pending | ConsentStatus::Expired => "consent-pending",
    }
}

/// Each purpose with its status.
#[component]
pub fn ConsentBadges(consent: Vec<(Purpose, ConsentStatus)>) -> impl IntoView {
    view! {
        <ul class="consent" aria-label="Consent">
            {consent.into_iter().map(|(purpose, status)| view! {
                <li class=status_class(status)>{format!("{}: {}", purpose.label(), status.label())}</li>
            }).collect_view()}
        </ul>
    }
}

/// "Evaluation: Given, Recording: Awaiting answer, …": the initials' meaning in one sentence.
fn consent_sentence(consent: &[(Purpose, ConsentStatus)]) -> String {
    let mut sentence = String::with_capacity(120);
    for (i, (purpose, status)) in consent.iter().enumerate() {
        if i > 0 {
            sentence.push_str(", ");
        }
        sentence.push_str(purpose.label());
        sentence.push_str(": ");
        sentence.push_str(status.label());
    }
    sentence
}

/// Each purpose's initial in its status's colour, for lists of a hundred at a time (the
/// recruitment board's cards, the interview list): the initials are for the eye, one sentence for
/// screen readers and the pointer's tooltip. Written as HTML text, every text escaped, for an
/// element's inner HTML (which hydration keeps as the server sent it): as a component of six
/// elements a card, a board of a hundred cards spent most of its rendering time here.
pub fn consent_initials_html(out: &mut String, consent: &[(Purpose, ConsentStatus)]) {
    let sentence = consent_sentence(consent);
    out.push_str(r#"<span class="consent consent-compact" title=""#);
    html_escape::encode_double_quoted_attribute_to_string(&sentence, out);
    out.push_str(r#""><span class="visually-hidden">Consent: "#);
    html_escape::encode_text_to_string(&sentence, out);
    out.push_str("</span>");
    for (purpose, status) in consent {
        out.push_str(r#"<b class=""#);
        out.push_str(status_class(*status));
        out.push_str(r#"" aria-hidden="true">"#);
        out.push_str(purpose.initial());
        out.push_str("</b>");
    }
    out.push_str("</span>");
}

/// The application's consent, and a way to ask again while anything is unanswered or refused
/// (past the candidate's open deletion request only once it is confirmed).
#[component]
pub fn ConsentPanel(
    application: String,
    candidate: String,
    consent: Vec<(Purpose, ConsentStatus)>,
    can_ask: bool,
    pending_deletion: Option<PendingDeletion>,
) -> impl IntoView {
    let confirm_id = format!("resend-deletion-{application}");
    let resend = ServerAction::<ResendConsent>::new();
    let all_given = consent.iter().all(|(_, s)| s.is_granted());
    let sent = move || resend.value().with(|v| matches!(v, Some(Ok(()))));
    let failed = move || {
        resend.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err().map(ToString::to_string))
        })
    };
    view! {
        <div class="consent-panel">
            <h3>"Consent"</h3>
            <ConsentBadges consent/>
            {(can_ask && !all_given).then(|| view! {
                <ActionForm action=resend attr:class="inline-form">
                    <input type="hidden" name="application" value=application/>
                    <input type="hidden" name="candidate" value=candidate/>
                    {pending_deletion.map(|request| view! {
                        <DeletionRequestConfirm id=confirm_id request step="Ask for consent again"/>
                    })}
                    <button type="submit" class="button button-secondary">"Ask for consent again"</button>
                </ActionForm>
                {move || sent().then(|| view! { <p class="small" role="status">"The request is on its way."</p> })}
                {move || failed().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            })}
        </div>
    }
}
