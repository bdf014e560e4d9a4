//! Password hashing: Argon2id (OWASP profile m=19 MiB, t=2, p=1) over the client's MD5 string,
//! with a per-user salt and a pepper from the secrets port.
//!
//! The client's MD5 is a password equivalent (protocol compatibility), so it is treated exactly
//! like a password. Hashing runs on the blocking pool, never on the async executor. Unknown users
//! are verified against a dummy hash so that timing does not reveal which accounts exist.
//!
//! # Legacy bcrypt hashes
//! Users imported from a CosyncJWT deployment arrive with the original's hash: bcrypt (cost 10,
//! `$2a$`/`$2b$`/`$2y$`) of the same client MD5. [`Passwords::verify`] accepts such a hash (on
//! the same pool, compared in constant time by the `bcrypt` crate), and the password check that
//! proved it replaces it by Argon2id ([`is_legacy`]; see `domain::common::rehash`). A bcrypt
//! login costs one bcrypt verify (~50–80 ms at cost 10) plus one Argon2id hash, once per user;
//! an unknown user still costs one Argon2id dummy verify, so the two are of the same order.
//!
//! # Pepper versions
//! The pepper comes from one version of the service secret (see [`super::keyring`]). A hash
//! made under a version other than 1 names it in the PHC string's `keyid` parameter (metadata:
//! Argon2 does not hash it), so verifying picks the right pepper at once, with no extra Argon2
//! run; a hash without `keyid` predates rotation (version 1). A hash under an old version is
//! made again under the current one at the next proven password ([`Passwords::is_current`],
//! `domain::common::rehash`).

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, KeyId, Params, ParamsBuilder, Version};

use super::hash_pool::{Buffers, HashPool};

use crate::error::{Context, Error, Result};

/// Highest bcrypt cost an import accepts: each login of an imported user runs it once, and
/// Lambda time is billed (Kratos caps at 15; the original used 10).
pub const MAX_LEGACY_COST: u32 = 12;
/// Lowest bcrypt cost an import accepts (bcrypt's own minimum).
pub const MIN_LEGACY_COST: u32 = 4;

/// Whether `stored` is a legacy bcrypt hash, to be replaced by Argon2id at the next proven
/// password.
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with("$2")
}

/// Checks an imported bcrypt string before it is stored: `$2a$`, `$2b$` or `$2y$`, a cost of
/// [`MIN_LEGACY_COST`] to [`MAX_LEGACY_COST`], 53 characters of bcrypt's base64 (salt and
/// digest). Anything else would never verify, and an import that "succeeds" while nobody can
/// log in is the failure peers' imports are known for; the error says what is wrong (never the
/// hash).
pub fn check_legacy_bcrypt(raw: &str) -> std::result::Result<(), &'static str> {
    let bytes = raw.as_bytes();
    if raw.len() != 60 || !matches!(raw.get(..4), Some("$2a$" | "$2b$" | "$2y$")) {
        return Err("password is not a $2a$/$2b$/$2y$ bcrypt hash of 60 characters");
    }
    if bytes[6] != b'$' {
        return Err("password hash has no two-digit bcrypt cost");
    }
    let cost: u32 = raw
        .get(4..6)
        .and_then(|c| c.parse().ok())
        .ok_or("password hash has no two-digit bcrypt cost")?;
    if !(MIN_LEGACY_COST..=MAX_LEGACY_COST).contains(&cost) {
        return Err("password hash has a bcrypt cost outside 4 to 12");
    }
    if !bytes[7..]
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/'))
    {
        return Err("password hash holds characters outside bcrypt's base64");
    }
    Ok(())
}

/// Whether `md5` (the client's MD5 hex) matches a legacy bcrypt hash of an accepted form: the
/// CLI's `import cosync --check`, run on the operator's machine before the cut-over.
pub fn verify_legacy(md5: &str, stored: &str) -> bool {
    check_legacy_bcrypt(stored).is_ok() && bcrypt::verify(md5, stored).unwrap_or(false)
}

