//! Single sign-on rules (F2): the providers, which ID token claims are acceptable, and which
//! addresses an organisation lets in. The signature is checked elsewhere; this decides the rest.

use crate::domain::token::constant_time_eq;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsoProvider {
    Google,
    Microsoft,
}

impl SsoProvider {
    pub const ALL: [SsoProvider; 2] = [SsoProvider::Google, SsoProvider::Microsoft];

    pub const fn as_str(self) -> &'static str {
        match self {
            SsoProvider::Google => "google",
            SsoProvider::Microsoft => "microsoft",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            SsoProvider::Google => "Google",
            SsoProvider::Microsoft => "Microsoft",
        }
    }
}

/// How long the round trip to the provider may take, and how much clock skew is tolerated.
pub const FLOW_LIFETIME_SECS: i64 = 10 * 60;
pub const CLOCK_SKEW_SECS: i64 = 60;

/// Whether a sign-in attempt started at `started_at` has run out at `now_unix` (both Unix
/// seconds): the browser must be back from the provider within ten minutes.
pub fn attempt_expired(started_at: i64, now_unix: i64) -> bool {
    now_unix - started_at > FLOW_LIFETIME_SECS
}

/// The claims Candor reads from a verified ID token.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    /// One audience or several.
    pub aud: Audience,
    pub azp: Option<String>,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimsRejected {
    Issuer,
    Audience,
    Expired,
    IssuedInTheFuture,
    Nonce,
    EmailNotVerified,
}

/// Checks an ID token's claims (OpenID Connect Core 3.1.3.7) and returns the e-mail address.
pub fn check_claims(
    claims: &IdClaims,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now_unix: i64,
) -> Result<String, ClaimsRejected> {
    if claims.iss != issuer {
        return Err(ClaimsRejected::Issuer);
    }
    let audience_ok = match &claims.aud {
        Audience::One(a) => a == client_id,
        // Several audiences: ours among them, and the token issued to us.
        Audience::Many(all) => {
            all.iter().any(|a| a == client_id) && claims.azp.as_deref() == Some(client_id)
        }
    };
    if !audience_ok {
        return Err(ClaimsRejected::Audience);
    }
    if claims.exp + CLOCK_SKEW_SECS <= now_unix {
        return Err(ClaimsRejected::Expired);
    }
    if claims.iat - CLOCK_SKEW_SECS > now_unix {
        return Err(ClaimsRejected::IssuedInTheFuture);
    }
    if !claims
        .nonce
        .as_deref()
        .is_some_and(|n| constant_time_eq(n.as_bytes(), nonce.as_bytes()))
    {
        return Err(ClaimsRejected::Nonce);
    }
    match (&claims.email, claims.email_verified) {
        (Some(email), Some(true)) => Ok(email.trim().to_lowercase()),
        _ => Err(ClaimsRejected::EmailNotVerified),
    }
}

/// Whether `email` belongs to one of the organisation's SSO domains (exact domain match).
pub fn domain_allowed(email: &str, allowed: &[String]) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| allowed.iter().any(|d| d.eq_ignore_ascii_case(domain)))
}

