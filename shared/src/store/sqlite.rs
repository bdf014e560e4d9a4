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

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{Condition, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp};
use crate::clock::Clock;

mod reads;

use reads::{read_row, run_query, run_scan};

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
}
