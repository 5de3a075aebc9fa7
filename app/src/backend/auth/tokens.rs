//! One-time tokens (S11): 256 bits from the OS generator, shown once in a link, stored as SHA-256.

use crate::domain::token::TOKEN_BYTES;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};

/// The raw token. It has no `Debug` or `Serialize`: it goes into one e-mail and nowhere else.
pub struct RawToken(String);

impl RawToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> [u8; 32] {
        hash_token(&self.0)
    }
}

pub fn hash_token(raw: &str) -> [u8; 32] {
    Sha256::digest(raw.as_bytes()).into()
}

/// Random bytes for public ids and internal keys.
pub fn random_16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token::looks_like_token;

    #[test]
    fn tokens_are_long_unique_and_url_safe() {
        let a = RawToken::generate();
        let b = RawToken::generate();
        assert!(looks_like_token(a.as_str()));
        assert_ne!(a.as_str(), b.as_str());
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), hash_token(a.as_str()));
    }
}
