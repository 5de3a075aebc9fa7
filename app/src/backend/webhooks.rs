//! Inbound webhooks of the e-mail provider (S15): bounces and complaints. Nothing is parsed before
//! the signature is checked: HMAC-SHA-256 over `timestamp.body` with the shared secret, compared
//! in constant time, and a timestamp within five minutes of now. An event id is processed once.
//! A permanent bounce or a complaint suppresses the address for every organisation.

use super::audit::{self, Entry, Outcome};
use super::db;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::error::AppError;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub const TIMESTAMP_HEADER: &str = "candor-webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "candor-webhook-signature";
/// How far a signed timestamp may lie from now, either way.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// `v1=` and the hex HMAC-SHA-256 of `"{timestamp}.{body}"`, as the provider sends it.
pub fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks the signature and the timestamp window; every failure is the same 401.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), AppError> {
    let (Some(timestamp), Some(presented)) = (timestamp, signature_header) else {
        return Err(AppError::Unauthenticated);
    };
    let sent_at: i64 = timestamp.parse().map_err(|_| AppError::Unauthenticated)?;
    if (now_unix - sent_at).abs() > TOLERANCE_SECS {
        return Err(AppError::Unauthenticated);
    }
    let Some(hex_mac) = presented.trim().strip_prefix("v1=") else {
        return Err(AppError::Unauthenticated);
    };
    let presented = hex::decode(hex_mac).map_err(|_| AppError::Unauthenticated)?;
    mac(secret, timestamp, body)
        .verify_slice(&presented)
        .map_err(|_| AppError::Unauthenticated)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailEvent {
    id: String,
    #[serde(rename = "type")]
    kind: EventKind,
    email: String,
    /// For bounces: a soft (temporary) bounce does not suppress.
    #[serde(default = "permanent")]
    permanent: bool,
}

fn permanent() -> bool {
    true
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum EventKind {
    Bounce,
    Complaint,
}

/// The SHA-256 under which an address is suppressed.
pub fn address_hash(email: &str) -> Vec<u8> {
    Sha256::digest(email.trim().to_lowercase().as_bytes()).to_vec()
}

/// What a verified event changed.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    Suppressed,
    /// A soft bounce, or an event id seen before.
    Ignored,
}

pub async fn receive_email_event(
    state: &AppState,
    meta: &RequestMeta,
    secret: &[u8],
    timestamp: Option<&str>,
    signature_header: Option<&str>,
    body: &[u8],
) -> Result<Received, AppError> {
    verify(
        secret,
        timestamp,
        signature_header,
        body,
        state.clock.now().unix_timestamp(),
    )?;
    let event: EmailEvent = serde_json::from_slice(body).map_err(|e| AppError::BadRequest {
        message: format!("The event is not one this endpoint takes: {e}"),
    })?;
    if event.id.is_empty() || event.id.len() > 200 || event.id.chars().any(char::is_control) {
        return Err(AppError::BadRequest {
            message: "The event id must be 1 to 200 characters.".into(),
        });
    }
    let email = EmailAddress::parse(&event.email).map_err(|e| AppError::BadRequest {
        message: format!("The event's address is not valid: {e}"),
    })?;
    let mut tx = state.db.system_pool().begin().await?;
    if !db::suppressions::remember_event(&mut tx, &event.id).await? {
        tx.commit().await?;
        return Ok(Received::Ignored);
    }
    let suppress = event.kind == EventKind::Complaint || event.permanent;
    if suppress {
        let reason = match event.kind {
            EventKind::Bounce => "bounce",
            EventKind::Complaint => "complaint",
        };
        let hash = address_hash(email.as_str());
        db::suppressions::suppress(&mut tx, &hash, reason).await?;
        db::suppressions::hold_pending_to(&mut tx, email.as_str(), state.clock.now()).await?;
        audit::record(
            &mut tx,
            meta,
            state.clock.now(),
            Entry {
                org_id: None,
                actor: Some("email-provider"),
                action: AuditAction::EmailSuppressed,
                target: None,
                outcome: Outcome::Success,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(if suppress {
        Received::Suppressed
    } else {
        Received::Ignored
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec-test-secret-of-some-length";

    #[test]
    fn a_signed_body_verifies_and_any_change_does_not() {
        let body = br#"{"id":"e1","type":"bounce","email":"a@example.org"}"#;
        let now = 1_800_000_000;
        let ts = now.to_string();
        let sig = signature(SECRET, &ts, body);
        assert!(verify(SECRET, Some(&ts), Some(&sig), body, now).is_ok());
        assert!(
            verify(SECRET, Some(&ts), Some(&sig), b"{}", now).is_err(),
            "other body"
        );
        assert!(verify(b"another secret", Some(&ts), Some(&sig), body, now).is_err());
        let other_ts = (now - 1).to_string();
        assert!(
            verify(SECRET, Some(&other_ts), Some(&sig), body, now).is_err(),
            "other time"
        );
        assert!(verify(SECRET, None, Some(&sig), body, now).is_err());
        assert!(verify(SECRET, Some(&ts), None, body, now).is_err());
        assert!(verify(SECRET, Some(&ts), Some("v1=zz"), body, now).is_err());
        assert!(
            verify(SECRET, Some(&ts), Some(&sig[3..]), body, now).is_err(),
            "no scheme"
        );
    }

    #[test]
    fn timestamps_outside_five_minutes_are_refused_either_way() {
        let body = b"{}";
        let now = 1_800_000_000;
        for (offset, ok) in [
            (0, true),
            (300, true),
            (-300, true),
            (301, false),
            (-301, false),
        ] {
            let ts = (now + offset).to_string();
            let sig = signature(SECRET, &ts, body);
            assert_eq!(
                verify(SECRET, Some(&ts), Some(&sig), body, now).is_ok(),
                ok,
                "{offset}"
            );
        }
    }

    #[test]
    fn addresses_are_matched_by_hash_whatever_their_case() {
        assert_eq!(
            address_hash("Ada@Example.org "),
            address_hash("ada@example.org")
        );
        assert_eq!(address_hash("ada@example.org").len(), 32);
    }
}
