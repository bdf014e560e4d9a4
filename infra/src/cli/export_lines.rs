//! Reading the original's `mongoexport` files (`<dir>/<collection>.jsonl`, one JSON document a
//! line) and the two keys every pass over them shares: the handle as Keyturn keys it and the
//! sortable `lastLogin`. Its own module because the import and its hints both walk the files.

use std::io::BufRead as _;
use std::path::Path;

use serde_json::Value;

use super::Failure;

/// Calls `each` with every non-blank line of `<dir>/<collection>.jsonl` (none when the file is
/// absent).
pub(super) fn for_each_line(
    dir: &Path,
    collection: &str,
    mut each: impl FnMut(u64, Value),
) -> Result<(), Failure> {
    let path = dir.join(format!("{collection}.jsonl"));
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Failure::usage(format!("{}: {e}", path.display()))),
    };
    for (i, text) in std::io::BufReader::new(file).lines().enumerate() {
        let text = text.map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        if text.trim().is_empty() {
            continue;
        }
        let doc = serde_json::from_str(&text).unwrap_or(Value::Null);
        each(u64::try_from(i + 1).unwrap_or(u64::MAX), doc);
    }
    Ok(())
}

/// A user's handle as Keyturn will key it: trimmed and lower-cased (`ANON_` handles as they are).
pub(super) fn handle_key(doc: &Value) -> Option<String> {
    let raw = doc.get("handle")?.as_str()?.trim();
    Some(if raw.starts_with("ANON_") {
        raw.to_owned()
    } else {
        raw.to_lowercase()
    })
}

/// `lastLogin` as sortable text (ISO dates sort as text; absent sorts first).
pub(super) fn last_login(doc: &Value) -> String {
    let v = doc.get("lastLogin").map(|v| v.get("$date").unwrap_or(v));
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}
