//! Item ↔ attribute-map translation and the query cursor: the only place that knows the table's
//! attribute names, so the schema in the parent module's doc is enforced in one spot.
//!
//! A record is stored as native attributes (through `serde_dynamo`, not a hand-written codec),
//! so the console shows an app's `settings` as a map with each setting its own attribute:
//! - a non-empty JSON object: each top-level field is an attribute of the item, beside the
//!   engine's own (their names are refused as field names, [`crate::store::RESERVED_FIELDS`]);
//! - anything else (`null`, a string, a number, an array, `{}`): one attribute `value`;
//! - legacy items (written before native attributes) hold the whole record as a JSON string in
//!   `data`; they are still read, and every write replaces them with the native form.
//!
//! Numbers are written with Rust's shortest exact formatting and read back as `i64`, then `u64`,
//! then `f64`: integers keep every digit; a float keeps its value, but one that is integral
//! (`2.0`) reads back as the integer `2` (DynamoDB's `N` has no such distinction).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;

use crate::store::{Index, Item, Key, Query, RESERVED_FIELDS, StoreError};

/// An item as DynamoDB carries it.
pub(super) type Attrs = HashMap<String, AttributeValue>;

pub(super) const PK: &str = "pk";
pub(super) const SK: &str = "sk";
/// Legacy encoding: the whole record as a JSON string (read, never written).
pub(super) const DATA: &str = "data";
/// A record that is not a non-empty object, as one native attribute.
pub(super) const VALUE: &str = "value";
pub(super) const VERSION: &str = "ver";
pub(super) const EXPIRES_AT: &str = "expires_at";
pub(super) const GSI_PK: &str = "gsi1pk";
pub(super) const GSI_SK: &str = "gsi1sk";
pub(super) const COUNTER: &str = "n";
pub(super) const GSI_NAME: &str = "gsi1";

/// The primary-key attributes of `key`.
pub(super) fn key_attrs(key: &Key) -> Attrs {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// Every attribute of `item`, its record as native attributes. The counter is always written,
/// so `add`'s ceiling condition can compare against it on items first created by `put`.
pub(super) fn item_attrs(item: &Item) -> Result<Attrs, StoreError> {
    crate::store::check_record_fields(&item.data)?;
    let encode = |e: serde_dynamo::Error| StoreError::Backend(format!("encode a record: {e}"));
    let mut attrs: Attrs = match &item.data {
        serde_json::Value::Object(fields) if !fields.is_empty() => {
            serde_dynamo::to_item(fields).map_err(encode)?
        }
        other => HashMap::from([(
            VALUE.to_owned(),
            serde_dynamo::to_attribute_value(other).map_err(encode)?,
        )]),
    };
    attrs.extend(key_attrs(&item.key));
    attrs.insert(VERSION.into(), num(item.version));
    attrs.insert(COUNTER.into(), num(item.counter));
    if let Some(at) = item.expires_at {
        attrs.insert(EXPIRES_AT.into(), num(at));
    }
    if let Some(index) = &item.index {
        attrs.insert(GSI_PK.into(), AttributeValue::S(index.pk.clone()));
        attrs.insert(GSI_SK.into(), AttributeValue::S(index.sk.clone()));
    }
    Ok(attrs)
}

/// The record an item holds: `value`, else the legacy `data` string, else its own attributes; an
/// item with none of them (a counter `add` created) holds `null`.
fn record_from(attrs: &Attrs) -> Result<serde_json::Value, StoreError> {
    let decode = |e: serde_dynamo::Error| StoreError::Backend(format!("decode a record: {e}"));
    if let Some(value) = attrs.get(VALUE) {
        return serde_dynamo::from_attribute_value(value.clone()).map_err(decode);
    }
    if let Some(legacy) = attrs.get(DATA) {
        return serde_json::from_str(string(legacy, DATA)?)
            .map_err(|e| StoreError::Backend(format!("stored data is not JSON: {e}")));
    }
    let fields: Attrs = attrs
        .iter()
        .filter(|(name, _)| !RESERVED_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    if fields.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_dynamo::from_item(fields).map_err(decode)
}

/// Rebuilds an item, in either encoding; `ver` that `add` never writes reads as 0.
pub(super) fn item_from(attrs: &Attrs) -> Result<Item, StoreError> {
    let index = match (attrs.get(GSI_PK), attrs.get(GSI_SK)) {
        (Some(pk), Some(sk)) => Some(Key::new(string(pk, GSI_PK)?, string(sk, GSI_SK)?)),
        _ => None,
    };
    Ok(Item {
        key: Key::new(required_string(attrs, PK)?, required_string(attrs, SK)?),
        data: record_from(attrs)?,
        version: number(attrs, VERSION)?.unwrap_or(0),
        expires_at: number(attrs, EXPIRES_AT)?,
        index,
        counter: number(attrs, COUNTER)?.unwrap_or(0),
    })
}

/// True unless the item's `expires_at` has passed: TTL deletion lags, so reads must judge.
pub(super) fn is_live(attrs: &Attrs, now: i64) -> bool {
    !matches!(number::<i64>(attrs, EXPIRES_AT), Ok(Some(at)) if at <= now)
}

/// A numeric attribute value.
pub(super) fn num(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// Reads a numeric attribute, `None` when missing.
pub(super) fn number<T: std::str::FromStr>(
    attrs: &Attrs,
    name: &str,
) -> Result<Option<T>, StoreError> {
    match attrs.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(n)) => n
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Backend(format!("attribute {name} is out of range: {n}"))),
        Some(_) => Err(StoreError::Backend(format!(
            "attribute {name} is not a number"
        ))),
    }
}

