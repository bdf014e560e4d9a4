//! The floor every other floor sees: the stored records ([`app`] and its [`settings`], [`user`],
//! [`metadata`]), the one table's key design ([`table_keys`]), the syntax of settings
//! ([`origins`], [`phone_number`], the social providers' [`social`] vocabulary), the bounds that
//! keep settings and metadata storable ([`storable`]) and the request's [`context`]. Nothing here
//! does I/O or imports a floor above.

pub mod app;
pub mod context;
pub mod metadata;
pub mod origins;
pub mod passkey;
pub mod phone_number;
pub mod redacted;
pub mod settings;
pub mod social;
pub mod storable;
pub mod table_keys;
pub mod user;
