//! A warm instance's short-lived cache of decoded app records, so a busy app's requests do not
//! each pay a read of its settings item.
//!
//! # Why it stays correct
//! - **Bounded staleness.** An entry is served for at most the configured TTL
//!   (`KEYTURN_SETTINGS_CACHE_SECS`, default and maximum [`MAX_TTL_SECS`], `0` turns the cache off),
//!   measured on the state's clock. A change made elsewhere (another function's instance, a hand
//!   edit in the DynamoDB console) shows up within that time.
//! - **A newer app token reads afresh.** App tokens carry the issue time the record keeps
//!   (`tokenIssuedAt`); a genuine token newer than the cached record was issued by a rotation
//!   made elsewhere, so the caller reads the record again (`repo::app_for_token`). A rotated
//!   token therefore works at once on every instance, and an instance that has seen it refuses
//!   the old one at once.
//! - **What the cache cannot see, it serves for at most the TTL.** Without a read per request
//!   no instance can learn of a change made elsewhere: an old app token (after a rotation
//!   without grace) on an instance that has not seen the new one, a suspension, a deletion and
//!   every settings change reach a warm instance of another function within the TTL (30 s by
//!   default; measured with two `keyturn serve` processes over one data directory: 30.0 s).
//!   `KEYTURN_SETTINGS_CACHE_SECS=0` trades that bound for one read of the app per request.
//! - **This process's own writes invalidate at once.** [`InvalidatingStore`] wraps the item store
//!   of the state: every put, delete or transaction that touches an app item forgets that app's
//!   entry when it completes, whichever use case wrote it. So the admin function, and the local
//!   runner (one state for every router), never serve their own stale copy.
//! - **No stale refill.** Each forget bumps a generation; a reader that started before it may
//!   not insert what it read ([`AppCache::insert`]), so a copy read just before a write cannot
//!   land in the cache after the write's invalidation.
//! - Only valid apps are cached: an invalid record is read (and reported) afresh each time, so a
//!   fix shows up on the next request.
//!
//! Compare-and-swap flows must not start from a cached copy (their version may be old, costing
//! retries): they read through `repo::existing_app_fresh`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::store::{Condition, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp};

/// The longest an app's settings may be served from a warm instance's memory (docs/settings.md
/// promises developers their edits apply within it).
pub const MAX_TTL_SECS: u64 = 30;

/// Entries kept at most; past it, expired entries are dropped, then everything. Only apps that
/// exist enter (ids come from verified tokens or from stored records), so this bounds memory, not
/// correctness.
const MAX_ENTRIES: usize = 1024;

/// Decoded apps by id, each with its version and the time it was read.
pub struct AppCache {
    ttl_ms: i64,
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    apps: HashMap<String, Entry>,
}

struct Entry {
    app: App,
    version: u64,
    read_at_ms: i64,
}

