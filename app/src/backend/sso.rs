//! Single sign-on through Google and Microsoft (F2): OpenID Connect authorisation code flow with
//! PKCE (the `oauth2` crate), state and nonce bound to the browser session, the ID token's
//! signature checked against the provider's published keys and its claims against
//! `domain::sso`. Only an existing, active user of an organisation that enabled the provider, with
//! an address in one of its domains, gets in — then exactly as after a password (second factor
//! included). Every refusal looks the same to the browser.

use super::accounts::{after_first_factor, SignInOutcome};
use super::audit::{self, Entry, Outcome};
use super::auth::tokens::RawToken;
use super::db;
use super::guard::Ctx;
use super::rate_limit;
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::domain::rate_limit as limits;
use crate::domain::sso::{attempt_expired, check_claims, domain_allowed, IdClaims, SsoProvider};
use crate::error::AppError;
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A provider as configured for this portal.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub kind: SsoProvider,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The provider's endpoints and keys, discovered once and kept a while.
#[derive(Clone)]
struct Discovered {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks: JwkSet,
    fetched_at: OffsetDateTime,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The configured providers and what was learnt about them.
pub struct Sso {
    providers: Vec<ProviderConfig>,
    http: reqwest::Client,
    discovered: Mutex<HashMap<SsoProvider, Discovered>>,
}

impl Sso {
    pub fn new(providers: Vec<ProviderConfig>) -> Self {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("a plain HTTP client builds");
        Self {
            providers,
            http,
            discovered: Mutex::new(HashMap::new()),
        }
    }

    /// The providers this portal can offer.
    pub fn configured(&self) -> Vec<SsoProvider> {
        self.providers.iter().map(|p| p.kind).collect()
    }

    fn config(&self, kind: SsoProvider) -> Result<&ProviderConfig, AppError> {
        self.providers
            .iter()
            .find(|p| p.kind == kind)
            .ok_or(AppError::NotFound)
    }

    async fn discover(
        &self,
        p: &ProviderConfig,
        now: OffsetDateTime,
        fresh: bool,
    ) -> Result<Discovered, AppError> {
        if !fresh {
            let cached = self
                .discovered
                .lock()
                .expect("sso cache lock")
                .get(&p.kind)
                .cloned();
            if let Some(d) = cached.filter(|d| now - d.fetched_at < Duration::minutes(10)) {
                return Ok(d);
            }
        }
        let unavailable = |e: reqwest::Error| {
            tracing::warn!(provider = p.kind.as_str(), error = %e, "OpenID provider unreachable");
            AppError::Unavailable
        };
        let url = format!(
            "{}/.well-known/openid-configuration",
            p.issuer.trim_end_matches('/')
        );
        let doc: DiscoveryDocument = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        if doc.issuer != p.issuer {
            tracing::warn!(provider = p.kind.as_str(), "discovery names another issuer");
            return Err(AppError::Unavailable);
        }
        let jwks: JwkSet = self
            .http
            .get(&doc.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        let d = Discovered {
            authorization_endpoint: doc.authorization_endpoint,
            token_endpoint: doc.token_endpoint,
            jwks,
            fetched_at: now,
        };
        self.discovered
            .lock()
            .expect("sso cache lock")
            .insert(p.kind, d.clone());
        Ok(d)
    }
}

/// The ID token beside the access token in the token response.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    id_token: String,
}
impl ExtraTokenFields for IdTokenField {}

type OidcClient = Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn client(ctx: &Ctx, p: &ProviderConfig, d: &Discovered) -> Result<OidcClient, AppError> {
    let bad = |e: oauth2::url::ParseError| super::errors::internal(format!("SSO endpoint: {e}"));
    Ok(Client::new(ClientId::new(p.client_id.clone()))
        .set_client_secret(ClientSecret::new(p.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(d.authorization_endpoint.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(d.token_endpoint.clone()).map_err(bad)?)
        .set_redirect_uri(
            RedirectUrl::new(ctx.state.settings.link(&callback_path(p.kind))).map_err(bad)?,
        ))
}

pub fn start_path(kind: SsoProvider) -> String {
    format!("/auth/sso/{}/start", kind.as_str())
}

pub fn callback_path(kind: SsoProvider) -> String {
    format!("/auth/sso/{}/callback", kind.as_str())
}

const PENDING_KEY: &str = "sso_pending";

/// What the session remembers between leaving for the provider and coming back.
#[derive(Serialize, Deserialize)]
struct Pending {
    provider: SsoProvider,
    state: String,
    nonce: String,
    pkce_verifier: String,
    started_at: i64,
    /// An invitation being accepted through the provider (F4).
    invitation: Option<String>,
}

/// Where to send the browser: the provider's authorisation URL for this attempt.
pub async fn start(
    ctx: &Ctx,
    kind: SsoProvider,
    login_hint: Option<&str>,
    invitation: Option<&str>,
) -> Result<String, AppError> {
    let state = &ctx.state;
    rate_limit::check(
        state,
        limits::SIGN_IN_PER_ADDRESS,
        &limits::address_subject(ctx.meta.client_addr),
    )
    .await?;
    let p = state.sso.config(kind)?;
    let now = state.clock.now();
    let d = state.sso.discover(p, now, false).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = RawToken::generate();
    let oidc = client(ctx, p, &d)?;
    let mut request = oidc
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .add_extra_param("nonce", nonce.as_str());
    let hint = login_hint.and_then(|h| EmailAddress::parse(h).ok());
    if let Some(hint) = &hint {
        request = request.add_extra_param("login_hint", hint.as_str());
    }
    let (url, csrf) = request.url();
    ctx.session
        .insert(
            PENDING_KEY,
            Pending {
                provider: kind,
                state: csrf.secret().clone(),
                nonce: nonce.as_str().to_owned(),
                pkce_verifier: verifier.secret().clone(),
                started_at: now.unix_timestamp(),
                invitation: invitation.map(str::to_owned),
            },
        )
        .await?;
    Ok(url.to_string())
}

/// Why a callback was refused: logged and audited, never shown.
fn refused(reason: &str) -> AppError {
    tracing::info!(reason, "single sign-on refused");
    AppError::SsoRefused
}

/// The provider sent the browser back: check everything, then sign in.
pub async fn finish(
    ctx: &Ctx,
    kind: SsoProvider,
    code: Option<&str>,
    returned_state: Option<&str>,
) -> Result<SignInOutcome, AppError> {
    let state = &ctx.state;
    // Single use: whatever happens next, this attempt is spent.
    let pending = ctx
        .session
        .remove::<Pending>(PENDING_KEY)
        .await?
        .ok_or_else(|| refused("no attempt in this session"))?;
    let now = state.clock.now();
    if pending.provider != kind {
        return Err(refused("another provider"));
    }
    if attempt_expired(pending.started_at, now.unix_timestamp()) {
        return Err(refused("attempt expired"));
    }
    let state_ok: bool = returned_state
        .unwrap_or_default()
        .as_bytes()
        .ct_eq(pending.state.as_bytes())
        .into();
    if !state_ok {
        return Err(refused("state mismatch"));
    }
    let code = code.ok_or_else(|| refused("no code"))?;
    let p = state.sso.config(kind)?;
    let d = state.sso.discover(p, now, false).await?;
    let token = client(ctx, p, &d)?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&state.sso.http)
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "code exchange failed");
            refused("code exchange")
        })?;
    let claims = verify_id_token(state, p, &d, &token.extra_fields().id_token, now).await?;
    let email = check_claims(
        &claims,
        &p.issuer,
        &p.client_id,
        &pending.nonce,
        now.unix_timestamp(),
    )
    .map_err(|r| refused(&format!("{r:?}")))?;
    if let Some(token) = &pending.invitation {
        // The inviting organisation must allow this provider for the address before the link is
        // spent (no account exists before the acceptance).
        let invitation = super::users::invitation_behind(state, &ctx.meta, token)
            .await
            .map_err(super::links::refused_use)?;
        if !sso_allowed_in(ctx, kind, invitation.org_id, &email).await? {
            return Err(refused("not enabled for the invitee"));
        }
        super::users::accept_via_sso(state, &ctx.meta, token, &email).await?;
    }
    sign_in_as(ctx, kind, &email).await
}

