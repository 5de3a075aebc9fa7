//! Recruitment pages: the list with search, filter and pages; creation; the detail page with
//! criteria and members; editing.

use crate::api::candidates::{MoveApplications, PipelineCard};
use crate::api::interviews::ComparedCandidate;
use crate::api::recruitments::{
    list_recruitments, recruitment, recruitment_board, recruitment_staff, AddCriterion,
    AddRecruitmentMember, CreateRecruitment, RemoveCriterion, RemoveRecruitmentMember,
    SetRecruitmentStatus, UpdateRecruitment,
};
use crate::api::recruitments::{Criterion, RecruitmentView};
use crate::domain::pipeline::Stage;
use crate::domain::recruitment::RecruitmentStatus;
use crate::domain::role::Role;
use crate::domain::upload::FileKind;
use crate::routes::{ADD_CANDIDATE_WITH_CV, EXPORT_CANDIDATES};
use crate::ui::components::files::{FileField, SubmitButton, UploadForm};
use crate::ui::components::form::{
    cleared_after_success, form_problem, ColleaguePicker, DeletionRequestConfirm, Field,
    ProblemBanner,
};
use crate::ui::components::status::load_error;
use crate::ui::components::urlencode;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn RecruitmentsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q"));
    let status = move || query.with(|q| q.get("status"));
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()));
    let data = Resource::new(
        move || (q(), status(), page()),
        |(q, status, page)| list_recruitments(q, status, page),
    );
    let link = move |target: u32| {
        let mut params = vec![format!("page={target}")];
        if let Some(q) = q() {
            params.push(format!("q={}", urlencode(&q)));
        }
        if let Some(s) = status() {
            params.push(format!("status={}", urlencode(&s)));
        }
        format!("/app/recruitments?{}", params.join("&"))
    };
    view! {
        <Title text="Recruitments"/>
        <h1>"Recruitments"</h1>
        <form method="get" action="/app/recruitments" class="filters" role="search">
            <div class="field">
                <label for="q">"Search titles"</label>
                <input id="q" name="q" type="search" maxlength="100" value=q/>
            </div>
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status">
                    <option value="" selected=move || status().is_none()>"All"</option>
                    <option value="open" selected=move || status().as_deref() == Some("open")>"Open"</option>
                    <option value="closed" selected=move || status().as_deref() == Some("closed")>"Closed"</option>
                </select>
            </div>
            <button type="submit" class="button button-secondary">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => {
                        let pages = ((p.total + i64::from(p.page_size) - 1) / i64::from(p.page_size)).max(1);
                        let current = p.page;
                        let rows = p.items.into_iter().map(|r| {
                            let href = format!("/app/recruitments/{}", r.id);
                            view! {
                                <tr>
                                    <td><a href=href>{r.title}</a></td>
                                    <td><span class=format!("status status-{}", r.status.as_str())>{r.status.label()}</span></td>
                                    <td>{r.owner_name}</td>
                                    <td>{r.created_on}</td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            {p.can_manage.then(|| view! {
                                <p><a class="button" href="/app/recruitments/new">"New recruitment"</a></p>
                            })}
                            <p class="small">{format!("{} recruitment(s)", p.total)}</p>
                            <table>
                                <thead><tr>
                                    <th scope="col">"Title"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Owner"</th><th scope="col">"Created"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <nav class="pager" aria-label="Pages">
                                {(current > 1).then(|| view! { <a href=link(current - 1) rel="prev">"Previous"</a> })}
                                <span>{format!("Page {current} of {pages}")}</span>
                                {(i64::from(current) < pages).then(|| view! { <a href=link(current + 1) rel="next">"Next"</a> })}
                            </nav>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

const DESCRIPTION_HINT: &str =
    "Paragraphs, bold, italics, lists and links are kept; anything else is removed when saved.";

#[component]
pub fn NewRecruitmentPage() -> impl IntoView {
    let action = ServerAction::<CreateRecruitment>::new();
    let problem = form_problem(action);
    let staff = Resource::new(|| (), |_| recruitment_staff());
    let description_error = move || problem.get().and_then(|p| p.field("description"));
    let owner_error = move || problem.get().and_then(|p| p.field("owner"));
    view! {
        <Title text="New recruitment"/>
        <h1>"New recruitment"</h1>
        <section class="panel">
            <ProblemBanner problem/>
            <ActionForm action attr:class="stack" attr:novalidate=true>
                <Field name="title" label="Title" problem/>
                <div class="field" class:field-invalid=move || description_error().is_some()>
                    <label for="description">"Description"</label>
                    <p class="hint" id="description-hint">{DESCRIPTION_HINT}</p>
                    <textarea id="description" name="description" rows="8" aria-describedby="description-hint"></textarea>
                    {move || description_error().map(|e| view! { <p class="field-error">{e}</p> })}
                </div>
                <div class="field" class:field-invalid=move || owner_error().is_some()>
                    <label for="owner">"Owner"</label>
                    // A <select> cannot hold a Suspense boundary: the whole control waits.
                    <Suspense fallback=|| view! { <select id="owner" name="owner"><option value="">"Me"</option></select> }>
                        {move || Suspend::new(async move {
                            view! {
                                <ColleaguePicker name="owner" colleagues=staff.await.unwrap_or_default()
                                    eligible=|role| matches!(role, Role::Admin | Role::Recruiter | Role::HiringManager)
                                    empty="Me"/>
                            }
                        })}
                    </Suspense>
                    {move || owner_error().map(|e| view! { <p class="field-error">{e}</p> })}
                </div>
                <button type="submit" class="button">"Create recruitment"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn RecruitmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let status_action = ServerAction::<SetRecruitmentStatus>::new();
    let add_member = ServerAction::<AddRecruitmentMember>::new();
    let remove_member = ServerAction::<RemoveRecruitmentMember>::new();
    let add_criterion = ServerAction::<AddCriterion>::new();
    let remove_criterion = ServerAction::<RemoveCriterion>::new();
    let move_action = ServerAction::<MoveApplications>::new();
    let member_problem = form_problem(add_member);
    let criterion_problem = form_problem(add_criterion);
    // Everything the page shows comes in one call (one transaction), asked again after any of
    // its actions: four calls had each opened a transaction and read the recruitment again.
    let data = Resource::new(
        move || {
            (
                id(),
                status_action.version().get(),
                add_member.version().get(),
                remove_member.version().get(),
                add_criterion.version().get(),
                remove_criterion.version().get(),
                move_action.version().get(),
            )
        },
        |(id, ..)| recruitment_board(id),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let RecruitmentView { recruitment: r, cards, comparison, staff } = match data.await {
                    Ok(view) => view,
                    Err(e) => return load_error(&e),
                };
                let manage = r.can_manage;
                let rid = r.id.clone();
                let next_status = match r.status {
                    RecruitmentStatus::Open => ("closed", "Close recruitment"),
                    RecruitmentStatus::Closed => ("open", "Reopen recruitment"),
                };
                let members = r.members.iter().map(|m| {
                    let rid = rid.clone();
                    let mid = m.id.clone();
                    view! {
                        <li>
                            {format!("{} ({})", m.name, m.role.label())}
                            {manage.then_some(view! {
                                <ActionForm action=remove_member attr:class="inline">
                                    <input type="hidden" name="id" value=rid.clone()/>
                                    <input type="hidden" name="member" value=mid.clone()/>
                                    <button type="submit" class="button-link">"Remove"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view();
                let criteria = r.criteria.iter().map(|c| {
                    let rid = rid.clone();
                    let cid = c.id.clone();
                    view! {
                        <tr>
                            <td>{c.name.clone()}</td>
                            <td>{c.description.clone()}</td>
                            <td>{c.weight}</td>
                            <td>{manage.then_some(view! {
                                <ActionForm action=remove_criterion attr:class="inline">
                                    <input type="hidden" name="id" value=rid.clone()/>
                                    <input type="hidden" name="criterion" value=cid.clone()/>
                                    <button type="submit" class="button-link">"Remove"</button>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view();
                let member_ids: Vec<String> = r.members.iter().map(|m| m.id.clone()).collect();
                let (rid_status, rid_criteria, rid_members) = (rid.clone(), rid.clone(), rid.clone());
                view! {
                    // leptos_meta writes <title> text unescaped, so user text never goes there.
                    <Title text="Recruitment"/>
                    <p class="small"><a href="/app/recruitments">"← All recruitments"</a></p>
                    <h1>{r.title.clone()}</h1>
                    <p>
                        <span class=format!("status status-{}", r.status.as_str())>{r.status.label()}</span>
                        " · Owner: " {r.owner_name.clone()}
                    </p>
                    {manage.then_some(view! {
                        <div class="actions">
                            <a class="button button-secondary" href=format!("/app/recruitments/{}/edit", rid)>"Edit"</a>
                            <ActionForm action=status_action attr:class="inline">
                                <input type="hidden" name="id" value=rid_status/>
                                <input type="hidden" name="status" value=next_status.0/>
                                <button type="submit" class="button button-secondary">{next_status.1}</button>
                            </ActionForm>
                        </div>
                    })}
                    <section class="panel" aria-labelledby="description-title">
                        <h2 id="description-title">"Description"</h2>
                        <div class="rich-text" inner_html=r.description_html.clone()></div>
                    </section>
                    <CandidatesPanel recruitment=rid.clone() can_add=manage && r.status == RecruitmentStatus::Open can_move=manage cards move_action/>
                    <ComparisonPanel criteria=r.criteria.clone() rows=comparison/>
                    <section class="panel" aria-labelledby="criteria-title">
                        <h2 id="criteria-title">"Evaluation criteria"</h2>
                        <table>
                            <thead><tr>
                                <th scope="col">"Criterion"</th><th scope="col">"What to look for"</th>
                                <th scope="col">"Weight"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>{criteria}</tbody>
                        </table>
                        {manage.then_some(view! {
                            <ProblemBanner problem=criterion_problem/>
                            <ActionForm action=add_criterion node_ref=cleared_after_success(add_criterion) attr:class="stack" attr:novalidate=true>
                                <input type="hidden" name="id" value=rid_criteria/>
                                <Field name="name" label="Criterion" problem=criterion_problem/>
                                <Field name="criterion_description" label="What to look for" required=false problem=criterion_problem/>
                                <div class="field">
                                    <label for="weight">"Weight"</label>
                                    <select id="weight" name="weight">
                                        <option value="1">"1 — minor"</option>
                                        <option value="2">"2"</option>
                                        <option value="3" selected=true>"3 — important"</option>
                                        <option value="4">"4"</option>
                                        <option value="5">"5 — decisive"</option>
                                    </select>
                                </div>
                                <button type="submit" class="button button-secondary">"Add criterion"</button>
                            </ActionForm>
                        })}
                    </section>
                    <section class="panel" aria-labelledby="members-title">
                        <h2 id="members-title">"Hiring team"</h2>
                        <ul class="people">{members}</ul>
                        {manage.then_some(view! {
                            <ProblemBanner problem=member_problem/>
                            <ActionForm action=add_member node_ref=cleared_after_success(add_member) attr:class="inline-form">
                                <input type="hidden" name="id" value=rid_members/>
                                <label for="member">"Add a colleague"</label>
                                <ColleaguePicker name="member" colleagues=staff.unwrap_or_default()
                                    eligible=|role| role != Role::Auditor exclude=member_ids/>
                                <button type="submit" class="button button-secondary">"Add"</button>
                            </ActionForm>
                        })}
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn EditRecruitmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = Resource::new(id, recruitment);
    let action = ServerAction::<UpdateRecruitment>::new();
    let problem = form_problem(action);
    let description_error = move || problem.get().and_then(|p| p.field("description"));
    let title_error = move || problem.get().and_then(|p| p.field("title"));
    view! {
        <Title text="Edit recruitment"/>
        <h1>"Edit recruitment"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(r) => view! {
                        <section class="panel">
                            <ProblemBanner problem/>
                            <ActionForm action attr:class="stack" attr:novalidate=true>
                                <input type="hidden" name="id" value=r.id.clone()/>
                                <div class="field" class:field-invalid=move || title_error().is_some()>
                                    <label for="title">"Title"</label>
                                    <input id="title" name="title" type="text" value=r.title.clone() required=true/>
                                    {move || title_error().map(|e| view! { <p class="field-error">{e}</p> })}
                                </div>
                                <div class="field" class:field-invalid=move || description_error().is_some()>
                                    <label for="description">"Description"</label>
                                    <p class="hint" id="description-hint">{DESCRIPTION_HINT}</p>
                                    <textarea id="description" name="description" rows="10" aria-describedby="description-hint">
                                        {r.description_html.clone()}
                                    </textarea>
                                    {move || description_error().map(|e| view! { <p class="field-error">{e}</p> })}
                                </div>
                                <button type="submit" class="button">"Save"</button>
                                <a href=format!("/app/recruitments/{}", r.id)>"Cancel"</a>
                            </ActionForm>
                        </section>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

/// The pipeline of one recruitment as a board, and the form that adds a candidate to it.
#[component]
fn CandidatesPanel(
    recruitment: String,
    can_add: bool,
    can_move: bool,
    cards: Vec<PipelineCard>,
    move_action: ServerAction<MoveApplications>,
) -> impl IntoView {
    let adding = UploadForm::new("add-candidate");
    let problem = adding.problem;
    let move_problem = form_problem(move_action);
    view! {
        <section class="panel" aria-labelledby="candidates-title">
            <h2 id="candidates-title">"Candidates"</h2>
            // A file, not a page: the router must leave the click to the browser.
            <p><a href=EXPORT_CANDIDATES.at(&recruitment) download="" rel="external">"Export candidates (CSV)"</a></p>
            <ProblemBanner problem=move_problem/>
            // One listener for the board rather than an `ActionForm` per column.
            // A column's cards are ticked and moved together: one form a column,
            // not one a card, which had made a hundred forms of a select, hidden
            // fields and a button (a third of the page's size and of its render
            // time). The forms post as they are where JavaScript does not run.
            <div class="board" on:submit=move |ev| move_from_board(ev, move_action)>
                {Stage::ALL.into_iter().map(|stage| {
                    let in_stage: Vec<&PipelineCard> = cards.iter().filter(|c| c.stage == stage).collect();
                    let heading = format!("{} ({})", stage.label(), in_stage.len());
                    let movable = can_move && !stage.is_decided() && !in_stage.is_empty();
                    let list = view! { <ul inner_html=cards_html(&in_stage, movable)></ul> };
                    let list = if movable {
                        let move_url = <MoveApplications as leptos::server_fn::ServerFn>::url();
                        view! {
                            <form method="post" action=move_url class="column-move">
                                <input type="hidden" name="recruitment" value=recruitment.clone()/>
                                {list}
                                <div class="column-move-to">
                                    <label>
                                        <span class="visually-hidden">{format!("{}: ", stage.label())}</span>
                                        "Move ticked to"
                                        <select name="stage">
                                            {destinations(stage).map(|s| view! {
                                                <option value=s.as_str()>{s.label()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="submit" class="button-small">"Move"</button>
                                </div>
                            </form>
                        }.into_any()
                    } else {
                        list.into_any()
                    };
                    view! {
                        <div class="column">
                            <h3>{heading}</h3>
                            {list}
                        </div>
                    }
                }).collect_view()}
            </div>
            {can_add.then_some(view! {
                <h3 id="add-candidate">"Add a candidate"</h3>
                <ProblemBanner problem/>
                <form
                    method="post"
                    action=ADD_CANDIDATE_WITH_CV.at(&recruitment)
                    enctype="multipart/form-data"
                    class="stack"
                    novalidate=true
                    on:submit=move |ev| adding.submit(ev)
                >
                    <Field name="full_name" label="Full name" autocomplete="off" problem/>
                    <Field name="email" label="E-mail address" kind="email" autocomplete="off" problem/>
                    <Field name="phone" label="Phone (optional)" kind="tel" autocomplete="off" required=false problem/>
                    <FileField name="cv" label="CV (optional)" kinds=vec![FileKind::Cv] required=false problem/>
                    // A known candidate with an open deletion request is added only once this
                    // names the request, which the refusal brought (second step).
                    {move || problem.get().and_then(|p| p.deletion_request).map(|request| view! {
                        <DeletionRequestConfirm id="confirm-deletion-request".into() request
                            step="Add them to this recruitment"/>
                    })}
                    <SubmitButton label="Add candidate" pending=adding.pending class="button"/>
                </form>
            })}
        </section>
    }
}

/// A column's cards as one HTML string, every text escaped. Written as a view, a hundred cards
/// were most of the page's rendering time (a tree of elements, attributes and strings a card)
/// and hydration walked every node again; as the list's inner HTML they are one string, and
/// hydration keeps what the server sent (tachys leaves the inner HTML of a server-rendered
/// element as it is). Each card: a tick box to move it when the column moves, the candidate's
/// page, the mark of an open deletion request and their consent.
fn cards_html(cards: &[&PipelineCard], movable: bool) -> String {
    use crate::ui::components::consent::consent_initials_html;
    use crate::ui::components::deletion::deletion_badge_html;
    use html_escape::{encode_double_quoted_attribute_to_string, encode_text_to_string};
    let mut out = String::with_capacity(cards.len() * 700);
    for card in cards {
        out.push_str("<li>");
        if movable {
            out.push_str(r#"<input type="checkbox" name="applications[]" value=""#);
            encode_double_quoted_attribute_to_string(&card.application_id, &mut out);
            out.push_str(r#"" aria-label="Select "#);
            encode_double_quoted_attribute_to_string(&card.name, &mut out);
            out.push_str(r#"">"#);
        }
        out.push_str(r#"<a href="/app/candidates/"#);
        encode_double_quoted_attribute_to_string(&card.candidate_id, &mut out);
        out.push_str(r#"">"#);
        encode_text_to_string(&card.name, &mut out);
        out.push_str("</a>");
        if card.deletion_pending {
            out.push(' ');
            deletion_badge_html(&mut out);
        }
        consent_initials_html(&mut out, &card.consent);
        out.push_str("</li>");
    }
    out
}

/// Where a column's cards can go, the stage after it first: every other stage still in progress
/// (hired and rejected are decisions, each with its reason, made on the candidate's page).
fn destinations(from: Stage) -> impl Iterator<Item = Stage> {
    let at = Stage::IN_PROGRESS
        .iter()
        .position(|s| *s == from)
        .unwrap_or(0);
    Stage::IN_PROGRESS
        .into_iter()
        .cycle()
        .skip(at + 1)
        .take(Stage::IN_PROGRESS.len() - 1)
}

/// Sends a column's move, as `ActionForm` would: the submitted form is the column's. A form that
/// cannot be read is left to post as it is, so the move is never silently dropped.
fn move_from_board(ev: leptos::ev::SubmitEvent, action: ServerAction<MoveApplications>) {
    use leptos::form::FromFormData;
    if ev.default_prevented() {
        return;
    }
    match MoveApplications::from_event(&ev) {
        Ok(input) => {
            ev.prevent_default();
            action.dispatch(input);
        }
        Err(e) => leptos::logging::error!("a column's move form could not be read: {e}"),
    }
}

/// Side by side: each candidate's average score per criterion and the weighted mean. A reading
/// aid for the people who decide; nothing here accepts or rejects anyone.
#[component]
fn ComparisonPanel(criteria: Vec<Criterion>, rows: Vec<ComparedCandidate>) -> impl IntoView {
    let table = if rows.is_empty() {
        view! { <p class="small">"No scorecards yet."</p> }.into_any()
    } else {
        view! {
            <table class="comparison">
                <thead><tr>
                    <th scope="col">"Candidate"</th>
                    {criteria.iter().map(|c| view! { <th scope="col">{format!("{} (×{})", c.name, c.weight)}</th> }).collect_view()}
                    <th scope="col">"Weighted"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let cells = criteria.iter().map(|c| {
                            let cell = r.per_criterion.iter().find(|(id, _, _)| *id == c.id)
                                .map(|(_, avg, n)| format!("{avg:.1} ({n})"))
                                .unwrap_or_else(|| "—".into());
                            view! { <td>{cell}</td> }
                        }).collect_view();
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/app/candidates/{}", r.candidate_id)>{r.name}</a></th>
                                {cells}
                                <td>{r.weighted.map(|w| format!("{w:.2}")).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <section class="panel" aria-labelledby="compare-title">
            <h2 id="compare-title">"Comparison"</h2>
            {table}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::{ConsentStatus, Purpose};

    fn card(name: &str) -> PipelineCard {
        PipelineCard {
            application_id: "app_1".into(),
            candidate_id: "cand_1".into(),
            name: name.into(),
            stage: Stage::Applied,
            consent: vec![
                (Purpose::Evaluation, ConsentStatus::Granted),
                (Purpose::Recording, ConsentStatus::Refused),
            ],
            deletion_pending: false,
        }
    }

    #[test]
    fn a_card_shows_its_candidate_a_tick_box_when_movable_and_the_consent() {
        let c = card("Maja Lindqvist");
        let html = cards_html(&[&c], true);
        assert_eq!(
            html,
            concat!(
                r#"<li><input type="checkbox" name="applications[]" value="app_1" "#,
                r#"aria-label="Select Maja Lindqvist">"#,
                r#"<a href="/app/candidates/cand_1">Maja Lindqvist</a>"#,
                r#"<span class="consent consent-compact" title="Evaluation: Given, Recording: Refused">"#,
                r#"<span class="visually-hidden">Consent: Evaluation: Given, Recording: Refused</span>"#,
                r#"<b class="consent-given" aria-hidden="true">E</b>"#,
                r#"<b class="consent-refused" aria-hidden="true">R</b></span></li>"#
            )
        );
        assert!(!cards_html(&[&c], false).contains("checkbox"));
        assert!(!html.contains("Deletion requested"));
    }

    #[test]
    fn a_card_marks_a_candidate_whose_deletion_request_is_open() {
        let c = PipelineCard {
            deletion_pending: true,
            ..card("Maja Lindqvist")
        };
        let html = cards_html(&[&c], false);
        assert!(
            html.contains(r#"Maja Lindqvist</a> <span class="badge badge-deletion""#),
            "{html}"
        );
        assert!(html.contains(">Deletion requested</span>"), "{html}");
    }

    #[test]
    fn hostile_names_stay_text_in_cards() {
        let c = card(r#""><script>alert(1)</script><b x=""#);
        let html = cards_html(&[&c], true);
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains(r#"aria-label="Select &quot;&gt;&lt;script&gt;"#),
            "the attribute is never closed early: {html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }
}
