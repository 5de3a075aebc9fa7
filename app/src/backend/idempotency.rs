//! `Idempotency-Key` on the public API's POSTs: a retried request gets the first answer again
//! and never writes twice. The key is claimed inside the write's own transaction and its answer
//! stored there too, so the claim commits with the write or not at all: a request that dies half
//! way (a crash, a lost connection, an error on our side) leaves nothing behind, and its retry
//! runs. A retry that arrives while the first request still runs waits for it (the claimed row
//! is locked until the first transaction ends) and then gets its answer.

use super::api_keys::ApiCaller;
use super::db::{self, Tx};
use super::state::AppState;
use crate::error::AppError;
use sha2::{Digest, Sha256};

pub enum Claim {
    /// First use of the key: run the write in the same transaction, then [`answer_in`].
    Fresh,
    /// The answer the first request got.
    Replay { status: u16, body: String },
}

/// A key is 1 to 255 visible ASCII characters.
pub fn valid_key(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 255 && raw.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

pub fn invalid_key() -> AppError {
    AppError::BadRequest {
        message: "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
    }
}

pub fn request_hash(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().into()
}

/// Claims `key` in `tx`, a transaction begun for the caller's organisation in which the write
/// will run.
pub async fn claim_in(
    tx: &mut Tx,
    state: &AppState,
    caller: &ApiCaller,
    key: &str,
    request: &[u8; 32],
) -> Result<Claim, AppError> {
    if !valid_key(key) {
        return Err(invalid_key());
    }
    let now = state.clock.now();
    if db::idempotency::claim(tx, caller.org_id, &caller.key_public_id, key, request, now).await? {
        return Ok(Claim::Fresh);
    }
    // Not claimed: another transaction committed this key (had it still been running, the
    // claim would have waited for it), so its answer is there.
    let recorded = db::idempotency::recorded(tx, caller.org_id, &caller.key_public_id, key)
        .await?
        .ok_or_else(|| AppError::Conflict {
            message: "A request with this Idempotency-Key was just forgotten; retry.".into(),
        })?;
    if recorded.request_sha256.as_slice() != request {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "This Idempotency-Key was used for a different request.",
        ));
    }
    Ok(Claim::Replay {
        status: u16::try_from(recorded.status).unwrap_or(500),
        body: recorded.response_body,
    })
}

/// Stores the answer of a request claimed in `tx`, to commit with its write. An answer about a
/// candidate (`cand_…`) names them, so that it is deleted with them.
pub async fn answer_in(
    tx: &mut Tx,
    caller: &ApiCaller,
    key: &str,
    status: u16,
    body: &str,
    about_candidate: Option<&str>,
) -> Result<(), AppError> {
    db::idempotency::answer(
        tx,
        caller.org_id,
        &caller.key_public_id,
        key,
        i32::from(status),
        body,
        about_candidate,
    )
    .await?;
    Ok(())
}

/// Remembers a refusal (a 4xx answer, its write rolled back) so that a retry gets the same
/// answer; when another request with the key got there first, its answer is the one kept.
pub async fn remember_refusal(
    state: &AppState,
    caller: &ApiCaller,
    key: &str,
    request: &[u8; 32],
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin_for_org(caller.org_id).await?;
    if let Claim::Fresh = claim_in(&mut tx, state, caller, key, request).await? {
        answer_in(&mut tx, caller, key, status, body, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(valid_key("9f2c-retry-1"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key("ünïcode"));
        assert!(!valid_key(&"k".repeat(256)));
    }

    #[test]
    fn the_request_hash_covers_method_path_and_body() {
        let base = request_hash("POST", "/api/v1/candidates", b"{}");
        assert_ne!(base, request_hash("POST", "/api/v1/recruitments", b"{}"));
        assert_ne!(base, request_hash("POST", "/api/v1/candidates", b"{ }"));
        assert_ne!(base, request_hash("PUT", "/api/v1/candidates", b"{}"));
    }
}
