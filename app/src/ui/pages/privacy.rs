//! The candidate's privacy pages (F9): asking for a link by e-mail address, the link's page (GET
//! shows, POST opens), and their own data with the download and the request form. Server-rendered,
//! complete without JavaScript, in the candidate's language.

use crate::api::privacy::{
    my_data, privacy_link, privacy_page_language, FileDataRequest, OpenPrivacy, RequestPrivacyLink,
};
use crate::domain::dsar::{RequestKind, RequestStatus};
use crate::domain::i18n::{fill, Lang, Messages};
use crate::domain::pipeline::Stage;
use crate::domain::role::Role;
use crate::domain::token::TokenPurpose;
use crate::routes::EXPORT_MY_DATA;
use crate::ui::components::candidate::{chosen_lang, CandidateFrame};
use crate::ui::components::form::{form_problem, ProblemBanner};
use crate::ui::components::status::{answer_page_with, is_link_refusal, load_error};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn current_lang(chosen: Memo<Option<String>>) -> Lang {
    chosen
        .get()
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// `/privacy`: ask for a link to one's data, in the language chosen or else the browser's.
#[component]
pub fn PrivacyPage() -> impl IntoView {
    let chosen = chosen_lang();
    let language = Resource::new(move || chosen.get(), privacy_page_language);
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    let action = ServerAction::<RequestPrivacyLink>::new();
    let problem = form_problem(action);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || {
                let sent = sent();
                Suspend::new(async move {
                    let lang = language.await.unwrap_or_else(|_| current_lang(chosen));
                    let m = lang.messages();
                    let body = if sent {
                        let days = TokenPurpose::Privacy.lifetime().whole_days().to_string();
                        view! { <p class="banner banner-ok" role="status">{fill(m.privacy_sent, &[("days", &days)])}</p> }
                            .into_any()
                    } else {
                        view! {
                            <p>{m.privacy_intro}</p>
                            <ProblemBanner problem/>
                            <ActionForm action attr:class="stack">
                                <input type="hidden" name="lang" value=lang.code()/>
                                <div class="field">
                                    <label for="email">{m.privacy_email_label}</label>
                                    <input id="email" name="email" type="email" autocomplete="email" required=true/>
                                </div>
                                <button type="submit" class="button">{m.privacy_send}</button>
                            </ActionForm>
                        }
                        .into_any()
                    };
                    view! {
                        <CandidateFrame lang extra_query="">
                            <h1>{m.privacy_title}</h1>
                            {body}
                        </CandidateFrame>
                    }
                })
            }}
        </Suspense>
    }
}

/// `/c/privacy/{token}`: shows where the link leads; only the button (a POST) uses it.
#[component]
pub fn PrivacyLinkPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let chosen = chosen_lang();
    let org = Resource::new(token, privacy_link);
    let action = ServerAction::<OpenPrivacy>::new();
    let problem = form_problem(action);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                let lang = current_lang(chosen);
                let m = lang.messages();
                let body = match org.await {
                    Ok(org) => view! {
                        <h1>{fill(m.my_data_title, &[("org", &org)])}</h1>
                        <p>{fill(m.privacy_continue_intro, &[("org", &org)])}</p>
                        <ProblemBanner problem/>
                        <ActionForm action attr:class="stack">
                            <input type="hidden" name="token" value=token()/>
                            <input type="hidden" name="lang" value=lang.code()/>
                            <button type="submit" class="button">{m.privacy_continue}</button>
                        </ActionForm>
                    }.into_any(),
                    Err(e) if is_link_refusal(&e) => {
                        answer_page_with(&e);
                        view! {
                            <h1>{m.link_invalid_title}</h1>
                            <p>{m.link_invalid_text}</p>
                            <p><a href=format!("/privacy?lang={}", lang.code())>{m.privacy_title}</a></p>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                };
                view! { <CandidateFrame lang extra_query="">{body}</CandidateFrame> }
            })}
        </Suspense>
    }
}

fn stage_label(m: &Messages, stage: Stage) -> &'static str {
    match stage {
        Stage::Applied => m.stage_applied,
        Stage::Screening => m.stage_screening,
        Stage::Interview => m.stage_interview,
        Stage::Offer => m.stage_offer,
        Stage::Hired => m.stage_hired,
        Stage::Rejected => m.stage_rejected,
    }
}

fn role_label(m: &Messages, role: Option<Role>) -> &'static str {
    match role {
        Some(Role::Admin) | None => m.role_admin,
        Some(Role::Recruiter) => m.role_recruiter,
        Some(Role::HiringManager) => m.role_hiring_manager,
        Some(Role::Interviewer) => m.role_interviewer,
        Some(Role::Auditor) => m.role_auditor,
    }
}

fn read_label(m: &Messages, action: &str) -> &'static str {
    match action {
        "candidate.exported" => m.read_exported,
        "candidate.listed" => m.read_listed,
        "document.downloaded" => m.read_downloaded,
        _ => m.read_viewed,
    }
}

