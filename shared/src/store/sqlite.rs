//! The embedded engine: one SQLite file (or memory) for the local runner and fast tests.
//!
//! Schema: one table `items(pk, sk, data, version, expires_at, gsi_pk, gsi_sk, counter)` keyed on
//! `(pk, sk)`, plus an index on `(gsi_pk, gsi_sk)` for the sparse secondary index. Each call runs
//! on the blocking pool inside one `IMMEDIATE` transaction on a single mutex-guarded connection, so
//! a condition and the write it guards can never interleave with another writer. Expired rows stay
//! on disk until overwritten; every read filters them with the store clock, as the contract asks.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{Condition, Index, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp};
use crate::clock::Clock;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER NULL,
    gsi_pk TEXT NULL,
    gsi_sk TEXT NULL,
    counter INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pk, sk)
);
CREATE INDEX IF NOT EXISTS items_gsi ON items (gsi_pk, gsi_sk);
";

const COLUMNS: &str = "pk, sk, data, version, expires_at, gsi_pk, gsi_sk, counter";
const LIVE: &str = "(expires_at IS NULL OR expires_at > :now)";

/// Item store over SQLite: the same contract as DynamoDB, with no network and no emulator.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Extra connections for reads (file stores only): in WAL mode readers never block the
    /// writer nor each other, so a read that finds the writer's connection busy takes one of
    /// these inline instead of queueing on the blocking pool (a thread hand-off costs more than
    /// the read). `bench/load.py` measured getUser at 15.1k req/s with only the writer's.
    readers: Vec<Mutex<Connection>>,
    clock: Arc<dyn Clock>,
}

/// Read connections beside the writer's: one per core of the machines the local runner meets.
const READERS: usize = 2;

impl SqliteStore {
    /// Opens (creating if needed) a store file in WAL mode, so the local runner keeps its state
    /// across restarts and readers in other processes do not block the writer.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        restrict_to_owner(path)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
        let conn = Connection::open(path).map_err(backend)?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        // In WAL mode NORMAL never corrupts the file; a power cut (not a crash of the process)
        // may lose the last commits. For a development store that trade buys commits without
        // an fsync each: a login's limit counters are several commits.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(backend)?;
        let mut store = Self::with_connection(conn, clock)?;
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(backend)?;
            reader
                .busy_timeout(std::time::Duration::from_secs(5))
                .map_err(backend)?;
            store.readers.push(Mutex::new(reader));
        }
        Ok(store)
    }

    /// A throwaway store for unit tests and one-shot tools; everything is lost on drop.
    pub fn in_memory(clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory().map_err(backend)?, clock)
    }

    fn with_connection(conn: Connection, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers: Vec::new(),
            clock,
        })
    }

    /// Runs `work` off the async executor inside one transaction, committed only if it succeeds.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, i64) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_as(TransactionBehavior::Immediate, work).await
    }

    /// [`Self::run`] for reads: a deferred transaction takes no write lock, and when the
    /// connection is free the read runs right here (a point read from SQLite's page cache takes
    /// microseconds, less than handing it to another thread and back); when a write holds the
    /// connection (it may be waiting on the disk) the read queues on the blocking pool.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, i64) -> Result<T, StoreError> + Send + 'static,
    {
        for reader in &self.readers {
            if let Ok(mut conn) = reader.try_lock() {
                return in_transaction(
                    &mut conn,
                    TransactionBehavior::Deferred,
                    &*self.clock,
                    work,
                );
            }
        }
        if let Ok(mut conn) = self.conn.try_lock() {
            return in_transaction(&mut conn, TransactionBehavior::Deferred, &*self.clock, work);
        }
        self.run_as(TransactionBehavior::Deferred, work).await
    }

    async fn run_as<T, F>(&self, behavior: TransactionBehavior, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>, i64) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let clock = Arc::clone(&self.clock);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| StoreError::Backend("sqlite connection mutex poisoned".into()))?;
            in_transaction(&mut conn, behavior, &*clock, work)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("sqlite task failed: {e}")))?
    }
}

