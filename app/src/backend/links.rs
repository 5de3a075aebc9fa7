//! One-time links (S11): the rate-limited lookup and the single consumption behind every
//! tokenised page. A used, expired, unknown, other-purpose or malformed token answers alike.

use super::auth::tokens;
use super::db;
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::rate_limit as limits;
use crate::domain::token::{looks_like_token, TokenPurpose};
use crate::error::AppError;
use uuid::Uuid;

/// The rate limit every tokenised request passes first (S7), then the token's organisation and
/// hash; `None` for a malformed or unknown token.
async fn locate(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
) -> Result<Option<(Uuid, [u8; 32])>, AppError> {
    rate_limit::check(
        state,
        limits::TOKEN_PAGE_PER_ADDRESS,
        &meta.client_addr.to_string(),
    )
    .await?;
    if !looks_like_token(raw) {
        return Ok(None);
    }
    let hash = tokens::hash_token(raw);
    let mut probe = state.db.begin_unscoped().await?;
    let org = db::tokens::locate(&mut probe, &hash).await?;
    probe.commit().await?;
    Ok(org.map(|org_id| (org_id, hash)))
}

/// Checks a token without consuming it: the GET that only shows a page (S11: mail scanners
/// prefetch links, so only the POST acts).
pub async fn token_is_usable(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purpose: TokenPurpose,
) -> Result<bool, AppError> {
    Ok(peek_token(state, meta, raw, &[purpose]).await?.is_some())
}

/// Consumes a token of `purpose` and returns its organisation and subject, in a transaction
/// scoped to that organisation. A used, expired, unknown or other-purpose token is refused alike.
pub async fn consume_token(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purpose: TokenPurpose,
) -> Result<(db::Tx, Uuid, Uuid), AppError> {
    let (org_id, hash) = locate(state, meta, raw)
        .await?
        .ok_or(AppError::InvalidToken)?;
    let mut tx = state.db.begin_for_org(org_id).await?;
    let subject =
        db::tokens::consume(&mut tx, org_id, &hash, purpose.as_str(), state.clock.now()).await?;
    let subject = subject.ok_or(AppError::InvalidToken)?;
    Ok((tx, org_id, subject))
}

/// The organisation and subject of a token that would be accepted now for one of `purposes`,
/// without consuming it (the GET that only shows a page), and which purpose it serves.
pub async fn peek_token(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purposes: &[TokenPurpose],
) -> Result<Option<(Uuid, Uuid, TokenPurpose)>, AppError> {
    let Some((org_id, hash)) = locate(state, meta, raw).await? else {
        return Ok(None);
    };
    let mut tx = state.db.begin_for_org(org_id).await?;
    let mut found = None;
    for purpose in purposes {
        let subject =
            db::tokens::usable_subject(&mut tx, org_id, &hash, purpose.as_str(), state.clock.now())
                .await?;
        if let Some(subject) = subject {
            found = Some((org_id, subject, *purpose));
            break;
        }
    }
    tx.commit().await?;
    Ok(found)
}
