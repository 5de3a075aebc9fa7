use crate::api::account::{dashboard, PipelineOverview};
use crate::ui::components::status::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let active: i64 = d.team.iter().map(|t| t.active).sum();
                        let dpa_banner = d.dpa_action_needed.then(|| view! {
                            <div class="banner banner-error" role="alert">
                                "A new version of the data processing agreement needs your acceptance before admin work continues. "
                                <a href="/app/dpa">"Review and accept it"</a>
                            </div>
                        });
                        let rows = d
                            .team
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <tr>
                                        <td>{t.role.label()}</td>
                                        <td>{t.active.to_string()}</td>
                                        <td>{t.deactivated.to_string()}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        let pipeline = d.pipeline.map(|p| view! { <PipelinePanels p/> });
                        let interviews = d.interviews_this_week.map(|n| view! {
                            <section class="panel stat">
                                <h2>"Interviews in the next 7 days"</h2>
                                <p class="big"><a href="/app/interviews">{n.to_string()}</a></p>
                            </section>
                        });
                        view! {
                            {dpa_banner}
                            <div class="cards">{interviews}</div>
                            {pipeline}
                            <section class="panel" aria-labelledby="team-title">
                                <h2 id="team-title">{format!("Team of {}", d.org_name)}</h2>
                                <p class="small">{format!("{active} active member(s)")}</p>
                                <table>
                                    <thead>
                                        <tr><th scope="col">"Role"</th><th scope="col">"Active"</th><th scope="col">"Deactivated"</th></tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                                {d.can_manage_users.then(|| view! { <p><a href="/admin/users">"Manage users"</a></p> })}
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

/// Open recruitments, the funnel (an SVG drawn on the server) and the offers awaiting a decision.
#[component]
fn PipelinePanels(p: PipelineOverview) -> impl IntoView {
    let max = p
        .per_stage
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1);
    let total: i64 = p.per_stage.iter().map(|(_, n)| *n).sum();
    let row_height = 34;
    let height = row_height * p.per_stage.len() as i64 + 8;
    let bars = p
        .per_stage
        .iter()
        .enumerate()
        .map(|(i, (stage, n))| {
            let y = i as i64 * row_height + 4;
            let width = (*n as f64 / max as f64 * 420.0).round() as i64;
            view! {
                <g>
                    <text x="0" y=y + 21 font-size="14" fill="#1d2330">{stage.label()}</text>
                    <rect x="110" y=y width=width.max(2) height="26" rx="4" fill="#1f4fd1"></rect>
                    <text x=120 + width y=y + 19 font-size="14" fill="#1d2330">{n.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    let summary = p
        .per_stage
        .iter()
        .map(|(s, n)| format!("{}: {n}", s.label()))
        .collect::<Vec<_>>()
        .join(", ");
    let awaiting = p
        .awaiting_decision
        .into_iter()
        .map(|a| {
            view! {
                <li>
                    <a href=format!("/app/candidates/{}", a.candidate_id)>{a.name}</a>
                    " · " {a.recruitment}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="cards">
            <section class="panel stat">
                <h2>"Open recruitments"</h2>
                <p class="big"><a href="/app/recruitments?status=open">{p.open_recruitments.to_string()}</a></p>
            </section>
            <section class="panel stat">
                <h2>"Applications"</h2>
                <p class="big">{total.to_string()}</p>
            </section>
        </div>
        <section class="panel" aria-labelledby="funnel-title">
            <h2 id="funnel-title">"Candidates per stage"</h2>
            <svg class="funnel" role="img" aria-label=format!("Candidates per stage: {summary}")
                viewBox=format!("0 0 600 {height}") width="600" height=height.to_string()>
                {bars}
            </svg>
        </section>
        <section class="panel" aria-labelledby="action-title">
            <h2 id="action-title">"Needs your decision"</h2>
            <p class="small">"Offers waiting for a hiring decision, oldest first."</p>
            <ul>{awaiting}</ul>
        </section>
    }
}
