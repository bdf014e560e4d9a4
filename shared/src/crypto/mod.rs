//! Crypto.
