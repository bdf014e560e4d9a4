//! Secrets Manager adapter: production's [`SecretStore`].
//!
//! The secret name is used as the `SecretId`, so names such as `keyturn/<stack>/apps/<id>` map onto
//! the IAM resource patterns in `template.yaml`. SDK types stay inside this module, and error
//! messages carry only the AWS error code and message — never a secret value.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::{SecretStore, SecretsError};

/// [`SecretStore`] over AWS Secrets Manager. Wrap it in [`super::CachedSecrets`] so each secret
/// is fetched once per cold start instead of once per request.
#[derive(Debug, Clone)]
pub struct SecretsManagerStore {
    client: Client,
}

impl SecretsManagerStore {
    /// Wraps a client built once at cold start (clients are cheap to clone and reuse connections).
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    async fn create(&self, name: &str, value: &str) -> Result<bool, SecretsError> {
        let sent = (self.client.create_secret())
            .name(name)
            .secret_string(value)
            .send()
            .await;
        let created = expect_or("CreateSecret", sent, |e| e.is_resource_exists_exception())?;
        Ok(created.is_some())
    }

    async fn replace(&self, name: &str, value: &str) -> Result<bool, SecretsError> {
        let sent = (self.client.put_secret_value())
            .secret_id(name)
            .secret_string(value)
            .send()
            .await;
        let replaced = expect_or("PutSecretValue", sent, |e| {
            e.is_resource_not_found_exception()
        })?;
        Ok(replaced.is_some())
    }
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError> {
        let sent = self.client.get_secret_value().secret_id(name).send().await;
        let out = expect_or("GetSecretValue", sent, |e| {
            e.is_resource_not_found_exception()
        })?;
        Ok(out.and_then(|out| out.secret_string().map(str::to_owned)))
    }

    /// Replaces the value, creating the secret when it does not exist yet. A concurrent creator
    /// (two cold starts bootstrapping the same key) is tolerated: the loser writes a new version.
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        if self.replace(name, value).await? || self.create(name, value).await? {
            return Ok(());
        }
        if self.replace(name, value).await? {
            return Ok(());
        }
        Err(SecretsError::Backend(format!(
            "PutSecretValue: secret {name} vanished while being written"
        )))
    }

    /// Deletes without a recovery window: a secret merely scheduled for deletion answers
    /// reads with an error rather than "not found", which would break a repeated app deletion,
    /// and app ids are never reused, so there is nothing to recover into.
    async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        let sent = (self.client.delete_secret())
            .secret_id(name)
            .force_delete_without_recovery(true)
            .send()
            .await;
        expect_or("DeleteSecret", sent, |e| {
            e.is_resource_not_found_exception()
        })?;
        Ok(())
    }
}

/// Describes an SDK failure by operation, AWS error code and message. Request bodies (which hold
/// the secret on writes) are never part of an SDK error's metadata, so this is safe to log.
fn backend<E, R>(operation: &str, err: &SdkError<E, R>) -> SecretsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = match err.code() {
        Some(code) => format!("{code}: {}", err.message().unwrap_or("no message")),
        None => DisplayErrorContext(err).to_string(),
    };
    SecretsError::Backend(format!("{operation}: {detail}"))
}

/// The outcome of one SDK call: `Some(output)` on success, `None` when the service answered the
/// one error the caller expects (`expected`, e.g. "not found"), else a backend error.
fn expect_or<T, E, R>(
    operation: &str,
    result: Result<T, SdkError<E, R>>,
    expected: impl Fn(&E) -> bool,
) -> Result<Option<T>, SecretsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.as_service_error().is_some_and(&expected) => Ok(None),
        Err(err) => Err(backend(operation, &err)),
    }
}
