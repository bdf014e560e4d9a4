//! Logging in: the password step ([`password`]), the second-factor challenge it may hand out
//! ([`challenge`]) and its completion ([`complete`]), and anonymous login ([`anonymous`]).

pub mod anonymous;
pub mod challenge;
pub mod complete;
pub mod password;
