//! # Keyturn
//!
//! A serverless identity provider that speaks the CosyncJWT client protocol. This crate holds the
//! whole product; each Lambda under `functions/` and the local runner under `infra/` are thin doors
//! onto it.
//!
//! Data flows one way: **wire → handler → use case → ports → adapters**.
//! - [`wire`]: request decoding (JSON and Node-querystring forms, scalar-only fields, token
//!   carriers, the request context) and [`wire::reply`], the one place domain results and errors
//!   become responses; [`http`]: the shared router layers and the Lambda door.
//! - [`domain`]: use cases over a shared layer and the ports in [`state::AppState`], taking typed
//!   requests and returning domain values. Nothing in it knows HTTP, AWS or SQLite, and it never
//!   imports [`wire`].
//! - Ports and their adapters: [`store`] (SQLite, DynamoDB), [`secrets`] (key file, Secrets
//!   Manager), [`mail`] (outbox, SES), [`sms`] (outbox, Twilio), [`clock`], [`codes`].
//! - [`app_cache`]: a warm instance's app settings, served for at most 30 s.
//! - [`crypto`]: password hashing, keyed code hashes, service tokens, RSA signing keys.

pub mod app_cache;
pub mod clock;
pub mod codes;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod net;
pub mod secrets;
pub mod sms;
pub mod state;
pub mod store;
pub mod wire;

pub use error::{Error, Result};
pub use state::AppState;
