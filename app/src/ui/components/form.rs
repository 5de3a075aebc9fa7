//! Form feedback that works with and without JavaScript: an action's error when the form was
//! submitted by the hydrated app, or the `?error=` code after a plain HTML post.

use crate::api::candidates::PendingDeletion;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub fields: Vec<(String, String)>,
    /// The candidate's open deletion request the refused step must be confirmed against.
    pub deletion_request: Option<PendingDeletion>,
}

impl Problem {
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }
}

/// The generic hint for a field named in a no-JavaScript error redirect.
fn field_hint(field: &str) -> &'static str {
    match field {
        "email" => "Enter a valid e-mail address, like name@example.com.",
        "password" | "new_password" => {
            "Use at least 12 characters, and not a common or easily guessed password."
        }
        "current_password" => "This is not your current password.",
        "accept_dpa" => "Accept the data processing agreement to continue.",
        "cv" | "file" => {
            "This file was not accepted: check its type and size against the formats listed."
        }
        "kind" => "Choose what kind of file this is.",
        "confirm" => "Tick the confirmation box: this step cannot be undone.",
        _ => "This field is required (at most 200 characters).",
    }
}

pub(crate) fn from_error(err: &AppError) -> Problem {
    let fields = match err {
        AppError::Invalid { fields } => fields
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        _ => vec![],
    };
    let deletion_request = match err {
        AppError::DeletionRequestPending {
            request_id,
            received_on,
        } => Some(PendingDeletion {
            request_id: request_id.clone(),
            received_on: received_on.clone(),
        }),
        _ => None,
    };
    Problem {
        message: err.to_string(),
        fields,
        deletion_request,
    }
}

/// The error a browser without JavaScript was redirected with, for the form called `form`
/// (`None`: the page's server-function forms, which do not name themselves).
fn problem_in_url(query: &leptos_router::params::ParamsMap, form: Option<&str>) -> Option<Problem> {
    if query.get("form").as_deref() != form {
        return None;
    }
    let code = query.get("error")?;
    let retry = query.get("retry_after").and_then(|r| r.parse().ok());
    let err = if code == "deletion_request_pending" {
        AppError::deletion_request_pending_from(
            &query.get("request").unwrap_or_default(),
            &query.get("received").unwrap_or_default(),
        )?
    } else {
        AppError::from_code(&code, retry)?
    };
    // A browser without JavaScript whose post a limit refused lands here: this page is the
    // refusal, and says so with its status and when to try again.
    if matches!(err, AppError::RateLimited { .. }) {
        crate::ui::components::status::answer_page_with(&err);
    }
    let mut problem = from_error(&err);
    if let Some(fields) = query.get("fields") {
        problem.fields = fields
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| (f.to_owned(), field_hint(f).to_owned()))
            .collect();
    }
    Some(problem)
}

/// The problem to show for a form: the latest action error, else the one in the URL.
pub fn form_problem<T>(action: ServerAction<T>) -> Memo<Option<Problem>>
where
    T: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    T::Output: Clone + Send + Sync + 'static,
{
    let query = use_query_map();
    Memo::new(move |_| {
        if let Some(Err(err)) = action.value().get() {
            return Some(from_error(&err));
        }
        if action.value().with(|v| v.is_some()) {
            return None;
        }
        query.with(|q| problem_in_url(q, None))
    })
}

/// The problem of a plain HTML form (file uploads) that names itself in its error redirect.
pub fn named_form_problem(form: &'static str) -> Memo<Option<Problem>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| problem_in_url(q, Some(form))))
}

#[component]
pub fn ProblemBanner(problem: Memo<Option<Problem>>) -> impl IntoView {
    move || {
        problem.get().map(|p| {
            view! {
                <div class="banner banner-error" role="alert" id="form-error">
                    {p.message}
                </div>
            }
        })
    }
}

/// A labelled input with its field error, linked for screen readers.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "")] autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = true)] required: bool,
    problem: Memo<Option<Problem>>,
) -> impl IntoView {
    let error = move || problem.get().and_then(|p| p.field(name));
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described_by
            />
            {move || error().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// The control that names a colleague (owner, member, interviewer): a list while the
/// organisation's colleagues fit in one, else a field for the colleague's e-mail address. Either
/// way the form posts `name`, which the server resolves within the organisation.
#[component]
pub fn ColleaguePicker(
    /// The control's id and field name.
    name: &'static str,
    colleagues: crate::api::recruitments::Colleagues,
    /// Who may be chosen here.
    eligible: fn(crate::domain::role::Role) -> bool,
    /// Already chosen (public ids), left out of the list.
    #[prop(optional)]
    exclude: Vec<String>,
    /// A first, empty choice (for example "Me").
    #[prop(optional)]
    empty: Option<&'static str>,
) -> impl IntoView {
    if !colleagues.listed_all {
        let hint = format!("{name}-hint");
        return view! {
            <input id=name name=name type="email" autocomplete="off" spellcheck="false"
                aria-describedby=hint.clone() placeholder="name@example.com"/>
            <span class="hint" id=hint>
                {match empty {
                    Some(_) => "Their e-mail address; leave empty for yourself.",
                    None => "Their e-mail address.",
                }}
            </span>
        }
        .into_any();
    }
    let options = colleagues
        .people
        .into_iter()
        .filter(|p| eligible(p.role) && !exclude.contains(&p.id))
        .map(|p| view! { <option value=p.id>{format!("{} ({})", p.name, p.role.label())}</option> })
        .collect_view();
    view! {
        <select id=name name=name>
            {empty.map(|label| view! { <option value="">{label}</option> })}
            {options}
        </select>
    }
    .into_any()
}

/// The box an irreversible step's form must have ticked; the server checks it as well, so a post
/// without it is refused with what it would have confirmed. `label` says what cannot be undone.
#[component]
pub fn ConfirmBox(id: String, label: String) -> impl IntoView {
    view! {
        <div class="checkbox confirm">
            <input type="checkbox" id=id.clone() name="confirm" value="yes" required=true/>
            <label for=id>{label}</label>
        </div>
    }
}

/// The confirmation a step about a candidate with an open deletion request needs: it names the
/// request, and posts its id, which the server compares with the request still open.
#[component]
pub fn DeletionRequestConfirm(
    id: String,
    request: PendingDeletion,
    /// What goes ahead, as the sentence's start: "Record this decision".
    step: &'static str,
) -> impl IntoView {
    let label = format!(
        "The candidate asked for the deletion of their data (request {}, received {}). {step} regardless.",
        request.request_id, request.received_on
    );
    view! {
        <div class="checkbox confirm confirm-deletion">
            <input type="checkbox" id=id.clone() name="confirm_deletion_request"
                value=request.request_id required=true/>
            <label for=id>{label}</label>
        </div>
    }
}

/// The form of `action`, emptied once the action succeeded, so what was typed cannot be sent a
/// second time by mistake (a second key, a duplicate note). Pass it as the `ActionForm`'s
/// `node_ref`. Only the hydrated page needs this: without JavaScript the redirect after the post
/// already shows a fresh page.
pub fn cleared_after_success<T>(action: ServerAction<T>) -> NodeRef<leptos::html::Form>
where
    T: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    T::Output: Clone + Send + Sync + 'static,
{
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    form
}
