//! The engine's reads: a query page (with one look-ahead row, so the cursor is `None` exactly when
//! nothing follows), a scan page for the table checker, their opaque cursors, and the decoding of
//! one row. Apart from the writes and the connection handling in the parent, which only call
//! [`run_query`], [`run_scan`] and [`read_row`].

use base64::Engine as _;
use rusqlite::{Row, Transaction};

use super::{COLUMNS, LIVE, backend};
use crate::store::{Index, Item, Key, Page, Query, Scan, StoreError};

/// Reads one page plus one look-ahead row, so the cursor is `None` exactly when nothing follows.
pub(super) fn run_query(tx: &Transaction<'_>, query: &Query, now: i64) -> Result<Page, StoreError> {
    let limit = query.limit.max(1);
    let after = query
        .cursor
        .as_deref()
        .map(|c| decode_cursor(c, query))
        .transpose()?;
    // The secondary index is not unique, so its order (and cursor) is completed by the primary key.
    let (part, sort, order, position, width) = match query.index {
        Index::Primary => ("pk", "sk", "sk", "(sk) > (:c1)", 1),
        Index::Secondary => (
            "gsi_pk",
            "gsi_sk",
            "gsi_sk, pk, sk",
            "(gsi_sk, pk, sk) > (:c1, :c2, :c3)",
            3,
        ),
    };
    let after = after.unwrap_or_default();
    if query.cursor.is_some() && after.len() != width {
        // A cursor of the other index: client input, not a failure.
        return Err(StoreError::BadCursor);
    }
    let position = if after.is_empty() { "1" } else { position };
    let sql = format!(
        "SELECT {COLUMNS} FROM items WHERE {part} = :pk AND {LIVE} \
         AND substr({sort}, 1, length(:prefix)) = :prefix AND {position} \
         ORDER BY {order} LIMIT :limit"
    );
    let mut stmt = tx.prepare_cached(&sql).map_err(backend)?;
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":pk", &query.pk),
        (":now", &now),
        (":prefix", &query.sk_prefix),
        (":limit", &fetch),
    ];
    for (name, value) in [":c1", ":c2", ":c3"].into_iter().zip(after.iter()) {
        named.push((name, value));
    }
    let mut items = stmt
        .query_map(named.as_slice(), read_row)
        .map_err(backend)?
        .map(|row| row.map_err(backend).and_then(std::convert::identity))
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > limit;
    items.truncate(limit);
    let cursor = match items.last() {
        Some(last) if more => Some(encode_cursor(last, query)),
        _ => None,
    };
    Ok(Page { items, cursor })
}

/// Walks the primary key in order from the cursor's position, with one look-ahead row as
/// [`run_query`] does; `pk >= :prefix` lets SQLite seek the primary key's index to the prefix.
pub(super) fn run_scan(tx: &Transaction<'_>, scan: &Scan, now: i64) -> Result<Page, StoreError> {
    let limit = scan.limit.max(1);
    let after = scan
        .cursor
        .as_deref()
        .map(|c| decode_scan_cursor(c, &scan.pk_prefix))
        .transpose()?;
    let position = if after.is_some() {
        "(pk, sk) > (:c1, :c2)"
    } else {
        "1"
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM items WHERE pk >= :prefix \
         AND substr(pk, 1, length(:prefix)) = :prefix AND {LIVE} AND {position} \
         ORDER BY pk, sk LIMIT :limit"
    );
    let mut stmt = tx.prepare_cached(&sql).map_err(backend)?;
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut named: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":prefix", &scan.pk_prefix),
        (":now", &now),
        (":limit", &fetch),
    ];
    if let Some((pk, sk)) = &after {
        named.push((":c1", pk));
        named.push((":c2", sk));
    }
    let mut items = stmt
        .query_map(named.as_slice(), read_row)
        .map_err(backend)?
        .map(|row| row.map_err(backend).and_then(std::convert::identity))
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > limit;
    items.truncate(limit);
    let cursor = match items.last() {
        Some(last) if more => Some(encode_scan_cursor(&scan.pk_prefix, &last.key)),
        _ => None,
    };
    Ok(Page { items, cursor })
}

