//! Logging in: the password step ([`password`]), the second-factor challenge it may hand out
//! ([`challenge`]) and its completion ([`complete`]), anonymous login ([`anonymous`]), and Sign in with Apple or Google ([`social`]).

pub mod anonymous;
pub mod challenge;
pub mod complete;
pub mod password;
pub mod social;