/// Runs `work` in one transaction of `behavior`, committed only if it succeeds.
fn in_transaction<T>(
    conn: &mut Connection,
    behavior: TransactionBehavior,
    clock: &dyn Clock,
    work: impl FnOnce(&Transaction<'_>, i64) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(behavior).map_err(backend)?;
    let out = work(&tx, clock.now_secs())?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

#[async_trait]
impl ItemStore for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        self.read(move |tx, now| load_live(tx, &key, now)).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        crate::store::check_record_fields(&item.data)?;
        self.run(move |tx, now| {
            require(tx, &item.key, condition, now, None)?;
            write(tx, &item)
        })
        .await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let key = key.clone();
        self.run(move |tx, now| {
            require(tx, &key, condition, now, None)?;
            remove(tx, &key)
        })
        .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.read(move |tx, now| run_query(tx, &query, now)).await
    }

    async fn scan(&self, scan: Scan) -> Result<Page, StoreError> {
        self.read(move |tx, now| run_scan(tx, &scan, now)).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        self.run(move |tx, now| {
            // Every condition is judged against the state before the transaction, as DynamoDB does.
            for (i, op) in ops.iter().enumerate() {
                let (key, condition) = match op {
                    WriteOp::Put(item, c) => (&item.key, *c),
                    WriteOp::Delete(key, c) | WriteOp::Check(key, c) => (key, *c),
                };
                require(tx, key, condition, now, Some(i))?;
            }
            for op in &ops {
                match op {
                    WriteOp::Put(item, _) => write(tx, item)?,
                    WriteOp::Delete(key, _) => remove(tx, key)?,
                    WriteOp::Check(..) => {}
                }
            }
            Ok(())
        })
        .await
    }

    async fn add(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        let key = key.clone();
        self.run(move |tx, now| {
            let current = load_live(tx, &key, now)?;
            let base = current.as_ref().map_or(0, |item| item.counter);
            let next = base
                .checked_add(delta)
                .ok_or_else(|| StoreError::Backend("counter overflow".into()))?;
            if ceiling.is_some_and(|c| next > c) {
                return Err(StoreError::LimitReached);
            }
            match current {
                Some(_) => {
                    tx.prepare_cached(
                        "UPDATE items SET counter = ?3, version = version + 1 WHERE pk = ?1 AND sk = ?2",
                    )
                        .map_err(backend)?
                        .execute(params![key.pk, key.sk, next])
                        .map_err(backend)?;
                }
                None => {
                    // A fresh window: whatever expired row was here is replaced wholesale.
                    let mut item = Item::new(key.clone(), serde_json::Value::Null);
                    item.counter = next;
                    item.expires_at = expires_at;
                    write(tx, &item)?;
                }
            }
            Ok(next)
        })
        .await
    }
}

/// Rejects what DynamoDB would reject as invalid, so both engines agree on malformed input.
fn validate_transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    crate::store::check_transaction_size(ops)?;
    crate::store::check_written_records(ops)?;
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        let key = match op {
            WriteOp::Put(item, _) => &item.key,
            WriteOp::Delete(key, _) | WriteOp::Check(key, _) => key,
        };
        if !seen.insert(key) {
            return Err(StoreError::Backend(
                "transaction touches the same item twice".into(),
            ));
        }
    }
    Ok(())
}

fn require(
    tx: &Transaction<'_>,
    key: &Key,
    condition: Condition,
    now: i64,
    op: Option<usize>,
) -> Result<(), StoreError> {
    let holds = match condition {
        Condition::Any => true,
        Condition::Absent => load_live(tx, key, now)?.is_none(),
        Condition::Exists => load_live(tx, key, now)?.is_some(),
        Condition::Version(v) => load_live(tx, key, now)?.is_some_and(|item| item.version == v),
    };
    if holds {
        Ok(())
    } else {
        Err(StoreError::Conflict { op })
    }
}

fn load_live(tx: &Transaction<'_>, key: &Key, now: i64) -> Result<Option<Item>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM items WHERE pk = :pk AND sk = :sk AND {LIVE}");
    tx.prepare_cached(&sql)
        .map_err(backend)?
        .query_row(
            rusqlite::named_params! {":pk": key.pk, ":sk": key.sk, ":now": now},
            read_row,
        )
        .optional()
        .map_err(backend)?
        .transpose()
}

fn write(tx: &Transaction<'_>, item: &Item) -> Result<(), StoreError> {
    let version = i64::try_from(item.version)
        .map_err(|_| StoreError::Backend("version exceeds i64".into()))?;
    let (gsi_pk, gsi_sk) = match &item.index {
        Some(index) => (Some(index.pk.as_str()), Some(index.sk.as_str())),
        None => (None, None),
    };
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .map_err(backend)?
    .execute(params![
        item.key.pk,
        item.key.sk,
        item.data.to_string(),
        version,
        item.expires_at,
        gsi_pk,
        gsi_sk,
        item.counter
    ])
    .map_err(backend)?;
    Ok(())
}

fn remove(tx: &Transaction<'_>, key: &Key) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .map_err(backend)?
        .execute(params![key.pk, key.sk])
        .map_err(backend)?;
    Ok(())
}

/// Reads one page plus one look-ahead row, so the cursor is `None` exactly when nothing follows.
fn run_query(tx: &Transaction<'_>, query: &Query, now: i64) -> Result<Page, StoreError> {
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
fn run_scan(tx: &Transaction<'_>, scan: &Scan, now: i64) -> Result<Page, StoreError> {
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

fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<Item, StoreError>> {
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

/// Creates the database file owner-only (0600) before SQLite opens it, and narrows an existing
/// one: it holds password hashes, pending codes' digests and the app settings. SQLite gives its
/// `-wal` and `-shm` files the database file's permissions.
fn restrict_to_owner(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn file_store_keeps_items_across_reopen() {
        let path = std::env::temp_dir().join(format!("keyturn-sqlite-{}.db", std::process::id()));
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at(1_000_000));
        let key = Key::new("user#1", "profile");
        {
            let store = SqliteStore::open(&path, Arc::clone(&clock)).unwrap();
            let item = Item::new(key.clone(), serde_json::json!({"name": "a"}));
            store.put(item, Condition::Absent).await.unwrap();
        }
        let store = SqliteStore::open(&path, clock).unwrap();
        let got = store.get(&key).await.unwrap().unwrap();
        assert_eq!(got.data, serde_json::json!({"name": "a"}));
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

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
