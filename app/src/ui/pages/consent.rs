//! The candidate's consent pages (F7): the notice and one yes-or-no question per purpose, or the
//! choices given with a withdrawal per purpose. Server-rendered, complete without JavaScript, in
//! the candidate's language with a visible switcher.

use crate::api::consent::{consent_page, ConsentView, GiveConsent, WithdrawConsent};
use crate::domain::consent::Purpose;
use crate::domain::i18n::{fill, Lang};
use crate::ui::components::candidate::{chosen_lang, CandidateFrame};
use crate::ui::components::form::{form_problem, Problem, ProblemBanner};
use crate::ui::components::status::{answer_page_with, is_link_refusal, load_error};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ConsentPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let chosen = chosen_lang();
    let data = Resource::new(
        move || (token(), chosen.get()),
        |(token, lang)| consent_page(token, lang),
    );
    let give = ServerAction::<GiveConsent>::new();
    let withdraw = ServerAction::<WithdrawConsent>::new();
    let give_problem = form_problem(give);
    let withdraw_problem = form_problem(withdraw);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => {
                        let token = token();
                        view! {
                            <CandidateFrame lang=view.lang extra_query="">
                                <ConsentBody view token give withdraw give_problem withdraw_problem/>
                            </CandidateFrame>
                        }.into_any()
                    }
                    Err(e) if is_link_refusal(&e) => {
                        answer_page_with(&e);
                        let lang = chosen.get().as_deref().and_then(Lang::parse).unwrap_or_default();
                        let m = lang.messages();
                        view! {
                            <CandidateFrame lang extra_query="">
                                <h1>{m.link_invalid_title}</h1>
                                <p>{m.link_invalid_text}</p>
                            </CandidateFrame>
                        }.into_any()
                    }
                    Err(e) => {
                        let lang = chosen.get().as_deref().and_then(Lang::parse).unwrap_or_default();
                        view! { <CandidateFrame lang extra_query="">{load_error(&e)}</CandidateFrame> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ConsentBody(
    view: ConsentView,
    token: String,
    give: ServerAction<GiveConsent>,
    withdraw: ServerAction<WithdrawConsent>,
    give_problem: Memo<Option<Problem>>,
    withdraw_problem: Memo<Option<Problem>>,
) -> impl IntoView {
    let lang = view.lang;
    let m = lang.messages();
    let notice = view.notice;
    // The last section of the notice is the list of questions, asked below as a form.
    let info_sections = notice.sections.len().saturating_sub(1);
    let sections = notice
        .sections
        .into_iter()
        .take(info_sections)
        .map(|(heading, paragraphs)| {
            let body = if paragraphs.len() > 1 {
                view! { <ul>{paragraphs.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }
                    .into_any()
            } else {
                paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view().into_any()
            };
            view! { <h2>{heading}</h2> {body} }
        })
        .collect_view();
    let action_part = if view.asking {
        let questions = Purpose::ALL.into_iter().map(|purpose| {
            let (question, detail) = purpose.question(lang);
            let name = purpose.as_str();
            let error = move || give_problem.get().and_then(|p| p.field(name));
            let detail_id = format!("{name}-detail");
            view! {
                <fieldset class="question" class:field-invalid=move || error().is_some()
                    aria-describedby=format!("{name}-detail")>
                    <legend>{question}</legend>
                    <p class="hint" id=detail_id>{detail}</p>
                    <label><input type="radio" name=name value="yes" required=true/>" " {m.yes}</label>
                    <label><input type="radio" name=name value="no"/>" " {m.no}</label>
                    {move || error().map(|e| view! { <p class="field-error">{e}</p> })}
                </fieldset>
            }
        }).collect_view();
        view! {
            <h2>{m.choices_heading}</h2>
            <p>{m.choices_hint}</p>
            <ProblemBanner problem=give_problem/>
            <ActionForm action=give attr:class="stack">
                <input type="hidden" name="token" value=token.clone()/>
                <input type="hidden" name="lang" value=lang.code()/>
                {questions}
                <button type="submit" class="button">{m.save_choices}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        let rows = view
            .statuses
            .into_iter()
            .map(|(purpose, status)| {
                let (question, _) = purpose.question(lang);
                let token = token.clone();
                let form = status.is_granted().then(move || view! {
                <ActionForm action=withdraw attr:class="inline">
                    <input type="hidden" name="token" value=token/>
                    <input type="hidden" name="lang" value=lang.code()/>
                    <input type="hidden" name="purpose" value=purpose.as_str()/>
                    <button type="submit" class="button button-secondary">{m.withdraw}</button>
                </ActionForm>
            });
                view! {
                    <li>
                        <strong>{question}</strong> ": " {status.candidate_label(lang)}
                        {form}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h2>{m.manage_title}</h2>
            <p>{fill(m.manage_intro, &[("org", &view.org_name), ("recruitment", &view.recruitment_title)])}</p>
            <ProblemBanner problem=withdraw_problem/>
            <ul class="consent-statuses">{rows}</ul>
            <ActionForm action=withdraw attr:class="stack">
                <input type="hidden" name="token" value=token.clone()/>
                <input type="hidden" name="lang" value=lang.code()/>
                <input type="hidden" name="purpose" value="all"/>
                <button type="submit" class="button">{m.withdraw_all}</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <h1>{notice.title}</h1>
        <p>{notice.intro}</p>
        {sections}
        {action_part}
    }
}

/// Where the candidate lands after answering or withdrawing.
#[component]
pub fn ConsentSavedPage() -> impl IntoView {
    let chosen = chosen_lang();
    let query = use_query_map();
    let withdrawn = move || query.with(|q| q.get("withdrawn").is_some());
    move || {
        let lang = chosen
            .get()
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default();
        let m = lang.messages();
        let (title, text, extra) = if withdrawn() {
            (m.withdrawn_title, m.withdrawn_text, "&withdrawn=1")
        } else {
            (m.saved_title, m.saved_text, "")
        };
        view! {
            <CandidateFrame lang extra_query=extra>
                <h1>{title}</h1>
                <p role="status">{text}</p>
            </CandidateFrame>
        }
    }
}
