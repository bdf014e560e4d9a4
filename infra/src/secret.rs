//! `keyturn secret rotate|stage|activate|retire`: the service secret's versions (see
//! `keyturn::crypto::keyring` and the runbook in docs/operations.md, "Rotating the service
//! secret").
//!
//! Two targets: the local runner's key file (`--data-dir`, the runner stopped, since it rewrites
//! the whole file from memory on its own writes), or a filter from the current value on stdin to
//! the next on stdout, for Secrets Manager (`aws secretsmanager get-secret-value ... | keyturn
//! secret stage --stdin | ...`). Neither prints a master on the terminal: the summary names
//! versions only.

use std::io::Read as _;
use std::path::Path;

use keyturn::codes::{CodeGenerator as _, OsCodes};
use keyturn::crypto::keyring::ServiceSecret;
use keyturn::domain::ports::Config;
use keyturn::secrets::SecretStore as _;
use keyturn::secrets::local::KeyFileStore;

/// What to do to the secret's versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A new current version at once (stage and activate): the local runner.
    Rotate {
        /// Previous versions to keep (all when `None`).
        keep: Option<usize>,
    },
    /// A new version that verifies but makes nothing yet.
    Stage,
    /// The staged version becomes current.
    Activate {
        /// Previous versions to keep (all when `None`).
        keep: Option<usize>,
    },
    /// Drop all but the newest `keep` previous versions.
    Retire {
        /// Previous versions to keep.
        keep: usize,
    },
}

/// The value after `step`, from the `current` stored value; a new master is 64 hex digits from
/// the OS random source.
pub fn next_value(current: &str, step: Step) -> Result<ServiceSecret, String> {
    let secret = ServiceSecret::parse(current).map_err(|why| format!("the current value {why}"))?;
    match step {
        Step::Rotate { keep } => secret.rotated(OsCodes.random_hex(32), keep),
        Step::Stage => secret.staged_with(OsCodes.random_hex(32)),
        Step::Activate { keep } => secret.activated(keep),
        Step::Retire { keep } => secret.retired(keep),
    }
}

/// One line saying which versions a secret holds.
pub fn describe(secret: &ServiceSecret) -> String {
    let staged = secret
        .staged_version()
        .map_or_else(String::new, |v| format!(", staged version {v}"));
    format!(
        "service secret: current version {}{staged}, previous versions {:?}",
        secret.current_version(),
        secret.previous_versions()
    )
}

/// Applies `step` to the service secret in `data_dir`'s key file; returns [`describe`] of the
/// result.
pub async fn on_key_file(data_dir: &Path, step: Step) -> Result<String, String> {
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
    let next = next_value(&current, step)?;
    store
        .put(&name, &next.to_json())
        .await
        .map_err(|e| e.to_string())?;
    Ok(describe(&next))
}

/// Reads the current value from stdin and returns the next one and its [`describe`] (for
/// Secrets Manager).
pub fn on_stdin(step: Step) -> Result<(String, String), String> {
    let mut current = String::new();
    std::io::stdin()
        .read_to_string(&mut current)
        .map_err(|e| format!("read stdin: {e}"))?;
    let next = next_value(&current, step)?;
    Ok((next.to_json(), describe(&next)))
}
