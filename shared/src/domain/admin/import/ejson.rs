//! Reading MongoDB's relaxed Extended JSON v2, as `mongoexport` writes it
//! (<https://www.mongodb.com/docs/manual/reference/mongodb-extended-json/>): an ObjectId is
//! `{"$oid": "<24 hex>"}`, a date `{"$date": "<ISO 8601>"}` (or, outside 1970–9999,
//! `{"$date": {"$numberLong": "<ms>"}}`), a large integer `{"$numberLong": "…"}`. Only the
//! shapes the original's collections hold are read; anything else is "absent", and the caller
//! decides whether absence is an error.

use serde_json::Value;

/// A document's `_id` as 24 lower-case hex digits: `{"$oid": …}` or a plain string of that form.
pub fn object_id(doc: &Value) -> Option<String> {
    let id = doc.get("_id")?;
    let raw = id.get("$oid").unwrap_or(id).as_str()?;
    let hex = raw.to_ascii_lowercase();
    (hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// A field as trimmed text, `None` when absent, not a string, or blank.
pub fn text<'a>(doc: &'a Value, field: &str) -> Option<&'a str> {
    doc.get(field)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A field as a boolean (`true`, or the strings `"true"`/`"1"` an older driver may have left).
pub fn flag(doc: &Value, field: &str) -> bool {
    match doc.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "1"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// A date field as epoch milliseconds: `{"$date": "<ISO 8601>"}`, `{"$date": {"$numberLong"}}`,
/// `{"$date": <ms>}`, or a bare ISO string or number of milliseconds.
pub fn date_ms(doc: &Value, field: &str) -> Option<i64> {
    let v = doc.get(field)?;
    let v = v.get("$date").unwrap_or(v);
    match v {
        Value::String(s) => iso_ms(s),
        Value::Number(n) => n.as_i64(),
        Value::Object(o) => o.get("$numberLong")?.as_str()?.parse().ok(),
        _ => None,
    }
}

/// Milliseconds of an RFC 3339 time (`2023-04-05T06:07:08.123Z`, offsets allowed).
fn iso_ms(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relaxed_extended_json_reads_ids_and_dates() {
        let doc = json!({
            "_id": {"$oid": "64B7F0C2A1B2C3D4E5F60718"},
            "createdAt": {"$date": "2023-07-19T14:05:06.789Z"},
            "lastLogin": {"$date": {"$numberLong": "-1000"}},
            "updatedAt": {"$date": 1_689_775_506_789_i64},
            "twoFactorGoogleVerification": true,
            "handle": "  Bob@X.com ",
        });
        assert_eq!(object_id(&doc).unwrap(), "64b7f0c2a1b2c3d4e5f60718");
        assert_eq!(date_ms(&doc, "createdAt"), Some(1_689_775_506_789));
        assert_eq!(date_ms(&doc, "lastLogin"), Some(-1000));
        assert_eq!(date_ms(&doc, "updatedAt"), Some(1_689_775_506_789));
        assert_eq!(date_ms(&doc, "missing"), None);
        assert!(flag(&doc, "twoFactorGoogleVerification"));
        assert_eq!(text(&doc, "handle"), Some("Bob@X.com"));
        assert_eq!(object_id(&json!({"_id": "nope"})), None);
    }
}
