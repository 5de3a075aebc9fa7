use crate::api::account::dashboard;
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
                        let active = d.team.iter().filter(|m| m.active).count();
                        let dpa_banner = d.dpa_action_needed.then(|| view! {
                            <div class="banner banner-error" role="alert">
                                "A new version of the data processing agreement needs your acceptance before admin work continues. "
                                <a href="/app/dpa">"Review and accept it"</a>
                            </div>
                        });
                        let rows = d
                            .team
                            .into_iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <td>{m.display_name}</td>
                                        <td>{m.role.label()}</td>
                                        <td>{if m.active { "Active" } else { "Deactivated" }}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            {dpa_banner}
                            <section class="panel" aria-labelledby="team-title">
                                <h2 id="team-title">{format!("Team of {}", d.org_name)}</h2>
                                <p class="small">{format!("{active} active member(s)")}</p>
                                <table>
                                    <thead>
                                        <tr><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Status"</th></tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="banner banner-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
