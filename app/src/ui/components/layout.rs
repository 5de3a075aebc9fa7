//! The signed-in staff layout: organisation, navigation by role, the user and sign-out.

use crate::api::account::current_user;
use crate::domain::role::allows;
use crate::routes::{STAFF_NAV, TWO_FACTOR_PAGE};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect},
    hooks::use_location,
};

#[component]
pub fn StaffLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(user) if user.mfa_enrolment_needed
                        && location.pathname.get_untracked() != TWO_FACTOR_PAGE => {
                        view! { <Redirect path=TWO_FACTOR_PAGE/> }.into_any()
                    }
                    Ok(user) => {
                        let role = user.role;
                        let nav = STAFF_NAV
                            .iter()
                            .filter(|(_, _, permission)| allows(role, *permission))
                            .map(|(href, label, _)| {
                                let current = move || location.pathname.get() == *href;
                                view! {
                                    <li>
                                        <a href=*href aria-current=move || current().then_some("page")>
                                            {*label}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            <a class="skip-link" href="#main">"Skip to content"</a>
                            <header class="topbar">
                                <span class="brand">"Candor"</span>
                                <span class="org">{user.org_name.clone()}</span>
                                <nav aria-label="Main">
                                    <ul>{nav}</ul>
                                </nav>
                                <div class="me">
                                    <span class="me-name">{user.display_name.clone()}</span>
                                    <span class="role-badge">{role.label()}</span>
                                    <form method="post" action="/logout">
                                        <button type="submit" class="button-link">"Sign out"</button>
                                    </form>
                                </div>
                            </header>
                        }
                            .into_any()
                    }
                    Err(_) => {
                        view! {
                            <div class="banner banner-error narrow" role="alert">
                                "Your session has ended. "
                                <a href="/login" rel="external">"Sign in again"</a>
                                "."
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
        // Outside the Suspense: the page is created once per navigation, not once per
        // re-render of the header (which would repeat its loads and audited reads).
        <main id="main" class="staff-main">
            <Outlet/>
        </main>
    }
}
