//! # Keyturn
//!
//! A serverless identity provider that speaks the CosyncJWT client protocol. This crate holds the
//! whole product; the route crates under `functions/` and the bootstraps and local runner under
//! `infra/` are thin doors onto it.
//!
//! Modules are floors, and imports only point down (no module imports one that imports it
//! back; see `docs/architecture.md` for how that is checked), top first:
//! - [`http`], [`wire`]: the doors' shared router layers and Lambda entry; request decoding
//!   (JSON and Node-querystring forms, scalar-only fields, token carriers, the request context)
//!   and [`wire::reply`], the one place domain results and errors become responses and OpenAPI
//!   schemas.
//! - [`assemble`]: the one place the adapters are chosen and built into the domain's port
//!   bundle (SQLite, key file and outbox locally; DynamoDB, Secrets Manager, SES and Twilio on
//!   Lambda).
//! - [`domain`]: use cases by feature over a shared layer, the port bundle
//!   ([`domain::ports::AppState`]) and the records; nothing in it knows HTTP, AWS or SQLite.
//! - [`crypto`]: password hashing, keyed code hashes, service tokens, RSA signing keys.
//! - Ports and their adapters: [`store`] (SQLite, DynamoDB), [`secrets`] (key file, Secrets
//!   Manager), [`mail`] (outbox, SES), [`sms`] (outbox, Twilio); [`error`], [`clock`],
//!   [`codes`], [`net`].

pub mod assemble;
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
pub mod store;
pub mod wire;

pub use domain::ports::AppState;
pub use error::{Error, Result};
