//! The secrets port: signing keys, the service key and the code pepper.
//!
//! Production reads AWS Secrets Manager ([`aws::SecretsManagerStore`]); the local runner keeps a
//! key file in its data dir ([`local::KeyFileStore`], mode 0600). Both sit behind
//! [`CachedSecrets`], so each secret is fetched once per cold start and then served from memory.

pub mod aws;
pub mod local;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

/// Failures of a secret backend, translated at the seam.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The backend failed; the message names no secret value.
    #[error("secrets backend: {0}")]
    Backend(String),
}

/// Named secret strings. Values are never logged.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The secret's current value, or `None` if no secret has this name.
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError>;
    /// Creates the secret or replaces its value.
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError>;
    /// Removes the secret for good (an app's deletion). A secret that does not exist MUST be
    /// `Ok(())`, so an interrupted deletion can simply run again.
    async fn delete(&self, name: &str) -> Result<(), SecretsError>;
}

/// Read-through cache in front of any [`SecretStore`]: one fetch per name per process.
pub struct CachedSecrets {
    inner: Arc<dyn SecretStore>,
    cache: RwLock<HashMap<String, String>>,
}

impl CachedSecrets {
    /// Wraps a backend.
    pub fn new(inner: Arc<dyn SecretStore>) -> Self {
        Self {
            inner,
            cache: RwLock::new(HashMap::new()),
        }
    }

    fn cached(&self, name: &str) -> Option<String> {
        self.cache.read().ok().and_then(|c| c.get(name).cloned())
    }

    fn remember(&self, name: &str, value: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.insert(name.to_owned(), value.to_owned());
        }
    }

    /// The value from the backend, bypassing (and refreshing) the cache: for a caller that knows
    /// its cached copy is stale (a key ring that lacks the kid the app record names, or a
    /// read-modify-write of a ring another instance may have changed).
    pub async fn get_fresh(&self, name: &str) -> Result<Option<String>, SecretsError> {
        let value = self.inner.get(name).await?;
        match &value {
            Some(v) => self.remember(name, v),
            None => self.forget(name),
        }
        Ok(value)
    }

    fn forget(&self, name: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(name);
        }
    }
}

#[async_trait]
impl SecretStore for CachedSecrets {
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError> {
        if let Some(v) = self.cached(name) {
            return Ok(Some(v));
        }
        let value = self.inner.get(name).await?;
        if let Some(v) = &value {
            self.remember(name, v);
        }
        Ok(value)
    }

    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        self.inner.put(name, value).await?;
        self.remember(name, value);
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        self.inner.delete(name).await?;
        self.forget(name);
        Ok(())
    }
}
