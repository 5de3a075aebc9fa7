use super::PublicCard;
use crate::api::auth::{token_status, LinkKind, ResendVerification, VerifyEmail};
use crate::ui::components::form::{form_problem, Field, ProblemBanner};
use crate::ui::components::status::{answer_page_with, is_link_refusal, load_error};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Asks for a new confirmation link.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let problem = form_problem(action);
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    view! {
        <PublicCard title="Confirm your e-mail address">
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <p>"Enter your address and we send a new confirmation link if it has an unconfirmed account."</p>
                        <ProblemBanner problem/>
                        <ActionForm action attr:class="stack" attr:novalidate=true>
                            <Field name="email" label="E-mail address" kind="email" autocomplete="email" problem/>
                            <button type="submit" class="button">"Send the link"</button>
                        </ActionForm>
                    }
                }
            >
                <div class="banner banner-ok" role="status">
                    "If that address has an unconfirmed account, a new link is on its way."
                </div>
            </Show>
        </PublicCard>
    }
}

/// The page behind a confirmation link: showing it changes nothing; the button confirms.
#[component]
pub fn VerifyEmailWithTokenPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let status = Resource::new(token, |t| token_status(t, LinkKind::EmailVerification));
    let action = ServerAction::<VerifyEmail>::new();
    let problem = form_problem(action);
    view! {
        <Meta name="robots" content="noindex, nofollow"/>
        <PublicCard title="Confirm your e-mail address">
            <ProblemBanner problem/>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(()) => view! {
                            <p>"Confirm that this address is yours to finish setting up your account."</p>
                            <ActionForm action attr:class="stack">
                                <input type="hidden" name="token" value=token()/>
                                <button type="submit" class="button">"Confirm my e-mail address"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) if is_link_refusal(&e) => {
                            answer_page_with(&e);
                            view! { <ExpiredLink retry_href="/verify-email" retry_label="Send a new confirmation link"/> }.into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </PublicCard>
    }
}

#[component]
pub fn ExpiredLink(retry_href: &'static str, retry_label: &'static str) -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert">
            "This link is not valid any more. It may have been used already or have expired."
        </div>
        <p><a href=retry_href>{retry_label}</a></p>
    }
}
