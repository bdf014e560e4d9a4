//! The cryptography Keyturn relies on, each piece behind a small type that makes misuse hard:
//! compact JWS signing over ring ([`jws`]), Argon2id password hashing with a pepper ([`password`]), keyed hashes of one-time codes
//! ([`keyed`]), purpose-pinned service tokens ([`service_token`]) and per-app RSA signing keys
//! published as JWKS ([`signing_key`]), and AES-256-GCM sealing of secrets at rest ([`seal`]).

pub(crate) mod hash_pool;
pub mod jws;
pub mod keyed;
pub mod keyring;
pub mod password;
pub mod seal;
pub mod service_token;
pub mod signing_key;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Derives an independent 32-byte key for `purpose` from one version of the service master
/// secret, so one secret in Secrets Manager yields separate keys for tokens, code hashes, the
/// password pepper and sealing (the purposes are listed in [`keyring::purpose`]).
pub fn derive_key(master: &[u8], purpose: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(master) {
        Ok(m) => m,
        Err(_) => unreachable_hmac(),
    };
    mac.update(b"keyturn/v1/");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub(crate) fn unreachable_hmac() -> ! {
    // HMAC-SHA256 takes keys of every length; reaching this is a broken build of the hmac crate.
    std::process::abort()
}

/// SHA-256 hex of a high-entropy secret (admin API keys): such keys need no slow hash.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two byte strings (lengths may leak, contents do not).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_per_purpose_and_are_stable() {
        let a = derive_key(b"master", "tokens");
        assert_eq!(a, derive_key(b"master", "tokens"));
        assert_ne!(a, derive_key(b"master", "codes"));
        assert_ne!(a, derive_key(b"other", "tokens"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn constant_time_eq_compares_contents() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
