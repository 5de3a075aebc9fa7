//! API keys (F11): admins create (shown once), list and revoke them; every API call is
//! authenticated here — lookup, constant-time secret check, revocation, expiry, source network,
//! then the key's rate limit by the organisation's plan tier (S7).

use super::audit::{self, record_caller_action, Entry, Outcome};
use super::auth::tokens::{self, RawToken};
use super::db;
use super::guard::{Caller, Ctx};
use super::rate_limit;
use super::request::RequestMeta;
use super::state::AppState;
use crate::domain::api_key::{split_presented, KeyStatus, Scope, KEY_PREFIX, LOOKUP_LEN};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::rate_limit::api_key_policy;
use crate::domain::role::Permission;
use crate::error::{AppError, FieldError};
use ipnetwork::IpNetwork;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

pub struct NewKeyForm {
    pub name: String,
    pub scopes: Vec<String>,
    /// CIDR blocks or single addresses, separated by commas, spaces or lines; empty for any.
    pub allowed_networks: String,
    /// `YYYY-MM-DD`, the last day the key works; empty for no expiry.
    pub expires_on: String,
}

#[derive(Debug)]
struct ValidKey {
    name: String,
    scopes: Vec<Scope>,
    networks: Option<Vec<IpNetwork>>,
    expires_at: Option<OffsetDateTime>,
}

const MAX_LIFETIME_DAYS: i64 = 2 * 366;

fn validate(form: NewKeyForm, now: OffsetDateTime) -> Result<ValidKey, AppError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        fail("name", "Give the key a name of 1 to 100 characters.");
    }
    let mut scopes: Vec<Scope> = Vec::new();
    for raw in &form.scopes {
        match Scope::parse(raw.trim()) {
            Some(s) if !scopes.contains(&s) => scopes.push(s),
            Some(_) => {}
            None => fail("scopes", "Choose scopes among read, write and ats."),
        }
    }
    if scopes.is_empty() {
        fail("scopes", "Choose at least one scope.");
    }
    let mut networks = Vec::new();
    for raw in form
        .allowed_networks
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        match raw.parse::<IpNetwork>() {
            // The database keeps networks, not hosts inside them: 10.1.2.3/8 becomes 10.0.0.0/8.
            Ok(n) => networks.push(
                IpNetwork::new(n.network(), n.prefix()).expect("a network's own prefix is valid"),
            ),
            Err(_) => {
                fail(
                    "allowed_networks",
                    "Use addresses or CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32.",
                );
                break;
            }
        }
    }
    if networks.len() > 20 {
        fail("allowed_networks", "Use at most 20 networks.");
    }
    let expires_at = match form.expires_on.trim() {
        "" => None,
        raw => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match Date::parse(raw, format) {
                Ok(day) => {
                    let end = day
                        .next_day()
                        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc());
                    match end {
                        Some(end)
                            if end > now && end <= now + Duration::days(MAX_LIFETIME_DAYS) =>
                        {
                            Some(end)
                        }
                        _ => {
                            fail("expires_on", "Choose a day from today to two years ahead.");
                            None
                        }
                    }
                }
                Err(_) => {
                    fail("expires_on", "Use a date such as 2027-06-30.");
                    None
                }
            }
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors });
    }
    Ok(ValidKey {
        name,
        scopes,
        networks: (!networks.is_empty()).then_some(networks),
        expires_at,
    })
}

fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A key just made: the raw value leaves the server this once.
pub struct CreatedKey {
    pub public_id: String,
    pub raw: String,
}

pub async fn create(ctx: &Ctx, caller: &Caller, form: NewKeyForm) -> Result<CreatedKey, AppError> {
    caller.require(Permission::ManageApiKeys)?;
    let now = ctx.state.clock.now();
    let valid = validate(form, now)?;
    let lookup: String = tokens::base32(&tokens::random_16())[..LOOKUP_LEN].to_owned();
    let secret = RawToken::generate();
    let raw = format!("{KEY_PREFIX}{lookup}_{}", secret.as_str());
    let public_id = PublicId::from_random(IdKind::ApiKey, tokens::random_16());
    let scopes: Vec<String> = valid.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    db::api_keys::insert(
        &mut tx,
        &db::api_keys::NewKey {
            id: Uuid::new_v4(),
            public_id: public_id.as_str(),
            org_id: caller.org_id,
            name: &valid.name,
            lookup: &lookup,
            secret_hash: &secret_hash(secret.as_str()),
            scopes: &scopes,
            allowed_networks: valid.networks.as_deref(),
            expires_at: valid.expires_at,
            created_by: caller.user_id,
        },
    )
    .await?;
    record_caller_action(
        ctx,
        &mut tx,
        caller,
        AuditAction::ApiKeyCreated,
        public_id.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedKey {
        public_id: public_id.as_str().to_owned(),
        raw,
    })
}

pub struct KeySummary {
    pub public_id: String,
    pub name: String,
    /// What identifies the key in logs and lists: `cnd_<lookup>_…`.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub allowed_networks: Vec<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub status: KeyStatus,
}

