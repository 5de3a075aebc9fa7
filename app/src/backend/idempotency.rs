//! `Idempotency-Key` on the public API's POSTs: a retried request gets the first answer again
//! and never writes twice. The key is claimed before the write runs and the answer stored after;
//! the same key with a different request is refused, and one still running answers 409.

use super::api_keys::ApiCaller;
use super::db;
use super::state::AppState;
use crate::error::AppError;
use sha2::{Digest, Sha256};

pub enum Claim {
    /// First use of the key: run the request, then [`finish`].
    Fresh,
    /// The answer the first request got.
    Replay { status: u16, body: String },
}

/// A key is 1 to 255 visible ASCII characters.
pub fn valid_key(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 255 && raw.bytes().all(|b| (0x21..=0x7e).contains(&b))
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

pub async fn claim(
    state: &AppState,
    caller: &ApiCaller,
    key: &str,
    request: &[u8; 32],
) -> Result<Claim, AppError> {
    if !valid_key(key) {
        return Err(AppError::BadRequest {
            message: "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
        });
    }
    let mut tx = state.db.begin_for_org(caller.org_id).await?;
    let now = state.clock.now();
    let fresh = db::idempotency::claim(
        &mut tx,
        caller.org_id,
        &caller.key_public_id,
        key,
        request,
        now,
    )
    .await?;
    if fresh {
        tx.commit().await?;
        return Ok(Claim::Fresh);
    }
    let recorded = db::idempotency::recorded(&mut tx, caller.org_id, &caller.key_public_id, key)
        .await?
        .ok_or_else(|| AppError::Conflict {
            message: "A request with this Idempotency-Key is being processed; retry shortly."
                .into(),
        })?;
    tx.commit().await?;
    if recorded.request_sha256.as_slice() != request {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "This Idempotency-Key was used for a different request.",
        ));
    }
    match (recorded.status, recorded.response_body) {
        (Some(status), Some(body)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }),
        _ => Err(AppError::Conflict {
            message: "A request with this Idempotency-Key is being processed; retry shortly."
                .into(),
        }),
    }
}

/// Stores the answer of a claimed request; a failure on our side releases the key instead, so
/// that a retry can run.
pub async fn finish(
    state: &AppState,
    caller: &ApiCaller,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin_for_org(caller.org_id).await?;
    if status >= 500 {
        db::idempotency::release(&mut tx, caller.org_id, &caller.key_public_id, key).await?;
    } else {
        db::idempotency::finish(
            &mut tx,
            caller.org_id,
            &caller.key_public_id,
            key,
            i32::from(status),
            body,
        )
        .await?;
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