fn required_string(attrs: &Attrs, name: &str) -> Result<String, StoreError> {
    let value = attrs
        .get(name)
        .ok_or_else(|| StoreError::Backend(format!("attribute {name} missing")))?;
    string(value, name).map(str::to_owned)
}

fn string<'a>(value: &'a AttributeValue, name: &str) -> Result<&'a str, StoreError> {
    value
        .as_s()
        .map(String::as_str)
        .map_err(|_| StoreError::Backend(format!("attribute {name} is not a string")))
}

/// The cursor is the `ExclusiveStartKey` of the next page (table key, plus the index key when
/// walking the index) as base64url JSON: opaque to callers, and rebuilt from the last item we
/// returned rather than from DynamoDB's own `LastEvaluatedKey`, because expired items are
/// filtered out after DynamoDB has already paged past them.
pub(super) fn encode_cursor(item: &Item, index: Index) -> String {
    let mut key: HashMap<&str, &str> =
        HashMap::from([(PK, item.key.pk.as_str()), (SK, item.key.sk.as_str())]);
    if let (Index::Secondary, Some(ix)) = (index, &item.index) {
        key.insert(GSI_PK, &ix.pk);
        key.insert(GSI_SK, &ix.sk);
    }
    let json = serde_json::to_vec(&key).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Turns a cursor back into an `ExclusiveStartKey`, refusing one this query could not have
/// produced (malformed, of the other index, of another partition, outside the sort-key prefix):
/// DynamoDB would answer such a start key with a validation error, which is client input here,
/// not a failure.
pub(super) fn decode_cursor(cursor: &str, query: &Query) -> Result<Attrs, StoreError> {
    let bad = || StoreError::BadCursor;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let key: HashMap<String, String> = serde_json::from_slice(&json).map_err(|_| bad())?;
    let (part, sort, width) = match query.index {
        Index::Primary => (PK, SK, 2),
        Index::Secondary => (GSI_PK, GSI_SK, 4),
    };
    let allowed = [PK, SK, GSI_PK, GSI_SK];
    if key.len() != width
        || !key.contains_key(PK)
        || !key.contains_key(SK)
        || key.keys().any(|k| !allowed.contains(&k.as_str()))
        || key.get(part) != Some(&query.pk)
        || !key
            .get(sort)
            .is_some_and(|s| s.starts_with(&query.sk_prefix))
    {
        return Err(bad());
    }
    Ok(key
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

/// A scan's cursor: the `LastEvaluatedKey` DynamoDB returned, with the prefix scanned (as
/// base64url JSON), so a cursor of another walk or of a query is refused, not followed.
pub(super) fn encode_scan_cursor(prefix: &str, last: &Attrs) -> Result<String, StoreError> {
    let pk = required_string(last, PK)?;
    let sk = required_string(last, SK)?;
    let json = serde_json::to_vec(&["scan", prefix, &pk, &sk]).unwrap_or_default();
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// The `ExclusiveStartKey` a scan cursor names, or [`StoreError::BadCursor`] for one that no
/// scan of `prefix` produced.
pub(super) fn decode_scan_cursor(cursor: &str, prefix: &str) -> Result<Attrs, StoreError> {
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let parts: Vec<String> = serde_json::from_slice(&json).map_err(|_| StoreError::BadCursor)?;
    match <[String; 4]>::try_from(parts) {
        Ok([tag, p, pk, sk]) if tag == "scan" && p == prefix => Ok(Attrs::from([
            (PK.to_owned(), AttributeValue::S(pk)),
            (SK.to_owned(), AttributeValue::S(sk)),
        ])),
        _ => Err(StoreError::BadCursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_survives_the_attribute_map() {
        let item = Item::new(Key::new("a", "b"), serde_json::json!({"x": [1, 2]}))
            .expiring_at(99)
            .indexed(Key::new("c", "d"));
        assert_eq!(item_from(&item_attrs(&item).unwrap()).unwrap(), item);
    }

    #[test]
    fn every_engine_attribute_is_reserved() {
        for name in [
            PK, SK, DATA, VALUE, VERSION, EXPIRES_AT, GSI_PK, GSI_SK, COUNTER,
        ] {
            assert!(RESERVED_FIELDS.contains(&name), "{name} is not reserved");
        }
    }

    #[test]
    fn objects_become_native_attributes_and_the_rest_one_value() {
        let item = Item::new(
            Key::new("a", "b"),
            serde_json::json!({"settings": {"signupFlow": "code", "limit": 10}, "on": true}),
        );
        let attrs = item_attrs(&item).unwrap();
        let settings = attrs["settings"].as_m().unwrap();
        assert_eq!(settings["signupFlow"], AttributeValue::S("code".into()));
        assert_eq!(settings["limit"], AttributeValue::N("10".into()));
        assert_eq!(attrs["on"], AttributeValue::Bool(true));
        assert!(!attrs.contains_key(DATA) && !attrs.contains_key(VALUE));

        for data in [
            serde_json::json!(null),
            serde_json::json!("user#1"),
            serde_json::json!({}),
            serde_json::json!([1, "x"]),
            serde_json::json!(u64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!(0.1),
        ] {
            let item = Item::new(Key::new("a", "b"), data.clone());
            let attrs = item_attrs(&item).unwrap();
            assert!(attrs.contains_key(VALUE), "{data}");
            assert_eq!(item_from(&attrs).unwrap().data, data);
        }
    }

    #[test]
    fn legacy_json_string_items_still_read() {
        let mut attrs = key_attrs(&Key::new("a", "b"));
        attrs.insert(
            DATA.into(),
            AttributeValue::S(r#"{"name":"x","n2":[1]}"#.into()),
        );
        attrs.insert(VERSION.into(), num(3));
        let item = item_from(&attrs).unwrap();
        assert_eq!(item.data, serde_json::json!({"name": "x", "n2": [1]}));
        assert_eq!(item.version, 3);
    }

    #[test]
    fn a_field_named_like_an_engine_attribute_is_refused() {
        let item = Item::new(Key::new("a", "b"), serde_json::json!({"ver": 1}));
        assert!(matches!(item_attrs(&item), Err(StoreError::Backend(_))));
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let item =
            Item::new(Key::new("a", "b"), serde_json::Value::Null).indexed(Key::new("c", "d"));
        let query = Query {
            index: Index::Secondary,
            pk: "c".into(),
            sk_prefix: String::new(),
            limit: 1,
            cursor: None,
        };
        let cursor = encode_cursor(&item, Index::Secondary);
        let key = decode_cursor(&cursor, &query).unwrap();
        assert_eq!(key.len(), 4);
        assert_eq!(key[GSI_SK], AttributeValue::S("d".into()));
        assert!(decode_cursor("e30", &query).is_err()); // "{}"
        // Another partition, prefix or index: refused.
        for other in [
            Query {
                pk: "x".into(),
                ..query.clone()
            },
            Query {
                sk_prefix: "z".into(),
                ..query.clone()
            },
            Query {
                index: Index::Primary,
                pk: "a".into(),
                ..query.clone()
            },
        ] {
            assert!(decode_cursor(&cursor, &other).is_err());
        }
    }
}
