//! Stored files on a page: the list with download links, and the upload forms. Uploads are plain
//! multipart forms posting to the file routes, so they work without JavaScript; once the page is
//! hydrated they send themselves with `fetch`, so a refusal shows its message beside the field
//! and keeps what was typed and chosen.

use crate::api::documents::DocumentSummary;
use crate::domain::upload::FileKind;
use crate::ui::components::form::{named_form_problem, Problem, ProblemBanner};
use leptos::prelude::*;

/// The state of one upload form: its problem (from this page's last try, else from the URL of a
/// no-JavaScript redirect), whether it is being sent, and its submit handler.
#[derive(Clone, Copy)]
pub struct UploadForm {
    pub problem: Memo<Option<Problem>>,
    pub pending: RwSignal<bool>,
    last_error: RwSignal<Option<Problem>>,
}

impl UploadForm {
    pub fn new(form: &'static str) -> Self {
        let in_url = named_form_problem(form);
        let last_error = RwSignal::new(None::<Problem>);
        Self {
            problem: Memo::new(move |_| last_error.get().or_else(|| in_url.get())),
            pending: RwSignal::new(false),
            last_error,
        }
    }

    /// Sends the form with `fetch` instead of leaving the page. Without JavaScript this never
    /// runs and the browser posts the form itself.
    pub fn submit(self, ev: leptos::ev::SubmitEvent) {
        #[cfg(feature = "hydrate")]
        browser::send(ev, self.last_error, self.pending);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, self.last_error);
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Problem;
    use crate::error::AppError;
    use crate::ui::components::form::from_error;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{FormData, HtmlFormElement, Request, RequestInit, Response};

    pub fn send(
        ev: leptos::ev::SubmitEvent,
        last_error: RwSignal<Option<Problem>>,
        pending: RwSignal<bool>,
    ) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = FormData::new_with_form(&form) else {
            return;
        };
        ev.prevent_default();
        pending.set(true);
        leptos::task::spawn_local(async move {
            let outcome = post(&form.action(), &data).await;
            pending.set(false);
            match outcome {
                Some(Ok(location)) => {
                    if let Some(window) = web_sys::window() {
                        go_to(&window.location(), &location);
                    }
                }
                Some(Err(err)) => last_error.set(Some(from_error(&err))),
                // The network failed under fetch: let the browser try the plain post.
                None => {
                    let _ = form.submit();
                }
            }
        });
    }

    /// Follows the server's `location`; when it is this very page (with another anchor), a new
    /// anchor alone would not reload it, so the page is reloaded to show what changed.
    fn go_to(here: &web_sys::Location, location: &str) {
        let (path, anchor) = location.split_once('#').unwrap_or((location, ""));
        if here.pathname().ok().as_deref() == Some(path) {
            let _ = here.set_hash(anchor);
            let _ = here.reload();
        } else {
            let _ = here.set_href(location);
        }
    }

    /// The `location` to go to, the refusal, or `None` when no answer came.
    async fn post(url: &str, data: &FormData) -> Option<Result<String, AppError>> {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(data.as_ref());
        let headers = web_sys::Headers::new().ok()?;
        headers.set("Accept", "application/json").ok()?;
        init.set_headers(headers.as_ref());
        let request = Request::new_with_str_and_init(url, &init).ok()?;
        let window = web_sys::window()?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
        let text = JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        if response.ok() {
            let body: serde_json::Value = serde_json::from_str(&text).ok()?;
            return Some(Ok(body["location"].as_str()?.to_owned()));
        }
        Some(Err(serde_json::from_str(&text).unwrap_or_else(|_| {
            if response.status() == 413 {
                AppError::BadRequest {
                    message: "The file is too large to upload here.".into(),
                }
            } else {
                AppError::Unavailable
            }
        })))
    }
}

#[component]
pub fn FileList(files: Vec<DocumentSummary>, empty: &'static str) -> impl IntoView {
    if files.is_empty() {
        return view! { <p class="small">{empty}</p> }.into_any();
    }
    view! {
        <ul class="files">
            {files.into_iter().map(|f| view! {
                <li>
                    // A file, not a page: the router must leave the click to the browser.
                    <a href=f.href download=f.file_name.clone() rel="external">{f.file_name.clone()}</a>
                    <span class="small">
                        {format!(" · {} · {} · {} · {}", f.kind.label(), f.size, f.uploaded_by, f.at)}
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A file input with its hint and its error, linked for screen readers.
#[component]
pub fn FileField(
    name: &'static str,
    label: &'static str,
    kinds: Vec<FileKind>,
    #[prop(default = true)] required: bool,
    problem: Memo<Option<Problem>>,
) -> impl IntoView {
    let error = move || problem.get().and_then(|p| p.field(name));
    let (hint_id, error_id) = (format!("{name}-hint"), format!("{name}-error"));
    let accept = kinds
        .iter()
        .map(|k| k.accept_attribute())
        .collect::<Vec<_>>()
        .join(",");
    let hint = if kinds.len() == 1 {
        kinds[0].hint().to_owned()
    } else {
        kinds
            .iter()
            .map(|k| format!("{}: {}", k.label(), k.hint()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error().is_some() {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=name>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            <input
                id=name
                name=name
                type="file"
                accept=accept
                required=required
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described_by
            />
            {move || error().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
        </div>
    }
}

/// An upload form for `kinds` (a choice when there are several) posting to `action`. `form` names
/// the form in error redirects and is the id of the section it sits in.
#[component]
pub fn FileUpload(
    form: &'static str,
    action: String,
    kinds: Vec<FileKind>,
    submit: &'static str,
) -> impl IntoView {
    let state = UploadForm::new(form);
    let problem = state.problem;
    // One kind names the file it asks for; several are chosen from the list above.
    let file_label = if kinds.len() == 1 {
        kinds[0].label()
    } else {
        "File"
    };
    let kind_choice = if kinds.len() == 1 {
        view! { <input type="hidden" name="kind" value=kinds[0].as_str()/> }.into_any()
    } else {
        let select_id = format!("{form}-kind");
        view! {
            <div class="field">
                <label for=select_id.clone()>"Kind"</label>
                <select id=select_id name="kind">
                    {kinds.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
            </div>
        }
        .into_any()
    };
    view! {
        <form
            method="post"
            action=action
            enctype="multipart/form-data"
            class="stack upload-form"
            on:submit=move |ev| state.submit(ev)
        >
            <ProblemBanner problem/>
            {kind_choice}
            <FileField name="file" label=file_label kinds problem/>
            <SubmitButton label=submit pending=state.pending/>
        </form>
    }
}

/// A submit button that says it is working while the form is being sent.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending: RwSignal<bool>,
    #[prop(default = "button button-secondary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { "Sending…" } else { label }}
        </button>
    }
}
