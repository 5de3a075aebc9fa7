//! Two-factor sign-in (F2): the second step of sign-in, and the user's own enrolment page.

use super::PublicCard;
use crate::api::auth::CompleteSignIn;
use crate::api::two_factor::{
    two_factor_status, ConfirmTwoFactor, NewRecoveryCodes, StartTwoFactor, TurnOffTwoFactor,
};
use crate::ui::components::form::{form_problem, Field, Problem, ProblemBanner};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let action = ServerAction::<CompleteSignIn>::new();
    let problem = form_problem(action);
    view! {
        <PublicCard title="Two-factor sign-in">
            <p>"Enter the six-digit code your authenticator app shows for Candor. Lost your phone? Enter one of your recovery codes instead."</p>
            <ProblemBanner problem/>
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <Field name="code" label="Code" autocomplete="one-time-code" problem/>
                <button type="submit" class="button">"Continue"</button>
            </ActionForm>
            <p class="small"><a href="/login">"Start again"</a></p>
        </PublicCard>
    }
}

/// A code field with its own id, for pages with several code forms.
#[component]
fn CodeInput(id: &'static str, problem: Memo<Option<Problem>>) -> impl IntoView {
    let error = move || problem.get().and_then(|p| p.field("code"));
    let error_id = format!("{id}-error");
    view! {
        <label for=id>"Current code from your app"</label>
        <input
            id=id
            name="code"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            required=true
            aria-invalid=move || error().is_some().to_string()
            aria-describedby={
                let error_id = error_id.clone();
                move || error().map(|_| error_id.clone())
            }
        />
        {move || error().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
    }
}

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    let off = ServerAction::<TurnOffTwoFactor>::new();
    let start_problem = form_problem(start);
    let confirm_problem = form_problem(confirm);
    let renew_problem = form_problem(renew);
    let off_problem = form_problem(off);
    let status = Resource::new(
        move || {
            (
                start.version().get(),
                confirm.version().get(),
                renew.version().get(),
                off.version().get(),
            )
        },
        |_| two_factor_status(),
    );
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            if q.get("off").is_some() {
                Some("Two-factor sign-in is off.")
            } else if q.get("enabled").is_some() {
                Some("Two-factor sign-in is on. Every other session was signed out.")
            } else {
                None
            }
        })
    };
    view! {
        <Title text="Two-factor sign-in"/>
        <h1>"Two-factor sign-in"</h1>
        {move || notice().map(|n| view! { <div class="banner banner-ok" role="status">{n}</div> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let s = match status.await {
                    Ok(s) => s,
                    Err(e) => return load_error(&e),
                };
                let codes = s.fresh_recovery_codes.clone().map(|codes| view! {
                    <section class="panel" aria-labelledby="codes-title">
                        <h2 id="codes-title">"Your recovery codes"</h2>
                        <p>"Each code signs you in once if you lose your phone. Keep them somewhere safe: they are shown only now."</p>
                        <ul class="recovery-codes" data-testid="recovery-codes">
                            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                        </ul>
                        <p><a class="button" href="/app">"I saved them, continue"</a></p>
                    </section>
                });
                let body = if s.enabled {
                    view! {
                        <section class="panel" aria-labelledby="on-title">
                            <h2 id="on-title">"On"</h2>
                            <p>{format!("Sign-in asks for a code from your authenticator app. Unused recovery codes: {}.", s.recovery_codes_left)}</p>
                            <ProblemBanner problem=renew_problem/>
                            <ActionForm action=renew attr:class="stack" attr:novalidate=true>
                                <CodeInput id="renew-code" problem=renew_problem/>
                                <button type="submit" class="button button-secondary">"Make new recovery codes"</button>
                            </ActionForm>
                        </section>
                        {(!s.required).then(|| view! {
                            <section class="panel" aria-labelledby="off-title">
                                <h2 id="off-title">"Turn off"</h2>
                                <ProblemBanner problem=off_problem/>
                                <ActionForm action=off attr:class="stack" attr:novalidate=true>
                                    <CodeInput id="off-code" problem=off_problem/>
                                    <button type="submit" class="button button-secondary">"Turn off two-factor sign-in"</button>
                                </ActionForm>
                            </section>
                        })}
                    }.into_any()
                } else if let Some(p) = s.pending {
                    view! {
                        <section class="panel" aria-labelledby="scan-title">
                            <h2 id="scan-title">"Scan this code with your authenticator app"</h2>
                            <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=p.qr_svg></div>
                            <p>"Cannot scan? Enter this key in the app instead:"</p>
                            <p><code data-testid="totp-key">{p.key}</code></p>
                            <ProblemBanner problem=confirm_problem/>
                            <ActionForm action=confirm attr:class="stack" attr:novalidate=true>
                                <CodeInput id="confirm-code" problem=confirm_problem/>
                                <button type="submit" class="button">"Turn on"</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                } else {
                    view! {
                        <section class="panel" aria-labelledby="off-state-title">
                            <h2 id="off-state-title">"Off"</h2>
                            {s.required.then(|| view! {
                                <p class="banner banner-error" role="status">"Your role or your organisation requires two-factor sign-in. Set it up to continue."</p>
                            })}
                            <p>"With two-factor sign-in, a stolen password is not enough to enter your account."</p>
                            <ProblemBanner problem=start_problem/>
                            <ActionForm action=start>
                                <button type="submit" class="button">"Set up two-factor sign-in"</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                };
                view! { {codes} {body} }.into_any()
            })}
        </Suspense>
    }
}
