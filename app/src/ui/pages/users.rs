//! Users (F4): the admin's page (invite, roles, deactivation) and the invitee's page.

use crate::api::users::{
    invitation, list_users, pending_invitations, AcceptInvitation, ChangeUserRole, InviteUser,
    Member, PendingInvitation, ResetTwoFactor, SetUserActive, WithdrawInvitation,
};
use crate::domain::role::Role;
use crate::ui::components::form::{
    cleared_after_success, form_problem, ConfirmBox, Field, ProblemBanner,
};
use crate::ui::components::status::{answer_page_with, is_link_refusal, load_error};
use crate::ui::pages::PublicCard;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn UsersPage() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let change = ServerAction::<ChangeUserRole>::new();
    let activate = ServerAction::<SetUserActive>::new();
    let reset = ServerAction::<ResetTwoFactor>::new();
    let reset_problem = form_problem(reset);
    let invite_problem = form_problem(invite);
    let change_problem = form_problem(change);
    let activate_problem = form_problem(activate);
    let query = use_query_map();
    let invited = move || {
        query.with(|q| q.get("invited").is_some()) || matches!(invite.value().get(), Some(Ok(())))
    };
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    let withdraw_problem = form_problem(withdraw);
    let invitations = Resource::new(
        move || (invite.version().get(), withdraw.version().get()),
        |_| pending_invitations(),
    );
    let members = Resource::new(
        move || {
            (
                invite.version().get(),
                change.version().get(),
                activate.version().get(),
                reset.version().get(),
            )
        },
        |_| list_users(),
    );
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <ProblemBanner problem=change_problem/>
        <ProblemBanner problem=activate_problem/>
        <ProblemBanner problem=reset_problem/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(list) => view! {
                        <table class="users">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"E-mail"</th>
                                <th scope="col">"Role"</th><th scope="col">"Status"</th>
                                <th scope="col">"Two-factor"</th>
                            </tr></thead>
                            <tbody>{list.into_iter().map(|m| row(m, change, activate, reset)).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
        <ProblemBanner problem=withdraw_problem/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match invitations.await {
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => view! {
                        <section class="panel" aria-labelledby="pending-title">
                            <h2 id="pending-title">"Invitations waiting for an answer"</h2>
                            <p>"No account exists until the colleague accepts; an invitation not accepted in time is removed."</p>
                            <table class="users">
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"E-mail"</th>
                                    <th scope="col">"Role"</th><th scope="col">"Status"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(|i| pending_row(i, withdraw)).collect_view()}</tbody>
                            </table>
                        </section>
                    }.into_any(),
                    Err(e) => load_error(&e),
                }
            })}
        </Suspense>
        <section class="panel" aria-labelledby="invite-title">
            <h2 id="invite-title">"Invite a colleague"</h2>
            {move || invited().then(|| view! { <p class="banner banner-ok" role="status">"The invitation is on its way; it works for 7 days."</p> })}
            <ProblemBanner problem=invite_problem/>
            <ActionForm action=invite node_ref=cleared_after_success(invite) attr:class="stack" attr:novalidate=true>
                <Field name="display_name" label="Name" autocomplete="off" problem=invite_problem/>
                <Field name="email" label="E-mail address" kind="email" autocomplete="off" problem=invite_problem/>
                <div class="field">
                    <label for="role">"Role"</label>
                    <select id="role" name="role">
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == Role::Recruiter>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Send the invitation"</button>
            </ActionForm>
        </section>
    }
}

