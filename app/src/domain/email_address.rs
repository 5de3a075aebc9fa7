use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically plausible e-mail address, trimmed and lower-cased so that one mailbox has one
/// spelling. Deliverability is proved by the verification link, not by parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a valid e-mail address, like name@example.com.")]
pub struct InvalidEmailAddress;

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidEmailAddress> {
        let candidate = raw.trim().to_lowercase();
        if candidate.is_empty() || candidate.len() > Self::MAX_LEN {
            return Err(InvalidEmailAddress);
        }
        let (local, domain) = candidate.rsplit_once('@').ok_or(InvalidEmailAddress)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(candidate))
        } else {
            Err(InvalidEmailAddress)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_shows_as_its_one_spelling() {
        let address = EmailAddress::parse(" Ada@Example.COM ").unwrap();
        assert_eq!(address.to_string(), "ada@example.com");
    }

    #[test]
    fn an_address_may_be_254_characters_long_and_no_longer() {
        let address = |last_label: usize| {
            format!(
                "{}@{}.{}.{}",
                "a".repeat(64),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last_label)
            )
        };
        assert_eq!(address(61).len(), EmailAddress::MAX_LEN);
        assert!(EmailAddress::parse(&address(61)).is_ok());
        assert_eq!(EmailAddress::parse(&address(62)), Err(InvalidEmailAddress));
    }

    #[test]
    fn addresses_are_normalised_to_one_spelling() {
        let parsed = EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(parsed.as_str(), "ada.lovelace@example.com");
        assert_eq!(parsed.domain(), "example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a..b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "<script>@example.com",
            "a@example.com\r\nBcc: victim@example.com",
        ] {
            assert_eq!(
                EmailAddress::parse(raw),
                Err(InvalidEmailAddress),
                "{raw:?}"
            );
        }
        let too_long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&too_long).is_err());
    }
}
