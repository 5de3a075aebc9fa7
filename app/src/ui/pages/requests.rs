//! The staff's queue of data-subject requests (F9): soonest due first with days left, and the
//! lifecycle steps for those who handle them. Nothing here needs SQL.

use crate::api::privacy::{data_requests, QueuedRequest, UpdateDataRequest};
use crate::domain::dsar::{RequestKind, RequestStatus};
use crate::ui::components::form::{form_problem, ConfirmBox, ProblemBanner};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let update = ServerAction::<UpdateDataRequest>::new();
    let problem = form_problem(update);
    let queue = Resource::new(move || update.version().get(), |_| data_requests());
    view! {
        <Title text="Data requests"/>
        <h1>"Data requests"</h1>
        <p class="small">"Due one month after receipt; one extension of up to two months, decided and told to the candidate within the first month."</p>
        <ProblemBanner problem/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(q) if q.requests.is_empty() => view! { <p>"No requests."</p> }.into_any(),
                    Ok(q) => {
                        let can_act = q.can_act;
                        view! {
                            <table class="requests">
                                <thead><tr>
                                    <th scope="col">"Request"</th>
                                    <th scope="col">"Candidate"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Received"</th>
                                    <th scope="col">"Due"</th>
                                    <th scope="col">"Days left"</th>
                                </tr></thead>
                                <tbody>
                                    {q.requests.into_iter().map(|r| row(r, can_act, update)).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

fn row(r: QueuedRequest, can_act: bool, update: ServerAction<UpdateDataRequest>) -> impl IntoView {
    let open = r.status.is_open();
    let overdue = open && r.days_left < 0;
    let candidate = r
        .candidate
        .clone()
        .map(|(id, name)| view! { <a href=format!("/app/candidates/{id}")>{name}</a> }.into_any())
        .unwrap_or_else(|| view! { <span class="small">"—"</span> }.into_any());
    let actions = (can_act && open).then(|| {
        let id = r.id.clone();
        let may_extend = !r.extended && r.days_left >= 0 && r.status.may_become(RequestStatus::Extended);
        let (id2, id3, id4) = (id.clone(), id.clone(), id.clone());
        // Completing a deletion erases the candidate for good: confirmed, and not the primary look.
        let erases = r.kind == RequestKind::Deletion;
        let confirm_id = format!("confirm-{id}");
        view! {
            <tr class="request-actions">
                <td colspan="6">
                    {(!r.details.is_empty()).then(|| view! { <p class="small">"The candidate wrote: " {r.details.clone()}</p> })}
                    {r.status.may_become(RequestStatus::InProgress).then(|| view! {
                        <ActionForm action=update attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="step" value="start"/>
                            <button type="submit" class="button button-secondary">"Start"</button>
                        </ActionForm>
                    })}
                    {may_extend.then(|| view! {
                        <ActionForm action=update attr:class="inline-form">
                            <input type="hidden" name="id" value=id2/>
                            <input type="hidden" name="step" value="extend"/>
                            <label>"Extend by " <select name="months"><option value="1">"1 month"</option><option value="2">"2 months"</option></select></label>
                            <label>"Reason (sent to the candidate) " <input type="text" name="text" maxlength="2000" required=true/></label>
                            <button type="submit" class="button button-secondary">"Extend"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=update attr:class="inline-form">
                        <input type="hidden" name="id" value=id3/>
                        <input type="hidden" name="step" value="complete"/>
                        <label>"What was done (sent to the candidate) " <input type="text" name="text" maxlength="2000" required=true/></label>
                        {erases.then(|| view! {
                            <ConfirmBox id=confirm_id
                                label="I understand that all of the candidate's data is erased and cannot be restored.".into()/>
                        })}
                        <button type="submit" class=if erases { "button button-danger" } else { "button" }>
                            {if erases { "Complete: erase the data" } else { "Complete" }}
                        </button>
                    </ActionForm>
                    <ActionForm action=update attr:class="inline-form">
                        <input type="hidden" name="id" value=id4/>
                        <input type="hidden" name="step" value="reject"/>
                        <label>"Reason for declining (sent to the candidate) " <input type="text" name="text" maxlength="2000" required=true/></label>
                        <button type="submit" class="button button-secondary">"Decline"</button>
                    </ActionForm>
                </td>
            </tr>
        }
    });
    view! {
        <tr class:overdue=overdue>
            <td>{r.kind.label()}</td>
            <td>{candidate}</td>
            <td>{r.status.label()}{r.extended.then_some(" (extended)")}</td>
            <td>{r.received_on.clone()}</td>
            <td>{r.due_on.clone()}</td>
            <td>{if open { r.days_left.to_string() } else { "—".to_owned() }}</td>
        </tr>
        {actions}
    }
}
