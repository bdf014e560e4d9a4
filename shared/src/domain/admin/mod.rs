//! The developers' admin API, behind an admin API key ([`admin_key`]): apps, their users, invites and
//! message templates, importing users from a CosyncJWT deployment ([`import`]), and the table
//! checker operators run as `keyturn doctor` ([`doctor`]). Requests arrive typed (the wire layer decodes JSON bodies and converts
//! them into the request types here); results are domain values the wire layer encodes.

pub mod admin_key;
pub mod app_token;
mod app_update;
pub mod apps;
pub mod delete_app;
pub mod doctor;
pub mod import;
pub mod invites;
pub mod signing_keys;
pub mod templates;
pub mod twilio;
pub mod two_factor;
pub mod users;

pub use admin_key::{Attempt, authorize, ensure_admin_key};