pub async fn list(ctx: &Ctx, caller: &Caller) -> Result<Vec<KeySummary>, AppError> {
    caller.require(Permission::ManageApiKeys)?;
    let now = ctx.state.clock.now();
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let rows = db::api_keys::list(&mut tx, caller.org_id).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|k| KeySummary {
            status: KeyStatus::of(k.revoked_at, k.expires_at, now),
            prefix: format!("{KEY_PREFIX}{}_…", k.lookup),
            public_id: k.public_id,
            name: k.name,
            scopes: k.scopes,
            allowed_networks: k
                .allowed_networks
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect(),
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
            created_by: k.created_by_name,
        })
        .collect())
}

/// Revokes at once: the next call with the key is refused.
pub async fn revoke(ctx: &Ctx, caller: &Caller, public_id: &str) -> Result<(), AppError> {
    caller.require(Permission::ManageApiKeys)?;
    PublicId::parse(IdKind::ApiKey, public_id).ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    if !db::api_keys::revoke(&mut tx, caller.org_id, public_id, ctx.state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    record_caller_action(ctx, &mut tx, caller, AuditAction::ApiKeyRevoked, public_id).await?;
    tx.commit().await?;
    Ok(())
}

/// An integration calling the public API with a valid key.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub org_id: Uuid,
    pub key_public_id: String,
    pub scopes: Vec<Scope>,
}

impl ApiCaller {
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Authenticates `Authorization: Bearer cnd_…`. An absent, malformed, unknown, wrong, revoked or
/// expired key all answer the same 401; a right key from a network it does not allow answers
/// 403; then the key's rate limit applies.
pub async fn authenticate(
    state: &AppState,
    meta: &RequestMeta,
    presented: Option<&str>,
) -> Result<ApiCaller, AppError> {
    let (lookup, secret) = presented
        .and_then(split_presented)
        .ok_or(AppError::Unauthenticated)?;
    let mut tx = state.db.begin_unscoped().await?;
    let org_id = db::api_keys::locate_and_scope(&mut tx, lookup).await?;
    let presented_hash = secret_hash(secret);
    let Some(org_id) = org_id else {
        // Same work as a known key: one hash comparison.
        let _ = presented_hash.ct_eq(&[0u8; 32]);
        return Err(AppError::Unauthenticated);
    };
    let now = state.clock.now();
    let row = db::api_keys::presented(&mut tx, org_id, lookup)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let secret_matches: bool = presented_hash.ct_eq(row.secret_hash.as_slice()).into();
    if !secret_matches {
        return Err(AppError::Unauthenticated);
    }
    let refusal = if KeyStatus::of(row.revoked_at, row.expires_at, now) != KeyStatus::Active {
        Some(AppError::Unauthenticated)
    } else if row
        .allowed_networks
        .as_ref()
        .is_some_and(|networks| !networks.iter().any(|n| n.contains(meta.client_addr)))
    {
        Some(AppError::Forbidden)
    } else {
        None
    };
    if let Some(err) = refusal {
        audit::record(
            &mut tx,
            meta,
            now,
            Entry {
                org_id: Some(org_id),
                actor: Some(&row.public_id),
                action: AuditAction::ApiKeyRefused,
                target: Some(&row.public_id),
                outcome: Outcome::Denied,
            },
        )
        .await?;
        tx.commit().await?;
        return Err(err);
    }
    // Last use is kept to the minute: no write on every call.
    if row
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        db::api_keys::touch(&mut tx, org_id, row.id, now).await?;
    }
    // Counted with the key's use: a refused call rolls back, leaving the count at the limit.
    rate_limit::check_in(
        &mut tx,
        state,
        api_key_policy(&row.plan_tier),
        &row.public_id,
    )
    .await?;
    tx.commit().await?;
    Ok(ApiCaller {
        org_id,
        key_public_id: row.public_id,
        scopes: row.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn form(networks: &str, expires_on: &str) -> NewKeyForm {
        NewKeyForm {
            name: "ATS sync".into(),
            scopes: vec!["read".into(), "ats".into(), "read".into()],
            allowed_networks: networks.into(),
            expires_on: expires_on.into(),
        }
    }

    #[test]
    fn networks_are_normalised_and_scopes_deduplicated() {
        let now = datetime!(2026-11-21 12:00 UTC);
        let v = validate(
            form("10.1.2.3/8, 2001:db8::1/32\n192.0.2.7", "2027-01-31"),
            now,
        )
        .unwrap();
        let shown: Vec<String> = v
            .networks
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]);
        assert_eq!(v.scopes, [Scope::Read, Scope::Ats]);
        assert_eq!(v.expires_at, Some(datetime!(2027-02-01 00:00 UTC)));
        assert!(validate(form("", ""), now).unwrap().networks.is_none());
    }

    #[test]
    fn bad_values_are_named_field_by_field() {
        let now = datetime!(2026-11-21 12:00 UTC);
        let mut bad = form("10.0.0.0/33", "2020-01-01");
        bad.scopes = vec!["admin".into()];
        bad.name = " ".into();
        let AppError::Invalid { fields } = validate(bad, now).unwrap_err() else {
            panic!("expected field errors")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        for expected in ["name", "scopes", "allowed_networks", "expires_on"] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        assert!(
            validate(form("", "2031-01-01"), now).is_err(),
            "beyond two years"
        );
    }
}
