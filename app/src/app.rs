//! The HTML shell, the providers and the router.

use crate::ui::components::layout::StaffLayout;
use crate::ui::pages::{
    account::AccountPage,
    api_keys::ApiKeysPage,
    audit::AuditPage,
    candidate::{CandidatePage, CandidatesPage},
    consent::{ConsentPage, ConsentSavedPage},
    dashboard::DashboardPage,
    dpa::DpaPage,
    home::HomePage,
    interviews::{InterviewPage, InterviewsPage},
    login::LoginPage,
    privacy::{MyDataPage, PrivacyLinkPage, PrivacyPage},
    recruitments::{EditRecruitmentPage, NewRecruitmentPage, RecruitmentPage, RecruitmentsPage},
    requests::RequestsPage,
    reset::{ResetPage, ResetWithTokenPage},
    settings::SettingsPage,
    signup::{SignUpCheckEmailPage, SignUpPage},
    two_factor::{SecondFactorPage, TwoFactorPage},
    users::{InvitationPage, UsersPage},
    verify_email::{VerifyEmailPage, VerifyEmailWithTokenPage},
    NotFoundPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // A candidate page sets `lang` itself, in the candidate's language (`CandidateFrame`); the
    // attribute is written once, so the shell writes it only on the other pages.
    #[cfg(feature = "ssr")]
    let candidate_page = use_context::<http::request::Parts>()
        .is_some_and(|p| crate::ui::components::candidate::is_candidate_path(p.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let candidate_page = false;
    view! {
        <!DOCTYPE html>
        <html lang=(!candidate_page).then_some("en")>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                // No favicon request: the portal ships no icon and wants no 404 in the log.
                <link rel="icon" href="data:,"/>
                <BundleScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Loads the browser bundle and hydrates the page: what Leptos' `HydrationScripts` writes, except
/// that it puts the CSP nonce in the preload links' `crossorigin`, which is no valid value there.
/// Browsers read an invalid value as `anonymous`, which is written here: the preloaded files are
/// the ones the import and the WebAssembly fetch ask for (both in CORS mode), so they are reused.
/// The inline module carries the nonce; what it imports is trusted through it (`strict-dynamic`).
#[component]
fn BundleScripts(options: LeptosOptions) -> impl IntoView {
    let bundle = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let start = format!(
        "const bundle = await import({js:?});\n\
         await bundle.default({{ module_or_path: {wasm:?} }});\n\
         bundle.hydrate();",
        js = format!("{bundle}.js"),
        wasm = format!("{bundle}.wasm"),
    );
    view! {
        <link rel="modulepreload" href=format!("{bundle}.js") crossorigin="anonymous"/>
        <link
            rel="preload"
            href=format!("{bundle}.wasm")
            r#as="fetch"
            r#type="application/wasm"
            crossorigin="anonymous"
        />
        <script type="module" nonce=leptos::nonce::use_nonce()>{start}</script>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="candor" href="/pkg/candor.css"/>
        <Title formatter=|page: String| format!("{page} · Candor")/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/two-factor") view=SecondFactorPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/check-email") view=SignUpCheckEmailPage/>
                <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route
                    path=path!("/verify-email/:token")
                    view=VerifyEmailWithTokenPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/reset") view=ResetPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=ResetWithTokenPage ssr=SsrMode::Async/>
                <Route path=path!("/c/consent/:token") view=ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/c/saved") view=ConsentSavedPage ssr=SsrMode::Async/>
                <Route path=path!("/privacy") view=PrivacyPage ssr=SsrMode::Async/>
                <Route path=path!("/c/privacy/:token") view=PrivacyLinkPage ssr=SsrMode::Async/>
                <Route path=path!("/c/my-data") view=MyDataPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=InvitationPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/admin") view=StaffLayout ssr=SsrMode::Async>
                    <Route path=path!("users") view=UsersPage/>
                    <Route path=path!("api-keys") view=ApiKeysPage/>
                    <Route path=path!("settings") view=SettingsPage/>
                </ParentRoute>
                <ParentRoute path=path!("/app") view=StaffLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage/>
                    <Route path=path!("account") view=AccountPage/>
                    <Route path=path!("account/two-factor") view=TwoFactorPage/>
                    <Route path=path!("dpa") view=DpaPage/>
                    <Route path=path!("recruitments") view=RecruitmentsPage/>
                    <Route path=path!("recruitments/new") view=NewRecruitmentPage/>
                    <Route path=path!("recruitments/:id") view=RecruitmentPage/>
                    <Route path=path!("recruitments/:id/edit") view=EditRecruitmentPage/>
                    <Route path=path!("candidates") view=CandidatesPage/>
                    <Route path=path!("candidates/:id") view=CandidatePage/>
                    <Route path=path!("interviews") view=InterviewsPage/>
                    <Route path=path!("interviews/:id") view=InterviewPage/>
                    <Route path=path!("requests") view=RequestsPage/>
                    <Route path=path!("audit") view=AuditPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
