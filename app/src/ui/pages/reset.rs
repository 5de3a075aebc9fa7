use super::verify_email::ExpiredLink;
use super::PublicCard;
use crate::api::auth::{token_status, LinkKind, RequestPasswordReset, ResetPassword};
use crate::ui::components::form::{form_problem, Field, ProblemBanner};
use crate::ui::components::status::{answer_page_with, is_link_refusal, load_error};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ResetPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let problem = form_problem(action);
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    view! {
        <PublicCard title="Reset your password">
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <p>"Enter your address; if it has an account we send a link that works for 30 minutes."</p>
                        <ProblemBanner problem/>
                        <ActionForm action attr:class="stack" attr:novalidate=true>
                            <Field name="email" label="E-mail address" kind="email" autocomplete="username" problem/>
                            <button type="submit" class="button">"Send the reset link"</button>
                        </ActionForm>
                    }
                }
            >
                <div class="banner banner-ok" role="status">
                    "If that address has an account, a reset link is on its way. It works once, for 30 minutes."
                </div>
            </Show>
            <p class="small"><a href="/login">"Back to sign in"</a></p>
        </PublicCard>
    }
}

#[component]
pub fn ResetWithTokenPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let status = Resource::new(token, |t| token_status(t, LinkKind::PasswordReset));
    let action = ServerAction::<ResetPassword>::new();
    let problem = form_problem(action);
    view! {
        <Meta name="robots" content="noindex, nofollow"/>
        <PublicCard title="Choose a new password">
            <ProblemBanner problem/>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(()) => view! {
                            <ActionForm action attr:class="stack" attr:novalidate=true>
                                <input type="hidden" name="token" value=token()/>
                                <Field
                                    name="password"
                                    label="New password"
                                    kind="password"
                                    autocomplete="new-password"
                                    hint="At least 12 characters; common passwords are refused. Every session is signed out."
                                    problem
                                />
                                <button type="submit" class="button">"Set the new password"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) if is_link_refusal(&e) => {
                            answer_page_with(&e);
                            view! { <ExpiredLink retry_href="/reset" retry_label="Ask for a new reset link"/> }.into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </PublicCard>
    }
}
