//! Copying a value shown once (a new API key) with one click, through the browser's Clipboard
//! API: no third-party script, nothing the Content-Security-Policy has to allow.

use leptos::prelude::*;

/// A button that copies `text` to the clipboard and says whether it did. Hidden until the page
/// is hydrated: without JavaScript it could do nothing, and the text stays there to select.
#[component]
pub fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                copied.set(Some(browser::write(&text).await));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="button button-secondary" hidden=move || !hydrated.get() on:click=copy>
            {label}
        </button>
        <span class="small" role="status">
            {move || match copied.get() {
                Some(true) => "Copied to the clipboard.",
                Some(false) => "The browser did not allow copying: select the text and copy it.",
                None => "",
            }}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen_futures::JsFuture;

    /// Writes `text` to the clipboard; `false` when the browser refused (no permission, no
    /// secure context).
    pub async fn write(text: &str) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let promise = window.navigator().clipboard().write_text(text);
        JsFuture::from(promise).await.is_ok()
    }
}
