//! Store conformance: every case of the item-store contract, written once and run against both
//! engines — SQLite on a temp file, and DynamoDB over the wire to moto with a fresh table per test.
//! Stores run on a `ManualClock`, so expiry is exercised by moving time, never by sleeping.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use keyturn::clock::ManualClock;
use keyturn::store::dynamo::DynamoStore;
use keyturn::store::sqlite::SqliteStore;
use keyturn::store::{
    Condition, Index, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp,
};
use serde_json::json;

use crate::support::aws::{sdk_config, unique};

/// The store clock's start: `now_secs() == NOW`.
const NOW: i64 = 1_700_000_000;

/// A store under test plus whatever must be cleaned up after it.
struct Fixture {
    store: Box<dyn ItemStore>,
    clock: ManualClock,
    file: Option<std::path::PathBuf>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

async fn sqlite_fixture() -> Fixture {
    let clock = ManualClock::at(NOW * 1000);
    let path = std::env::temp_dir().join(format!("{}.db", unique("keyturn-store")));
    let store = SqliteStore::open(&path, Arc::new(clock.clone())).unwrap();
    Fixture {
        store: Box::new(store),
        clock,
        file: Some(path),
    }
}

async fn dynamodb_fixture() -> Fixture {
    let clock = ManualClock::at(NOW * 1000);
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let table = unique("keyturn-store");
    DynamoStore::create_table(&client, &table).await.unwrap();
    Fixture {
        store: Box::new(DynamoStore::new(client, table, Arc::new(clock.clone()))),
        clock,
        file: None,
    }
}

/// Generates one `#[tokio::test]` per case and engine: `store_conformance::<engine>::<test>`.
macro_rules! engine_suite {
    ($engine:ident, $fixture:ident;
     plain: [$($test:ident => $case:ident),* $(,)?];
     concurrent: [$($ctest:ident => $ccase:ident),* $(,)?] $(;)?) => {
        mod $engine {
            $(
                #[tokio::test]
                async fn $test() {
                    let fx = super::$fixture().await;
                    super::$case(&*fx.store, &fx.clock).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $ctest() {
                    let fx = super::$fixture().await;
                    super::$ccase(&*fx.store, &fx.clock).await;
                }
            )*
        }
    };
}

macro_rules! conformance {
    ($($rest:tt)*) => {
        engine_suite!(sqlite, sqlite_fixture; $($rest)*);
        engine_suite!(dynamodb, dynamodb_fixture; $($rest)*);
    };
}

conformance! {
    plain: [
        put_then_get_round_trips_every_field => case_put_then_get_round_trips_every_field,
        absent_conflicts_on_live_item_but_not_on_expired => case_absent_conflicts_on_live_item_but_not_on_expired,
        version_swap_succeeds_once_then_conflicts => case_version_swap_succeeds_once_then_conflicts,
        exists_requires_a_live_item => case_exists_requires_a_live_item,
        delete_honours_its_condition => case_delete_honours_its_condition,
        expired_item_reads_absent_from_get_and_query => case_expired_item_reads_absent_from_get_and_query,
        query_pages_a_prefix_in_ascending_order => case_query_pages_a_prefix_in_ascending_order,
        query_walks_the_secondary_index => case_query_walks_the_secondary_index,
        a_cursor_of_another_query_is_a_bad_cursor => case_a_cursor_of_another_query_is_a_bad_cursor,
        scan_walks_every_live_item_under_a_prefix_once => case_scan_walks_every_live_item_under_a_prefix_once,
        a_cursor_of_another_scan_is_a_bad_cursor => case_a_cursor_of_another_scan_is_a_bad_cursor,
        failed_transaction_applies_nothing_and_names_the_op => case_failed_transaction_applies_nothing_and_names_the_op,
        transaction_applies_every_op => case_transaction_applies_every_op,
        add_counts_to_the_ceiling_and_restarts_after_expiry => case_add_counts_to_the_ceiling_and_restarts_after_expiry,
        add_without_ceiling_keeps_counting_on_a_record => case_add_without_ceiling_keeps_counting_on_a_record,
        add_over_an_expired_record_starts_a_bare_counter => case_add_over_an_expired_record_starts_a_bare_counter,
        a_record_field_named_like_an_engine_attribute_is_refused => case_a_record_field_named_like_an_engine_attribute_is_refused,
    ];
    concurrent: [
        concurrent_create_if_absent_has_one_winner => case_concurrent_create_if_absent_has_one_winner,
        concurrent_adds_stop_exactly_at_the_ceiling => case_concurrent_adds_stop_exactly_at_the_ceiling,
    ];
}

// ---- helpers ---------------------------------------------------------------------------------

fn record(pk: &str, sk: &str, data: serde_json::Value) -> Item {
    Item::new(Key::new(pk, sk), data)
}

fn query(index: Index, pk: &str, prefix: &str, limit: usize, cursor: Option<String>) -> Query {
    Query {
        index,
        pk: pk.into(),
        sk_prefix: prefix.into(),
        limit,
        cursor,
    }
}

fn scan(prefix: &str, limit: usize, cursor: Option<String>) -> Scan {
    Scan {
        pk_prefix: prefix.into(),
        limit,
        cursor,
    }
}

/// Every key a walk of `prefix` in pages of `limit` returns, in the order returned, checking
/// that no page is larger than asked.
async fn walk(store: &dyn ItemStore, prefix: &str, limit: usize) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    let mut cursor = None;
    for _ in 0..200 {
        let page = store.scan(scan(prefix, limit, cursor)).await.unwrap();
        assert!(page.items.len() <= limit, "a page larger than its limit");
        keys.extend(page.items.into_iter().map(|i| (i.key.pk, i.key.sk)));
        cursor = page.cursor;
        if cursor.is_none() {
            return keys;
        }
    }
    panic!("the walk never ended");
}

fn sort_keys(page: &Page) -> Vec<&str> {
    page.items.iter().map(|i| i.key.sk.as_str()).collect()
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, op: Option<usize>) {
    match result {
        Err(StoreError::Conflict { op: got }) => assert_eq!(got, op, "conflict on the wrong op"),
        other => panic!("expected Conflict {{ op: {op:?} }}, got {other:?}"),
    }
}

/// Polls every future from one task until all finish: the store sees them all in flight at once
/// (SQLite work runs on the blocking pool, DynamoDB requests share the connection pool), while
/// the cases keep borrowing `&dyn ItemStore` instead of needing `'static` spawned tasks.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

// ---- cases -----------------------------------------------------------------------------------

async fn case_put_then_get_round_trips_every_field(store: &dyn ItemStore, _clock: &ManualClock) {
    let mut item = record(
        "user#1",
        "profile",
        json!({
            "email": "a@example.com",
            "tags": [1, 2],
            "none": null,
            "nested": {"on": true, "big": u64::MAX, "neg": i64::MIN, "f": 0.5, "empty": ""},
            "emptyList": [],
            "emptyMap": {},
        }),
    )
    .expiring_at(NOW + 60)
    .indexed(Key::new("email", "a@example.com"));
    item.version = 7;
    store.put(item.clone(), Condition::Any).await.unwrap();

    assert_eq!(store.get(&item.key).await.unwrap(), Some(item.clone()));
    assert_eq!(store.get(&Key::new("user#1", "other")).await.unwrap(), None);
    assert_eq!(
        store.get(&Key::new("user#2", "profile")).await.unwrap(),
        None
    );

    // A plain record has no expiry, no index and a zero counter.
    let plain = record("user#2", "profile", json!("just a string"));
    store.put(plain.clone(), Condition::Any).await.unwrap();
    let got = store.get(&plain.key).await.unwrap().unwrap();
    assert_eq!(got, plain);
    assert_eq!(
        (got.version, got.expires_at, got.index, got.counter),
        (1, None, None, 0)
    );

    // Records that are not a non-empty object round-trip too.
    for (i, data) in [
        json!(null),
        json!({}),
        json!([1, "x", null]),
        json!(42),
        json!(true),
    ]
    .into_iter()
    .enumerate()
    {
        let item = record(&format!("other#{i}"), "x", data);
        store.put(item.clone(), Condition::Any).await.unwrap();
        assert_eq!(store.get(&item.key).await.unwrap(), Some(item));
    }
}

async fn case_a_record_field_named_like_an_engine_attribute_is_refused(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    for field in keyturn::store::RESERVED_FIELDS {
        let mut fields = serde_json::Map::new();
        fields.insert(field.to_owned(), json!(1));
        fields.insert("ok".to_owned(), json!(2));
        let clash = record("user#1", "profile", serde_json::Value::Object(fields));
        let refused = store.put(clash.clone(), Condition::Any).await;
        assert!(
            matches!(refused, Err(StoreError::Backend(_))),
            "{field}: {refused:?}"
        );
        let refused = store
            .transact(vec![WriteOp::Put(clash.clone(), Condition::Any)])
            .await;
        assert!(
            matches!(refused, Err(StoreError::Backend(_))),
            "{field}: {refused:?}"
        );
        assert_eq!(store.get(&clash.key).await.unwrap(), None, "{field}");
    }
    // Nested fields are the record's own business.
    let nested = record("user#1", "profile", json!({ "inner": { "pk": 1, "n": 2 } }));
    store.put(nested.clone(), Condition::Any).await.unwrap();
    assert_eq!(store.get(&nested.key).await.unwrap(), Some(nested));
}

async fn case_absent_conflicts_on_live_item_but_not_on_expired(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let first = record("user#1", "profile", json!({"v": "first"}));
    store.put(first.clone(), Condition::Absent).await.unwrap();
    let second = record("user#1", "profile", json!({"v": "second"}));
    assert_conflict(store.put(second, Condition::Absent).await, None);
    assert_eq!(store.get(&first.key).await.unwrap(), Some(first));

    let code = record("code#1", "c", json!({"v": "old"})).expiring_at(NOW + 10);
    store.put(code.clone(), Condition::Absent).await.unwrap();
    clock.advance_secs(9);
    assert_conflict(store.put(code.clone(), Condition::Absent).await, None);
    clock.advance_secs(1); // expires_at == now: expired
    let fresh = record("code#1", "c", json!({"v": "new"}));
    store.put(fresh.clone(), Condition::Absent).await.unwrap();
    assert_eq!(store.get(&fresh.key).await.unwrap(), Some(fresh));
}

async fn case_version_swap_succeeds_once_then_conflicts(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let v1 = record("user#1", "profile", json!({"name": "v1"}));
    store.put(v1.clone(), Condition::Absent).await.unwrap();

    let mut v2 = record("user#1", "profile", json!({"name": "v2"}));
    v2.version = 2;
    store.put(v2.clone(), Condition::Version(1)).await.unwrap();
    let mut stale = record("user#1", "profile", json!({"name": "stale"}));
    stale.version = 2;
    assert_conflict(store.put(stale, Condition::Version(1)).await, None);
    assert_eq!(store.get(&v1.key).await.unwrap(), Some(v2));

    // No item, or only an expired one, never matches a version.
    assert_conflict(
        store
            .put(record("user#9", "profile", json!(1)), Condition::Version(1))
            .await,
        None,
    );
    let expiring = record("sess#1", "s", json!(1)).expiring_at(NOW + 5);
    store
        .put(expiring.clone(), Condition::Absent)
        .await
        .unwrap();
    clock.advance_secs(5);
    assert_conflict(
        store.put(expiring.clone(), Condition::Version(1)).await,
        None,
    );
    assert_eq!(store.get(&expiring.key).await.unwrap(), None);
}

async fn case_exists_requires_a_live_item(store: &dyn ItemStore, clock: &ManualClock) {
    let item = record("app#1", "config", json!({"v": 1})).expiring_at(NOW + 30);
    assert_conflict(store.put(item.clone(), Condition::Exists).await, None);
    assert_eq!(store.get(&item.key).await.unwrap(), None);

    store.put(item.clone(), Condition::Absent).await.unwrap();
    let mut updated = item.clone();
    updated.data = json!({"v": 2});
    updated.version = 5;
    store.put(updated.clone(), Condition::Exists).await.unwrap();
    assert_eq!(store.get(&item.key).await.unwrap(), Some(updated.clone()));

    clock.advance_secs(30);
    assert_conflict(store.put(updated, Condition::Exists).await, None);
    assert_eq!(store.get(&item.key).await.unwrap(), None);
}

async fn case_delete_honours_its_condition(store: &dyn ItemStore, clock: &ManualClock) {
    let mut item = record("user#1", "profile", json!({}));
    item.version = 3;
    store.put(item.clone(), Condition::Any).await.unwrap();

    assert_conflict(store.delete(&item.key, Condition::Version(2)).await, None);
    assert_conflict(store.delete(&item.key, Condition::Absent).await, None);
    assert_eq!(store.get(&item.key).await.unwrap(), Some(item.clone()));
    store
        .delete(&item.key, Condition::Version(3))
        .await
        .unwrap();
    assert_eq!(store.get(&item.key).await.unwrap(), None);

    assert_conflict(store.delete(&item.key, Condition::Exists).await, None);
    store.delete(&item.key, Condition::Any).await.unwrap();

    // An expired item is already gone as far as conditions go.
    let expired = record("code#1", "c", json!({})).expiring_at(NOW + 1);
    store.put(expired.clone(), Condition::Any).await.unwrap();
    store.delete(&expired.key, Condition::Exists).await.unwrap();
    store.put(expired.clone(), Condition::Any).await.unwrap();
    clock.advance_secs(1);
    assert_conflict(store.delete(&expired.key, Condition::Exists).await, None);
}

async fn case_expired_item_reads_absent_from_get_and_query(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let short = record("user#1", "code#a", json!("short"))
        .expiring_at(NOW + 5)
        .indexed(Key::new("codes", "a"));
    let long = record("user#1", "code#b", json!("long"))
        .expiring_at(NOW + 500)
        .indexed(Key::new("codes", "b"));
    store.put(short.clone(), Condition::Any).await.unwrap();
    store.put(long.clone(), Condition::Any).await.unwrap();

    let primary = query(Index::Primary, "user#1", "code#", 10, None);
    let secondary = query(Index::Secondary, "codes", "", 10, None);
    assert_eq!(
        sort_keys(&store.query(primary.clone()).await.unwrap()),
        ["code#a", "code#b"]
    );
    assert_eq!(store.query(secondary.clone()).await.unwrap().items.len(), 2);

    clock.advance_secs(5);
    assert_eq!(store.get(&short.key).await.unwrap(), None);
    assert_eq!(store.get(&long.key).await.unwrap(), Some(long.clone()));
    let page = store.query(primary).await.unwrap();
    assert_eq!(page.items, vec![long.clone()]);
    assert_eq!(page.cursor, None);
    assert_eq!(store.query(secondary).await.unwrap().items, vec![long]);
}

async fn case_query_pages_a_prefix_in_ascending_order(store: &dyn ItemStore, _clock: &ManualClock) {
    for n in [5, 2, 7, 1, 4, 6, 3] {
        let item = record("app#1", &format!("user#{n:02}"), json!({ "num": n }));
        store.put(item, Condition::Absent).await.unwrap();
    }
    store
        .put(record("app#1", "config", json!({})), Condition::Absent)
        .await
        .unwrap();
    store
        .put(record("app#1", "usex", json!({})), Condition::Absent)
        .await
        .unwrap();
    store
        .put(record("app#2", "user#00", json!({})), Condition::Absent)
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(query(Index::Primary, "app#1", "user#", 3, cursor))
            .await
            .unwrap();
        assert!(page.items.len() <= 3, "page larger than the limit");
        pages.push(page.items.len());
        seen.extend(sort_keys(&page).into_iter().map(str::to_owned));
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not terminate");
    }
    assert_eq!(pages, [3, 3, 1]);
    let expected: Vec<String> = (1..=7).map(|n| format!("user#{n:02}")).collect();
    assert_eq!(seen, expected);

