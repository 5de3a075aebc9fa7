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
/// hash, with the transaction the rest of the request runs in, already scoped to that
/// organisation; `None` for a malformed or unknown token. The limit's hit is its own statement:
/// it counts even when the request's transaction is rolled back.
async fn locate(
    state: &AppState,
    meta: &RequestMeta,
    raw: &str,
) -> Result<Option<(db::Tx, Uuid, [u8; 32])>, AppError> {
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
    let mut tx = state.db.begin_unscoped().await?;
    let Some(org_id) = db::tokens::locate(&mut tx, &hash).await? else {
        return Ok(None);
    };
    db::scope_to_org(&mut tx, org_id).await?;
    Ok(Some((tx, org_id, hash)))
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
    let (mut tx, org_id, hash) = locate(state, meta, raw)
        .await?
        .ok_or(AppError::InvalidToken)?;
    let subject =
        db::tokens::consume(&mut tx, org_id, &hash, purpose.as_str(), state.clock.now()).await?;
    let subject = subject.ok_or(AppError::InvalidToken)?;
    Ok((tx, org_id, subject))
}

/// A token that would be accepted now, not consumed: the page it opens reads in `tx`, which is
/// scoped to the token's organisation.
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
    let Some((mut tx, org_id, hash)) = locate(state, meta, raw).await? else {
        return Ok(None);
    };
    for purpose in purposes {
        let subject =
            db::tokens::usable_subject(&mut tx, org_id, &hash, purpose.as_str(), state.clock.now())
                .await?;
        if let Some(subject) = subject {
            return Ok(Some(PeekedToken {
                tx,
                org_id,
                subject,
                purpose: *purpose,
            }));
        }
    }
    Ok(None)
}
