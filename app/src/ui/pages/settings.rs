//! Organisation settings (F13): the retention default and the sub-processor register that the
//! consent page shows candidates.

use crate::api::settings::{
    org_settings, AddSubProcessor, RemoveSubProcessor, SetMfaPolicy, SetOrgRetention,
    SetPrivacyContact, SetSsoProvider,
};
use crate::domain::mfa::MfaPolicy;
use crate::ui::components::form::{form_problem, Field, ProblemBanner};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let retention = ServerAction::<SetOrgRetention>::new();
    let contact = ServerAction::<SetPrivacyContact>::new();
    let contact_problem = form_problem(contact);
    let add = ServerAction::<AddSubProcessor>::new();
    let remove = ServerAction::<RemoveSubProcessor>::new();
    let mfa = ServerAction::<SetMfaPolicy>::new();
    let sso = ServerAction::<SetSsoProvider>::new();
    let sso_problem = form_problem(sso);
    let mfa_problem = form_problem(mfa);
    let retention_problem = form_problem(retention);
    let add_problem = form_problem(add);
    let remove_problem = form_problem(remove);
    let data = Resource::new(
        move || {
            (
                retention.version().get(),
                contact.version().get(),
                add.version().get(),
                remove.version().get(),
                mfa.version().get(),
                sso.version().get(),
            )
        },
        |_| org_settings(),
    );
    view! {
        <Title text="Settings"/>
        <h1>"Organisation settings"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! {
                        <section class="panel" aria-labelledby="retention-title">
                            <h2 id="retention-title">"Retention"</h2>
                            <p>"Candidate data is deleted this many days after the latest of the hiring decision, the closing of the recruitment and the candidate's last activity (at least 30). A change applies to each candidate's clock when it next moves."</p>
                            <ProblemBanner problem=retention_problem/>
                            <ActionForm action=retention attr:class="inline-form">
                                <label for="retention_days">"Days"</label>
                                <input id="retention_days" name="retention_days" type="number" min="30" max="3650"
                                    value=s.retention_days.to_string()/>
                                <button type="submit" class="button button-secondary">"Save"</button>
                            </ActionForm>
                        </section>
                        <section class="panel" aria-labelledby="contact-title">
                            <h2 id="contact-title">"Privacy contact"</h2>
                            <p>"Who candidates can reach about their data. Every consent request and receipt states it; candidates are asked for consent only once it is given."</p>
                            {match s.privacy_contact.clone() {
                                Some(c) => view! {
                                    <p class="muted">
                                        {format!("Now: {}, {}, {} {}, {}; {}; {}", c.contact, c.street_address, c.postal_code, c.locality, c.country, c.email, c.phone)}
                                    </p>
                                }.into_any(),
                                None => view! {
                                    <p class="warning" role="status">"Not given yet: no consent request can be sent."</p>
                                }.into_any(),
                            }}
                            <ProblemBanner problem=contact_problem/>
                            <ActionForm action=contact attr:class="stack" attr:novalidate=true>
                                <Field name="privacy_contact" label="Contact (person or role)" hint="Such as: Data protection officer" problem=contact_problem/>
                                <Field name="privacy_street_address" label="Street address" autocomplete="street-address" problem=contact_problem/>
                                <Field name="privacy_postal_code" label="Postal code" autocomplete="postal-code" problem=contact_problem/>
                                <Field name="privacy_locality" label="City" autocomplete="address-level2" problem=contact_problem/>
                                <Field name="privacy_country" label="Country code" hint="Two letters (ISO 3166-1), such as NL" autocomplete="country" problem=contact_problem/>
                                <Field name="privacy_email" label="E-mail" kind="email" autocomplete="email" problem=contact_problem/>
                                <Field name="privacy_phone" label="Phone" kind="tel" autocomplete="tel" problem=contact_problem/>
                                <button type="submit" class="button button-secondary">"Save"</button>
                            </ActionForm>
                        </section>
                        <section class="panel" aria-labelledby="dpa-title">
                            <h2 id="dpa-title">"Data processing agreement"</h2>
                            {match s.dpa_accepted.clone() {
                                Some((version, day, by)) if version == s.dpa_current_version => view! {
                                    <p data-testid="dpa-status">{format!("Version {version}, the current one, accepted on {day} by {by}.")}</p>
                                }.into_any(),
                                accepted => view! {
                                    <p class="banner banner-error" role="status" data-testid="dpa-status">
                                        {format!(
                                            "Version {} is in force; your organisation accepted {}. ",
                                            s.dpa_current_version,
                                            accepted.map(|(v, d, _)| format!("version {v} on {d}")).unwrap_or_else(|| "none".into())
                                        )}
                                        <a href="/app/dpa">"Review and accept it"</a>
                                    </p>
                                }.into_any(),
                            }}
                        </section>
                        <section class="panel" aria-labelledby="mfa-policy-title">
                            <h2 id="mfa-policy-title">"Two-factor sign-in"</h2>
                            <p>"Admins always need it. Make it mandatory for everyone, and each colleague sets it up at their next sign-in."</p>
                            <ProblemBanner problem=mfa_problem/>
                            <ActionForm action=mfa attr:class="inline-form">
                                <label for="mfa_policy">"Required for"</label>
                                <select id="mfa_policy" name="mfa_policy">
                                    {[MfaPolicy::Admins, MfaPolicy::Everyone].into_iter().map(|p| view! {
                                        <option value=p.as_str() selected=p == s.mfa_policy>{p.label()}</option>
                                    }).collect_view()}
                                </select>
                                <button type="submit" class="button button-secondary">"Save"</button>
                            </ActionForm>
                        </section>
                        <section class="panel" aria-labelledby="sso-title">
                            <h2 id="sso-title">"Single sign-on"</h2>
                            <p>"Colleagues whose address is in one of these domains may sign in with the provider. Nobody gets an account this way: invite them first. Leave the domains empty to turn a provider off."</p>
                            <ProblemBanner problem=sso_problem/>
                            {if s.sso.is_empty() {
                                view! { <p>"This portal offers no sign-in provider yet (see CANDOR_SSO_* in the README)."</p> }.into_any()
                            } else {
                                s.sso.into_iter().map(|(kind, domains)| {
                                    let id = format!("sso-{}", kind.as_str());
                                    view! {
                                        <ActionForm action=sso attr:class="inline-form">
                                            <input type="hidden" name="provider" value=kind.as_str()/>
                                            <label for=id.clone()>{format!("{} domains", kind.label())}</label>
                                            <input id=id name="domains" type="text" value=domains placeholder="acme.example"/>
                                            <button type="submit" class="button button-secondary">"Save"</button>
                                        </ActionForm>
                                    }
                                }).collect_view().into_any()
                            }}
                        </section>
                        <section class="panel" aria-labelledby="processors-title">
                            <h2 id="processors-title">"Sub-processors"</h2>
                            <p>"Shown to every candidate on the consent page; a change makes a new notice version."</p>
                            <ProblemBanner problem=remove_problem/>
                            <ul>
                                {s.sub_processors.into_iter().map(|(id, name, service, country)| view! {
                                    <li>
                                        {format!("{name} — {service} ({country}) ")}
                                        <ActionForm action=remove attr:class="inline">
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="button-small">"Remove"</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <ProblemBanner problem=add_problem/>
                            <ActionForm action=add attr:class="stack" attr:novalidate=true>
                                <Field name="name" label="Name" problem=add_problem/>
                                <Field name="service" label="What they do" problem=add_problem/>
                                <Field name="country" label="Country" problem=add_problem/>
                                <button type="submit" class="button button-secondary">"Add"</button>
                            </ActionForm>
                        </section>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}
