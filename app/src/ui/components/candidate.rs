//! The frame of every candidate page (F7, F9): the candidate's language on `<html>`, no indexing,
//! a visible language switcher, one card.

use crate::domain::i18n::Lang;
use leptos::prelude::*;
use leptos_meta::{Html, Meta, Title};
use leptos_router::hooks::use_query_map;

/// Whether the page at `path` is a candidate page, framed by `CandidateFrame` in the candidate's
/// language (the routes of `App` that lead to a page using it).
pub fn is_candidate_path(path: &str) -> bool {
    matches!(path, "/privacy" | "/c/saved" | "/c/my-data")
        || ["/c/consent/", "/c/privacy/"]
            .iter()
            .any(|prefix| path.strip_prefix(prefix).is_some_and(|t| !t.contains('/')))
}

/// The language in the page's address, if one was chosen in the switcher.
pub fn chosen_lang() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("lang")))
}

/// Links to the same page in every language.
#[component]
fn LanguageSwitcher(current: Lang, extra_query: &'static str) -> impl IntoView {
    view! {
        <nav class="lang-switch" aria-label=current.messages().language_label>
            <ul>
                {Lang::ALL.into_iter().map(|lang| view! {
                    <li>
                        <a
                            href=format!("?lang={}{extra_query}", lang.code())
                            hreflang=lang.code()
                            lang=lang.code()
                            aria-current=(lang == current).then_some("page")
                        >{lang.native_name()}</a>
                    </li>
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// The frame of every candidate page: language, no indexing, the switcher and one card.
#[component]
pub fn CandidateFrame(lang: Lang, extra_query: &'static str, children: Children) -> impl IntoView {
    view! {
        <Html attr:lang=lang.code()/>
        <Meta name="robots" content="noindex, nofollow"/>
        <Title text=lang.messages().manage_title/>
        <main id="main" class="public candidate">
            <LanguageSwitcher current=lang extra_query/>
            <section class="card">{children()}</section>
        </main>
    }
}
