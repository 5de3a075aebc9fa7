//! A candidate's consent per purpose (F7), shown wherever staff see the candidate.

use crate::api::consent::ResendConsent;
use crate::domain::consent::{ConsentStatus, Purpose};
use leptos::form::ActionForm;
use leptos::prelude::*;

fn status_class(status: ConsentStatus) -> &'static str {
    match status {
        ConsentStatus::Granted => "consent-given",
        ConsentStatus::Refused | ConsentStatus::Withdrawn => "consent-refused",
        ConsentStatus::Pending | ConsentStatus::Expired => "consent-pending",
    }
}

/// Each purpose with its status; `compact` shows initials (full words for screen readers).
#[component]
pub fn ConsentBadges(
    consent: Vec<(Purpose, ConsentStatus)>,
    #[prop(default = false)] compact: bool,
) -> impl IntoView {
    view! {
        <ul class="consent" class:consent-compact=compact aria-label="Consent">
            {consent.into_iter().map(|(purpose, status)| {
                let words = format!("{}: {}", purpose.label(), status.label());
                let title = words.clone();
                let shown = if compact {
                    purpose.label().chars().next().map(String::from).unwrap_or_default()
                } else {
                    words.clone()
                };
                view! {
                    <li class=status_class(status) title=title>
                        <span aria-hidden=compact.then_some("true")>{shown}</span>
                        {compact.then(move || view! { <span class="visually-hidden">{words}</span> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The application's consent, and a way to ask again while anything is unanswered or refused.
#[component]
pub fn ConsentPanel(
    application: String,
    candidate: String,
    consent: Vec<(Purpose, ConsentStatus)>,
    can_ask: bool,
) -> impl IntoView {
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
                    <button type="submit" class="button button-secondary">"Ask for consent again"</button>
                </ActionForm>
                {move || sent().then(|| view! { <p class="small" role="status">"The request is on its way."</p> })}
                {move || failed().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            })}
        </div>
    }
}
