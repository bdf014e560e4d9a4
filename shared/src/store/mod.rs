//! The item-store port: the small, engine-neutral surface every state change goes through.
//!
//! Two engines implement it — [`sqlite::SqliteStore`] (embedded, local runner and fast tests) and
//! [`dynamo::DynamoStore`] (production) — and one conformance suite (`tests/tests/e2e/store_conformance.rs`)
//! runs unchanged against both, the DynamoDB run going over the wire to moto's server.
//!
//! # Contract (every engine MUST)
//! - Treat an item whose `expires_at` (epoch seconds) is at or before the store clock's now as
//!   **absent** for `get`, `query`, conditions and `add`, even while the engine still holds it
//!   (DynamoDB's TTL deletes lazily, up to days late).
//! - `put` with [`Condition::Absent`] succeeds only if no live item has the key; with
//!   [`Condition::Version`]`(v)` only if a live item with `version == v` exists; else return
//!   [`StoreError::Conflict`]. Writers bump `version` themselves.
//! - `transact` apply all operations or none; on a failed condition return
//!   [`StoreError::Conflict`] with the index of (one of) the failing operations.
//! - `add` atomically add `delta` to the item's counter, creating it (with `expires_at`) when absent
//!   or expired, and return the new value; with a ceiling, refuse with
//!   [`StoreError::LimitReached`] (changing nothing) when the result would exceed it.
//!   Every change bumps the item's `version` (a fresh counter is version 1), so a transaction
//!   can `Check` that a counter has not moved since it was read (the password guard does).
//! - `put` and `transact` refuse with [`StoreError::Backend`] (writing nothing) a record whose
//!   data is a JSON object with a top-level field named in [`RESERVED_FIELDS`]: the DynamoDB engine
//!   stores such fields as attributes beside its own, so the names must not meet. Both engines
//!   refuse, so a record that works locally cannot fail in production for its field names; the
//!   same holds for a record DynamoDB cannot hold (too deep, a number out of its range, an empty
//!   name: [`storable`]).
//! - `query` refuse with [`StoreError::BadCursor`] a cursor that no page of the same query
//!   (index, partition, sort-key prefix) produced — garbage, or a cursor of another listing — and
//!   return live items of one partition (or one index partition) whose sort key starts with the
//!   prefix, ascending, at most `limit` per page, with an opaque cursor for the next page.
//! - `scan` return, over all its pages, every live item whose partition key starts with the
//!   prefix exactly once (for items not written meanwhile), in an order of the engine's own; at
//!   most `limit` items per page, possibly fewer or none while a cursor still follows (DynamoDB
//!   counts `limit` against the items it reads before filtering); a `None` cursor only when the
//!   walk is over; and refuse with [`StoreError::BadCursor`] a cursor that no page of a scan of
//!   the same prefix produced.

pub mod dynamo;
pub mod sqlite;
pub mod storable;

use async_trait::async_trait;

/// Primary key of an item: partition key and sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Partition key.
    pub pk: String,
    /// Sort key.
    pub sk: String,
}

impl Key {
    /// Builds a key from anything string-like.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// One stored item: a JSON record plus the metadata the engines index and condition on.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Primary key.
    pub key: Key,
    /// The record itself, opaque to the engines.
    pub data: serde_json::Value,
    /// Optimistic-concurrency version; writers bump it, `Condition::Version` checks it.
    pub version: u64,
    /// Epoch seconds after which the item reads as absent.
    pub expires_at: Option<i64>,
    /// Key in the one sparse secondary index, when the item should be listed there.
    pub index: Option<Key>,
    /// Atomic counter maintained by [`ItemStore::add`]; 0 for plain records.
    pub counter: i64,
}

impl Item {
    /// A fresh record at version 1, not indexed, never expiring.
    pub fn new(key: Key, data: serde_json::Value) -> Self {
        Self {
            key,
            data,
            version: 1,
            expires_at: None,
            index: None,
            counter: 0,
        }
    }

    /// Sets the expiry (epoch seconds).
    pub fn expiring_at(mut self, expires_at: i64) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Lists the item in the secondary index under `index`.
    pub fn indexed(mut self, index: Key) -> Self {
        self.index = Some(index);
        self
    }
}

/// What must hold for a write to go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// No live item has the key (create-if-absent).
    Absent,
    /// A live item exists with exactly this version (compare-and-swap).
    Version(u64),
    /// A live item exists, whatever its version.
    Exists,
    /// Unconditional.
    Any,
}

/// One operation of an all-or-nothing [`ItemStore::transact`].
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// Put an item if the condition holds.
    Put(Item, Condition),
    /// Delete an item if the condition holds.
    Delete(Key, Condition),
    /// Write nothing, but require the condition.
    Check(Key, Condition),
}

/// DynamoDB's limit on operations per transaction. Every engine refuses more, so a flow that
/// works locally cannot fail in production for size alone.
pub const MAX_TRANSACT_OPS: usize = 25;

/// Refuses (as DynamoDB would) a transaction of more than [`MAX_TRANSACT_OPS`] operations.
pub fn check_transaction_size(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.len() > MAX_TRANSACT_OPS {
        return Err(StoreError::Backend(format!(
            "transaction of {} operations exceeds {MAX_TRANSACT_OPS}",
            ops.len()
        )));
    }
    Ok(())
}

