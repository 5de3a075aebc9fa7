//! Organisation-level actions of admins.

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    backend::{accounts, guard::serve},
    domain::role::{Access, Permission},
};

/// Accepts the current DPA version for the caller's organisation (F1).
#[server(prefix = "/fn", endpoint = "accept_dpa")]
pub async fn accept_dpa() -> Result<(), AppError> {
    serve(
        Access::Requires(Permission::AcceptDpa),
        Some("/app/dpa"),
        |ctx| async move {
            let caller = ctx.caller()?.clone();
            accounts::accept_current_dpa(&ctx, &caller).await?;
            leptos_axum::redirect("/app?dpa=accepted");
            Ok(())
        },
    )
    .await
}