/// Parses the domains an admin typed; `None` when one is not a plain domain name.
pub fn parse_domains(raw: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for d in raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let d = d.trim_start_matches('@').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if d.len() > 253 || !d.contains('.') || !d.split('.').all(label_ok) {
            return None;
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    (!out.is_empty() && out.len() <= 20).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_may_take_ten_minutes_and_no_longer() {
        assert!(!attempt_expired(1_000, 1_000));
        assert!(!attempt_expired(1_000, 1_600));
        assert!(attempt_expired(1_000, 1_601));
    }

    #[test]
    fn providers_are_named_on_their_buttons_as_people_know_them() {
        assert_eq!(
            SsoProvider::ALL.map(SsoProvider::label),
            ["Google", "Microsoft"]
        );
    }

    #[test]
    fn providers_read_back_as_stored_and_in_their_routes() {
        assert_eq!(
            SsoProvider::ALL.map(SsoProvider::as_str),
            ["google", "microsoft"]
        );
        for provider in SsoProvider::ALL {
            assert_eq!(SsoProvider::parse(provider.as_str()), Some(provider));
        }
        assert_eq!(SsoProvider::parse("github"), None);
    }

    fn claims() -> IdClaims {
        IdClaims {
            iss: "https://accounts.example".into(),
            aud: Audience::One("candor".into()),
            azp: None,
            exp: 2_000,
            iat: 1_000,
            nonce: Some("n-123".into()),
            email: Some("Ada@Acme.example".into()),
            email_verified: Some(true),
        }
    }

    fn check(c: &IdClaims, now: i64) -> Result<String, ClaimsRejected> {
        check_claims(c, "https://accounts.example", "candor", "n-123", now)
    }

    #[test]
    fn a_good_token_gives_the_lower_case_address() {
        assert_eq!(check(&claims(), 1_500).unwrap(), "ada@acme.example");
    }

    #[test]
    fn wrong_issuer_audience_nonce_or_times_are_refused() {
        let mut c = claims();
        c.iss = "https://evil.example".into();
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::Issuer));
        let mut c = claims();
        c.aud = Audience::One("someone-else".into());
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::Audience));
        let mut c = claims();
        c.aud = Audience::Many(vec!["candor".into(), "other".into()]);
        assert_eq!(
            check(&c, 1_500),
            Err(ClaimsRejected::Audience),
            "azp missing"
        );
        c.azp = Some("candor".into());
        assert!(check(&c, 1_500).is_ok());
        assert_eq!(check(&claims(), 2_060), Err(ClaimsRejected::Expired));
        assert!(check(&claims(), 2_059).is_ok(), "within the skew");
        assert_eq!(
            check(&claims(), 900),
            Err(ClaimsRejected::IssuedInTheFuture)
        );
        let mut c = claims();
        c.nonce = Some("n-124".into());
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::Nonce));
        c.nonce = None;
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::Nonce));
        let mut c = claims();
        c.email_verified = Some(false);
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::EmailNotVerified));
    }

    #[test]
    fn several_audiences_must_include_us_even_when_azp_names_us() {
        let mut c = claims();
        c.aud = Audience::Many(vec!["other".into(), "third".into()]);
        c.azp = Some("candor".into());
        assert_eq!(check(&c, 1_500), Err(ClaimsRejected::Audience));
    }

    #[test]
    fn a_token_issued_up_to_the_clock_skew_ahead_of_us_is_accepted() {
        // Issued at 1 000: our clock may be up to 60 seconds behind the provider's.
        assert!(check(&claims(), 940).is_ok());
        assert!(check(&claims(), 1_000).is_ok());
        assert_eq!(
            check(&claims(), 939),
            Err(ClaimsRejected::IssuedInTheFuture)
        );
    }

    #[test]
    fn domain_labels_are_letters_digits_and_inner_hyphens() {
        assert_eq!(
            parse_domains("my-firm.example x1.example").unwrap(),
            ["my-firm.example", "x1.example"]
        );
        for bad in [
            "my_firm.example",
            "firm-.example",
            "firm.example-",
            "acme.example/x",
            "acmé.example",
            "acme.example:443",
        ] {
            assert_eq!(parse_domains(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_domain_name_is_at_most_253_characters() {
        let labels = |last: usize| {
            [
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last),
            ]
            .join(".")
        };
        let longest = labels(61);
        assert_eq!(longest.len(), 253);
        assert_eq!(parse_domains(&longest), Some(vec![longest.clone()]));
        assert_eq!(parse_domains(&labels(62)), None);
        // Each label is at most 63 characters.
        assert_eq!(parse_domains(&format!("{}.example", "a".repeat(64))), None);
    }

    #[test]
    fn an_organisation_lists_at_most_20_domains_each_once() {
        let domains = |n: usize| {
            (1..=n)
                .map(|i| format!("d{i}.example"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(parse_domains(&domains(20)).map(|d| d.len()), Some(20));
        assert_eq!(parse_domains(&domains(21)), None);
        let repeated = format!("{}, D1.example, @d2.example", domains(20));
        assert_eq!(parse_domains(&repeated).map(|d| d.len()), Some(20));
    }

    #[test]
    fn domains_match_exactly() {
        let allowed = parse_domains("acme.example, @Sub.Acme.example").unwrap();
        assert_eq!(allowed, ["acme.example", "sub.acme.example"]);
        assert!(domain_allowed("ada@acme.example", &allowed));
        assert!(domain_allowed("ada@SUB.acme.example", &allowed));
        assert!(!domain_allowed("ada@evilacme.example", &allowed));
        assert!(!domain_allowed("ada@acme.example.evil", &allowed));
        for bad in [
            "",
            "localhost",
            "-a.example",
            "a..example",
            "ex ample.com/x",
        ] {
            assert_eq!(parse_domains(bad), None, "{bad}");
        }
    }
}
