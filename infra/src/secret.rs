//! `keyturn secret rotate`: a new current version of the service secret, the old one kept as
//! previous so everything it made still verifies (see `keyturn::crypto::keyring` and the runbook
//! in docs/reliability.md, "Rotating the service secret").
//!
//! Two forms: over the local runner's key file (`--data-dir`, the runner stopped, since it
//! rewrites the whole file from memory on its own writes), and as a filter from the current
//! value on stdin to the next on stdout, for Secrets Manager (`aws secretsmanager
//! get-secret-value ... | keyturn secret rotate --stdin | ...`). Neither prints a master.

use std::io::Read as _;
use std::path::Path;

use keyturn::codes::{CodeGenerator as _, OsCodes};
use keyturn::crypto::keyring::ServiceSecret;
use keyturn::domain::ports::Config;
use keyturn::secrets::SecretStore as _;
use keyturn::secrets::local::KeyFileStore;

/// The next value of `current`: a fresh 64-hex-digit master as version N+1, keeping `keep`
/// previous versions (all when `None`).
pub fn next_value(current: &str, keep: Option<usize>) -> Result<ServiceSecret, String> {
    let secret = ServiceSecret::parse(current).map_err(|why| format!("the current value {why}"))?;
    secret.rotated(OsCodes.random_hex(32), keep)
}

/// One line saying which versions a secret holds.
pub fn describe(secret: &ServiceSecret) -> String {
    let versions = secret.versions();
    format!(
        "service secret: current version {}, previous versions {:?}",
        secret.current_version(),
        &versions[1..]
    )
}

/// Rotates the service secret in `data_dir`'s key file; returns [`describe`] of the result.
pub async fn rotate_key_file(data_dir: &Path, keep: Option<usize>) -> Result<String, String> {
    let path = data_dir.join("secrets.json");
    let store = KeyFileStore::open(&path).map_err(|e| e.to_string())?;
    let name = Config::from_env().service_secret_name();
    let current = store
        .get(&name)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "{} holds no {name}: start `keyturn serve --data-dir {}` once first",
                path.display(),
                data_dir.display()
            )
        })?;
    let next = next_value(&current, keep)?;
    store
        .put(&name, &next.to_json())
        .await
        .map_err(|e| e.to_string())?;
    Ok(describe(&next))
}

/// Reads the current value from stdin and returns the next one (for Secrets Manager).
pub fn rotate_stdin(keep: Option<usize>) -> Result<(String, String), String> {
    let mut current = String::new();
    std::io::stdin()
        .read_to_string(&mut current)
        .map_err(|e| format!("read stdin: {e}"))?;
    let next = next_value(&current, keep)?;
    Ok((next.to_json(), describe(&next)))
}
