//! The service secret's value, versioned so it can be rotated without breaking a login.
//!
//! Every key Keyturn derives from the service secret (see [`super::derive_key`]) comes from one
//! *version* of it. The secret holds a current version, which signs, hashes, peppers and seals
//! everything new, and the previous versions, which still verify what they made until it expires
//! or is re-made at the next login (docs/operations.md, "Rotating the service secret"):
//!
//! ```json
//! {"version": 2, "master": "<64 hex>",
//!  "previous": [{"version": 1, "master": "<64 hex>"}],
//!  "stable": {"codes": "<64 hex>", "appTokens": "<64 hex>"}}
//! ```
//!
//! The value every deployment holds today, `{"master": "..."}` (or a bare string), reads as
//! version 1 with nothing previous.
//!
//! Two keys never rotate, because what they made cannot be re-made without a secret the service
//! does not keep, or is used to *find* an item: the digests that stand for a value in a key or
//! must match a long-lived value (phone claims, undo links, recovery codes, a kept CosyncJWT app
//! token) and the app tokens compiled into client apps. They stay those of version 1 (the keys
//! every existing item was made under), and `stable` carries them as derived keys once version 1
//! is dropped, so dropping it takes its power over passwords, sessions and sealed secrets away.

use serde::{Deserialize, Serialize};

use super::derive_key;

/// Shortest master accepted (characters): the generated ones are 64 hex digits.
pub const MIN_MASTER_LEN: usize = 32;

/// Derivation purposes, one per kind of key.
pub mod purpose {
    /// HS256 key of access and login tokens (and app tokens, under version 1).
    pub const SERVICE_TOKENS: &str = "service-tokens";
    /// HMAC key of one-time code hashes (and of the stable digests, under version 1).
    pub const CODES: &str = "one-time-codes";
    /// Argon2id secret (pepper) of password hashes.
    pub const PEPPER: &str = "password-pepper";
    /// AES-256-GCM key of sealed secrets (TOTP).
    pub const SEALED: &str = "sealed-secrets";
    /// HMAC key of the startup check that the secret matches the table.
    pub const CANARY: &str = "secret-canary";
}

/// One version of the master secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterVersion {
    /// Version number (1 for the secret as first created).
    pub version: u32,
    /// The master secret itself.
    pub master: String,
}

impl std::fmt::Debug for MasterVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterVersion({}, ..)", self.version)
    }
}

/// The keys that never rotate, as hex of derived keys (never a master).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StableKeys {
    /// Key of the stable digests (version 1's code key).
    pub codes: String,
    /// Key of app tokens (version 1's service-token key).
    pub app_tokens: String,
}

/// The wire form of a versioned secret.
#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(default)]
    version: Option<u32>,
    master: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    staged: Option<MasterVersion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    previous: Vec<MasterVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stable: Option<StableKeys>,
}

/// A parsed service secret: the current version (which makes everything new), a staged next
/// version (which already verifies, so instances that read the secret before it becomes
/// current accept what it makes), the previous versions still verifying, and the stable keys.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceSecret {
    current: MasterVersion,
    staged: Option<MasterVersion>,
    previous: Vec<MasterVersion>,
    stable: StableKeys,
}

impl std::fmt::Debug for ServiceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceSecret(versions {:?})", self.versions())
    }
}

impl ServiceSecret {
    /// A fresh version-1 secret over `master` (the first start creates it).
    pub fn first(master: String) -> Result<Self, String> {
        Self::from_parts(MasterVersion { version: 1, master }, None, Vec::new(), None)
    }

