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

/// RFC 4648 base32 in lower case, without padding (5 bits per character).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bits = 0u32;
    let mut pending = 0;
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    for &b in bytes {
        bits = (bits << 8) | u32::from(b);
        pending += 8;
        while pending >= 5 {
            pending -= 5;
            out.push(char::from(ALPHABET[((bits >> pending) & 31) as usize]));
        }
        bits &= (1 << pending) - 1;
    }
    if pending > 0 {
        out.push(char::from(
            ALPHABET[((bits << (5 - pending)) & 31) as usize],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token::looks_like_token;

    #[test]
    fn base32_follows_rfc_4648() {
        // RFC 4648 §10 test vectors, lower case and without padding.
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(
            base32(&[0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]),
            "aaaaaaaa77777777"
        );
    }

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