    let whole = store
        .query(query(Index::Primary, "app#1", "", 100, None))
        .await
        .unwrap();
    assert_eq!(sort_keys(&whole)[..2], ["config", "user#01"]);
    assert_eq!(whole.items.len(), 9);
    assert_eq!(whole.cursor, None);
    let none = store
        .query(query(Index::Primary, "app#3", "", 10, None))
        .await
        .unwrap();
    assert!(none.items.is_empty() && none.cursor.is_none());
}

async fn case_query_walks_the_secondary_index(store: &dyn ItemStore, _clock: &ManualClock) {
    let emails = ["carol@x.org", "alice@x.org", "bob@y.org"];
    for (i, email) in emails.iter().enumerate() {
        let item = record(&format!("user#{i}"), "profile", json!({ "email": email }))
            .indexed(Key::new("app#1#email", *email));
        store.put(item, Condition::Absent).await.unwrap();
    }
    // Not indexed, or indexed in another index partition: never listed.
    store
        .put(record("user#9", "profile", json!({})), Condition::Absent)
        .await
        .unwrap();
    let other =
        record("user#8", "profile", json!({})).indexed(Key::new("app#2#email", "alice@x.org"));
    store.put(other, Condition::Absent).await.unwrap();

    let first = store
        .query(query(Index::Secondary, "app#1#email", "", 2, None))
        .await
        .unwrap();
    let index_keys = |p: &Page| -> Vec<String> {
        p.items
            .iter()
            .map(|i| i.index.clone().unwrap().sk)
            .collect()
    };
    assert_eq!(index_keys(&first), ["alice@x.org", "bob@y.org"]);
    assert_eq!(first.items[0].key, Key::new("user#1", "profile"));
    assert_eq!(first.items[0].data, json!({"email": "alice@x.org"}));
    let second = store
        .query(query(
            Index::Secondary,
            "app#1#email",
            "",
            2,
            first.cursor.clone(),
        ))
        .await
        .unwrap();
    assert!(first.cursor.is_some());
    assert_eq!(index_keys(&second), ["carol@x.org"]);
    assert_eq!(second.cursor, None);

    let by_prefix = store
        .query(query(Index::Secondary, "app#1#email", "b", 10, None))
        .await
        .unwrap();
    assert_eq!(by_prefix.items.len(), 1);
    assert_eq!(by_prefix.items[0].key, Key::new("user#2", "profile"));
}

