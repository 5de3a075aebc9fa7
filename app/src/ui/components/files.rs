//! Stored files on a page: the list with download links, and the upload forms. Uploads are plain
//! multipart forms posting to the file routes, so they work the same with or without JavaScript.

use crate::api::documents::DocumentSummary;
use crate::domain::upload::FileKind;
use crate::ui::components::form::{named_form_problem, Problem, ProblemBanner};
use leptos::prelude::*;

#[component]
pub fn FileList(files: Vec<DocumentSummary>, empty: &'static str) -> impl IntoView {
    if files.is_empty() {
        return view! { <p class="small">{empty}</p> }.into_any();
    }
    view! {
        <ul class="files">
            {files.into_iter().map(|f| view! {
                <li>
                    <a href=f.href download=f.file_name.clone()>{f.file_name.clone()}</a>
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
pub fn UploadForm(
    form: &'static str,
    action: String,
    kinds: Vec<FileKind>,
    submit: &'static str,
) -> impl IntoView {
    let problem = named_form_problem(form);
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
        <form method="post" action=action enctype="multipart/form-data" class="stack upload-form">
            <ProblemBanner problem/>
            {kind_choice}
            <FileField name="file" label="File" kinds problem/>
            <button type="submit" class="button button-secondary">{submit}</button>
        </form>
    }
}
