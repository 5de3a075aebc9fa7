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

/// The token's organisation and hash, scoping `tx` to that organisation; `None` for a malformed
/// or unknown token.
async fn locate(tx: &mut db::Tx, raw: &str) -> Result<Option<(Uuid, [u8; 32])>, AppError> {
    if !looks_like_token(raw) {
        return Ok(None);
    }
    let hash = tokens::hash_token(raw);
    let org_id = db::tokens::locate_and_scope(tx, &hash).await?;
    Ok(org_id.map(|org_id| (org_id, hash)))
}

/// Checks a token without consuming it: the GET that only shows a page (S11: mail scanners
/// prefetch links, so only the POST acts).
pub async fn token_is_usable(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purpose: TokenPurpose,
) -> Result<bool, AppError> {
    let Some(peeked) = peek_token(state, meta, raw, &[purpose]).await? else {
        return Ok(false);
    };
    peeked.tx.commit().await?;
    Ok(true)
}

/// Consumes a token of `purpose` and returns its organisation and subject, in a transaction
/// scoped to that organisation. A used, expired, unknown or other-purpose token is refused alike.
pub async fn consume_token(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purpose: TokenPurpose,
) -> Result<(db::Tx, Uuid, Uuid), AppError> {
    // The limit's hit is its own statement: it counts even when the use is refused and the
    // request's transaction rolled back.
    rate_limit::check(
        state,
        limits::TOKEN_PAGE_PER_ADDRESS,
        &limits::address_subject(meta.client_addr),
    )
    .await?;
    let mut tx = state.db.begin_unscoped().await?;
    let (org_id, hash) = locate(&mut tx, raw).await?.ok_or(AppError::InvalidToken)?;
    let subject =
        db::tokens::consume(&mut tx, org_id, &hash, purpose.as_str(), state.clock.now()).await?;
    let subject = subject.ok_or(AppError::InvalidToken)?;
    Ok((tx, org_id, subject))
}

/// A token that would be accepted now, not consumed: the page it opens only reads, in `tx`, which
/// is scoped to the token's organisation and holds the rate limit's hit, so the page commits it.
pub struct PeekedToken {
    pub tx: db::Tx,
    pub org_id: Uuid,
    pub subject: Uuid,
    pub purpose: TokenPurpose,
}

/// The organisation and subject of a token that would be accepted now for one of `purposes`,
/// without consuming it (the GET that only shows a page), and which purpose it serves.
pub async fn peek_token(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purposes: &[TokenPurpose],
) -> Result<Option<PeekedToken>, AppError> {
    // The GET only reads, so the limit's hit can share its transaction (one round trip less):
    // every way out commits it, the page itself when the token is usable.
    let mut tx = state.db.begin_unscoped_counting_only().await?;
    let addr = limits::address_subject(meta.client_addr);
    if let Err(limited) =
        rate_limit::check_in(&mut tx, state, limits::TOKEN_PAGE_PER_ADDRESS, &addr).await
    {
        tx.commit().await?;
        return Err(limited);
    }
    let usable = if looks_like_token(raw) {
        let hash = tokens::hash_token(raw);
        db::tokens::usable_and_scope(&mut tx, &hash, state.clock.now()).await?
    } else {
        None
    };
    let purpose = usable
        .as_ref()
        .and_then(|t| purposes.iter().copied().find(|p| p.as_str() == t.purpose));
    match (usable, purpose) {
        (Some(token), Some(purpose)) => Ok(Some(PeekedToken {
            tx,
            org_id: token.org_id,
            subject: token.subject_id,
            purpose,
        })),
        _ => {
            tx.commit().await?;
            Ok(None)
        }
    }
}
