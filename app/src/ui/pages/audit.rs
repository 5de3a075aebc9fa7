//! The audit viewer (F12): filters in the URL (a plain GET form, so links can be shared and the
//! page works without JavaScript), the chain's verification, pages of 50, CSV export.

use crate::api::audit_log::audit_log;
use crate::ui::components::status::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const FIELDS: [(&str, &str, &str); 5] = [
    ("actor", "Actor", "text"),
    ("action", "Action (or family, e.g. auth)", "text"),
    ("target", "Target", "text"),
    ("from", "From (UTC day)", "date"),
    ("until", "Until (UTC day)", "date"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let value = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let data = Resource::new(
        move || {
            (
                value("actor"),
                value("action"),
                value("target"),
                value("from"),
                value("until"),
                value("page").parse::<i64>().ok(),
            )
        },
        |(actor, action, target, from, until, page)| {
            audit_log(actor, action, target, from, until, page)
        },
    );
    // The current filter as a query string, for the export and the page links.
    let filter_query = move |page: Option<i64>| {
        let mut parts: Vec<String> = FIELDS
            .iter()
            .map(|(name, _, _)| (name, value(name)))
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, v)| format!("{name}={}", encode(&v)))
            .collect();
        if let Some(p) = page {
            parts.push(format!("page={p}"));
        }
        parts.join("&")
    };
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <form method="get" action="/app/audit" class="filters">
            {FIELDS.into_iter().map(|(name, label, kind)| view! {
                <div class="field">
                    <label for=name>{label}</label>
                    <input id=name name=name type=kind value=move || value(name)/>
                </div>
            }).collect_view()}
            <button type="submit" class="button button-secondary">"Filter"</button>
            <a class="button-link" href="/app/audit">"Clear"</a>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => {
                        let chain = if v.chain_intact {
                            view! {
                                <p class="banner banner-ok" role="status" data-testid="chain-status">
                                    {format!("Hash chain intact: {} sealed events verified", v.events_verified)}
                                    {v.full_pass_at.map(|t| format!(" (the whole chain walked at {t} UTC, newer links checked now)"))}
                                    {(v.awaiting_check > 0).then(|| format!("; {} newer events are verified within a minute", v.awaiting_check))}
                                    {(v.unsealed > 0).then(|| format!("; {} recent events not sealed yet.", v.unsealed))}
                                </p>
                            }.into_any()
                        } else {
                            view! {
                                <div class="banner banner-error" role="alert" data-testid="chain-status">
                                    <p>"The hash chain is broken: events were changed or removed."</p>
                                    <ul>{v.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                                </div>
                            }.into_any()
                        };
                        let prev = (v.page > 1).then(|| v.page - 1);
                        let next = v.has_more.then_some(v.page + 1);
                        view! {
                            {chain}
                            // A file, not a page: the router must leave the click to the browser.
                            <p><a href=format!("/app/audit.csv?{}", filter_query(None)) download="" rel="external">"Export these events as CSV"</a></p>
                            <table class="audit">
                                <thead><tr>
                                    <th scope="col">"When (UTC)"</th><th scope="col">"Actor"</th>
                                    <th scope="col">"Action"</th><th scope="col">"Target"</th>
                                    <th scope="col">"Outcome"</th><th scope="col">"Source"</th>
                                </tr></thead>
                                <tbody>
                                    {v.rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.at}</td>
                                            <td>{if r.actor_name.is_empty() { r.actor } else { format!("{} ({})", r.actor_name, r.actor) }}</td>
                                            <td>{r.action}</td>
                                            <td>{r.target}</td>
                                            <td>{r.outcome}</td>
                                            <td>{r.source}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                {prev.map(|p| view! { <a href=format!("/app/audit?{}", filter_query(Some(p)))>"Newer"</a> })}
                                <span>{format!(" Page {} ", v.page)}</span>
                                {next.map(|p| view! { <a href=format!("/app/audit?{}", filter_query(Some(p)))>"Older"</a> })}
                            </nav>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

/// Percent-encodes a query value (only what a filter may hold needs no escaping).
fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
