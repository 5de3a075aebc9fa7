//! The mark of a candidate who asked for the deletion of their data while the request is open
//! (F9): on their page, on the recruitment board's cards and in the candidate list.

use leptos::prelude::*;

const LABEL: &str = "Deletion requested";
const TITLE: &str = "The candidate asked for the deletion of their data; the request is open.";

#[component]
pub fn DeletionBadge() -> impl IntoView {
    view! { <span class="badge badge-deletion" title=TITLE>{LABEL}</span> }
}

/// The same mark as HTML text, for lists written as one string (the board's cards).
pub fn deletion_badge_html(out: &mut String) {
    out.push_str(r#"<span class="badge badge-deletion" title=""#);
    out.push_str(TITLE);
    out.push_str(r#"">"#);
    out.push_str(LABEL);
    out.push_str("</span>");
}
