use crate::api::organisation::AcceptDpa;
use crate::domain::dpa;
use crate::ui::components::form::{form_problem, ProblemBanner};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where an admin accepts a new version of the data processing agreement.
#[component]
pub fn DpaPage() -> impl IntoView {
    let action = ServerAction::<AcceptDpa>::new();
    let problem = form_problem(action);
    view! {
        <Title text="Data processing agreement"/>
        <h1>"Data processing agreement"</h1>
        <section class="panel" aria-labelledby="dpa-title">
            <h2 id="dpa-title">{format!("Version {}", dpa::CURRENT_VERSION)}</h2>
            <p>{dpa::SUMMARY}</p>
            <p class="small">
                "Admin work (users, API keys, settings) continues once your organisation has accepted this version."
            </p>
            <ProblemBanner problem/>
            <ActionForm action>
                <button type="submit" class="button">
                    {format!("Accept version {} for my organisation", dpa::CURRENT_VERSION)}
                </button>
            </ActionForm>
        </section>
    }
}