/// The pepper version a PHC `keyid` names: none is version 1.
fn pepper_version(keyid: &[u8]) -> Option<u32> {
    if keyid.is_empty() {
        return Some(1);
    }
    std::str::from_utf8(keyid).ok()?.parse().ok()
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Cost {
    /// OWASP's recommended Argon2id profile.
    pub const OWASP: Cost = Cost {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
}

/// Hashes and verifies passwords with a fixed pepper and cost.
///
/// Hashing runs on a small pool of dedicated threads, one per core. Each Argon2 run takes
/// 19 MiB; run on tokio's elastic blocking pool, every short-lived thread's malloc arena kept
/// its 19 MiB (measured: 426 MiB RSS after a 4-client burst of 200 logins), while a fixed pool
/// keeps at most one such block per thread and finishes no later on a saturated CPU. The Argon2
/// block buffers are kept and reused ([`Buffers`]) instead of allocating and freeing 19 MiB per
/// hash (273 MB RSS after a 15 s login burst before; see docs/performance.md).
#[derive(Clone)]
pub struct Passwords {
    /// The pepper of every version held, current first.
    peppers: std::sync::Arc<[(u32, Vec<u8>)]>,
    /// The current cost, with the current version as `keyid` (none under version 1).
    params: Params,
    dummy: String,
    pool: std::sync::Arc<HashPool>,
    buffers: std::sync::Arc<Buffers>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passwords(..)")
    }
}

impl Passwords {
    /// Builds the hasher. The dummy hash for unknown users is a well-formed PHC string with the
    /// configured cost and an all-zero digest: verifying against it costs exactly a real verify
    /// and never succeeds, and building it costs nothing at cold start.
    pub fn new(pepper: Vec<u8>, cost: Cost) -> Result<Self> {
        Self::versioned(vec![(1, pepper)], cost)
    }

    /// [`Self::new`] over the pepper of every version held, current first: new hashes use the
    /// first, and a stored hash verifies under the version its `keyid` names.
    pub fn versioned(peppers: Vec<(u32, Vec<u8>)>, cost: Cost) -> Result<Self> {
        let current = peppers.first().map_or(1, |(v, _)| *v);
        let mut builder = ParamsBuilder::new();
        builder
            .m_cost(cost.memory_kib)
            .t_cost(cost.iterations)
            .p_cost(cost.parallelism);
        if current != 1 {
            builder.keyid(
                KeyId::new(current.to_string().as_bytes())
                    .map_err(|e| Error::internal(format!("argon2 keyid: {e}")))?,
            );
        }
        let params = builder.build().context("argon2 params")?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        // The current keyid too: the dummy must find a pepper and really run Argon2.
        let dummy = format!(
            "$argon2id$v=19${}$a2V5dHVybi1kdW1teQ${}",
            ParamsString::try_from(&params)
                .map_err(|e| Error::internal(format!("argon2 params: {e}")))?,
            "A".repeat(43)
        );
        Ok(Self {
            peppers: peppers.into(),
            params,
            dummy,
            pool: std::sync::Arc::new(HashPool::new(cores)),
            buffers: std::sync::Arc::default(),
        })
    }

    fn argon(&self, algorithm: Algorithm, version: Version, params: Params) -> Result<Argon2<'_>> {
        let pepper = pepper_version(params.keyid())
            .and_then(|v| super::keyring::key_of(&self.peppers, v))
            .ok_or_else(|| Error::internal("no pepper of this hash's version"))?;
        Argon2::new_with_secret(pepper, algorithm, version, params)
            .map_err(|e| Error::internal(format!("argon2: {e}")))
    }

    /// Whether `stored` is an Argon2 hash peppered under the current version (parsing only, no
    /// Argon2 run). A legacy bcrypt hash or an unreadable string is not.
    pub fn is_current(&self, stored: &str) -> bool {
        PasswordHash::new(stored)
            .ok()
            .and_then(|phc| Params::try_from(&phc).ok())
            .is_some_and(|p| p.keyid() == self.params.keyid())
    }

    /// The service-secret version whose pepper an Argon2 hash was made with (`None` for a
    /// legacy bcrypt hash or an unreadable string): what `keyturn doctor` counts before an old
    /// version is dropped.
    pub fn pepper_version_of(stored: &str) -> Option<u32> {
        let phc = PasswordHash::new(stored).ok()?;
        pepper_version(Params::try_from(&phc).ok()?.keyid())
    }

    /// The version new hashes are peppered under.
    pub fn current_version(&self) -> u32 {
        self.peppers.first().map_or(1, |(v, _)| *v)
    }

    /// Whether the pepper of `version` is still held.
    pub fn holds(&self, version: u32) -> bool {
        super::keyring::key_of(&self.peppers, version).is_some()
    }

    fn hash_blocking(&self, password: &str) -> Result<String> {
        let salt = Salt::generate();
        let argon = self.argon(Algorithm::Argon2id, Version::V0x13, self.params.clone())?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.buffers
            .with(self.params.block_count(), |blocks| {
                argon.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
            })
            .map_err(|e| Error::internal(format!("argon2 hash: {e}")))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params)
                .map_err(|e| Error::internal(format!("argon2 params: {e}")))?,
            salt: Some(salt),
            hash: Some(Output::new(&out).map_err(|e| Error::internal(format!("argon2: {e}")))?),
        };
        Ok(phc.to_string())
    }

    /// Verifies against a PHC string with the parameters it names (a hash stored under an older
    /// cost still verifies), in this thread's reused block buffer; or against a legacy bcrypt
    /// hash (only one whose form [`check_legacy_bcrypt`] accepts, so no stored string can make
    /// a login run a cost above 12).
    fn verify_blocking(&self, password: &str, stored: &str) -> bool {
        if is_legacy(stored) {
            return check_legacy_bcrypt(stored).is_ok()
                && bcrypt::verify(password, stored).unwrap_or(false);
        }
        let Ok(phc) = PasswordHash::new(stored) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(phc.algorithm.as_str()) else {
            return false;
        };
        let version = match phc.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let Ok(params) = Params::try_from(&phc) else {
            return false;
        };
        if !pepper_version(params.keyid()).is_some_and(|v| self.holds(v)) {
            // A hash under a version the secret no longer holds costs what an unknown user's
            // does (the dummy names the current version), so timing tells neither apart.
            let _ = self.verify_blocking(password, &self.dummy);
            return false;
        }
        let blocks = params.block_count();
        let Ok(argon) = self.argon(algorithm, version, params) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        self.buffers
            .with(blocks, |b| {
                argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, b)
            })
            .is_ok()
            && crate::crypto::constant_time_eq(&out, expected.as_bytes())
    }

    /// Allocates (and so touches) one block buffer of the configured cost on a thread of its
    /// own, holding the buffer pool meanwhile. A Lambda that hashes calls it when its first
    /// request arrives (see `keyturn::http::run_lambda_with`): the allocation overlaps the
    /// request's store round trips, and a hash that comes sooner waits on the pool for the same
    /// buffer instead of allocating a second one. Returns once the thread holds the pool.
    pub fn reserve_buffer(&self) {
        let buffers = self.buffers.clone();
        let count = self.params.block_count();
        let (held, pool_taken) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("argon2-buffer".into())
            .spawn(move || {
                if let Ok(mut free) = buffers.0.lock() {
                    let _ = held.send(());
                    free.push(vec![Block::default(); count]);
                }
            });
        if spawned.is_ok() {
            let _ = pool_taken.recv();
        }
    }

    /// The PHC string to store for `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let me = self.clone();
        let password = password.to_owned();
        self.pool
            .run(move || me.hash_blocking(&password))
            .await
            .ok_or_else(|| Error::internal("hashing pool stopped"))?
    }

    /// Whether `password` matches `stored`; with `None` (unknown user) a dummy hash is verified
    /// so the call costs the same, and the answer is `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let me = self.clone();
        let password = password.to_owned();
        let (target, real) = match stored {
            Some(s) => (s.to_owned(), true),
            None => (self.dummy.clone(), false),
        };
        let ok = self
            .pool
            .run(move || me.verify_blocking(&password, &target))
            .await
            .unwrap_or(false);
        ok && real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Cost = Cost {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test]
    async fn a_reserved_buffer_is_the_one_the_first_hash_uses() {
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        p.reserve_buffer();
        let h = p.hash("5f4dcc3b5aa765d61d8327deb882cf99").await.unwrap();
        assert!(p.verify("5f4dcc3b5aa765d61d8327deb882cf99", Some(&h)).await);
        let free = p.buffers.0.lock().unwrap();
        assert_eq!(
            free.len(),
            1,
            "one buffer in all, not a second beside the reserved one"
        );
        assert_eq!(free[0].len(), p.params.block_count());
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password_and_pepper() {
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        let h = p.hash("5f4dcc3b5aa765d61d8327deb882cf99").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("5f4dcc3b5aa765d61d8327deb882cf99", Some(&h)).await);
        assert!(!p.verify("5f4dcc3b5aa765d61d8327deb882cf98", Some(&h)).await);
        let other = Passwords::new(b"other pepper".to_vec(), CHEAP).unwrap();
        assert!(
            !other
                .verify("5f4dcc3b5aa765d61d8327deb882cf99", Some(&h))
                .await
        );
    }

    #[tokio::test]
    async fn hashes_verify_under_the_pepper_version_they_name() {
        let v1 = Passwords::new(b"pepper one".to_vec(), CHEAP).unwrap();
        let old = v1.hash("abc").await.unwrap();
        assert!(!old.contains("keyid"));
        assert!(v1.is_current(&old));
        let v2 = Passwords::versioned(
            vec![(2, b"pepper two".to_vec()), (1, b"pepper one".to_vec())],
            CHEAP,
        )
        .unwrap();
        assert!(v2.verify("abc", Some(&old)).await);
        assert!(!v2.is_current(&old));
        let new = v2.hash("abc").await.unwrap();
        assert!(new.contains("keyid="), "{new}");
        assert!(v2.is_current(&new));
        assert!(v2.verify("abc", Some(&new)).await);
        assert!(!v2.verify("abd", Some(&new)).await);
        // Version 1 does not hold version 2's pepper; version 3 no longer holds version 1's.
        assert!(!v1.verify("abc", Some(&new)).await);
        let v3 = Passwords::versioned(
            vec![(3, b"pepper three".to_vec()), (2, b"pepper two".to_vec())],
            CHEAP,
        )
        .unwrap();
        assert!(!v3.verify("abc", Some(&old)).await);
        assert!(v3.verify("abc", Some(&new)).await);
        // A hash relabelled with another version does not verify.
        let relabelled = new.replace(",keyid=Mg", "");
        assert_ne!(relabelled, new);
        assert!(!v2.verify("abc", Some(&relabelled)).await);
        assert!(!v1.is_current("$2b$04$whatever"));
        // The dummy hash names the current version, so it really runs Argon2 once version 1 is
        // gone.
        assert!(v3.dummy.contains("keyid=Mw"), "{}", v3.dummy);
        assert!(PasswordHash::new(&v3.dummy).is_ok());
    }

    #[tokio::test]
    async fn the_dummy_hash_costs_a_real_verify() {
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        assert!(!p.verify_blocking("x", &p.dummy));
        // A parseable PHC string with the configured cost: the verify really runs Argon2.
        assert!(argon2::password_hash::phc::PasswordHash::new(&p.dummy).is_ok());
        assert!(p.dummy.contains("m=1024,t=1,p=1"));
    }

    #[tokio::test]
    async fn hashes_are_interchangeable_with_the_stock_argon2_hasher() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        let params = Params::new(CHEAP.memory_kib, CHEAP.iterations, CHEAP.parallelism, None);
        let stock = Argon2::new_with_secret(
            b"pepper",
            Algorithm::Argon2id,
            Version::V0x13,
            params.unwrap(),
        )
        .unwrap();
        let stored_before = stock.hash_password(b"abc").unwrap().to_string();
        assert!(p.verify("abc", Some(&stored_before)).await);
        assert!(!p.verify("abd", Some(&stored_before)).await);
        let stored_now = p.hash("abc").await.unwrap();
        assert!(stock.verify_password(b"abc", stored_now.as_str()).is_ok());
        // Again over the reused buffer: the same answer.
        assert!(p.verify("abc", Some(&stored_now)).await);
        assert!(p.verify("abc", Some(&stored_now)).await);
    }

    /// Made with PyPI `bcrypt` 4.3.0 (`bcrypt.hashpw(b"5f4dcc3b5aa765d61d8327deb882cf99",
    /// bcrypt.gensalt(4))`), the MD5 of "password"; and the same with the `$2a$` and `$2y$`
    /// prefixes, which differ from `$2b$` only in name.
    const PYTHON_BCRYPT: &str = "$2b$04$c4zesDSaRolNe1RyvNuXoubHLAlwprKOnQFdXgGZjt99jOJf.poGK";

    #[tokio::test]
    async fn legacy_bcrypt_hashes_verify_the_client_md5_under_every_prefix() {
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        for prefix in ["$2a$", "$2b$", "$2y$"] {
            let stored = format!("{prefix}{}", &PYTHON_BCRYPT[4..]);
            assert!(is_legacy(&stored));
            assert_eq!(check_legacy_bcrypt(&stored), Ok(()));
            assert!(
                p.verify("5f4dcc3b5aa765d61d8327deb882cf99", Some(&stored))
                    .await
            );
            assert!(
                !p.verify("5f4dcc3b5aa765d61d8327deb882cf98", Some(&stored))
                    .await
            );
        }
    }

    #[test]
    fn malformed_or_costly_bcrypt_hashes_are_refused() {
        let body = &PYTHON_BCRYPT[7..];
        for bad in [
            format!("$2x$04${body}"),
            format!("$2b$03${body}"),
            format!("$2b$13${body}"),
            format!("$2b$04${}", &body[1..]),
            format!("$2b$04${}!", &body[1..]),
            "5f4dcc3b5aa765d61d8327deb882cf99".to_owned(),
        ] {
            assert!(check_legacy_bcrypt(&bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let p = Passwords::new(b"pepper".to_vec(), CHEAP).unwrap();
        assert!(
            !p.verify("keyturn-dummy-password-for-unknown-users", None)
                .await
        );
        assert!(!p.verify("x", Some("not a phc string")).await);
    }
}