/// A scan's cursor: `["scan", prefix, pk, sk]` as base64url JSON, the prefix named so a cursor
/// of another walk (or of a query) is refused rather than silently skipping items.
fn encode_scan_cursor(prefix: &str, key: &Key) -> String {
    let json = serde_json::to_vec(&["scan", prefix, &key.pk, &key.sk]).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The key a scan cursor names, or [`StoreError::BadCursor`].
fn decode_scan_cursor(cursor: &str, prefix: &str) -> Result<(String, String), StoreError> {
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| StoreError::BadCursor)?;
    let parts: Vec<String> = serde_json::from_slice(&json).map_err(|_| StoreError::BadCursor)?;
    match <[String; 4]>::try_from(parts) {
        Ok([tag, p, pk, sk]) if tag == "scan" && p == prefix && pk.starts_with(prefix) => {
            Ok((pk, sk))
        }
        _ => Err(StoreError::BadCursor),
    }
}

/// The cursor is the partition queried followed by the ordering key of the last item returned,
/// as a base64url JSON array: opaque to callers, yet stable across restarts since it names a
/// position rather than a row. Naming the partition lets [`decode_cursor`] refuse a cursor of
/// another listing (another app's users, the invites instead of the users).
fn encode_cursor(item: &Item, query: &Query) -> String {
    let mut parts = vec![query.pk.as_str()];
    match (query.index, &item.index) {
        (Index::Secondary, Some(ix)) => {
            parts.extend([ix.sk.as_str(), item.key.pk.as_str(), &item.key.sk]);
        }
        _ => parts.push(item.key.sk.as_str()),
    }
    let json = serde_json::to_vec(&parts).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The ordering key a cursor names, or [`StoreError::BadCursor`] when it is not one this query
/// produced: malformed, of another partition, or outside the sort-key prefix.
fn decode_cursor(cursor: &str, query: &Query) -> Result<Vec<String>, StoreError> {
    let bad = |_| StoreError::BadCursor;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|e| bad(e.to_string()))?;
    let mut parts: Vec<String> = serde_json::from_slice(&json).map_err(|e| bad(e.to_string()))?;
    if parts.len() < 2 || parts.len() > 4 || parts[0] != query.pk {
        return Err(bad(String::new()));
    }
    let position = parts.split_off(1);
    if !position[0].starts_with(&query.sk_prefix) {
        return Err(bad(String::new()));
    }
    Ok(position)
}

pub(super) fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<Item, StoreError>> {
    let data: String = row.get(2)?;
    let version: i64 = row.get(3)?;
    let gsi_pk: Option<String> = row.get(5)?;
    let gsi_sk: Option<String> = row.get(6)?;
    let key = Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?);
    let expires_at = row.get(4)?;
    let counter = row.get(7)?;
    Ok((|| {
        Ok(Item {
            key,
            data: serde_json::from_str(&data).map_err(backend)?,
            version: u64::try_from(version).map_err(backend)?,
            expires_at,
            index: gsi_pk.zip(gsi_sk).map(|(pk, sk)| Key { pk, sk }),
            counter,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_cursor_is_a_bad_cursor() {
        let query = Query {
            index: Index::Primary,
            pk: "p".into(),
            sk_prefix: String::new(),
            limit: 1,
            cursor: None,
        };
        assert!(matches!(
            decode_cursor("!!not base64!!", &query),
            Err(StoreError::BadCursor)
        ));
        let item = Item::new(Key::new("p", "a"), serde_json::Value::Null);
        let cursor = encode_cursor(&item, &query);
        assert_eq!(decode_cursor(&cursor, &query).unwrap(), vec!["a"]);
        let other = Query {
            pk: "q".into(),
            ..query
        };
        assert!(matches!(
            decode_cursor(&cursor, &other),
            Err(StoreError::BadCursor)
        ));
    }
}