impl AppCache {
    /// A cache serving entries for `ttl_secs` (capped at [`MAX_TTL_SECS`]; `0` caches nothing).
    pub fn new(ttl_secs: u64) -> Self {
        let ttl_secs = ttl_secs.min(MAX_TTL_SECS);
        Self {
            ttl_ms: i64::try_from(ttl_secs * 1000).unwrap_or(0),
            inner: Mutex::new(Entries::default()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters (each operation is one insert or remove), so a poisoned lock is used as is.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The app and version read less than the TTL before `now_ms`, if cached.
    pub fn get(&self, app_id: &str, now_ms: i64) -> Option<(App, u64)> {
        if self.ttl_ms == 0 {
            return None;
        }
        let entries = self.entries();
        let entry = entries.apps.get(app_id)?;
        let age = now_ms.saturating_sub(entry.read_at_ms);
        (0..self.ttl_ms)
            .contains(&age)
            .then(|| (entry.app.clone(), entry.version))
    }

    /// The current generation: take it before reading the store, pass it to [`Self::insert`].
    pub fn generation(&self) -> u64 {
        self.entries().generation
    }

    /// Caches `app` read at `read_at_ms`, unless an invalidation happened since `generation` was
    /// taken (what was read may predate a write) or a newer version is already cached.
    pub fn insert(&self, app: &App, version: u64, read_at_ms: i64, generation: u64) {
        if self.ttl_ms == 0 {
            return;
        }
        let mut entries = self.entries();
        if entries.generation != generation {
            return;
        }
        if entries
            .apps
            .get(&app.app_id)
            .is_some_and(|e| e.version > version)
        {
            return;
        }
        if entries.apps.len() >= MAX_ENTRIES {
            let ttl = self.ttl_ms;
            entries
                .apps
                .retain(|_, e| read_at_ms.saturating_sub(e.read_at_ms) < ttl);
            if entries.apps.len() >= MAX_ENTRIES {
                entries.apps.clear();
            }
        }
        entries.apps.insert(
            app.app_id.clone(),
            Entry {
                app: app.clone(),
                version,
                read_at_ms,
            },
        );
    }

    /// Drops the app's entry and bumps the generation (see the module doc).
    pub fn forget(&self, app_id: &str) {
        let mut entries = self.entries();
        entries.generation = entries.generation.wrapping_add(1);
        entries.apps.remove(app_id);
    }

    /// Forgets the app whose record lives at `key`, if `key` is an app item.
    fn forget_key(&self, key: &Key) {
        if let Some(app_id) = key.pk.strip_prefix("APP#")
            && table_keys::app(app_id) == *key
        {
            self.forget(app_id);
        }
    }
}

/// The state's item store, forgetting an app's cached record whenever this process writes its
/// item (see the module doc). Reads pass straight through: the cache is consulted by the
/// repository, which knows which reads may be stale.
pub struct InvalidatingStore {
    inner: Arc<dyn ItemStore>,
    cache: Arc<AppCache>,
}

impl InvalidatingStore {
    /// Wraps `inner`, invalidating `cache`.
    pub fn new(inner: Arc<dyn ItemStore>, cache: Arc<AppCache>) -> Self {
        Self { inner, cache }
    }
}

#[async_trait]
impl ItemStore for InvalidatingStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let key = item.key.clone();
        let result = self.inner.put(item, condition).await;
        self.cache.forget_key(&key);
        result
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let result = self.inner.delete(key, condition).await;
        self.cache.forget_key(key);
        result
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn scan(&self, scan: Scan) -> Result<Page, StoreError> {
        self.inner.scan(scan).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let written: Vec<Key> = ops
            .iter()
            .filter_map(|op| match op {
                WriteOp::Put(item, _) => Some(item.key.clone()),
                WriteOp::Delete(key, _) => Some(key.clone()),
                WriteOp::Check(..) => None,
            })
            .collect();
        let result = self.inner.transact(ops).await;
        for key in &written {
            self.cache.forget_key(key);
        }
        result
    }

    async fn add(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        // Counters never change a record's data, so a cached app stays what is stored.
        self.inner.add(key, delta, ceiling, expires_at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::app::{AppStatus, Settings};

    fn app(id: &str) -> App {
        App {
            app_id: id.into(),
            name: "n".into(),
            status: AppStatus::Active,
            created_at: 0,
            updated_at: 0,
            token_issued_at: 0,
            public_keys: vec![],
            settings: Settings::default(),
            twilio: None,
            current_kid: None,
            staged_kid: None,
            previous_app_token: None,
            legacy_app_token: None,
        }
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = AppCache::new(30);
        cache.insert(&app("a"), 1, 1_000, cache.generation());
        assert!(cache.get("a", 30_999).is_some());
        assert!(cache.get("a", 31_000).is_none());
    }

    #[test]
    fn a_read_that_predates_an_invalidation_is_not_cached() {
        let cache = AppCache::new(30);
        let before = cache.generation();
        cache.forget("a");
        cache.insert(&app("a"), 1, 0, before);
        assert!(cache.get("a", 0).is_none());
    }

    #[test]
    fn zero_ttl_caches_nothing_and_the_ttl_is_capped() {
        let off = AppCache::new(0);
        off.insert(&app("a"), 1, 0, off.generation());
        assert!(off.get("a", 0).is_none());
        assert_eq!(AppCache::new(3600).ttl_ms, 30_000);
    }

    #[test]
    fn only_app_items_invalidate() {
        let cache = AppCache::new(30);
        cache.insert(&app("a"), 1, 0, cache.generation());
        cache.forget_key(&Key::new("APP#a", "TEMPLATE#EN#signUp"));
        assert!(cache.get("a", 0).is_some());
        cache.forget_key(&table_keys::app("a"));
        assert!(cache.get("a", 0).is_none());
    }
}
