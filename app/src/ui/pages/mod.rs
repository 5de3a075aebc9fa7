pub mod account;
pub mod api_keys;
pub mod audit;
pub mod candidate;
pub mod consent;
pub mod dashboard;
pub mod dpa;
pub mod home;
pub mod interviews;
pub mod login;
pub mod privacy;
pub mod recruitments;
pub mod requests;
pub mod reset;
pub mod settings;
pub mod signup;
pub mod two_factor;
pub mod users;
pub mod verify_email;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    crate::ui::components::status::answer_page_with(&crate::error::AppError::NotFound);
    view! {
        <Title text="Not found"/>
        <main id="main" class="narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address, or you may not see it."</p>
            <p><a href="/">"Go to the start page"</a></p>
        </main>
    }
}

/// The card that holds the public, signed-out pages.
#[component]
pub fn PublicCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <main id="main" class="public">
            <p class="brand brand-public">"Candor"</p>
            <section class="card" aria-labelledby="page-title">
                <h1 id="page-title">{title}</h1>
                {children()}
            </section>
        </main>
    }
}