/// Top-level record field names no record may use: the DynamoDB engine's own attributes (keys,
/// version, counter, expiry, index keys) plus `data` (the legacy JSON-string encoding, still read)
/// and `value` (where a record that is not a non-empty object is kept). Our records are
/// camelCase, so none of them clashes; a new one that did is refused loudly on both engines.
pub const RESERVED_FIELDS: [&str; 9] = [
    "pk",
    "sk",
    "ver",
    "n",
    "expires_at",
    "gsi1pk",
    "gsi1sk",
    "data",
    "value",
];

/// Refuses (on every engine) a record with a top-level field named like an engine attribute,
/// or one DynamoDB cannot hold ([`storable`]): so it fails locally as it would in AWS.
pub fn check_record_fields(data: &serde_json::Value) -> Result<(), StoreError> {
    if let Some(fields) = data.as_object()
        && let Some(clash) = RESERVED_FIELDS.iter().find(|f| fields.contains_key(**f))
    {
        return Err(StoreError::Backend(format!(
            "record field {clash:?} is reserved for the store's own attributes"
        )));
    }
    storable::check_record(data)
        .map_err(|problem| StoreError::Backend(format!("record cannot be stored: {problem}")))
}

/// Checks every record a transaction writes (see [`check_record_fields`]).
pub fn check_written_records(ops: &[WriteOp]) -> Result<(), StoreError> {
    for op in ops {
        if let WriteOp::Put(item, _) = op {
            check_record_fields(&item.data)?;
        }
    }
    Ok(())
}

/// A transaction being assembled. Each operation added returns its tag, so a caller matches a
/// conflict by name (`Err(StoreError::Conflict { op }) if op == claim`), not by position.
#[derive(Debug, Clone, Default)]
pub struct Transaction(Vec<WriteOp>);

/// Names one operation of a [`Transaction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpTag(usize);

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an operation and returns its tag.
    pub fn push(&mut self, op: WriteOp) -> OpTag {
        self.0.push(op);
        OpTag(self.0.len() - 1)
    }

    /// The operations, in order, for [`ItemStore::transact`].
    pub fn into_ops(self) -> Vec<WriteOp> {
        self.0
    }
}

impl PartialEq<OpTag> for Option<usize> {
    fn eq(&self, tag: &OpTag) -> bool {
        *self == Some(tag.0)
    }
}

/// Which key a query walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// The table's primary key.
    Primary,
    /// The sparse secondary index (`Item::index`).
    Secondary,
}

/// A paginated query: one partition, a sort-key prefix.
#[derive(Debug, Clone)]
pub struct Query {
    /// Primary or secondary index.
    pub index: Index,
    /// Partition to read.
    pub pk: String,
    /// Sort-key prefix; empty for the whole partition.
    pub sk_prefix: String,
    /// Page size (engines may return fewer).
    pub limit: usize,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// A paged walk over every item whose partition key starts with a prefix (empty: the whole
/// table). It reads the table rather than one partition, so it serves operators' checks
/// (`keyturn doctor`), never a request path; each page is one bounded read, so a walk over a
/// large table is many short calls rather than one long one.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Partition-key prefix; empty for every item.
    pub pk_prefix: String,
    /// Items to read per page (engines may return fewer).
    pub limit: usize,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// One page of a query.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Live items in ascending sort-key order.
    pub items: Vec<Item>,
    /// Pass back to get the next page; `None` when there is none.
    pub cursor: Option<String>,
}

/// Failures of the store, translated at the adapter seam: no engine type escapes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition did not hold; `op` is the failing operation's index within a transaction.
    #[error("condition failed (op {op:?})")]
    Conflict {
        /// Index of the failing operation in `transact`, `None` for single-item calls.
        op: Option<usize>,
    },
    /// `add` would exceed its ceiling.
    #[error("limit reached")]
    LimitReached,
    /// A query cursor that no page of this engine produced (client input, not a failure).
    #[error("malformed query cursor")]
    BadCursor,
    /// The engine refused for load (DynamoDB throttling) after the SDK's own retries: nothing
    /// was written, and the same request later may pass. The message is for logs only.
    #[error("store throttled: {0}")]
    Throttled(String),
    /// The engine failed (network, corruption); the message is for logs only.
    #[error("store backend: {0}")]
    Backend(String),
}

impl StoreError {
    /// True for a failed condition, whichever operation failed.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// The item-store port. See the module docs for the contract every engine must meet.
#[async_trait]
pub trait ItemStore: Send + Sync {
    /// The live item with this key, if any.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// Writes an item if `condition` holds, else `Conflict { op: None }`.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;
    /// Deletes an item if `condition` holds, else `Conflict { op: None }`.
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;
    /// One page of live items from a partition (see [`Query`]).
    async fn query(&self, query: Query) -> Result<Page, StoreError>;
    /// One page of a walk over the items under a partition-key prefix (see [`Scan`]).
    async fn scan(&self, scan: Scan) -> Result<Page, StoreError>;
    /// All-or-nothing set of conditional writes (at most [`MAX_TRANSACT_OPS`]).
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;
    /// Atomically adds `delta` to the counter at `key`; see the contract for expiry and ceilings.
    async fn add(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError>;
}
