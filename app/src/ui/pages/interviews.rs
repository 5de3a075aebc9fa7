//! Interview pages: the list (interviewers see only theirs) and one interview with its scorecard.

use crate::api::interviews::{interview, my_interviews, AssignInterviewer, SaveScore};
use crate::api::recruitments::recruitment_staff;
use crate::domain::consent::{ConsentStatus, Purpose};
use crate::domain::role::{allows, Permission};
use crate::domain::upload::FileKind;
use crate::routes::UPLOAD_INTERVIEW_FILE;
use crate::ui::components::consent::{consent_initials_html, ConsentBadges};
use crate::ui::components::files::{FileList, FileUpload};
use crate::ui::components::form::{form_problem, ColleaguePicker, ProblemBanner};
use crate::ui::components::status::load_error;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InterviewsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_interviews());
    view! {
        <Title text="Interviews"/>
        <h1>"Interviews"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(rows) if rows.is_empty() => view! { <p>"No interviews for you yet."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table>
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Candidate"</th>
                                <th scope="col">"Recruitment"</th><th scope="col">"Where"</th>
                                <th scope="col">"Consent"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|i| {
                                    let mut consent = String::new();
                                    consent_initials_html(&mut consent, &i.consent);
                                    view! {
                                    <tr>
                                        <td><a href=format!("/app/interviews/{}", i.id)>{i.starts}</a></td>
                                        <td>{i.candidate_name}</td>
                                        <td>{i.recruitment_title}</td>
                                        <td>{i.location}</td>
                                        <td inner_html=consent></td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn InterviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let save = ServerAction::<SaveScore>::new();
    let assign = ServerAction::<AssignInterviewer>::new();
    let save_problem = form_problem(save);
    let assign_problem = form_problem(assign);
    let data = Resource::new(
        move || (id(), save.version().get(), assign.version().get()),
        |(id, ..)| interview(id),
    );
    view! {
        <Title text="Interview"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return load_error(&e),
                };
                let iid = d.summary.id.clone();
                let rows = d.criteria.iter().map(|c| {
                    let scores: Vec<_> = d.scores.iter().filter(|s| s.criterion_id == c.id).cloned().collect();
                    // The form starts from what the caller saved, so saving again keeps it.
                    let saved = scores.iter().find(|s| s.mine).map(|s| (s.score, s.evidence.clone()));
                    let saved_score = saved.as_ref().map(|(score, _)| *score);
                    let saved_evidence = saved.map(|(_, evidence)| evidence).unwrap_or_default();
                    let mine = d.caller_assigned;
                    let (iid, cid) = (iid.clone(), c.id.clone());
                    view! {
                        <tr>
                            <th scope="row">{c.name.clone()}<p class="small">{c.description.clone()}</p></th>
                            <td>{c.weight}</td>
                            <td>
                                <ul class="scores">
                                    {scores.into_iter().map(|s| view! {
                                        <li><strong>{format!("{}/5", s.score)}</strong>" “" {s.evidence} "” — " {s.interviewer}</li>
                                    }).collect_view()}
                                </ul>
                                {mine.then_some(view! {
                                    <ActionForm action=save attr:class="inline-form score-form">
                                        <input type="hidden" name="interview" value=iid/>
                                        <input type="hidden" name="criterion" value=cid.clone()/>
                                        <label for=format!("score-{cid}")>"Score"</label>
                                        <select id=format!("score-{cid}") name="score" required=true>
                                            <option value="" selected=saved_score.is_none()>"Choose"</option>
                                            {(1..=5).map(|n| view! {
                                                <option value=n.to_string() selected=saved_score == Some(n)>{n.to_string()}</option>
                                            }).collect_view()}
                                        </select>
                                        <label for=format!("evidence-{cid}")>"Evidence"</label>
                                        <input id=format!("evidence-{cid}") name="evidence" type="text" maxlength="2000"
                                            value=saved_evidence/>
                                        <button type="submit" class="button button-secondary">"Save"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view();
                let manage = d.can_manage;
                let (offered, withheld) = interview_uploads(&d.consent, d.restricted);
                view! {
                    <h1>{format!("Interview: {}", d.summary.candidate_name)}</h1>
                    <p>
                        {d.summary.starts.clone()} " · " {format!("{} minutes", d.summary.duration_minutes)}
                        " · " {d.summary.recruitment_title.clone()}
                        {(!d.summary.location.is_empty()).then(|| format!(" · {}", d.summary.location))}
                    </p>
                    <div class="consent-panel">
                        <p class="small">"Scoring, recording and transcription need the candidate's consent for them:"</p>
                        <ConsentBadges consent=d.consent.clone()/>
                    </div>
                    <p>"Interviewers: " {if d.interviewers.is_empty() { "none yet".to_owned() } else { d.interviewers.join(", ") }}</p>
                    <ProblemBanner problem=assign_problem/>
                    {manage.then_some(view! { <AssignForm interview=iid.clone() action=assign/> })}
                    <section class="panel" id="files" aria-labelledby="files-title">
                        <h2 id="files-title">"Recording and transcript"</h2>
                        <FileList files=d.files.clone() empty="No recording or transcript yet."/>
                        {(!withheld.is_empty()).then(|| view! {
                            <ul class="small" data-testid="uploads-withheld">
                                {withheld.into_iter().map(|why| view! { <li>{why}</li> }).collect_view()}
                            </ul>
                        })}
                        {(!offered.is_empty()).then(|| view! {
                            <FileUpload
                                form="files"
                                action=UPLOAD_INTERVIEW_FILE.at(&iid)
                                kinds=offered
                                submit="Attach"
                            />
                        })}
                    </section>
                    <section class="panel" aria-labelledby="scorecard-title">
                        <h2 id="scorecard-title">"Scorecard"</h2>
                        <p class="small">"Score each criterion from 1 to 5 and quote the evidence. Scores inform the people who decide; they decide nothing."</p>
                        <ProblemBanner problem=save_problem/>
                        <table>
                            <thead><tr><th scope="col">"Criterion"</th><th scope="col">"Weight"</th><th scope="col">"Scores"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn AssignForm(interview: String, action: ServerAction<AssignInterviewer>) -> impl IntoView {
    let staff = Resource::new(|| (), |_| recruitment_staff());
    // The whole form waits for the list: a <select> cannot hold a Suspense boundary.
    view! {
        <Suspense>
            {move || {
                let interview = interview.clone();
                Suspend::new(async move {
                    let colleagues = staff.await.unwrap_or_default();
                    view! {
                        <ActionForm action attr:class="inline-form">
                            <input type="hidden" name="interview" value=interview/>
                            <label for="interviewer">"Interviewer"</label>
                            <ColleaguePicker name="interviewer" colleagues
                                eligible=|role| allows(role, Permission::ConductInterviews)/>
                            <button type="submit" class="button button-secondary">"Assign"</button>
                        </ActionForm>
                    }
                })
            }}
        </Suspense>
    }
}

/// The interview files the candidate's consent allows now (a recording needs recording consent,
/// a transcript transcription consent), and for each one it does not, why: the server refuses
/// them anyway, so no form is offered that could only fail.
fn interview_uploads(
    consent: &[(Purpose, ConsentStatus)],
    restricted: bool,
) -> (Vec<FileKind>, Vec<String>) {
    let mut offered = Vec::new();
    let mut withheld = Vec::new();
    for (kind, purpose) in [
        (FileKind::Recording, Purpose::Recording),
        (FileKind::Transcript, Purpose::Transcription),
    ] {
        let status = consent
            .iter()
            .find(|(p, _)| *p == purpose)
            .map_or(ConsentStatus::Pending, |(_, s)| *s);
        let what = purpose.label().to_lowercase();
        let why = match status {
            _ if restricted => {
                "the candidate restricted the processing of their data, which pauses it".to_owned()
            }
            ConsentStatus::Granted => {
                offered.push(kind);
                continue;
            }
            ConsentStatus::Pending => {
                format!("the candidate has not answered the request for consent to {what} yet")
            }
            ConsentStatus::Refused => format!("the candidate refused consent to {what}"),
            ConsentStatus::Withdrawn => format!("the candidate withdrew their consent to {what}"),
            ConsentStatus::Expired => format!("the candidate's consent to {what} expired"),
        };
        withheld.push(format!(
            "{}: cannot be attached, because {why}.",
            kind.label()
        ));
    }
    (offered, withheld)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interview_file_is_offered_only_under_its_own_consent_and_otherwise_says_why() {
        let consent = [
            (Purpose::Evaluation, ConsentStatus::Granted),
            (Purpose::Recording, ConsentStatus::Refused),
            (Purpose::Transcription, ConsentStatus::Granted),
        ];
        let (offered, withheld) = interview_uploads(&consent, false);
        assert_eq!(offered, [FileKind::Transcript]);
        assert_eq!(
            withheld,
            ["Recording: cannot be attached, because the candidate refused consent to recording."]
        );
        let (offered, withheld) = interview_uploads(&[], false);
        assert!(offered.is_empty());
        assert!(withheld[1].contains("has not answered the request for consent to transcription"));
        let withdrawn = [(Purpose::Recording, ConsentStatus::Withdrawn)];
        assert!(interview_uploads(&withdrawn, false).1[0].contains("withdrew"));
        let granted = [
            (Purpose::Recording, ConsentStatus::Granted),
            (Purpose::Transcription, ConsentStatus::Granted),
        ];
        assert_eq!(interview_uploads(&granted, false).0.len(), 2);
        let (offered, withheld) = interview_uploads(&granted, true);
        assert!(offered.is_empty());
        assert!(withheld[0].contains("restricted the processing"));
    }
}
