//! The production engine: one DynamoDB table, conditions pushed down as condition expressions.
//!
//! # Table schema (fixed; `template.yaml` must declare the same)
//! - Hash key `pk` (S), range key `sk` (S); billing `PAY_PER_REQUEST`.
//! - The record as native attributes (see [`codec`]): a JSON object's top-level fields are
//!   attributes of their own (M, L, N, BOOL, S, NULL), any other record is one attribute `value`;
//!   items written before that hold it as a JSON string in `data`, read as well and replaced by
//!   the native form on their next write. `ver` (N): [`Item::version`]. `n` (N):
//!   [`Item::counter`].
//! - `expires_at` (N, epoch seconds): the table's TTL attribute. TTL deletes lazily (days late on
//!   AWS, never on moto), so every read and condition also compares it with the store clock.
//! - `gsi1pk` / `gsi1sk` (S): only on items with [`Item::index`], making GSI `gsi1`
//!   (hash `gsi1pk`, range `gsi1sk`, projection ALL) sparse.
//!
//! SDK errors are translated here: `ConditionalCheckFailedException` → `Conflict { op: None }`, a
//! cancelled transaction → `Conflict { op: Some(first ConditionalCheckFailed reason) }`, anything
//! else → `Backend`. No SDK type leaves this module.

mod codec;
mod expr;
mod migrate;
mod schema;
mod transact;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use self::codec::{COUNTER, EXPIRES_AT, GSI_NAME, GSI_PK, GSI_SK, PK, SK, VERSION};
use self::expr::{LIVE, guard};
use super::{Condition, Index, Item, ItemStore, Key, Page, Query, Scan, StoreError, WriteOp};
use crate::clock::Clock;

/// How often `add` retries when a concurrent writer creates or expires the counter under it.
const ADD_ATTEMPTS: usize = 8;

/// Item store over one DynamoDB table (schema in the module doc).
pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl DynamoStore {
    /// Wraps a client built once per cold start; the clock decides expiry, not DynamoDB's TTL.
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            table: table.into(),
            clock,
        }
    }

    /// One `ADD` on a live counter; `Ok(None)` when there is no live counter to add to.
    async fn increment(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut condition = format!("attribute_exists(pk) AND {LIVE}");
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(key)))
            .update_expression("ADD #n :d, ver :one")
            .expression_attribute_values(":one", codec::num(1))
            .expression_attribute_names("#n", COUNTER)
            .expression_attribute_values(":d", codec::num(delta))
            .expression_attribute_values(":now", codec::num(now))
            .return_values(ReturnValue::UpdatedNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(ceiling) = ceiling {
            condition.push_str(" AND #n <= :max");
            request = request
                .expression_attribute_values(":max", codec::num(ceiling.saturating_sub(delta)));
        }
        match request.condition_expression(condition).send().await {
            Ok(out) => {
                let attrs = out.attributes().cloned().unwrap_or_default();
                let value = codec::number(&attrs, COUNTER)?
                    .ok_or_else(|| StoreError::Backend("UpdateItem returned no counter".into()))?;
                Ok(Some(value))
            }
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    // Refuse only when the old value really is at the ceiling. Anything else
                    // (absent, expired, or caught mid-write without its counter) is a race:
                    // the caller tries again.
                    let at_ceiling = failed.item().is_some_and(|old| {
                        codec::is_live(old, now)
                            && ceiling.is_some_and(|max| {
                                codec::number::<i64>(old, COUNTER)
                                    .ok()
                                    .flatten()
                                    .is_some_and(|n| n.saturating_add(delta) > max)
                            })
                    });
                    if at_ceiling {
                        Err(StoreError::LimitReached)
                    } else {
                        Ok(None)
                    }
                }
                _ => Err(backend(e)),
            },
        }
    }

    /// Starts a new counter over an absent or expired item; `Ok(false)` if a live one appeared.
    async fn restart(
        &self,
        key: &Key,
        delta: i64,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<bool, StoreError> {
        // A whole-item put: whatever an expired item held (its record's attributes, whichever
        // they are, its version and index keys) is dropped, as if TTL had already deleted it.
        let mut attrs = codec::key_attrs(key);
        attrs.insert(COUNTER.to_owned(), codec::num(delta));
        attrs.insert(VERSION.to_owned(), codec::num(1));
        if let Some(at) = expires_at {
            attrs.insert(EXPIRES_AT.to_owned(), codec::num(at));
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", codec::num(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend(e)),
        }
    }

    /// Collects up to `limit + 1` live items, so the cursor is `None` exactly when nothing follows.
    async fn collect(
        &self,
        query: &Query,
        limit: usize,
        now: i64,
    ) -> Result<Vec<Item>, StoreError> {
        let (part, sort) = match query.index {
            Index::Primary => (PK, SK),
            Index::Secondary => (GSI_PK, GSI_SK),
        };
        let mut key_condition = format!("{part} = :pk");
        if !query.sk_prefix.is_empty() {
            key_condition.push_str(&format!(" AND begins_with({sort}, :prefix)"));
        }
        let mut start = query
            .cursor
            .as_deref()
            .map(|c| codec::decode_cursor(c, query))
            .transpose()?;
        let mut items = Vec::new();
        loop {
            let want = i32::try_from(limit + 1 - items.len()).unwrap_or(i32::MAX);
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(&key_condition)
                .expression_attribute_values(":pk", AttributeValue::S(query.pk.clone()))
                .limit(want)
                .set_exclusive_start_key(start.take());
            if !query.sk_prefix.is_empty() {
                request = request.expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(query.sk_prefix.clone()),
                );
            }
            request = match query.index {
                Index::Primary => request.consistent_read(true),
                Index::Secondary => request.index_name(GSI_NAME),
            };
            let out = request.send().await.map_err(backend)?;
            for attrs in out.items().iter().filter(|a| codec::is_live(a, now)) {
                items.push(codec::item_from(attrs)?);
            }
            match out.last_evaluated_key() {
                Some(next) if items.len() <= limit => start = Some(next.clone()),
                _ => return Ok(items),
            }
        }
    }
}

