use crate::api::account::{account_activity, current_user, ChangePassword, SignOutOtherSessions};
use crate::ui::components::form::{cleared_after_success, form_problem, Field, ProblemBanner};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let activity = Resource::new(|| (), |_| account_activity());
    let change = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<SignOutOtherSessions>::new();
    let problem = form_problem(change);
    let change_form = cleared_after_success(change);
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            if q.get("changed").is_some() {
                Some("Your password was changed. Every other session was signed out.")
            } else if q.get("revoked").is_some() {
                Some("Every other session was signed out.")
            } else {
                None
            }
        })
    };
    view! {
        <Title text="My account"/>
        <h1>"My account"</h1>
        {move || notice().map(|n| view! { <div class="banner banner-ok" role="status">{n}</div> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(u) => view! {
                    <section class="panel" aria-labelledby="profile-title">
                        <h2 id="profile-title">"Profile"</h2>
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{u.display_name}</dd>
                            <dt>"E-mail"</dt><dd>{u.email}</dd>
                            <dt>"Role"</dt><dd>{u.role.label()}</dd>
                            <dt>"Organisation"</dt><dd>{u.org_name}</dd>
                        </dl>
                    </section>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <ProblemBanner problem/>
            <ActionForm action=change node_ref=change_form attr:class="stack" attr:novalidate=true>
                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" problem/>
                <Field
                    name="new_password"
                    label="New password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters; common passwords are refused."
                    problem
                />
                <button type="submit" class="button">"Change password"</button>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="mfa-title">
            <h2 id="mfa-title">"Two-factor sign-in"</h2>
            <p>"A code from an authenticator app on your phone, asked at every sign-in."</p>
            <p><a href="/app/account/two-factor">"Manage two-factor sign-in"</a></p>
        </section>
        <section class="panel" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Sessions"</h2>
            <p>"Signed in on another device you no longer use? End every session except this one."</p>
            <ActionForm action=revoke>
                <button type="submit" class="button button-secondary">"Sign out other sessions"</button>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="activity-title">
            <h2 id="activity-title">"Recent security activity"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match activity.await {
                        Ok(items) => view! {
                        <table>
                            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Event"</th><th scope="col">"Outcome"</th></tr></thead>
                            <tbody>
                                {items.into_iter().map(|i| view! {
                                    <tr><td>{i.at}</td><td>{i.action}</td><td>{i.outcome}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        }.into_any(),
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </section>
    }
}
