//! The candidate page: applications with their stage and decision, notes and the timeline.

use crate::api::candidates::{
    candidate, list_candidates, AddApplicationNote, ApplicationView, MoveApplication,
    PendingDeletion, RecordDecision, UpdateCandidate,
};
use crate::api::interviews::{InterviewSummary, ScheduleInterview};
use crate::api::retention::{ExtendRetention, RetentionView, SetLegalHold, SetRetentionPeriod};
use crate::domain::pipeline::Stage;
use crate::domain::upload::FileKind;
use crate::routes::UPLOAD_CANDIDATE_DOCUMENT;
use crate::ui::components::consent::ConsentPanel;
use crate::ui::components::deletion::DeletionBadge;
use crate::ui::components::files::{FileList, FileUpload};
use crate::ui::components::form::{
    cleared_after_success, form_problem, ConfirmBox, DeletionRequestConfirm, ProblemBanner,
};
use crate::ui::components::status::load_error;
use crate::ui::components::urlencode;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Every candidate the caller may see, newest first, 50 a page, searchable by name.
#[component]
pub fn CandidatesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q"));
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()));
    let data = Resource::new(move || (q(), page()), |(q, page)| list_candidates(q, page));
    let link = move |target: u32| match q() {
        Some(q) => format!("/app/candidates?page={target}&q={}", urlencode(&q)),
        None => format!("/app/candidates?page={target}"),
    };
    view! {
        <Title text="Candidates"/>
        <h1>"Candidates"</h1>
        <form method="get" action="/app/candidates" class="filters" role="search">
            <div class="field">
                <label for="q">"Search names"</label>
                <input id="q" name="q" type="search" maxlength="100" value=q/>
            </div>
            <button type="submit" class="button button-secondary">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) if p.items.is_empty() => view! {
                        <p>{if p.page == 1 { "No candidates to show." } else { "No candidates on this page." }}</p>
                        {(p.page > 1).then(|| view! { <p><a href="/app/candidates">"Back to the first page"</a></p> })}
                    }.into_any(),
                    Ok(p) => {
                        let first = (p.page - 1) * p.page_size + 1;
                        let last = first + p.items.len() as u32 - 1;
                        let current = p.page;
                        let rows = p.items.into_iter().map(|c| view! {
                            <tr>
                                <td>
                                    <a href=format!("/app/candidates/{}", c.id)>{c.name}</a>
                                    {c.deletion_pending.then_some(view! { " " <DeletionBadge/> })}
                                </td>
                                <td>{c.applications.to_string()}</td>
                                <td>{c.latest_stage.map_or("—", |s| s.label())}</td>
                                <td>{c.added_on}</td>
                            </tr>
                        }).collect_view();
                        view! {
                            <p class="small">{format!("Candidates {first}–{last}")}</p>
                            <table>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Applications"</th>
                                    <th scope="col">"Latest stage"</th><th scope="col">"Added"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                {(current > 1).then(|| view! { <a href=link(current - 1) rel="prev">"Previous"</a> })}
                                <span>{format!("Page {current}")}</span>
                                {p.has_next.then(|| view! { <a href=link(current + 1) rel="next">"Next"</a> })}
                            </nav>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn CandidatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let move_action = ServerAction::<MoveApplication>::new();
    let decide = ServerAction::<RecordDecision>::new();
    let note = ServerAction::<AddApplicationNote>::new();
    let schedule = ServerAction::<ScheduleInterview>::new();
    let schedule_problem = form_problem(schedule);
    let move_problem = form_problem(move_action);
    let decide_problem = form_problem(decide);
    let note_problem = form_problem(note);
    let data = Resource::new(
        move || {
            (
                id(),
                move_action.version().get(),
                decide.version().get(),
                note.version().get(),
            )
        },
        |(id, ..)| candidate(id),
    );
    view! {
        // leptos_meta writes <title> unescaped, so the candidate's name never goes there.
        <Title text="Candidate"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let c = match data.await {
                    Ok(c) => c,
                    Err(e) => {
                        return load_error(&e)
                    }
                };
                let cid = c.id.clone();
                let applications = c.applications.iter().map(|a| {
                    let interviews: Vec<InterviewSummary> = c.interviews.iter()
                        .filter(|(app, _)| *app == a.id)
                        .map(|(_, i)| i.clone())
                        .collect();
                    let scheduling = c.can_manage.then_some(view! {
                        <ScheduleForm application=a.id.clone() candidate=cid.clone() action=schedule/>
                    });
                    let panel = application_panel(
                        a.clone(),
                        cid.clone(),
                        c.can_manage,
                        c.can_evaluate,
                        &c.notes,
                        c.pending_deletion.clone(),
                        move_action,
                        decide,
                        note,
                    );
                    view! {
                        {panel}
                        <section class="panel" aria-label=format!("Interviews for {}", a.recruitment_title)>
                            <h3>{format!("Interviews — {}", a.recruitment_title)}</h3>
                            <ul>
                                {interviews.into_iter().map(|i| view! {
                                    <li><a href=format!("/app/interviews/{}", i.id)>{i.starts}</a>
                                    {format!(" · {} minutes", i.duration_minutes)}</li>
                                }).collect_view()}
                            </ul>
                            {scheduling}
                        </section>
                    }
                }).collect_view();
                let timeline = c.timeline.iter().map(|e| {
                    let what = match (e.kind.as_str(), e.stage) {
                        ("applied", _) => "Applied".to_owned(),
                        ("stage_changed", Some(s)) => format!("Moved to {}", s.label()),
                        ("decision", Some(s)) => format!("Decision recorded: {}", s.label()),
                        ("note_added", _) => "Note added".to_owned(),
                        ("interview_scheduled", _) => "Interview scheduled".to_owned(),
                        ("recording_attached", _) => "Interview recording attached".to_owned(),
                        ("transcript_attached", _) => "Interview transcript attached".to_owned(),
                        ("cv_added", _) => format!("CV added: {}", e.detail.clone().unwrap_or_default()),
                        ("document_added", _) => format!("Document added: {}", e.detail.clone().unwrap_or_default()),
                        (other, _) => other.to_owned(),
                    };
                    let title = c.applications.iter()
                        .find(|a| a.id == e.application_id)
                        .map(|a| a.recruitment_title.clone())
                        .unwrap_or_default();
                    view! {
                        <li>
                            <span class="when">{e.at.clone()}</span>
                            " — " {what}
                            {(!title.is_empty()).then(|| format!(" · {title}"))}
                            {e.actor.clone().map(|a| view! { " · by " {a} })}
                        </li>
                    }
                }).collect_view();
                view! {
                    <h1>
                        {c.full_name.clone()}
                        {c.pending_deletion.is_some().then_some(view! { " " <DeletionBadge/> })}
                    </h1>
                    {c.pending_deletion.clone().map(|p| view! {
                        <p class="banner banner-error" role="status" data-testid="deletion-pending">
                            {format!(
                                "The candidate asked for the deletion of their data: request {}, received {}, is still open. \
                                 Adding them to a recruitment, asking them for consent again and recording a decision each ask you to confirm it first.",
                                p.request_id, p.received_on
                            )}
                        </p>
                    })}
                    <dl class="facts panel">
                        <dt>"E-mail"</dt><dd>{c.email.clone()}</dd>
                        <dt>"Phone"</dt><dd>{if c.phone.is_empty() { "—".to_owned() } else { c.phone.clone() }}</dd>
                    </dl>
                    <ProblemBanner problem=move_problem/>
                    <ProblemBanner problem=decide_problem/>
                    <ProblemBanner problem=note_problem/>
                    <ProblemBanner problem=schedule_problem/>
                    {c.can_manage.then(|| view! {
                        <EditDetails candidate=c.id.clone() name=c.full_name.clone() email=c.email.clone() phone=c.phone.clone()/>
                    })}
                    <section class="panel" id="documents" aria-labelledby="documents-title">
                        <h2 id="documents-title">"CV and documents"</h2>
                        <FileList files=c.documents.clone() empty="No documents yet."/>
                        {c.can_manage.then(|| view! {
                            <FileUpload
                                form="documents"
                                action=UPLOAD_CANDIDATE_DOCUMENT.at(&c.id)
                                kinds=vec![FileKind::Cv, FileKind::Document]
                                submit="Upload"
                            />
                        })}
                    </section>
                    {applications}
                    <RetentionPanel candidate=c.id.clone() view=c.retention.clone() can_manage=c.can_manage/>
                    <section class="panel" aria-labelledby="timeline-title">
                        <h2 id="timeline-title">"Timeline"</h2>
                        <ul class="timeline">{timeline}</ul>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the actions are shared by all panels"
)]
fn application_panel(
    a: ApplicationView,
    candidate_id: String,
    can_manage: bool,
    can_evaluate: bool,
    notes: &[crate::api::candidates::NoteView],
    pending_deletion: Option<PendingDeletion>,
    move_action: ServerAction<MoveApplication>,
    decide: ServerAction<RecordDecision>,
    note: ServerAction<AddApplicationNote>,
) -> impl IntoView {
    let decided = a.stage.is_decided();
    let notes = notes
        .iter()
        .filter(|n| n.application_id == a.id)
        .map(|n| {
            view! {
                <li class="note">
                    <div class="rich-text" inner_html=n.body_html.clone()></div>
                    <p class="small">{format!("{} · {}", n.author, n.at)}</p>
                </li>
            }
        })
        .collect_view();
    let heading_id = format!("app-{}", a.id);
    let (aid_move, aid_decide, aid_note) = (a.id.clone(), a.id.clone(), a.id.clone());
    let (cid_move, cid_decide, cid_note) = (
        candidate_id.clone(),
        candidate_id.clone(),
        candidate_id.clone(),
    );
    let current = a.stage;
    let (stage_field, reason_field, note_field) = (
        format!("stage-{}", a.id),
        format!("reason-{}", a.id),
        format!("note-{}", a.id),
    );
    let (final_field, deletion_field) = (
        format!("decision-final-{}", a.id),
        format!("decision-deletion-{}", a.id),
    );
    let decision_deletion = pending_deletion.clone();
    view! {
        <section class="panel" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>
                <a href=format!("/app/recruitments/{}", a.recruitment_id)>{a.recruitment_title.clone()}</a>
            </h2>
            <p>
                "Stage: " <span class=format!("stage stage-{}", a.stage.as_str())>{a.stage.label()}</span>
            </p>
            <ConsentPanel
                application=a.id.clone()
                candidate=candidate_id.clone()
                consent=a.consent.clone()
                can_ask=can_manage
                pending_deletion
            />
            {a.decided_by.clone().map(|by| view! {
                <p class="decision">
                    {format!("Decision by {by} on {}: ", a.decided_at.clone().unwrap_or_default())}
                    {a.decision_reason.clone().unwrap_or_default()}
                </p>
            })}
            {(can_manage && !decided).then_some(view! {
                <ActionForm action=move_action attr:class="inline-form">
                    <input type="hidden" name="application" value=aid_move/>
                    <input type="hidden" name="candidate" value=cid_move/>
                    <label for=stage_field.clone()>"Move to"</label>
                    <select id=stage_field name="stage">
                        {Stage::IN_PROGRESS.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == current>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button button-secondary">"Move"</button>
                </ActionForm>
            })}
            {(can_evaluate && !decided).then_some(view! {
                <details class="decide">
                    <summary>"Record the hiring decision"</summary>
                    <ActionForm action=decide attr:class="stack">
                        <input type="hidden" name="application" value=aid_decide/>
                        <input type="hidden" name="candidate" value=cid_decide/>
                        <fieldset>
                            <legend>"Decision"</legend>
                            <label><input type="radio" name="decision" value="hired"/>" Hired"</label>
                            <label><input type="radio" name="decision" value="rejected"/>" Rejected"</label>
                        </fieldset>
                        <div class="field">
                            <label for=reason_field.clone()>"Reason (kept with the decision)"</label>
                            <textarea id=reason_field name="reason" rows="3"></textarea>
                        </div>
                        <ConfirmBox
                            id=final_field
                            label="I understand that the decision is final: it cannot be changed afterwards.".into()
                        />
                        {decision_deletion.map(|request| view! {
                            <DeletionRequestConfirm id=deletion_field request step="Record this decision"/>
                        })}
                        <button type="submit" class="button button-danger">"Record decision"</button>
                    </ActionForm>
                </details>
            })}
            <h3>"Notes"</h3>
            <ul class="notes">{notes}</ul>
            {can_evaluate.then_some(view! {
                <ActionForm action=note node_ref=cleared_after_success(note) attr:class="stack">
                    <input type="hidden" name="application" value=aid_note/>
                    <input type="hidden" name="candidate" value=cid_note/>
                    <div class="field">
                        <label for=note_field.clone()>"Add a note"</label>
                        <textarea id=note_field name="note" rows="3"></textarea>
                    </div>
                    <button type="submit" class="button button-secondary">"Add note"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn ScheduleForm(
    application: String,
    candidate: String,
    action: ServerAction<ScheduleInterview>,
) -> impl IntoView {
    let field = format!("starts-{application}");
    let duration = format!("duration-{application}");
    let location = format!("location-{application}");
    view! {
        <ActionForm action attr:class="inline-form schedule">
            <input type="hidden" name="application" value=application/>
            <input type="hidden" name="candidate" value=candidate/>
            <label for=field.clone()>"Starts (UTC)"</label>
            <input id=field type="datetime-local" name="starts_at" required=true/>
            <label for=duration.clone()>"Minutes"</label>
            <input id=duration type="number" name="duration" value="45" min="15" max="480"/>
            <label for=location.clone()>"Where"</label>
            <input id=location type="text" name="location" maxlength="200"/>
            <button type="submit" class="button button-secondary">"Schedule interview"</button>
        </ActionForm>
    }
}

/// The retention clock (F10): when the data goes, the one-click extension, the legal hold.
#[component]
fn RetentionPanel(candidate: String, view: RetentionView, can_manage: bool) -> impl IntoView {
    let extend = ServerAction::<ExtendRetention>::new();
    let hold = ServerAction::<SetLegalHold>::new();
    let extend_problem = form_problem(extend);
    let hold_problem = form_problem(hold);
    let period = ServerAction::<SetRetentionPeriod>::new();
    let period_problem = form_problem(period);
    let when = match (&view.deleted_on, view.deletion_requested) {
        (_, true) => "Deletion was requested by the candidate; it runs shortly.".to_owned(),
        (Some(date), false) => format!("All data of this candidate is deleted on {date}."),
        (None, false) => "No end date yet: the next activity sets it.".to_owned(),
    };
    let (c1, c2, c3, c4) = (
        candidate.clone(),
        candidate.clone(),
        candidate.clone(),
        candidate,
    );
    view! {
        <section class="panel" id="retention" aria-labelledby="retention-title">
            <h2 id="retention-title">"Retention"</h2>
            <p>{when}</p>
            {view.restricted.then(|| view! {
                <p class="banner banner-error">"The candidate restricted the processing of their data: evaluation, recording and transcription are paused."</p>
            })}
            {view.legal_hold.clone().map(|(reason, until)| view! {
                <p class="banner banner-error">{format!("Legal hold until {until}: {reason}. Nothing is deleted while it lasts.")}</p>
            })}
            <ProblemBanner problem=extend_problem/>
            <ProblemBanner problem=hold_problem/>
            <ProblemBanner problem=period_problem/>
            {(can_manage && view.deleted_on.is_some()).then(|| view! {
                <ActionForm action=extend attr:class="inline">
                    <input type="hidden" name="candidate" value=c1/>
                    <button type="submit" class="button button-secondary">"Keep 30 days longer"</button>
                </ActionForm>
            })}
            {can_manage.then(|| view! {
                <ActionForm action=period attr:class="inline-form">
                    <input type="hidden" name="candidate" value=c4/>
                    <label for="own-days">"Keep this candidate's data for (days after the decision)"</label>
                    <input id="own-days" name="days" type="number" min="30" max="3650"
                        value=view.own_days.map(|d| d.to_string()).unwrap_or_default()/>
                    <button type="submit" class="button button-secondary">"Set"</button>
                </ActionForm>
            })}
            {can_manage.then(|| match view.legal_hold.is_some() {
                true => view! {
                    <ActionForm action=hold attr:class="inline">
                        <input type="hidden" name="candidate" value=c2/>
                        <input type="hidden" name="lift" value="1"/>
                        <button type="submit" class="button button-secondary">"Lift the legal hold"</button>
                    </ActionForm>
                }.into_any(),
                false => view! {
                    <details>
                        <summary>"Place a legal hold"</summary>
                        <ActionForm action=hold node_ref=cleared_after_success(hold) attr:class="stack">
                            <input type="hidden" name="candidate" value=c3/>
                            <div class="field">
                                <label for="hold-reason">"Reason"</label>
                                <input id="hold-reason" name="reason" type="text" maxlength="2000"/>
                            </div>
                            <div class="field">
                                <label for="hold-until">"Until"</label>
                                <input id="hold-until" name="until" type="date"/>
                            </div>
                            <button type="submit" class="button button-secondary">"Place the hold"</button>
                        </ActionForm>
                    </details>
                }.into_any(),
            })}
        </section>
    }
}

/// Correcting the candidate's details (rectification, F9).
#[component]
fn EditDetails(candidate: String, name: String, email: String, phone: String) -> impl IntoView {
    let update = ServerAction::<UpdateCandidate>::new();
    let problem = form_problem(update);
    view! {
        <details class="panel">
            <summary>"Correct the candidate's details"</summary>
            <ProblemBanner problem/>
            <ActionForm action=update attr:class="stack">
                <input type="hidden" name="candidate" value=candidate/>
                <div class="field">
                    <label for="edit-name">"Full name"</label>
                    <input id="edit-name" name="full_name" type="text" value=name maxlength="200"/>
                </div>
                <div class="field">
                    <label for="edit-email">"E-mail address"</label>
                    <input id="edit-email" name="email" type="email" value=email/>
                </div>
                <div class="field">
                    <label for="edit-phone">"Phone"</label>
                    <input id="edit-phone" name="phone" type="tel" value=phone maxlength="40"/>
                </div>
                <button type="submit" class="button button-secondary">"Save the details"</button>
            </ActionForm>
        </details>
    }
}