#[async_trait]
impl ItemStore for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let now = self.clock.now_secs();
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        match out.item() {
            Some(attrs) if codec::is_live(attrs, now) => codec::item_from(attrs).map(Some),
            _ => Ok(None),
        }
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let guard = guard(condition, self.clock.now_secs());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(codec::item_attrs(&item)?))
            .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
            .set_expression_attribute_values(guard.map(|g| g.values))
            .send()
            .await;
        single_write(result, |e| {
            matches!(e, PutItemError::ConditionalCheckFailedException(_))
        })
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let guard = guard(condition, self.clock.now_secs());
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(key)))
            .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
            .set_expression_attribute_values(guard.map(|g| g.values))
            .send()
            .await;
        single_write(result, |e| {
            matches!(e, DeleteItemError::ConditionalCheckFailedException(_))
        })
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        // DynamoDB refuses `Limit = 0`; a page of one still makes progress.
        let limit = query.limit.max(1);
        let mut items = self.collect(&query, limit, self.clock.now_secs()).await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let cursor = match items.last() {
            Some(last) if more => Some(codec::encode_cursor(last, query.index)),
            _ => None,
        };
        Ok(Page { items, cursor })
    }

    /// One `Scan` request per page: `Limit` bounds the items DynamoDB reads, so a page takes
    /// one short call however sparse the prefix; the prefix and liveness are filtered here,
    /// and the cursor is DynamoDB's own `LastEvaluatedKey` (the last item read, kept or not).
    async fn scan(&self, scan: Scan) -> Result<Page, StoreError> {
        let now = self.clock.now_secs();
        let start = scan
            .cursor
            .as_deref()
            .map(|c| codec::decode_scan_cursor(c, &scan.pk_prefix))
            .transpose()?;
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .limit(i32::try_from(scan.limit.max(1)).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(backend)?;
        let mut items = Vec::new();
        for attrs in out.items().iter().filter(|a| codec::is_live(a, now)) {
            let item = codec::item_from(attrs)?;
            if item.key.pk.starts_with(&scan.pk_prefix) {
                items.push(item);
            }
        }
        let cursor = out
            .last_evaluated_key()
            .map(|next| codec::encode_scan_cursor(&scan.pk_prefix, next))
            .transpose()?;
        Ok(Page { items, cursor })
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.transact_ops(ops).await
    }

    async fn add(
        &self,
        key: &Key,
        delta: i64,
        ceiling: Option<i64>,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        let now = self.clock.now_secs();
        // Increment first (the common case); restart only when nothing live is there. A lost race
        // in either step means another writer changed the item's state, so try again.
        for _ in 0..ADD_ATTEMPTS {
            if let Some(value) = self.increment(key, delta, ceiling, now).await? {
                return Ok(value);
            }
            if ceiling.is_some_and(|c| delta > c) {
                return Err(StoreError::LimitReached);
            }
            if self.restart(key, delta, expires_at, now).await? {
                return Ok(delta);
            }
        }
        Err(StoreError::Backend(
            "add: too much contention on the counter".into(),
        ))
    }
}

/// Maps a single-item write's outcome: a failed condition is `Conflict`, any other error
/// `Backend`.
fn single_write<O, E>(
    result: Result<O, SdkError<E>>,
    failed_condition: impl Fn(&E) -> bool,
) -> Result<(), StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(&failed_condition) => {
            Err(StoreError::Conflict { op: None })
        }
        Err(e) => Err(backend(e)),
    }
}

/// A request that could not be built or waited for (a builder's or waiter's error): never load.
pub(super) fn unbuilt(e: impl std::error::Error) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

/// DynamoDB's answers to load: the table's or account's throughput, or a request rate the
/// service sheds. Each is worth a later try, not a 500.
const THROTTLING_CODES: [&str; 4] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
];

/// Whether a DynamoDB error code (or a transaction's cancellation reason) is load shedding.
pub(super) fn is_throttling(code: Option<&str>) -> bool {
    code.is_some_and(|c| THROTTLING_CODES.contains(&c))
}

/// Flattens an SDK error (with its source chain) into a log message: [`StoreError::Throttled`]
/// when DynamoDB shed the request for load (the SDK's standard retries are spent by then),
/// [`StoreError::Backend`] otherwise.
pub(super) fn backend<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let throttled = is_throttling(e.code());
    let message = DisplayErrorContext(e).to_string();
    if throttled {
        StoreError::Throttled(message)
    } else {
        StoreError::Backend(message)
    }
}
