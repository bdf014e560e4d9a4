//! The code-generator port: one-time codes and random identifiers come from here, so tests can
//! predict them and production draws them from the OS CSPRNG.

use std::sync::Mutex;

use rand::{Rng, TryRngCore, rngs::OsRng};

/// Source of one-time codes and opaque random ids.
pub trait CodeGenerator: Send + Sync {
    /// A 6-digit decimal code, uniformly distributed over 000000–999999.
    fn six_digits(&self) -> String;
    /// `n` random bytes, hex encoded (ids, salts, keys).
    fn random_hex(&self, n: usize) -> String;
}

/// Codes from the operating system's CSPRNG (never a guessable PRNG such as the original's `Math.random`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsCodes;

impl CodeGenerator for OsCodes {
    fn six_digits(&self) -> String {
        let n: u32 = rand::rngs::OsRng.unwrap_err().random_range(0..1_000_000);
        format!("{n:06}")
    }

    fn random_hex(&self, n: usize) -> String {
        let mut buf = vec![0u8; n];
        let mut rng = OsRng;
        if rng.try_fill_bytes(&mut buf).is_err() {
            // The OS RNG failing is unrecoverable for an identity service.
            std::process::abort();
        }
        hex::encode(buf)
    }
}

/// Hands out a fixed sequence of codes (then falls back to the OS); ids stay random.
#[derive(Debug, Default)]
pub struct ScriptedCodes(Mutex<Vec<String>>);

impl ScriptedCodes {
    /// Codes returned in order by [`CodeGenerator::six_digits`].
    pub fn new(codes: &[&str]) -> Self {
        Self(Mutex::new(
            codes.iter().rev().map(|c| (*c).to_owned()).collect(),
        ))
    }
}

impl CodeGenerator for ScriptedCodes {
    fn six_digits(&self) -> String {
        let next = self.0.lock().ok().and_then(|mut v| v.pop());
        next.unwrap_or_else(|| OsCodes.six_digits())
    }

    fn random_hex(&self, n: usize) -> String {
        OsCodes.random_hex(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digit_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> =
            (0..50).map(|_| OsCodes.six_digits()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(codes.len() > 40);
    }

    #[test]
    fn scripted_codes_come_in_order() {
        let g = ScriptedCodes::new(&["111111", "222222"]);
        assert_eq!(g.six_digits(), "111111");
        assert_eq!(g.six_digits(), "222222");
        assert_eq!(g.six_digits().len(), 6);
    }
}