fn pending_row(i: PendingInvitation, withdraw: ServerAction<WithdrawInvitation>) -> impl IntoView {
    view! {
        <tr class="pending">
            <td>{i.name.clone()}</td>
            <td>{i.email.clone()}</td>
            <td>{i.role.label()}</td>
            <td><span class="badge">"Pending"</span>{format!(" until {}", i.expires_on)}</td>
            <td>
                <ActionForm action=withdraw attr:class="inline">
                    <input type="hidden" name="invitation" value=i.id/>
                    <button type="submit" class="button-small">
                        "Withdraw"<span class="visually-hidden">{format!(" the invitation of {}", i.name)}</span>
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

fn row(
    m: Member,
    change: ServerAction<ChangeUserRole>,
    activate: ServerAction<SetUserActive>,
    reset: ServerAction<ResetTwoFactor>,
) -> impl IntoView {
    let select_id = format!("role-{}", m.id);
    let (id1, id2, id3) = (m.id.clone(), m.id.clone(), m.id.clone());
    let current = m.role;
    let consequence = format!(
        "{} is signed out at once and cannot sign in until reactivated.",
        m.name
    );
    view! {
        <tr class:inactive=!m.active>
            <td>{m.name.clone()}</td>
            <td>{m.email.clone()}</td>
            <td>
                <ActionForm action=change attr:class="inline-form">
                    <input type="hidden" name="user" value=id1/>
                    <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", m.name)}</label>
                    <select id=select_id name="role">
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == current>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button-small">"Change"</button>
                </ActionForm>
            </td>
            <td>
                {if m.active {
                    // A second step, which works without JavaScript: open, confirm, deactivate.
                    let confirm_id = format!("confirm-deactivate-{id2}");
                    view! {
                        <span>"Active "</span>
                        <details class="confirm-step">
                            <summary class="button-small">"Deactivate…"</summary>
                            <ActionForm action=activate attr:class="stack">
                                <input type="hidden" name="user" value=id2/>
                                <input type="hidden" name="active" value="false"/>
                                <ConfirmBox id=confirm_id
                                    label=consequence/>
                                <button type="submit" class="button-small button-danger">"Deactivate"</button>
                            </ActionForm>
                        </details>
                    }.into_any()
                } else {
                    view! {
                        <ActionForm action=activate attr:class="inline">
                            <input type="hidden" name="user" value=id2/>
                            <input type="hidden" name="active" value="true"/>
                            <span>"Deactivated "</span>
                            <button type="submit" class="button-small">"Reactivate"</button>
                        </ActionForm>
                    }.into_any()
                }}
            </td>
            <td>
                {if m.mfa_enabled {
                    view! {
                        <ActionForm action=reset attr:class="inline">
                            <input type="hidden" name="user" value=id3/>
                            <span>"On "</span>
                            <button type="submit" class="button-small">"Reset (lost phone)"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <span>"Off"</span> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let found = Resource::new(token, invitation);
    let providers = Resource::new(|| (), |_| crate::api::settings::sso_providers());
    let accept = ServerAction::<AcceptInvitation>::new();
    let problem = form_problem(accept);
    view! {
        <Meta name="robots" content="noindex, nofollow"/>
        <PublicCard title="Join your team on Candor">
            <ProblemBanner problem/>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok((org, email)) => view! {
                            <p>{format!("You are invited to {org} as {email}. Choose your name and a password.")}</p>
                            <ActionForm action=accept attr:class="stack" attr:novalidate=true>
                                <input type="hidden" name="token" value=token()/>
                                <Field name="display_name" label="Your name" autocomplete="name" problem/>
                                <Field name="password" label="Password" kind="password" autocomplete="new-password"
                                    hint="At least 12 characters; common passwords are refused." problem/>
                                <button type="submit" class="button">"Join"</button>
                            </ActionForm>
                            {move || Suspend::new(async move {
                                // Works only where the organisation enabled the provider for the address.
                                providers.await.unwrap_or_default().into_iter().map(|p| view! {
                                    <form method="get" action=format!("/auth/sso/{}/start", p.as_str()) class="sso">
                                        <input type="hidden" name="invite" value=token()/>
                                        <button type="submit" class="button button-secondary">{format!("Join with {}", p.label())}</button>
                                    </form>
                                }).collect_view()
                            })}
                        }.into_any(),
                        Err(e) if is_link_refusal(&e) => {
                            answer_page_with(&e);
                            view! {
                                <p>"This invitation does not work any more: it was used already or has expired. Ask your admin for a new one."</p>
                            }.into_any()
                        }
                        Err(e) => load_error(&e),
                    }
                })}
            </Suspense>
        </PublicCard>
    }
}
