use super::PublicCard;
use crate::api::auth::SignIn;
use crate::api::settings::sso_providers;
use crate::ui::components::form::{form_problem, Field, ProblemBanner};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let providers = Resource::new(|| (), |_| sso_providers());
    let problem = form_problem(action);
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            if q.get("verified").is_some() {
                Some("Your e-mail address is confirmed. You can sign in now.")
            } else if q.get("reset").is_some() {
                Some("Your password was changed and every session was signed out. Sign in with the new password.")
            } else {
                None
            }
        })
    };
    view! {
        <PublicCard title="Sign in">
            {move || notice().map(|n| view! { <div class="banner banner-ok" role="status">{n}</div> })}
            <ProblemBanner problem/>
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <Field name="email" label="E-mail address" kind="email" autocomplete="username" problem/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" problem/>
                <button type="submit" class="button">"Sign in"</button>
            </ActionForm>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    providers.await.unwrap_or_default().into_iter().map(|p| view! {
                        <form method="get" action=format!("/auth/sso/{}/start", p.as_str()) class="sso">
                            <button type="submit" class="button button-secondary">{format!("Sign in with {}", p.label())}</button>
                        </form>
                    }).collect_view()
                })}
            </Suspense>
            <p class="small">
                <a href="/reset">"Forgot your password?"</a>
                " · "
                <a href="/verify-email">"Resend the confirmation link"</a>
                " · "
                <a href="/signup">"Create an organisation"</a>
            </p>
        </PublicCard>
    }
}
