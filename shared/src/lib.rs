//! # Keyturn
//!
//! A serverless identity provider that speaks the CosyncJWT client protocol. This crate holds the
//! whole product; each Lambda under `functions/` and the local runner under `infra/` are thin doors
//! onto it.
//!
//! Data flows one way: **wire → handler → use case → ports → adapters**.
//! - [`wire`]: request decoding (JSON and Node-querystring forms, scalar-only fields, token carriers),
//!   replies and the one error → HTTP mapping; [`http`]: the shared router layers and the Lambda door.
//! - [`domain`]: use cases (apps, signup, login, the user JWT, the issuer, admin) over the ports in
//!   [`state::AppState`]. Nothing in it knows HTTP, AWS or SQLite.
//! - Ports and their adapters: [`store`] (SQLite, DynamoDB), [`secrets`] (key file, Secrets
//!   Manager), [`mail`] (outbox, SES), [`sms`] (outbox, Twilio), [`clock`], [`codes`].
//! - [`crypto`]: password hashing, keyed code hashes, service tokens, RSA signing keys.

pub mod clock;
pub mod codes;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod secrets;
pub mod sms;
pub mod state;
pub mod store;
pub mod wire;

pub use error::{Error, Result};
pub use state::AppState;