fn kind_label(m: &Messages, kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Rectification => m.request_rectification,
        RequestKind::Restriction => m.request_restriction,
        RequestKind::Deletion => m.request_deletion,
        RequestKind::Objection => m.request_objection,
    }
}

fn status_label(m: &Messages, status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Extended => m.request_status_extended,
        RequestStatus::Completed => m.request_status_completed,
        RequestStatus::Rejected => m.request_status_rejected,
        _ => m.request_status_open,
    }
}

/// `/c/my-data`: what is held, who saw it, when it goes; the download and the request form.
#[component]
pub fn MyDataPage() -> impl IntoView {
    let chosen = chosen_lang();
    let query = use_query_map();
    let sent_due = move || query.with(|q| q.get("sent"));
    let data = Resource::new(|| (), |_| my_data());
    let action = ServerAction::<FileDataRequest>::new();
    let problem = form_problem(action);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                let lang = current_lang(chosen);
                let m = lang.messages();
                let d = match data.await {
                    Ok(d) => d,
                    Err(_) => return view! {
                        <CandidateFrame lang extra_query="">
                            <h1>{m.privacy_title}</h1>
                            <p>{m.session_ended}</p>
                            <p><a href=format!("/privacy?lang={}", lang.code())>{m.privacy_title}</a></p>
                        </CandidateFrame>
                    }.into_any(),
                };
                let org = d.org_name.clone();
                let confirmation = sent_due().map(|date| view! {
                    <p class="banner banner-ok" role="status">
                        {fill(m.request_sent, &[("org", &org), ("date", &date)])}
                    </p>
                });
                let retention = match &d.deleted_on {
                    Some(date) => fill(m.retention_until, &[("date", date)]),
                    None => fill(m.retention_not_started, &[("days", &d.retention_days.to_string())]),
                };
                let reads = if d.reads.is_empty() {
                    view! { <p>{m.reads_none}</p> }.into_any()
                } else {
                    view! {
                        <ul class="reads">
                            {d.reads.iter().map(|r| view! {
                                <li>{format!("{}: {} {}", r.on, role_label(m, r.role), read_label(m, &r.action))}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                };
                let documents = if d.documents.is_empty() {
                    view! { <p>{m.documents_none}</p> }.into_any()
                } else {
                    view! {
                        <ul>{d.documents.iter().map(|(name, _)| view! { <li>{name.clone()}</li> }).collect_view()}</ul>
                    }.into_any()
                };
                view! {
                    <CandidateFrame lang extra_query="">
                        <h1>{fill(m.my_data_title, &[("org", &d.org_name)])}</h1>
                        {confirmation}
                        <h2>{m.held_heading}</h2>
                        <dl class="facts">
                            <dt>{m.field_name}</dt><dd>{d.name.clone()}</dd>
                            <dt>{m.field_email}</dt><dd>{d.email.clone()}</dd>
                            <dt>{m.field_phone}</dt><dd>{if d.phone.is_empty() { "—".to_owned() } else { d.phone.clone() }}</dd>
                        </dl>
                        <h3>{m.applications_heading}</h3>
                        <ul>
                            {d.applications.iter().map(|a| view! {
                                <li>{format!("{}: {}", a.recruitment, stage_label(m, a.stage))}</li>
                            }).collect_view()}
                        </ul>
                        <h3>{m.documents_heading}</h3>
                        {documents}
                        <p>{fill(m.evaluations_summary, &[("notes", &d.notes.to_string()), ("scores", &d.scores.to_string())])}</p>
                        <h2>{m.retention_heading_own}</h2>
                        <p>{retention}</p>
                        <h2>{m.reads_heading}</h2>
                        {reads}
                        <h2>{m.download_heading}</h2>
                        <p>{m.download_text}</p>
                        <p><a class="button" href=EXPORT_MY_DATA.path download="" rel="external">{m.download_button}</a></p>
                        <h2>{m.requests_heading}</h2>
                        <ProblemBanner problem/>
                        <ActionForm action attr:class="stack">
                            <input type="hidden" name="lang" value=lang.code()/>
                            <div class="field">
                                <label for="kind">{m.request_kind_label}</label>
                                <select id="kind" name="kind">
                                    {RequestKind::ALL.into_iter().map(|k| view! {
                                        <option value=k.as_str()>{kind_label(m, k)}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="details">{m.request_details_label}</label>
                                <textarea id="details" name="details" rows="4" maxlength="4000"></textarea>
                            </div>
                            <button type="submit" class="button">{m.request_send}</button>
                        </ActionForm>
                        {(!d.requests.is_empty()).then(|| view! {
                            <h3>{m.your_requests_heading}</h3>
                            <ul>
                                {d.requests.iter().map(|r| view! {
                                    <li>{format!("{}: {} — {} ({})", r.received_on, kind_label(m, r.kind),
                                        status_label(m, r.status), fill(m.request_due, &[("date", &r.due_on)]))}</li>
                                }).collect_view()}
                            </ul>
                        })}
                    </CandidateFrame>
                }.into_any()
            })}
        </Suspense>
    }
}
