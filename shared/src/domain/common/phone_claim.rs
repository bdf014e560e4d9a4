//! The claim a verified phone number holds in its app (one verified owner per number), keyed by
//! a keyed hash of the number so the table never holds the number in its keys.

use crate::domain::ports::AppState;

/// The keyed hash that stands for a phone number in keys.
pub fn phone_digest(state: &AppState, phone: &str) -> String {
    state.code_hasher.stable_hash("phone", phone)
}
