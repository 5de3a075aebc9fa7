use super::PublicCard;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <PublicCard title="Recruiting that keeps its privacy promises">
            <p>
                "Candor asks candidates for explicit consent, lets them see, export and delete their "
                "data themselves, and deletes it provably when its time is up."
            </p>
            <p class="actions">
                <a class="button" href="/login" rel="external">"Sign in"</a>
                <a class="button button-secondary" href="/signup" rel="external">"Create an organisation"</a>
            </p>
        </PublicCard>
    }
}
