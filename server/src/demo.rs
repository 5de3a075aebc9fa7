//! The demo organisation for `--demo`: one verified user per role (R1) with known passwords.
//! Development only; production refuses it.

use candor_app::backend::{
    auth::{password, tokens::random_16},
    db::{self, orgs::NewOrg, users::NewUser},
    guard::CURRENT_DPA_VERSION,
    state::AppState,
};
use candor_app::domain::{
    ids::{IdKind, PublicId},
    role::Role,
};
use uuid::Uuid;

pub const DEMO_ORG: &str = "Northwind Talent (demo)";

pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
}

pub fn demo_users() -> Vec<DemoUser> {
    Role::ALL
        .iter()
        .map(|role| DemoUser {
            role: *role,
            email: format!("{}@demo.candor.test", role.as_str().replace('_', "-")),
            password: format!("demo {} passphrase 2026", role.label().to_lowercase()),
        })
        .collect()
}

/// Creates the demo organisation unless its admin already exists.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<DemoUser>> {
    let users = demo_users();
    let mut probe = state.db.begin_unscoped().await?;
    let existing = db::users::locate_by_email(&mut probe, &users[0].email).await?;
    probe.commit().await?;
    if existing.is_some() {
        return Ok(users);
    }
    let org_id = Uuid::new_v4();
    let mut tx = state.db.begin_for_org(org_id).await?;
    let org_public = PublicId::from_random(IdKind::Org, random_16());
    db::orgs::insert(
        &mut tx,
        &NewOrg {
            id: org_id,
            public_id: org_public.as_str(),
            name: DEMO_ORG,
            dpa_version: CURRENT_DPA_VERSION,
        },
    )
    .await?;
    let now = state.clock.now();
    for user in &users {
        let user_id = Uuid::new_v4();
        let public = PublicId::from_random(IdKind::User, random_16());
        let checked = password::parse_new_password(user.password.clone(), &[])
            .map_err(|e| anyhow::anyhow!("demo password for {}: {e}", user.role))?;
        let hash = password::hash(&checked).await?;
        db::users::insert(
            &mut tx,
            &NewUser {
                id: user_id,
                public_id: public.as_str(),
                org_id,
                email: &user.email,
                display_name: &format!("Demo {}", user.role.label()),
                password_hash: &hash,
                role: user.role.as_str(),
            },
        )
        .await?;
        db::users::mark_email_verified(&mut tx, org_id, user_id, now).await?;
        if user.role == Role::Admin {
            db::orgs::record_dpa_acceptance(&mut tx, org_id, user_id, CURRENT_DPA_VERSION).await?;
        }
    }
    tx.commit().await?;
    Ok(users)
}

pub fn print(users: &[DemoUser], base_url: &str) {
    println!();
    println!(
        "Demo organisation \"{DEMO_ORG}\" — sign in at {}login",
        base_url
    );
    for u in users {
        println!("  {:<15} {:<36} {}", u.role.label(), u.email, u.password);
    }
    println!();
}