    /// Parses a stored value. The error says what is wrong, never what the secret holds.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if !trimmed.starts_with('{') {
            // The bare-string form: version 1.
            return Self::first(trimmed.to_owned());
        }
        let wire: Wire = serde_json::from_str(trimmed).map_err(|e| {
            format!(
                "is not {{\"master\": .., \"version\": .., \"previous\": [..]}} (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let current = MasterVersion {
            version: wire.version.unwrap_or(1),
            master: wire.master,
        };
        Self::from_parts(current, wire.staged, wire.previous, wire.stable)
    }

    fn from_parts(
        current: MasterVersion,
        staged: Option<MasterVersion>,
        mut previous: Vec<MasterVersion>,
        stable: Option<StableKeys>,
    ) -> Result<Self, String> {
        previous.sort_by_key(|v| std::cmp::Reverse(v.version));
        for v in std::iter::once(&current).chain(&staged).chain(&previous) {
            if v.version == 0 {
                return Err("names a version 0 (versions start at 1)".into());
            }
            if v.master.len() < MIN_MASTER_LEN {
                return Err(format!(
                    "version {}'s master is shorter than {MIN_MASTER_LEN} characters",
                    v.version
                ));
            }
        }
        if let Some(p) = previous.first()
            && p.version >= current.version
        {
            return Err(format!(
                "previous version {} is not older than the current version {}",
                p.version, current.version
            ));
        }
        if let Some(s) = &staged
            && s.version <= current.version
        {
            return Err(format!(
                "staged version {} is not newer than the current version {}",
                s.version, current.version
            ));
        }
        if previous.windows(2).any(|w| w[0].version == w[1].version) {
            return Err("names a previous version twice".into());
        }
        let stable = match stable {
            Some(s) => {
                for (name, key) in [("codes", &s.codes), ("appTokens", &s.app_tokens)] {
                    if hex::decode(key).map(|k| k.len()) != Ok(32) {
                        return Err(format!("stable.{name} is not 64 hex digits"));
                    }
                }
                s
            }
            None => {
                let first = std::iter::once(&current)
                    .chain(&previous)
                    .find(|v| v.version == 1)
                    .ok_or("holds no version 1 and no \"stable\" keys (version 1 was dropped by hand: restore it, or its \"stable\" keys)")?;
                StableKeys::of(&first.master)
            }
        };
        Ok(Self {
            current,
            staged,
            previous,
            stable,
        })
    }

    /// The stored form (always the full JSON form; `stable` included once there is more than
    /// version 1, so version 1 can later be dropped).
    pub fn to_json(&self) -> String {
        let alone = self.current.version == 1 && self.staged.is_none() && self.previous.is_empty();
        let wire = Wire {
            version: Some(self.current.version),
            master: self.current.master.clone(),
            staged: self.staged.clone(),
            previous: self.previous.clone(),
            stable: (!alone).then(|| self.stable.clone()),
        };
        // Strings and numbers only: encoding cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Stages `master` as the next version: it verifies at once, makes nothing yet.
    pub fn staged_with(&self, master: String) -> Result<Self, String> {
        if let Some(s) = &self.staged {
            return Err(format!(
                "version {} is staged already: activate it first",
                s.version
            ));
        }
        let next = MasterVersion {
            version: self.current.version + 1,
            master,
        };
        Self::from_parts(
            self.current.clone(),
            Some(next),
            self.previous.clone(),
            Some(self.stable.clone()),
        )
    }

    /// Makes the staged version current; the current one becomes previous, and of the previous
    /// versions only the newest `keep` remain (`None` keeps them all).
    pub fn activated(&self, keep: Option<usize>) -> Result<Self, String> {
        let staged = self
            .staged
            .clone()
            .ok_or("no version is staged: stage one first")?;
        let mut previous = vec![self.current.clone()];
        previous.extend(self.previous.iter().cloned());
        if let Some(keep) = keep {
            previous.truncate(keep);
        }
        Self::from_parts(staged, None, previous, Some(self.stable.clone()))
    }

    /// Stages and activates `master` at once: for a single process (the local runner), which
    /// reads the secret once at start, so no instance can lag behind.
    pub fn rotated(&self, master: String, keep: Option<usize>) -> Result<Self, String> {
        self.staged_with(master)?.activated(keep)
    }

    /// Drops all but the newest `keep` previous versions.
    pub fn retired(&self, keep: usize) -> Result<Self, String> {
        let mut previous = self.previous.clone();
        previous.truncate(keep);
        Self::from_parts(
            self.current.clone(),
            self.staged.clone(),
            previous,
            Some(self.stable.clone()),
        )
    }

    /// The current version number.
    pub fn current_version(&self) -> u32 {
        self.current.version
    }

    /// The staged version number, if any.
    pub fn staged_version(&self) -> Option<u32> {
        self.staged.as_ref().map(|v| v.version)
    }

    /// The previous version numbers, newest first.
    pub fn previous_versions(&self) -> Vec<u32> {
        self.previous.iter().map(|v| v.version).collect()
    }

    fn all(&self) -> impl Iterator<Item = &MasterVersion> {
        std::iter::once(&self.current)
            .chain(&self.staged)
            .chain(&self.previous)
    }

    /// Every version held: current first, then the staged one, then the previous ones.
    pub fn versions(&self) -> Vec<u32> {
        self.all().map(|v| v.version).collect()
    }

    /// The key for `purpose` of every version held, in [`Self::versions`]' order (the first
    /// makes everything new).
    pub fn keys(&self, purpose: &str) -> Vec<(u32, Vec<u8>)> {
        self.all()
            .map(|v| (v.version, derive_key(v.master.as_bytes(), purpose)))
            .collect()
    }

    /// The stable digest key.
    pub fn stable_codes_key(&self) -> Vec<u8> {
        hex::decode(&self.stable.codes).unwrap_or_default()
    }

    /// The stable app-token key.
    pub fn app_tokens_key(&self) -> Vec<u8> {
        hex::decode(&self.stable.app_tokens).unwrap_or_default()
    }
}

impl StableKeys {
    /// The stable keys of a version-1 master: the keys every item written before rotation
    /// existed was made with.
    pub fn of(master_v1: &str) -> Self {
        Self {
            codes: hex::encode(derive_key(master_v1.as_bytes(), purpose::CODES)),
            app_tokens: hex::encode(derive_key(master_v1.as_bytes(), purpose::SERVICE_TOKENS)),
        }
    }
}

/// The key of `version` among `keys` (as [`ServiceSecret::keys`] lists them).
pub fn key_of(keys: &[(u32, Vec<u8>)], version: u32) -> Option<&[u8]> {
    keys.iter()
        .find(|(v, _)| *v == version)
        .map(|(_, k)| k.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const M2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const M3: &str = "3333333333333333333333333333333333333333333333333333333333333333";

    #[test]
    fn the_deployed_forms_read_as_version_one() {
        for raw in [format!("{{\"master\":\"{M1}\"}}"), M1.to_owned()] {
            let s = ServiceSecret::parse(&raw).unwrap();
            assert_eq!(s.versions(), vec![1]);
            assert_eq!(
                s.keys(purpose::PEPPER)[0].1,
                derive_key(M1.as_bytes(), purpose::PEPPER)
            );
            assert_eq!(
                s.stable_codes_key(),
                derive_key(M1.as_bytes(), purpose::CODES)
            );
            assert_eq!(
                s.app_tokens_key(),
                derive_key(M1.as_bytes(), purpose::SERVICE_TOKENS)
            );
        }
    }

    #[test]
    fn rotation_adds_a_current_version_and_keeps_the_stable_keys() {
        let v1 = ServiceSecret::parse(M1).unwrap();
        let v2 = v1.rotated(M2.into(), None).unwrap();
        assert_eq!(v2.versions(), vec![2, 1]);
        let again = ServiceSecret::parse(&v2.to_json()).unwrap();
        assert_eq!(again, v2);
        assert!(!v2.to_json().contains("\"stable\":null"));
        let v3 = again.rotated(M3.into(), Some(1)).unwrap();
        assert_eq!(v3.versions(), vec![3, 2]);
        let v3 = ServiceSecret::parse(&v3.to_json()).unwrap();
        assert_eq!(v3.stable_codes_key(), v1.stable_codes_key());
        assert_eq!(v3.app_tokens_key(), v1.app_tokens_key());
        assert_eq!(
            key_of(&v3.keys(purpose::PEPPER), 2),
            Some(derive_key(M2.as_bytes(), purpose::PEPPER).as_slice())
        );
        assert_eq!(key_of(&v3.keys(purpose::PEPPER), 1), None);
        let only = v3.rotated(M1.into(), Some(0)).unwrap();
        assert_eq!(only.versions(), vec![4]);
    }

    #[test]
    fn a_staged_version_verifies_before_it_makes_anything() {
        let v1 = ServiceSecret::parse(M1).unwrap();
        let staged = v1.staged_with(M2.into()).unwrap();
        assert_eq!(staged.versions(), vec![1, 2]);
        assert_eq!(staged.current_version(), 1);
        assert_eq!(staged.staged_version(), Some(2));
        let staged = ServiceSecret::parse(&staged.to_json()).unwrap();
        assert!(
            staged
                .staged_with(M3.into())
                .unwrap_err()
                .contains("staged already")
        );
        assert!(staged.rotated(M3.into(), None).is_err());
        let active = staged.activated(None).unwrap();
        assert_eq!(active.versions(), vec![2, 1]);
        assert!(
            active
                .activated(None)
                .unwrap_err()
                .contains("no version is staged")
        );
        let retired = ServiceSecret::parse(&active.to_json())
            .unwrap()
            .retired(0)
            .unwrap();
        assert_eq!(retired.versions(), vec![2]);
        assert_eq!(retired.stable_codes_key(), v1.stable_codes_key());
        assert_eq!(ServiceSecret::parse(&retired.to_json()).unwrap(), retired);
    }

    #[test]
    fn malformed_secrets_are_refused_without_echoing_them() {
        let cases = [
            (format!("{{\"master\":\"{M1}\""), "is not"),
            ("short".to_owned(), "shorter than 32"),
            (
                format!(
                    "{{\"version\":2,\"master\":\"{M2}\",\"previous\":[{{\"version\":3,\"master\":\"{M3}\"}}]}}"
                ),
                "not older",
            ),
            (
                format!(
                    "{{\"version\":3,\"master\":\"{M3}\",\"previous\":[{{\"version\":2,\"master\":\"{M2}\"}}]}}"
                ),
                "no version 1",
            ),
            (
                format!(
                    "{{\"version\":3,\"master\":\"{M3}\",\"previous\":[{{\"version\":2,\"master\":\"{M2}\"}},{{\"version\":2,\"master\":\"{M1}\"}}],\"stable\":{{\"codes\":\"{M1}\",\"appTokens\":\"{M1}\"}}}}"
                ),
                "twice",
            ),
            (
                format!(
                    "{{\"version\":2,\"master\":\"{M2}\",\"stable\":{{\"codes\":\"zz\",\"appTokens\":\"{M1}\"}}}}"
                ),
                "stable.codes",
            ),
            (
                format!(
                    "{{\"version\":2,\"master\":\"{M2}\",\"staged\":{{\"version\":1,\"master\":\"{M1}\"}}}}"
                ),
                "not newer",
            ),
            (
                format!("{{\"version\":0,\"master\":\"{M1}\"}}"),
                "version 0",
            ),
        ];
        for (raw, expected) in cases {
            let err = ServiceSecret::parse(&raw).unwrap_err();
            assert!(err.contains(expected), "{err} for {raw}");
            for m in [M1, M2, M3] {
                assert!(!err.contains(m), "{err}");
            }
        }
    }

    #[test]
    fn a_version_without_version_one_but_with_stable_keys_parses() {
        let raw = format!(
            "{{\"version\":5,\"master\":\"{M3}\",\"stable\":{}}}",
            serde_json::to_string(&StableKeys::of(M1)).unwrap()
        );
        let s = ServiceSecret::parse(&raw).unwrap();
        assert_eq!(s.versions(), vec![5]);
        assert_eq!(
            s.stable_codes_key(),
            derive_key(M1.as_bytes(), purpose::CODES)
        );
    }
}
