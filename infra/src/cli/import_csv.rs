//! The fallback input of `keyturn import cosync`: the original's own CSV export (`GET
//! /api/app/export?appId=`, a zip of `user-collection.csv`, `signup-collection.csv`,
//! `invite-collection.csv`, `email-template-collection.csv` and `app-collection.csv`), given as
//! `--dir` (the zip itself, or the directory it was unpacked into). It is turned into the JSON
//! Lines files the import reads (`<report dir>/<name>-jsonl/`), so everything after this point is
//! the one import path.
//!
//! The export is lossy, and every lossy column is warned about once: it writes no `_id` (the
//! import id is derived from the lower-cased handle instead, stable across reruns but not the
//! one a `mongoexport` import would use), no `userName`, `loginProvider` or `socialUserId` (Apple
//! and Google users without a password become `invalid`), every `metaData` object as
//! `[object Object]` (dropped), dates as JavaScript date strings (read to the second), and no
//! `localeLinkText`. The converted files hold the same plaintext secrets as the zip: shred
//! them too.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::Failure;

/// The export's files and the collections they hold.
const FILES: [(&str, &str); 5] = [
    ("user-collection.csv", "users"),
    ("signup-collection.csv", "signups"),
    ("invite-collection.csv", "invites"),
    ("email-template-collection.csv", "emailtemplates"),
    ("app-collection.csv", "apps"),
];

/// Columns the export writes as `true`/`false`.
const FLAGS: [&str; 3] = [
    "twoFactorPhoneVerification",
    "twoFactorGoogleVerification",
    "phoneVerified",
];
/// Columns the export writes as JavaScript date strings.
const DATES: [&str; 3] = ["createdAt", "updatedAt", "lastLogin"];

/// When `dir` is a CSV export (a zip, or a directory with `user-collection.csv` and no
/// `users.jsonl`), converts it into `<work>/<name>-jsonl/` and returns that directory.
pub fn prepare(dir: &Path, work: &Path) -> Result<Option<PathBuf>, Failure> {
    let files = if dir.is_file() {
        unzip(dir)?
    } else if dir.join("user-collection.csv").is_file() && !dir.join("users.jsonl").exists() {
        let mut files = BTreeMap::new();
        for (name, _) in FILES {
            if let Ok(bytes) = std::fs::read(dir.join(name)) {
                files.insert(name.to_owned(), bytes);
            }
        }
        files
    } else {
        return Ok(None);
    };
    if !files.contains_key("user-collection.csv") {
        return Err(Failure::usage(format!(
            "{}: no user-collection.csv (expected the original's CSV export zip)",
            dir.display()
        )));
    }
    let stem = dir
        .file_stem()
        .map_or_else(|| "export".into(), |s| s.to_string_lossy().into_owned());
    let out = work.join(format!("{stem}-jsonl"));
    std::fs::create_dir_all(&out).map_err(|e| Failure::usage(format!("{}: {e}", out.display())))?;
    eprintln!(
        "keyturn: reading the original's CSV export, which loses data; it is converted into {} (shred it too)",
        out.display()
    );
    for (name, collection) in FILES {
        let Some(bytes) = files.get(name) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes);
        let rows = parse_csv(&text);
        let mut warned = Warnings::new(name);
        let mut lines = String::new();
        if let Some((header, body)) = rows.split_first() {
            warned.missing_columns(collection, header);
            for row in body {
                let doc = convert(collection, header, row, &mut warned);
                lines.push_str(&doc.to_string());
                lines.push('\n');
            }
        }
        let path = out.join(format!("{collection}.jsonl"));
        std::fs::write(&path, lines)
            .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    }
    Ok(Some(out))
}

/// Prints each lossy column once per file.
struct Warnings {
    file: &'static str,
    said: std::collections::BTreeSet<&'static str>,
}

impl Warnings {
    fn new(file: &'static str) -> Self {
        Self {
            file,
            said: Default::default(),
        }
    }

    fn once(&mut self, key: &'static str, text: &str) {
        if self.said.insert(key) {
            eprintln!("keyturn: warning: {}: {text}", self.file);
        }
    }

    /// The columns the export never writes, for the collections that had them.
    fn missing_columns(&mut self, collection: &str, header: &[String]) {
        let has = |c: &str| header.iter().any(|h| h == c);
        if collection == "users" {
            if !has("_id") {
                self.once(
                    "_id",
                    "no _id column: import ids are derived from the lower-cased handle",
                );
            }
            if !has("userName") {
                self.once("userName", "no userName column: usernames are not imported");
            }
            if !has("socialUserId") {
                self.once(
                    "socialUserId",
                    "no loginProvider/socialUserId columns: Apple and Google users cannot be linked (without a password they are invalid)",
                );
            }
        }
        if collection == "emailtemplates" && !has("localeLinkText") {
            self.once(
                "localeLinkText",
                "no localeLinkText column (Keyturn's %LINK% anchor shows the link anyway)",
            );
        }
    }
}

