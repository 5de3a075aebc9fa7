//! The portal's signature on what it issues to people outside it (consent receipts, F7; deletion
//! certificates, F10): EdDSA (Ed25519) JSON Web Signatures that anyone can check with the public
//! key the portal publishes at `/.well-known/jwks.json`, or with `candor verify-receipt`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{pkcs8::EncodePrivateKey, SigningKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};

pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    key_id: String,
    public_x: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.key_id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("the signing key must be a 32-byte Ed25519 seed, base64-encoded")]
    BadKey,
    #[error("the signature does not verify: {0}")]
    Invalid(String),
}

impl Signer {
    /// From the 32-byte seed in configuration (`CANDOR_SIGNING_KEY`, base64).
    pub fn from_seed_base64(encoded: &str) -> Result<Self, SigningError> {
        let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|raw| raw.try_into().ok())
            .ok_or(SigningError::BadKey)?;
        let signing = SigningKey::from_bytes(&seed);
        let der = signing.to_pkcs8_der().map_err(|_| SigningError::BadKey)?;
        let public = signing.verifying_key();
        let public_x = URL_SAFE_NO_PAD.encode(public.as_bytes());
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_components(&public_x)
                .map_err(|_| SigningError::BadKey)?,
            key_id: hex::encode(&Sha256::digest(public.as_bytes())[..8]),
            public_x,
        })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A compact JWS over `claims`, naming the key that signed it.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SigningError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| SigningError::Invalid(e.to_string()))
    }

    /// The claims of a JWS this portal signed; any change to any byte fails.
    pub fn verify<T: DeserializeOwned>(&self, jws: &str) -> Result<T, SigningError> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        // Receipts and certificates are records, not sessions: they do not expire.
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<T>(jws.trim(), &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| SigningError::Invalid(e.to_string()))
    }

    /// The public key as a JSON Web Key (RFC 7517, RFC 8037).
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.public_x,
            "kid": self.key_id,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    /// The public key as a JSON Web Key Set.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.public_jwk()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn a_signature_verifies_and_any_changed_byte_breaks_it() {
        let signer = Signer::from_seed_base64(SEED).unwrap();
        let jws = signer
            .sign(&serde_json::json!({ "consentReceiptID": "rcpt_1", "language": "de" }))
            .unwrap();
        let claims: serde_json::Value = signer.verify(&jws).unwrap();
        assert_eq!(claims["language"], "de");
        for at in [5, jws.len() / 2, jws.len() - 3] {
            let mut bytes = jws.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(
                signer.verify::<serde_json::Value>(&tampered).is_err(),
                "byte {at}"
            );
        }
        let other =
            Signer::from_seed_base64("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
        assert!(other.verify::<serde_json::Value>(&jws).is_err());
        assert_eq!(signer.jwks()["keys"][0]["kid"], signer.key_id());
        assert!(Signer::from_seed_base64("c2hvcnQ=").is_err());
    }
}
