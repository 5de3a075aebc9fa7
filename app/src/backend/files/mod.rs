//! Encrypted file storage (S12): the vault seals bytes under a candidate's data key and keeps them
//! in the file store; the database holds only the wrapped key and the file's description.

pub mod crypto;
pub mod store;

use crate::error::AppError;
use crypto::{DataKey, MasterKey};
use std::sync::Arc;
use store::{FileStore, StorageName};
use uuid::Uuid;

fn totp_context(user_id: Uuid) -> Vec<u8> {
    [b"candor.totp-key.v1:".as_slice(), user_id.as_bytes()].concat()
}

#[derive(Clone)]
pub struct FileVault {
    master: Arc<MasterKey>,
    store: Arc<dyn FileStore>,
}

impl FileVault {
    pub fn new(master: MasterKey, store: impl FileStore) -> Self {
        Self {
            master: Arc::new(master),
            store: Arc::new(store),
        }
    }

    pub fn new_data_key(&self, candidate_id: Uuid) -> (DataKey, Vec<u8>) {
        let key = DataKey::generate();
        let wrapped = self.master.wrap(candidate_id, &key);
        (key, wrapped)
    }

    pub fn data_key(&self, candidate_id: Uuid, wrapped: &[u8]) -> Result<DataKey, AppError> {
        self.master
            .unwrap(candidate_id, wrapped)
            .map_err(|e| super::errors::internal(format!("unwrapping a data key: {e}")))
    }

    /// Seals a user's TOTP key for the database, bound to that user.
    pub fn seal_totp_key(&self, user_id: Uuid, key: &[u8]) -> Vec<u8> {
        self.master.seal_secret(&totp_context(user_id), key)
    }

    pub fn open_totp_key(&self, user_id: Uuid, sealed: &[u8]) -> Result<Vec<u8>, AppError> {
        self.master
            .open_secret(&totp_context(user_id), sealed)
            .map_err(|e| super::errors::internal(format!("opening a TOTP key: {e}")))
    }

    /// Seals and stores a file under `name`, on the blocking pool.
    pub async fn put(
        &self,
        name: &StorageName,
        key: DataKey,
        document_id: Uuid,
        bytes: Vec<u8>,
    ) -> Result<(), AppError> {
        let store = self.store.clone();
        let name = name.clone();
        tokio::task::spawn_blocking(move || store.put(&name, &key.seal(document_id, bytes)))
            .await
            .map_err(|e| super::errors::internal(format!("file store task: {e}")))?
            .map_err(|e| super::errors::internal(format!("writing a file: {e}")))
    }

    pub async fn get(
        &self,
        key: DataKey,
        document_id: Uuid,
        name: &str,
    ) -> Result<Vec<u8>, AppError> {
        let name = StorageName::parse(name)
            .ok_or_else(|| super::errors::internal("a stored file with a foreign name"))?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let sealed = store
                .get(&name)
                .map_err(|e| super::errors::internal(format!("reading a file: {e}")))?;
            key.open(document_id, &sealed)
                .map_err(|e| super::errors::internal(format!("opening a file: {e}")))
        })
        .await
        .map_err(|e| super::errors::internal(format!("file store task: {e}")))?
    }

    /// Best effort: a file whose row is gone is unreadable anyway once its key is destroyed.
    pub async fn delete(&self, name: &str) {
        let Some(name) = StorageName::parse(name) else {
            return;
        };
        let store = self.store.clone();
        let outcome = tokio::task::spawn_blocking(move || store.delete(&name)).await;
        if !matches!(outcome, Ok(Ok(()))) {
            tracing::warn!("a stored file could not be removed");
        }
    }
}