/// One CSV row as the document `mongoexport` would have written.
fn convert(collection: &str, header: &[String], row: &[String], warned: &mut Warnings) -> Value {
    let mut doc = Map::new();
    for (column, raw) in header.iter().zip(row) {
        let raw = raw.trim();
        // A column the export writes twice (`htmlTemplate`) keeps its first non-empty value.
        if raw.is_empty() || doc.contains_key(column.as_str()) {
            continue;
        }
        let value = if FLAGS.contains(&column.as_str()) {
            json!(raw == "true")
        } else if DATES.contains(&column.as_str()) {
            match js_date(raw) {
                Some(iso) => {
                    warned.once(
                        "dates",
                        "dates are JavaScript date strings: read to the second",
                    );
                    json!({ "$date": iso })
                }
                None => json!({ "$date": raw }),
            }
        } else if column == "metaData" {
            match serde_json::from_str::<Value>(raw) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    warned.once(
                        "metaData",
                        "metaData is written as [object Object]: metadata is not imported",
                    );
                    continue;
                }
            }
        } else if column == "code" {
            raw.parse::<u64>().map_or_else(|_| json!(raw), |n| json!(n))
        } else {
            json!(raw)
        };
        doc.insert(column.clone(), value);
    }
    if collection == "users"
        && !doc.contains_key("_id")
        && let Some(handle) = doc.get("handle").and_then(Value::as_str)
    {
        let handle = handle.trim();
        let key = if handle.starts_with("ANON_") {
            handle.to_owned()
        } else {
            handle.to_lowercase()
        };
        let digest = keyturn::crypto::sha256_hex(&format!("cosync-csv:{key}"));
        doc.insert("_id".into(), json!({ "$oid": &digest[..24] }));
    }
    Value::Object(doc)
}

/// `Fri Mar 04 2022 05:06:07 GMT+0100 (Central European Standard Time)` (JavaScript's
/// `Date.prototype.toString`, what the export's CSV writer prints) as RFC 3339 UTC.
fn js_date(raw: &str) -> Option<String> {
    let parts: Vec<&str> = raw.split_whitespace().collect();
    let [_, month, day, year, clock, zone, ..] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)?;
    let offset = zone.strip_prefix("GMT")?;
    let (sign, digits) = offset.split_at_checked(1)?;
    if !matches!(sign, "+" | "-")
        || digits.len() != 4
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let text = format!(
        "{year}-{:02}-{:0>2}T{clock}{sign}{}:{}",
        month + 1,
        day,
        &digits[..2],
        &digits[2..]
    );
    let t = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .ok()?
        .to_offset(time::UtcOffset::UTC);
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    rows
}

/// The files of a zip archive (stored or deflated entries), by base name.
fn unzip(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
    let bad = |why: &str| Failure::usage(format!("{}: {why}", path.display()));
    let data = std::fs::read(path).map_err(|e| bad(&e.to_string()))?;
    let u16_at = |i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |i: usize| {
        data.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    // The end-of-central-directory record: its signature, searched from the end.
    let eocd = (0..data.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(i) == Some(0x0605_4b50))
        .ok_or_else(|| bad("not a zip archive"))?;
    let entries = usize::from(u16_at(eocd + 10).ok_or_else(|| bad("truncated zip"))?);
    let mut at = u32_at(eocd + 16).ok_or_else(|| bad("truncated zip"))? as usize;
    let mut files = BTreeMap::new();
    for _ in 0..entries {
        if u32_at(at) != Some(0x0201_4b50) {
            return Err(bad("damaged zip directory"));
        }
        let field = |off: usize| u16_at(at + off).map(usize::from);
        let (Some(method), Some(name_len), Some(extra_len), Some(comment_len)) =
            (field(10), field(28), field(30), field(32))
        else {
            return Err(bad("truncated zip"));
        };
        let size = u32_at(at + 20).ok_or_else(|| bad("truncated zip"))? as usize;
        let local = u32_at(at + 42).ok_or_else(|| bad("truncated zip"))? as usize;
        let name = String::from_utf8_lossy(
            data.get(at + 46..at + 46 + name_len)
                .ok_or_else(|| bad("truncated zip"))?,
        )
        .into_owned();
        at += 46 + name_len + extra_len + comment_len;
        let base = name.rsplit('/').next().unwrap_or(&name).to_owned();
        if base.is_empty() {
            continue;
        }
        let (Some(l_name), Some(l_extra)) = (
            u16_at(local + 26).map(usize::from),
            u16_at(local + 28).map(usize::from),
        ) else {
            return Err(bad("truncated zip"));
        };
        let start = local + 30 + l_name + l_extra;
        let packed = data
            .get(start..start + size)
            .ok_or_else(|| bad("truncated zip entry"))?;
        let bytes = match method {
            0 => packed.to_vec(),
            8 => {
                let mut out = Vec::new();
                flate2::read::DeflateDecoder::new(packed)
                    .read_to_end(&mut out)
                    .map_err(|e| bad(&format!("{name}: {e}")))?;
                out
            }
            _ => return Err(bad(&format!("{name}: unsupported compression"))),
        };
        files.insert(base, bytes);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quote_commas_quotes_and_line_breaks() {
        let rows = parse_csv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n,\n");
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b".to_owned()],
                vec!["x, y".to_owned(), "say \"hi\"\nthere".to_owned()],
                vec![String::new(), String::new()],
            ]
        );
    }

    #[test]
    fn javascript_date_strings_read_as_utc() {
        assert_eq!(
            js_date("Fri Mar 04 2022 05:06:07 GMT+0100 (Central European Standard Time)").unwrap(),
            "2022-03-04T04:06:07Z"
        );
        assert_eq!(js_date("2022-03-04"), None);
    }
}