/// A cursor only continues the query that produced it: garbage, or a cursor of another
/// partition, sort-key prefix or index, is `BadCursor` (client input), never a backend failure.
async fn case_a_cursor_of_another_query_is_a_bad_cursor(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    for (pk, n) in [("app#1", 3), ("app#2", 3)] {
        for i in 0..n {
            let item = record(pk, &format!("user#{i}"), json!({}))
                .indexed(Key::new(format!("{pk}#list"), format!("user#{i}")));
            store.put(item, Condition::Absent).await.unwrap();
        }
    }
    let primary = store
        .query(query(Index::Primary, "app#1", "user#", 1, None))
        .await
        .unwrap()
        .cursor
        .unwrap();
    let secondary = store
        .query(query(Index::Secondary, "app#1#list", "", 1, None))
        .await
        .unwrap()
        .cursor
        .unwrap();
    // Each continues its own query.
    let next = store
        .query(query(
            Index::Primary,
            "app#1",
            "user#",
            1,
            Some(primary.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(sort_keys(&next), ["user#1"]);
    for bad in [
        query(Index::Primary, "app#2", "user#", 1, Some(primary.clone())),
        query(Index::Primary, "app#1", "zzz", 1, Some(primary.clone())),
        query(Index::Secondary, "app#1#list", "", 1, Some(primary.clone())),
        query(
            Index::Secondary,
            "app#2#list",
            "",
            1,
            Some(secondary.clone()),
        ),
        query(Index::Primary, "app#1", "", 1, Some(secondary.clone())),
        query(Index::Primary, "app#1", "", 1, Some("!!garbage!!".into())),
        query(Index::Primary, "app#1", "", 1, Some("e30".into())),
    ] {
        let result = store.query(bad.clone()).await;
        assert!(
            matches!(result, Err(StoreError::BadCursor)),
            "{bad:?}: {result:?}"
        );
    }
}

async fn case_scan_walks_every_live_item_under_a_prefix_once(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let mut wanted = Vec::new();
    for (pk, sk) in [
        ("app#1#a", "claim"),
        ("app#1#a", "code"),
        ("app#1#b", "claim"),
        ("app#1#c", "x"),
        ("app#1#c", "y"),
        ("app#1#c", "z"),
        ("app#1", "settings"),
    ] {
        store
            .put(record(pk, sk, json!({ "x": 1 })), Condition::Any)
            .await
            .unwrap();
        if pk.starts_with("app#1#") {
            wanted.push((pk.to_owned(), sk.to_owned()));
        }
    }
    store
        .put(record("app#2#a", "claim", json!({})), Condition::Any)
        .await
        .unwrap();
    let short = record("app#1#d", "code", json!({})).expiring_at(NOW + 5);
    store.put(short, Condition::Any).await.unwrap();
    clock.advance_secs(10);
    wanted.sort();

    for limit in [1, 2, 3, 100] {
        let mut walked = walk(store, "app#1#", limit).await;
        walked.sort();
        assert_eq!(walked, wanted, "pages of {limit}");
    }
    let mut everything = walk(store, "", 100).await;
    everything.sort();
    assert_eq!(everything.len(), wanted.len() + 2, "{everything:?}");
    assert!(walk(store, "nothing#", 10).await.is_empty());
}

async fn case_a_cursor_of_another_scan_is_a_bad_cursor(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    for pk in ["app#1#a", "app#1#b", "app#1#c"] {
        store
            .put(record(pk, "claim", json!({})), Condition::Any)
            .await
            .unwrap();
    }
    let first = store.scan(scan("app#1#", 1, None)).await.unwrap();
    let cursor = first.cursor.expect("a cursor after a page of one");
    assert!(
        store
            .scan(scan("app#1#", 1, Some(cursor.clone())))
            .await
            .is_ok()
    );
    for (prefix, bad) in [
        ("app#2#", cursor.clone()),
        ("app#1#", "!!not base64!!".to_owned()),
        ("app#1#", "e30".to_owned()),
    ] {
        assert!(
            matches!(
                store.scan(scan(prefix, 1, Some(bad))).await,
                Err(StoreError::BadCursor)
            ),
            "{prefix}"
        );
    }
    let page = store
        .query(query(Index::Primary, "app#1#a", "", 1, None))
        .await
        .unwrap();
    assert!(page.cursor.is_none());
    assert!(matches!(
        store
            .query(query(Index::Primary, "app#1#a", "", 1, Some(cursor)))
            .await,
        Err(StoreError::BadCursor)
    ));
}

async fn case_failed_transaction_applies_nothing_and_names_the_op(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    let doomed = record("user#1", "profile", json!("existing"));
    store.put(doomed.clone(), Condition::Any).await.unwrap();
    let ops = vec![
        WriteOp::Put(
            record("email#a", "owner", json!("user#2")),
            Condition::Absent,
        ),
        WriteOp::Delete(doomed.key.clone(), Condition::Version(1)),
        WriteOp::Check(Key::new("app#1", "config"), Condition::Exists),
        WriteOp::Put(record("user#2", "profile", json!({})), Condition::Absent),
    ];
    assert_conflict(store.transact(ops).await, Some(2));
    assert_eq!(
        store.get(&Key::new("email#a", "owner")).await.unwrap(),
        None
    );
    assert_eq!(store.get(&doomed.key).await.unwrap(), Some(doomed));
    assert_eq!(
        store.get(&Key::new("user#2", "profile")).await.unwrap(),
        None
    );
}

async fn case_transaction_applies_every_op(store: &dyn ItemStore, _clock: &ManualClock) {
    let old = record("email#old", "owner", json!("user#1"));
    let app = record("app#1", "config", json!({}));
    store.put(old.clone(), Condition::Any).await.unwrap();
    store.put(app.clone(), Condition::Any).await.unwrap();
    let mut profile = record("user#1", "profile", json!({"email": "new"}));
    let new = record("email#new", "owner", json!("user#1"));
    store.put(profile.clone(), Condition::Any).await.unwrap();
    profile.version = 2;

    let ops = vec![
        WriteOp::Put(new.clone(), Condition::Absent),
        WriteOp::Delete(old.key.clone(), Condition::Exists),
        WriteOp::Put(profile.clone(), Condition::Version(1)),
        WriteOp::Check(app.key.clone(), Condition::Version(1)),
        WriteOp::Check(Key::new("anything", "at-all"), Condition::Any),
    ];
    store.transact(ops).await.unwrap();
    assert_eq!(store.get(&new.key).await.unwrap(), Some(new));
    assert_eq!(store.get(&old.key).await.unwrap(), None);
    assert_eq!(
        store.get(&profile.key).await.unwrap(),
        Some(profile.clone())
    );

    // Replaying the same swap now fails on its first conditional op (an unconditional check
    // before it must not shift the reported index).
    let replay = vec![
        WriteOp::Check(Key::new("anything", "at-all"), Condition::Any),
        WriteOp::Put(
            record("email#new", "owner", json!("user#1")),
            Condition::Absent,
        ),
        WriteOp::Put(profile, Condition::Version(1)),
    ];
    assert_conflict(store.transact(replay).await, Some(1));
}

async fn case_add_counts_to_the_ceiling_and_restarts_after_expiry(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let key = Key::new("ratelimit#1.2.3.4", "login");
    for expected in 1..=3 {
        assert_eq!(
            store.add(&key, 1, Some(3), Some(NOW + 60)).await.unwrap(),
            expected
        );
    }
    assert!(matches!(
        store.add(&key, 1, Some(3), Some(NOW + 60)).await,
        Err(StoreError::LimitReached)
    ));
    let counter = store.get(&key).await.unwrap().unwrap();
    assert_eq!((counter.counter, counter.expires_at), (3, Some(NOW + 60)));

    // The window is fixed by its creator: later adds do not extend it.
    clock.advance_secs(59);
    assert!(matches!(
        store.add(&key, 1, Some(3), Some(NOW + 999)).await,
        Err(StoreError::LimitReached)
    ));
    clock.advance_secs(1);
    assert_eq!(store.get(&key).await.unwrap(), None);
    assert_eq!(
        store.add(&key, 2, Some(3), Some(NOW + 120)).await.unwrap(),
        2
    );
    let counter = store.get(&key).await.unwrap().unwrap();
    assert_eq!((counter.counter, counter.expires_at), (2, Some(NOW + 120)));

    // A delta that alone exceeds the ceiling is refused even on a fresh counter.
    let fresh = Key::new("ratelimit#5.6.7.8", "login");
    assert!(matches!(
        store.add(&fresh, 4, Some(3), Some(NOW + 60)).await,
        Err(StoreError::LimitReached)
    ));
    assert_eq!(store.get(&fresh).await.unwrap(), None);
}

async fn case_add_over_an_expired_record_starts_a_bare_counter(
    store: &dyn ItemStore,
    clock: &ManualClock,
) {
    let mut old = record("user#1", "code", json!({"hash": "h", "tries": [1, 2]}))
        .expiring_at(NOW + 5)
        .indexed(Key::new("codes", "user#1"));
    old.version = 4;
    store.put(old.clone(), Condition::Absent).await.unwrap();
    clock.advance_secs(5);

    assert_eq!(
        store
            .add(&old.key, 1, Some(3), Some(NOW + 60))
            .await
            .unwrap(),
        1
    );
    let counter = store.get(&old.key).await.unwrap().unwrap();
    assert_eq!(
        (
            counter.data,
            counter.version,
            counter.index,
            counter.counter,
            counter.expires_at
        ),
        (serde_json::Value::Null, 1, None, 1, Some(NOW + 60))
    );
}

async fn case_add_without_ceiling_keeps_counting_on_a_record(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    let item = record("app#1", "stats", json!({"name": "app"}));
    store.put(item.clone(), Condition::Absent).await.unwrap();
    assert_eq!(store.add(&item.key, 5, None, None).await.unwrap(), 5);
    assert_eq!(store.add(&item.key, -2, None, None).await.unwrap(), 3);
    let got = store.get(&item.key).await.unwrap().unwrap();
    assert_eq!(got.counter, 3);
    // The record is kept; each add bumps the version, so a transaction can require that the
    // counter has not moved since it was read.
    assert_eq!(
        (got.data, got.version, got.expires_at),
        (item.data, 3, None)
    );
    let unmoved = vec![WriteOp::Check(item.key.clone(), Condition::Version(3))];
    store.transact(unmoved.clone()).await.unwrap();
    store.add(&item.key, 1, None, None).await.unwrap();
    assert!(store.transact(unmoved).await.unwrap_err().is_conflict());
    // A fresh counter starts at version 1.
    let fresh = Key::new("ratelimit#9.9.9.9", "login");
    store.add(&fresh, 1, Some(5), Some(NOW + 60)).await.unwrap();
    assert_eq!(store.get(&fresh).await.unwrap().unwrap().version, 1);
}

async fn case_concurrent_create_if_absent_has_one_winner(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    let key = Key::new("email#race@x.org", "owner");
    let attempts = (0..50).map(|i| {
        let item = Item::new(key.clone(), json!({ "writer": i }));
        async move { (i, store.put(item, Condition::Absent).await) }
    });
    let results = join_all(attempts.collect()).await;

    let winners: Vec<i32> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    for (_, result) in results.into_iter().filter(|(_, r)| r.is_err()) {
        assert_conflict(result, None);
    }
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.data, json!({ "writer": winners[0] }));
}

async fn case_concurrent_adds_stop_exactly_at_the_ceiling(
    store: &dyn ItemStore,
    _clock: &ManualClock,
) {
    let key = Key::new("ratelimit#race", "signup");
    let attempts = (0..30).map(|_| store.add(&key, 1, Some(10), Some(NOW + 60)));
    let results = join_all(attempts.collect()).await;

    let mut values: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    values.sort_unstable();
    assert_eq!(
        values,
        (1..=10).collect::<Vec<_>>(),
        "each success must see its own count"
    );
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::LimitReached)))
        .count();
    assert_eq!(refused, 20, "results: {results:?}");
    assert_eq!(store.get(&key).await.unwrap().unwrap().counter, 10);
}
