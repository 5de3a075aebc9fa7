use super::PublicCard;
use crate::api::auth::SignUp;
use crate::domain::dpa;
use crate::ui::components::form::{form_problem, Field, ProblemBanner};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let problem = form_problem(action);
    let dpa_error = move || problem.get().and_then(|p| p.field("accept_dpa"));
    view! {
        <PublicCard title="Create your organisation">
            <p>"You become its first admin. We send a link to confirm your e-mail address."</p>
            <ProblemBanner problem/>
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <Field name="org_name" label="Organisation name" autocomplete="organization" problem/>
                <Field name="display_name" label="Your name" autocomplete="name" problem/>
                <Field name="email" label="Work e-mail address" kind="email" autocomplete="email" problem/>
                <Field
                    name="password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Long passphrases are best; common passwords are refused."
                    problem
                />
                <div class="field checkbox" class:field-invalid=move || dpa_error().is_some()>
                    <input type="checkbox" id="accept_dpa" name="accept_dpa" value="on" required=true/>
                    <label for="accept_dpa">
                        "On behalf of my organisation I accept the "
                        <strong>{format!("Data Processing Agreement (version {})", dpa::CURRENT_VERSION)}</strong>
                        ": "
                        {dpa::SUMMARY}
                    </label>
                    {move || dpa_error().map(|e| view! { <p class="field-error">{e}</p> })}
                </div>
                <button type="submit" class="button">"Create organisation"</button>
            </ActionForm>
            <p class="small">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </PublicCard>
    }
}

#[component]
pub fn SignUpCheckEmailPage() -> impl IntoView {
    view! {
        <PublicCard title="Check your e-mail">
            <p>
                "If the address can be used, a message with a confirmation link is on its way. "
                "Open it to finish setting up your organisation; the link works once and expires in 48 hours."
            </p>
            <p class="small">"Nothing arrived? " <a href="/verify-email">"Send the link again"</a></p>
        </PublicCard>
    }
}
