//! The developers' admin API, behind an admin API key ([`admin_key`]): apps, their users, invites and
//! message templates. Requests arrive typed (the admin function decodes JSON bodies into the
//! request types here); results are domain values the wire layer encodes.

pub mod admin_key;
pub mod app_token;
mod app_update;
pub mod apps;
pub mod delete_app;
pub mod invites;
pub mod signing_keys;
pub mod templates;
pub mod twilio;
pub mod two_factor;
pub mod users;

pub use admin_key::{Attempt, authorize, ensure_admin_key};

use serde::{Deserialize, Deserializer};

/// A string field where blank means absent (as in the end-user API's bodies).
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// A field that may be sent as `null`: `Some(None)` then, `None` when absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}
