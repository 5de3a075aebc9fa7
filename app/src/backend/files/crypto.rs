//! Encryption at rest (S12): every file is sealed with AES-256-GCM under its candidate's data key;
//! the data key is stored only wrapped (AES-256-GCM again) by the master key from configuration.
//! Destroying a candidate's wrapped key makes every copy of their files unreadable, backups
//! included (crypto-shredding).
//!
//! Both layers bind what they seal to the record it belongs to (associated data), so a sealed file
//! moved under another document, or a wrapped key copied to another candidate, fails to open.

use aes_gcm::aead::{Aead, AeadCore, AeadInPlace, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use uuid::Uuid;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadMasterKey,
    #[error("sealed data failed authentication (wrong key, wrong record or altered bytes)")]
    Unauthentic,
    #[error("sealed data has an unknown format")]
    UnknownFormat,
}

/// The key that wraps every data key. Never leaves memory, never logged.
pub struct MasterKey(Aes256Gcm);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

fn key_aad(candidate_id: Uuid) -> Vec<u8> {
    [b"candor.data-key.v1:".as_slice(), candidate_id.as_bytes()].concat()
}

fn file_aad(document_id: Uuid) -> Vec<u8> {
    [b"candor.file.v1:".as_slice(), document_id.as_bytes()].concat()
}

impl MasterKey {
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| CryptoError::BadMasterKey)?;
        if raw.len() != 32 {
            return Err(CryptoError::BadMasterKey);
        }
        Ok(Self(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&raw))))
    }

    /// `version ‖ nonce ‖ AES-GCM(data key)`, bound to the candidate.
    pub fn wrap(&self, candidate_id: Uuid, key: &DataKey) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: key.0.as_slice(),
                    aad: &key_aad(candidate_id),
                },
            )
            .expect("AES-GCM encryption of 32 bytes cannot fail");
        [&[VERSION][..], nonce.as_slice(), &sealed].concat()
    }

    /// Seals a small secret kept in the database (a TOTP key), bound to `context` (its purpose
    /// and owner), so that a sealed value copied to another row fails to open.
    pub fn seal_secret(&self, context: &[u8], secret: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: context,
                },
            )
            .expect("AES-GCM encryption of a small secret cannot fail");
        [&[VERSION][..], nonce.as_slice(), &sealed].concat()
    }

    pub fn open_secret(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (nonce, body) = split(sealed)?;
        self.0
            .decrypt(
                nonce,
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| CryptoError::Unauthentic)
    }

    pub fn unwrap(&self, candidate_id: Uuid, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let (nonce, sealed) = split(wrapped)?;
        let raw = self
            .0
            .decrypt(
                nonce,
                Payload {
                    msg: sealed,
                    aad: &key_aad(candidate_id),
                },
            )
            .map_err(|_| CryptoError::Unauthentic)?;
        if raw.len() != 32 {
            return Err(CryptoError::UnknownFormat);
        }
        Ok(DataKey(*Key::<Aes256Gcm>::from_slice(&raw)))
    }
}

fn split(sealed: &[u8]) -> Result<(&Nonce<aes_gcm::aead::consts::U12>, &[u8]), CryptoError> {
    match sealed.split_first() {
        Some((&VERSION, rest)) if rest.len() >= NONCE_LEN + TAG_LEN => {
            let (nonce, body) = rest.split_at(NONCE_LEN);
            Ok((Nonce::from_slice(nonce), body))
        }
        _ => Err(CryptoError::UnknownFormat),
    }
}

/// One candidate's file key.
pub struct DataKey(Key<Aes256Gcm>);

impl DataKey {
    pub fn generate() -> Self {
        Self(Aes256Gcm::generate_key(&mut OsRng))
    }

    /// Seals a file's bytes in place (no second copy of a large file): the result is
    /// `version ‖ nonce ‖ ciphertext ‖ tag`, bound to the document.
    pub fn seal(&self, document_id: Uuid, mut bytes: Vec<u8>) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let tag = Aes256Gcm::new(&self.0)
            .encrypt_in_place_detached(&nonce, &file_aad(document_id), &mut bytes)
            .expect("AES-GCM encryption within the size limits cannot fail");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + bytes.len() + TAG_LEN);
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.append(&mut bytes);
        sealed.extend_from_slice(&tag);
        sealed
    }

    pub fn open(&self, document_id: Uuid, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (nonce, body) = split(sealed)?;
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let mut plain = ciphertext.to_vec();
        Aes256Gcm::new(&self.0)
            .decrypt_in_place_detached(
                nonce,
                &file_aad(document_id),
                &mut plain,
                aes_gcm::Tag::from_slice(tag),
            )
            .map_err(|_| CryptoError::Unauthentic)?;
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap()
    }

    #[test]
    fn a_sealed_file_opens_only_with_its_key_and_its_document() {
        let key = DataKey::generate();
        let doc = Uuid::new_v4();
        let sealed = key.seal(doc, b"Curriculum vitae of Grace".to_vec());
        assert!(!sealed
            .windows(9)
            .any(|w| w == b"Curriculum".get(..9).unwrap()));
        assert_eq!(
            key.open(doc, &sealed).unwrap(),
            b"Curriculum vitae of Grace"
        );
        assert_eq!(
            key.open(Uuid::new_v4(), &sealed),
            Err(CryptoError::Unauthentic)
        );
        assert_eq!(
            DataKey::generate().open(doc, &sealed),
            Err(CryptoError::Unauthentic)
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 1;
        assert_eq!(key.open(doc, &flipped), Err(CryptoError::Unauthentic));
        assert_eq!(key.open(doc, b"x"), Err(CryptoError::UnknownFormat));
    }

    #[test]
    fn a_wrapped_key_unwraps_only_for_its_candidate_under_the_master_key() {
        let key = DataKey::generate();
        let candidate = Uuid::new_v4();
        let wrapped = master().wrap(candidate, &key);
        let doc = Uuid::new_v4();
        let sealed = key.seal(doc, b"abc".to_vec());
        let again = master().unwrap(candidate, &wrapped).unwrap();
        assert_eq!(again.open(doc, &sealed).unwrap(), b"abc");
        assert!(master().unwrap(Uuid::new_v4(), &wrapped).is_err());
        let other = MasterKey::from_base64("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
        assert!(other.unwrap(candidate, &wrapped).is_err());
    }

    #[test]
    fn master_keys_must_be_32_bytes() {
        assert_eq!(
            MasterKey::from_base64("c2hvcnQ=").unwrap_err(),
            CryptoError::BadMasterKey
        );
        assert!(MasterKey::from_base64("not base64!").is_err());
    }
}
