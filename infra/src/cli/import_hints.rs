//! What `keyturn import cosync` learns from the whole export before sending anything, beyond
//! handles (see `import.rs`), and passes on with each record so the route can decide it alone:
//!
//! - **`phoneOutranked`**: of users whose verified phone is the same E.164 number, the one with
//!   the newest `lastLogin` keeps it verified (the first line wins a tie; the same rule as
//!   handles differing in case); the others import it unverified. Users that will not be sent
//!   (duplicate handles) take no part.
//! - **`senderInExport`**: an invite's `senderHandle` is a user of `users.jsonl`, so a dry run
//!   (which creates no sender) can count the invite as importable.
//!
//! It also counts the original's logs (`applogs.jsonl`), which are never imported.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use keyturn::domain::records::phone_number::Phone;
use serde_json::{Value, json};

use super::Failure;
use super::export_lines::{for_each_line, handle_key, last_login};

/// The marks for the records to send.
#[derive(Debug, Default)]
pub struct Hints {
    /// `users.jsonl` lines whose verified phone another user keeps.
    phone_outranked: HashSet<u64>,
    /// The handles of the users that will be sent.
    handles: HashSet<String>,
}

impl Hints {
    /// Adds this record's marks to the JSON sent for it.
    pub fn mark(&self, collection: &str, line: u64, doc: &Value, record: &mut Value) {
        match collection {
            "users" if self.phone_outranked.contains(&line) => {
                record["phoneOutranked"] = json!(true);
            }
            "invites" => {
                let sender = doc
                    .get("senderHandle")
                    .and_then(Value::as_str)
                    .map(|h| h.trim().to_lowercase());
                if sender.is_some_and(|s| self.handles.contains(&s)) {
                    record["senderInExport"] = json!(true);
                }
            }
            _ => {}
        }
    }
}

/// Reads `users.jsonl` once more; `losers`: the lines reported as duplicate handles.
pub fn read(dir: &Path, losers: &HashMap<u64, String>) -> Result<Hints, Failure> {
    let mut hints = Hints::default();
    // Number → (lastLogin, line) of its best holder, and every holder.
    let mut best: HashMap<String, (String, u64)> = HashMap::new();
    let mut holders: Vec<(String, u64)> = Vec::new();
    for_each_line(dir, "users", |line, doc| {
        if losers.contains_key(&line) {
            return;
        }
        if let Some(h) = handle_key(&doc) {
            hints.handles.insert(h);
        }
        let verified = matches!(doc.get("phoneVerified"), Some(Value::Bool(true)))
            || doc.get("phoneVerified").and_then(Value::as_str) == Some("true");
        let phone = doc
            .get("phone")
            .and_then(Value::as_str)
            .and_then(|p| Phone::parse(p).ok());
        if let (true, Some(phone)) = (verified, phone) {
            let number = phone.as_str().to_owned();
            let at = last_login(&doc);
            holders.push((number.clone(), line));
            match best.get(&number) {
                Some((best_at, _)) if *best_at >= at => {}
                _ => {
                    best.insert(number, (at, line));
                }
            }
        }
    })?;
    for (number, line) in holders {
        if best.get(&number).is_some_and(|(_, winner)| *winner != line) {
            hints.phone_outranked.insert(line);
        }
    }
    Ok(hints)
}

/// Says how many lines of the original's logs are left behind (they are never imported).
pub fn count_logs(dir: &Path) -> Result<(), Failure> {
    let mut n = 0u64;
    for_each_line(dir, "applogs", |_, _| n += 1)?;
    if n > 0 {
        eprintln!(
            "keyturn: applogs.jsonl: {n} log lines not imported (they hold handles and raw ID tokens: keep or shred them by your own rules)"
        );
    }
    Ok(())
}
