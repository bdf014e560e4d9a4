//! A store wrapper with a hook before every call, so the suites that count round trips and the
//! ones that simulate an outage implement `ItemStore` once.

use std::sync::Arc;

use async_trait::async_trait;
use keyturn::store::{Condition, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp};

/// The real store behind `inner`, with `hook(op, key)` run before each call: `op` is the
/// call's name (`get`, `put`, `delete`, `query`, `scan`, `add`, or `transact(n)` for `n` writes), `key`
/// its key (a query's partition and prefix, a transaction's first write). An `Err` from the hook
/// is the call's answer; the store is not reached.
pub struct HookedStore<H> {
    pub inner: Arc<dyn ItemStore>,
    pub hook: H,
}

#[async_trait]
impl<H> ItemStore for HookedStore<H>
where
    H: Fn(&str, &Key) -> Result<(), StoreError> + Send + Sync,
{
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        (self.hook)("get", key)?;
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        (self.hook)("put", &item.key)?;
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        (self.hook)("delete", key)?;
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        (self.hook)(
            "query",
            &Key::new(query.pk.clone(), query.sk_prefix.clone()),
        )?;
        self.inner.query(query).await
    }
    async fn scan(&self, scan: Scan) -> Result<Page, StoreError> {
        (self.hook)("scan", &Key::new(scan.pk_prefix.clone(), ""))?;
        self.inner.scan(scan).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let first = match ops.first() {
            Some(WriteOp::Put(item, _)) => item.key.clone(),
            Some(WriteOp::Delete(key, _) | WriteOp::Check(key, _)) => key.clone(),
            None => Key::new("", ""),
        };
        (self.hook)(&format!("transact({})", ops.len()), &first)?;
        self.inner.transact(ops).await
    }
    async fn add(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        (self.hook)("add", key)?;
        self.inner.add(key, delta, ceiling, expires_at).await
    }
}
