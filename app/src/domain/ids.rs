//! Opaque public ids: a kind prefix and 128 random bits. Internal UUIDs never leave the server;
//! every record exposed outside the database is addressed by one of these.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Org,
    User,
    Recruitment,
    Criterion,
    Candidate,
    Application,
    Interview,
    Document,
    ApiKey,
    AuditEvent,
    Notice,
    Receipt,
    DataRequest,
    Certificate,
    SubProcessor,
    Invitation,
}

impl IdKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            IdKind::Org => "org",
            IdKind::User => "usr",
            IdKind::Recruitment => "rec",
            IdKind::Criterion => "crit",
            IdKind::Candidate => "cand",
            IdKind::Application => "app",
            IdKind::Interview => "int",
            IdKind::Document => "doc",
            IdKind::ApiKey => "key",
            IdKind::AuditEvent => "evt",
            IdKind::Notice => "ntc",
            IdKind::Receipt => "rcpt",
            IdKind::DataRequest => "dsr",
            IdKind::Certificate => "cert",
            IdKind::SubProcessor => "sub",
            IdKind::Invitation => "inv",
        }
    }
}

/// A public id such as `usr_3jv2…`. The random part is 26 characters of Crockford base32.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicId(String);

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RANDOM_LEN: usize = 26;

impl PublicId {
    /// Builds an id from 16 random bytes; the caller supplies the randomness (the OS generator on
    /// the server), so this module stays free of I/O.
    pub fn from_random(kind: IdKind, random: [u8; 16]) -> Self {
        let mut value = u128::from_be_bytes(random);
        let mut out = [0u8; RANDOM_LEN];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(value & 31) as usize];
            value >>= 5;
        }
        let random_part = std::str::from_utf8(&out).expect("alphabet is ASCII");
        Self(format!("{}_{}", kind.prefix(), random_part))
    }

    /// Parses an id of the expected kind; anything else is simply not an id we could hold.
    pub fn parse(kind: IdKind, raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix(kind.prefix())?.strip_prefix('_')?;
        (rest.len() == RANDOM_LEN && rest.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_kind_and_round_trip() {
        let id = PublicId::from_random(IdKind::Candidate, [7; 16]);
        assert!(id.as_str().starts_with("cand_"));
        assert_eq!(
            PublicId::parse(IdKind::Candidate, id.as_str()),
            Some(id.clone())
        );
        assert_eq!(PublicId::parse(IdKind::User, id.as_str()), None);
    }

    #[test]
    fn different_randomness_gives_different_ids() {
        let a = PublicId::from_random(IdKind::User, [0; 16]);
        let b = PublicId::from_random(IdKind::User, [1; 16]);
        assert_ne!(a, b);
        // Every one of the 128 bits counts, the first as much as the last.
        let mut first = [0; 16];
        first[0] = 0x80;
        assert_ne!(a, PublicId::from_random(IdKind::User, first));
        assert_eq!(
            PublicId::from_random(IdKind::User, [0xff; 16]).as_str(),
            format!("usr_7{}", "z".repeat(25))
        );
    }

    #[test]
    fn malformed_ids_are_not_ids() {
        for raw in [
            "usr_",
            "usr_short",
            "usr_0000000000000000000000000I",
            "rec_00000000000000000000000000",
        ] {
            assert_eq!(PublicId::parse(IdKind::User, raw), None, "{raw}");
        }
    }
}
