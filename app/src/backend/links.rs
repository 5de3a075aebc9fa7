//! One-time links (S11): the rate-limited lookup and the single consumption behind every
//! tokenised page. Using a link refuses a used, expired, unknown, other-purpose or malformed token
//! alike. Showing its page tells two cases apart, the same way for every kind of link: a link
//! that never was one (unknown, tampered, malformed, for another page) is not found (404), one
//! that was and is spent (used or expired) is gone (410). Only whoever holds a real link learns
//! that it was one, which they knew; a guess is told nothing new.

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
/// prefetch links, so only the POST acts). Refused as `peek_token` refuses.
pub async fn token_is_usable(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purpose: TokenPurpose,
) -> Result<(), AppError> {
    let peeked = peek_token(state, meta, raw, &[purpose]).await?;
    peeked.tx.commit().await?;
    Ok(())
}

/// A refused link as its use answers it: whatever the reason, the link does not work (a page
/// that only shows it tells more, see `peek_token`).
pub fn refused_use(error: AppError) -> AppError {
    match error {
        AppError::NotFound => AppError::InvalidToken,
        other => other,
    }
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
/// without consuming it (the GET that only shows a page), and which purpose it serves. Refused
/// with `NotFound` for a token that never was one of these (unknown, malformed, another
/// purpose's) and `InvalidToken` (gone) for one that is used or expired.
pub async fn peek_token(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
    purposes: &[TokenPurpose],
) -> Result<PeekedToken, AppError> {
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
    if !looks_like_token(raw) {
        tx.commit().await?;
        return Err(AppError::NotFound);
    }
    let hash = tokens::hash_token(raw);
    let refusal = match db::tokens::usable_and_scope(&mut tx, &hash, state.clock.now()).await? {
        Some(token) => match purposes.iter().find(|p| p.as_str() == token.purpose) {
            Some(purpose) => {
                return Ok(PeekedToken {
                    tx,
                    org_id: token.org_id,
                    subject: token.subject_id,
                    purpose: *purpose,
                })
            }
            None => AppError::NotFound,
        },
        None if db::tokens::locate_and_scope(&mut tx, &hash)
            .await?
            .is_some() =>
        {
            AppError::InvalidToken
        }
        None => AppError::NotFound,
    };
    tx.commit().await?;
    Err(refusal)
}
