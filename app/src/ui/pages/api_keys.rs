//! API keys (F11): create one (its value shown once), see prefix, scopes, last use and status,
//! revoke with immediate effect.

use crate::api::api_keys::{api_keys, ApiKeyItem, CreateApiKey, RevokeApiKey};
use crate::domain::api_key::{KeyStatus, Scope};
use crate::ui::components::copy::CopyButton;
use crate::ui::components::form::{
    cleared_after_success, form_problem, ConfirmBox, Field, ProblemBanner,
};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let create_problem = form_problem(create);
    let revoke_problem = form_problem(revoke);
    let create_form = cleared_after_success(create);
    let data = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| api_keys(),
    );
    view! {
        <Title text="API keys"/>
        <h1>"API keys"</h1>
        <p>"Integrations call the REST API under " <code>"/api/v1/"</code> " with " <code>"Authorization: Bearer <key>"</code> ". The description is at " <a href="/api/v1/openapi.json" rel="external">"/api/v1/openapi.json"</a> "."</p>
        <ProblemBanner problem=revoke_problem/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! {
                        {v.fresh.map(|(id, raw)| view! {
                            <section class="panel banner-ok" aria-labelledby="new-key-title" data-key-id=id>
                                <h2 id="new-key-title">"Your new key"</h2>
                                <p>"Copy it now: Candor keeps only a hash and cannot show it again."</p>
                                <p class="new-key">
                                    <code data-testid="new-api-key">{raw.clone()}</code>
                                    <CopyButton text=raw label="Copy the key"/>
                                </p>
                            </section>
                        })}
                        <table class="api-keys">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Scopes"</th>
                                <th scope="col">"Networks"</th><th scope="col">"Expires (UTC)"</th>
                                <th scope="col">"Last used (UTC)"</th><th scope="col">"Status"</th>
                            </tr></thead>
                            <tbody>{v.keys.into_iter().map(|k| row(k, revoke)).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="create-title">
            <h2 id="create-title">"Create a key"</h2>
            <ProblemBanner problem=create_problem/>
            <ActionForm action=create node_ref=create_form attr:class="stack" attr:novalidate=true>
                <Field name="name" label="Name" autocomplete="off" problem=create_problem/>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {Scope::ALL.into_iter().map(|s| {
                        let id = format!("scope_{}", s.as_str());
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=id.clone() name=id.clone() checked=s == Scope::Read/>
                                <label for=id>{s.describe()}</label>
                            </div>
                        }
                    }).collect_view()}
                    {move || create_problem.get().and_then(|p| p.field("scopes")).map(|e| view! { <p class="field-error">{e}</p> })}
                </fieldset>
                <Field
                    name="allowed_networks"
                    label="Allowed networks (optional)"
                    autocomplete="off"
                    required=false
                    hint="Addresses or CIDR blocks, separated by commas; empty allows any address."
                    problem=create_problem
                />
                <Field
                    name="expires_on"
                    label="Last day the key works (optional)"
                    kind="date"
                    required=false
                    problem=create_problem
                />
                <button type="submit" class="button">"Create the key"</button>
            </ActionForm>
        </section>
    }
}

fn row(k: ApiKeyItem, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let active = k.status == KeyStatus::Active;
    let label = format!("Revoke {}", k.name);
    let confirm_id = format!("confirm-revoke-{}", k.id);
    let id = k.id.clone();
    view! {
        <tr class:inactive=!active data-key-id=k.id.clone()>
            <td>{k.name.clone()}</td>
            <td><code>{k.prefix}</code></td>
            <td>{k.scopes.join(", ")}</td>
            <td>{if k.allowed_networks.is_empty() { "any".to_owned() } else { k.allowed_networks.join(", ") }}</td>
            <td>{if k.expires_at.is_empty() { "never".to_owned() } else { k.expires_at }}</td>
            <td>{if k.last_used_at.is_empty() { "not yet".to_owned() } else { k.last_used_at }}</td>
            <td>
                <span>{k.status.label()}" "</span>
                // A second step, which works without JavaScript: open, confirm, revoke.
                {active.then(|| view! {
                    <details class="confirm-step">
                        <summary class="button-small">"Revoke…"</summary>
                        <ActionForm action=revoke attr:class="stack">
                            <input type="hidden" name="id" value=id/>
                            <ConfirmBox id=confirm_id
                                label="Integrations using this key stop working at once; it cannot be restored.".into()/>
                            <button type="submit" class="button-small button-danger" aria-label=label>"Revoke"</button>
                        </ActionForm>
                    </details>
                })}
            </td>
        </tr>
    }
}