async fn verify_id_token(
    state: &super::state::AppState,
    p: &ProviderConfig,
    d: &Discovered,
    id_token: &str,
    now: OffsetDateTime,
) -> Result<IdClaims, AppError> {
    let header =
        jsonwebtoken::decode_header(id_token).map_err(|_| refused("malformed ID token"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::PS256
            | Algorithm::EdDSA
    ) {
        return Err(refused("ID token algorithm"));
    }
    let kid = header
        .kid
        .clone()
        .ok_or_else(|| refused("ID token without kid"))?;
    let mut jwk = d.jwks.find(&kid).cloned();
    if jwk.is_none() {
        // Keys rotate: fetch them once more before giving up.
        let fresh = state.sso.discover(p, now, true).await?;
        jwk = fresh.jwks.find(&kid).cloned();
    }
    let jwk = jwk.ok_or_else(|| refused("unknown signing key"))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| refused("unusable signing key"))?;
    let mut validation = Validation::new(header.alg);
    // Times, issuer, audience and nonce are checked by `check_claims` against the portal's clock.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|_| refused("ID token signature"))
}

/// Whether the organisation enabled `kind` for the domain of `email`.
async fn sso_allowed_in(
    ctx: &Ctx,
    kind: SsoProvider,
    org_id: Uuid,
    email: &str,
) -> Result<bool, AppError> {
    let mut tx = ctx.state.db.begin_for_org(org_id).await?;
    let sso = db::sso::for_org(&mut tx, org_id).await?;
    tx.commit().await?;
    Ok(sso
        .iter()
        .find(|r| r.provider == kind.as_str())
        .is_some_and(|r| domain_allowed(email, &r.allowed_domains)))
}

/// The address the provider vouched for signs in, if its organisation allows it.
async fn sign_in_as(ctx: &Ctx, kind: SsoProvider, email: &str) -> Result<SignInOutcome, AppError> {
    let state = &ctx.state;
    let mut probe = state.db.begin_unscoped().await?;
    let located = db::users::locate_by_email(&mut probe, email).await?;
    probe.commit().await?;
    let Some((user_id, org_id)) = located else {
        return Err(refused("no such user"));
    };
    let mut tx = state.db.begin_for_org(org_id).await?;
    let creds = db::users::credentials(&mut tx, org_id, user_id).await?;
    let sso = db::sso::for_org(&mut tx, org_id).await?;
    let allowed = sso
        .iter()
        .find(|r| r.provider == kind.as_str())
        .is_some_and(|r| domain_allowed(email, &r.allowed_domains));
    let Some(creds) = creds.filter(|c| c.active && c.email_verified && allowed) else {
        audit::record(
            &mut tx,
            &ctx.meta,
            state.clock.now(),
            Entry {
                org_id: Some(org_id),
                actor: None,
                action: AuditAction::SsoSignInRefused,
                target: None,
                outcome: Outcome::Denied,
            },
        )
        .await?;
        tx.commit().await?;
        return Err(refused("not enabled for this user"));
    };
    tx.commit().await?;
    after_first_factor(ctx, org_id, &creds).await
}
