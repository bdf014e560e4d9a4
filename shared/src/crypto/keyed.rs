//! Keyed hashes of one-time codes: a stolen table dump reveals no usable code, and a six-digit
//! code cannot be brute-forced offline without the key held in the secrets port.
//!
//! Two kinds, after the service secret's rotation (see [`super::keyring`]): the hashes of
//! short-lived codes ([`CodeHasher::hash`]) are made under the current version and verify under
//! every version still held, so a code mailed before a rotation works until it expires; the
//! *stable* digests ([`CodeHasher::stable_hash`]) stand for a value in an item's key (phone
//! claims, undo links) or must match a long-lived value nobody can re-hash (recovery codes, a
//! kept CosyncJWT app token), so they never change key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 over a code and the context it belongs to.
#[derive(Clone)]
pub struct CodeHasher {
    keys: Vec<(u32, Vec<u8>)>,
    stable: Vec<u8>,
}

impl std::fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHasher(..)")
    }
}

impl CodeHasher {
    /// A hasher over one 32-byte key (see [`super::derive_key`]): a secret never rotated.
    pub fn new(key: Vec<u8>) -> Self {
        Self::versioned(vec![(1, key.clone())], key)
    }

    /// A hasher over the code key of every version held (current first) and the stable key.
    pub fn versioned(keys: Vec<(u32, Vec<u8>)>, stable: Vec<u8>) -> Self {
        Self { keys, stable }
    }

    fn mac(key: &[u8], context: &str, code: &str) -> Hmac<Sha256> {
        let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => std::process::abort(),
        };
        // The context binds a code to one app, handle and purpose: a signup code is no reset code.
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(code.as_bytes());
        mac
    }

    /// Hex digest to store instead of a short-lived code, under the current version.
    pub fn hash(&self, context: &str, code: &str) -> String {
        let key = self.keys.first().map_or(&self.stable, |(_, k)| k);
        hex::encode(Self::mac(key, context, code).finalize().into_bytes())
    }

    /// Whether `code` matches a digest made by [`Self::hash`] under any version still held,
    /// each compared in constant time (one HMAC per version held: microseconds).
    pub fn verify(&self, context: &str, code: &str, stored_hex: &str) -> bool {
        let Ok(expected) = hex::decode(stored_hex) else {
            return false;
        };
        // Every version is tried, so the time does not tell which one matched.
        self.keys.iter().fold(false, |found, (_, key)| {
            Self::mac(key, context, code)
                .verify_slice(&expected)
                .is_ok()
                | found
        })
    }

    /// Hex digest that never changes with rotation: for values that name an item or must
    /// match a long-lived stored digest.
    pub fn stable_hash(&self, context: &str, value: &str) -> String {
        hex::encode(
            Self::mac(&self.stable, context, value)
                .finalize()
                .into_bytes(),
        )
    }

    /// Whether `value` matches a digest made by [`Self::stable_hash`], in constant time.
    pub fn stable_verify(&self, context: &str, value: &str, stored_hex: &str) -> bool {
        match hex::decode(stored_hex) {
            Ok(expected) => Self::mac(&self.stable, context, value)
                .verify_slice(&expected)
                .is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_verifies_only_in_its_context() {
        let h = CodeHasher::new(vec![7; 32]);
        let stored = h.hash("app/signup/bob@x.com", "123456");
        assert!(!stored.contains("123456"));
        assert!(h.verify("app/signup/bob@x.com", "123456", &stored));
        assert!(!h.verify("app/signup/bob@x.com", "123457", &stored));
        assert!(!h.verify("app/reset/bob@x.com", "123456", &stored));
        assert!(!CodeHasher::new(vec![8; 32]).verify("app/signup/bob@x.com", "123456", &stored));
        assert!(!h.verify("app/signup/bob@x.com", "123456", "not hex"));
    }

    #[test]
    fn codes_of_a_kept_version_verify_and_stable_digests_never_change() {
        let v1 = CodeHasher::new(vec![7; 32]);
        let old = v1.hash("ctx", "123456");
        let phone = v1.stable_hash("phone", "+15555550100");
        // Under a secret never rotated the two agree: every digest stored before rotation existed.
        assert_eq!(phone, v1.hash("phone", "+15555550100"));
        let v2 = CodeHasher::versioned(vec![(2, vec![9; 32]), (1, vec![7; 32])], vec![7; 32]);
        assert!(v2.verify("ctx", "123456", &old));
        let new = v2.hash("ctx", "123456");
        assert_ne!(new, old);
        assert!(v2.verify("ctx", "123456", &new));
        assert_eq!(v2.stable_hash("phone", "+15555550100"), phone);
        assert!(v2.stable_verify("phone", "+15555550100", &phone));
        let v3 = CodeHasher::versioned(vec![(3, vec![5; 32]), (2, vec![9; 32])], vec![7; 32]);
        assert!(!v3.verify("ctx", "123456", &old));
        assert!(v3.verify("ctx", "123456", &new));
        assert_eq!(v3.stable_hash("phone", "+15555550100"), phone);
    }
}
