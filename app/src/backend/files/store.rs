//! Where sealed files live. One small interface; the default keeps them in a folder of the data
//! directory, outside the web root, under generated names that say nothing about their content.

use std::io;
use std::path::PathBuf;

/// A generated storage name: 32 lowercase hex digits, nothing else, so a name read back from the
/// database can never point outside the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageName(String);

impl StorageName {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Blocking by design: callers run it on the blocking pool.
pub trait FileStore: Send + Sync + 'static {
    /// Stores the bytes durably under `name`; a reader never sees a half-written file.
    fn put(&self, name: &StorageName, bytes: &[u8]) -> io::Result<()>;
    fn get(&self, name: &StorageName) -> io::Result<Vec<u8>>;
    /// Removing a name that is not there is not an error.
    fn delete(&self, name: &StorageName) -> io::Result<()>;
}

/// Files under `root/ab/abcdef…`, written to a temporary name, synced, then renamed.
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn path(&self, name: &StorageName) -> PathBuf {
        self.root.join(&name.0[..2]).join(&name.0)
    }
}

impl FileStore for LocalDir {
    fn put(&self, name: &StorageName, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        let path = self.path(name);
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        let partial = dir.join(format!(".{}.partial", name.0));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, &path)?;
        Ok(())
    }

    fn get(&self, name: &StorageName) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(name))
    }

    fn delete(&self, name: &StorageName) -> io::Result<()> {
        match std::fs::remove_file(self.path(name)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_names_are_storage_names() {
        let name = StorageName::generate();
        assert_eq!(StorageName::parse(name.as_str()), Some(name));
        for hostile in [
            "../../etc/passwd",
            "0123456789abcdef0123456789abcde/",
            "0123456789ABCDEF0123456789ABCDEF",
            "",
        ] {
            assert_eq!(StorageName::parse(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn the_local_store_puts_gets_and_deletes() {
        let dir = std::env::temp_dir().join(format!("candor-store-{}", uuid::Uuid::new_v4()));
        let store = LocalDir::new(dir.clone()).unwrap();
        let name = StorageName::generate();
        store.put(&name, b"sealed").unwrap();
        assert_eq!(store.get(&name).unwrap(), b"sealed");
        store.delete(&name).unwrap();
        store.delete(&name).unwrap();
        assert!(store.get(&name).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
