//! Key-file adapter: the local runner's [`SecretStore`].
//!
//! One JSON object (`name → value`) in the data dir. The file holds signing keys, so it is created
//! with mode 0600 and every write goes to a temp file that is synced and renamed over the original:
//! a crash mid-write leaves the old file, never a truncated one. A mutex serialises writers within
//! the process; the runner is the only process that owns the data dir.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{SecretStore, SecretsError};

/// [`SecretStore`] over a local JSON key file, loaded once on open and rewritten on every put.
#[derive(Debug)]
pub struct KeyFileStore {
    path: PathBuf,
    secrets: Mutex<BTreeMap<String, String>>,
}

impl KeyFileStore {
    /// Reads the key file at `path`, or starts empty if it does not exist yet (it is created on
    /// the first write, together with its parent directory).
    pub fn open(path: &Path) -> Result<Self, SecretsError> {
        let secrets = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                // serde_json's message names a line and column, not the content.
                SecretsError::Backend(format!(
                    "key file {} is not a JSON object: {e}",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(io_error("read", path, &e)),
        };
        Ok(Self {
            path: path.to_owned(),
            secrets: Mutex::new(secrets),
        })
    }

    fn write_atomically(&self, secrets: &BTreeMap<String, String>) -> Result<(), SecretsError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)
                .map_err(|e| io_error("create directory for", &self.path, &e))?;
        }
        let json = serde_json::to_vec_pretty(secrets)
            .map_err(|e| SecretsError::Backend(format!("encode key file: {e}")))?;
        let mut tmp_name = self.path.as_os_str().to_owned();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp_name);
        let result = write_private(&tmp, &json).and_then(|()| fs::rename(&tmp, &self.path));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io_error("write", &self.path, &e));
        }
        Ok(())
    }
}

#[async_trait]
impl SecretStore for KeyFileStore {
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError> {
        let secrets = self
            .secrets
            .lock()
            .map_err(|_| SecretsError::Backend("key file lock poisoned".into()))?;
        Ok(secrets.get(name).cloned())
    }

    /// Writes the whole file before updating memory, so a failed write changes nothing.
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| SecretsError::Backend("key file lock poisoned".into()))?;
        let mut next = secrets.clone();
        next.insert(name.to_owned(), value.to_owned());
        self.write_atomically(&next)?;
        *secrets = next;
        Ok(())
    }

    /// Rewrites the file without the secret (nothing to write when it is absent).
    async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| SecretsError::Backend("key file lock poisoned".into()))?;
        if !secrets.contains_key(name) {
            return Ok(());
        }
        let mut next = secrets.clone();
        next.remove(name);
        self.write_atomically(&next)?;
        *secrets = next;
        Ok(())
    }
}

/// Creates (or truncates) `path` readable by its owner only, writes `bytes` and syncs them.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file: File = options.open(path)?;
    // A leftover temp file keeps its old mode on open: force owner-only before writing.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

fn io_error(action: &str, path: &Path, err: &std::io::Error) -> SecretsError {
    SecretsError::Backend(format!("{action} key file {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(test: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        std::env::temp_dir()
            .join(format!(
                "keyturn-keyfile-{test}-{}-{nanos}",
                std::process::id()
            ))
            .join("secrets.json")
    }

    #[tokio::test]
    async fn a_put_secret_is_read_back() {
        let path = temp_path("roundtrip");
        let store = KeyFileStore::open(&path).unwrap();
        store.put("service", "s3cret").await.unwrap();
        store.put("service", "newer").await.unwrap();
        assert_eq!(
            store.get("service").await.unwrap().as_deref(),
            Some("newer")
        );
        let _ = fs::remove_dir_all(path.parent().unwrap());
    }

    #[tokio::test]
    async fn secrets_survive_reopening_the_file() {
        let path = temp_path("reopen");
        KeyFileStore::open(&path)
            .unwrap()
            .put("apps/a", "key-a")
            .await
            .unwrap();
        let reopened = KeyFileStore::open(&path).unwrap();
        assert_eq!(
            reopened.get("apps/a").await.unwrap().as_deref(),
            Some("key-a")
        );
        let _ = fs::remove_dir_all(path.parent().unwrap());
    }

    #[tokio::test]
    async fn a_missing_secret_is_none_and_creates_no_file() {
        let path = temp_path("missing");
        let store = KeyFileStore::open(&path).unwrap();
        assert_eq!(store.get("nope").await.unwrap(), None);
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_key_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp_path("mode");
        KeyFileStore::open(&path)
            .unwrap()
            .put("service", "x")
            .await
            .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let _ = fs::remove_dir_all(path.parent().unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_key_file_is_an_error_that_does_not_echo_its_content() {
        let path = temp_path("corrupt");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "not json TOPSECRET").unwrap();
        let err = KeyFileStore::open(&path).unwrap_err().to_string();
        assert!(!err.contains("TOPSECRET"), "{err}");
        let _ = fs::remove_dir_all(path.parent().unwrap());
    }
}
