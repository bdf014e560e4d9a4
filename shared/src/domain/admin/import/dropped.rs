//! The collections whose records are read but never written, each with the reason the report
//! gives: `signups` (a verified one only proves its handle, which the CLI already passed on as
//! `handleProven`; a pending one is a signup nobody finished, and its 48-hour code would have to
//! be honoured by a flow Keyturn does not share, so the person signs up again) and
//! `resetpasswords` (the original's reset codes never expired and were stored in plain text;
//! the user asks for a new one). The original's `applogs` never reach the route: the CLI counts
//! them and says they are not imported.

use serde_json::Value;

use super::ejson;
use super::verdict::Verdict;

/// The verdict of a `signups` record.
pub fn signup(doc: &Value) -> Verdict {
    match ejson::text(doc, "status") {
        Some("verified") => {
            Verdict::skipped("verified signup: it only proves its handle (email_verified)")
        }
        Some("pending") => Verdict::skipped(
            "pending signup dropped: it was never completed; the person signs up again on Keyturn",
        ),
        Some("active") => Verdict::skipped("signup record of an account: the user is imported"),
        _ => Verdict::invalid("signup of an unknown status"),
    }
}

/// The verdict of a `resetpasswords` record.
pub fn reset(_doc: &Value) -> Verdict {
    Verdict::skipped(
        "reset code dropped: the original's codes never expired; the user asks for a new one",
    )
}
