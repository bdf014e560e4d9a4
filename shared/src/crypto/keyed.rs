//! Keyed hashes of one-time codes: a stolen table dump reveals no usable code, and a six-digit
//! code cannot be brute-forced offline without the key held in the secrets port.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 over a code and the context it belongs to.
#[derive(Clone)]
pub struct CodeHasher {
    key: Vec<u8>,
}

impl std::fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHasher(..)")
    }
}

impl CodeHasher {
    /// A hasher over a 32-byte key (see [`super::derive_key`]).
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self, context: &str, code: &str) -> Hmac<Sha256> {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => std::process::abort(),
        };
        // The context binds a code to one app, handle and purpose: a signup code is no reset code.
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(code.as_bytes());
        mac
    }

    /// Hex digest to store instead of the code.
    pub fn hash(&self, context: &str, code: &str) -> String {
        hex::encode(self.mac(context, code).finalize().into_bytes())
    }

    /// Whether `code` matches the stored digest, compared in constant time.
    pub fn verify(&self, context: &str, code: &str, stored_hex: &str) -> bool {
        match hex::decode(stored_hex) {
            Ok(expected) => self.mac(context, code).verify_slice(&expected).is_ok(),
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
}
