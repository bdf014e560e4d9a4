//! The production engine: one DynamoDB table, conditions pushed down as condition expressions.
//!
//! # Table schema (fixed; `template.yaml` must declare the same)
//! - Hash key `pk` (S), range key `sk` (S); billing `PAY_PER_REQUEST`.
//! - `data` (S): the JSON record. `ver` (N): [`Item::version`]. `n` (N): [`Item::counter`].
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

/// Attempts at a transaction cancelled only by contention with another transaction.
const TRANSACTION_RETRIES: u32 = 5;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
    TransactWriteItem,
};

use self::codec::{COUNTER, DATA, EXPIRES_AT, GSI_NAME, GSI_PK, GSI_SK, PK, SK};
use self::expr::{LIVE, guard};
use super::{Condition, Index, Item, ItemStore, Key, Page, Query, StoreError, WriteOp};
use crate::clock::Clock;

/// DynamoDB's transaction size when the port was written; enforced here as in the SQLite engine.
const MAX_TRANSACT_OPS: usize = 25;

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

    /// Creates the table with the module's schema, waits until it is active and turns TTL on, for
    /// tests and the local bootstrap (production tables come from `template.yaml`). A table that
    /// already exists is left as it is, so bootstrapping twice is harmless.
    pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
        let created = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(
                [PK, SK, GSI_PK, GSI_SK]
                    .into_iter()
                    .map(string_attribute)
                    .collect::<Result<_, _>>()?,
            ))
            .set_key_schema(Some(vec![
                key_element(PK, KeyType::Hash)?,
                key_element(SK, KeyType::Range)?,
            ]))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(GSI_NAME)
                    .key_schema(key_element(GSI_PK, KeyType::Hash)?)
                    .key_schema(key_element(GSI_SK, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(backend)?,
            )
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(CreateTableError::ResourceInUseException(_))
                ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(backend(e)),
        }
        client
            .wait_until_table_exists()
            .table_name(table)
            .wait(std::time::Duration::from_secs(300))
            .await
            .map_err(backend)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(EXPIRES_AT)
                    .build()
                    .map_err(backend)?,
            )
            .send()
            .await
            .map_err(backend)?;
        Ok(())
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
            .update_expression("ADD #n :d")
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
        // Whatever an expired item held is dropped, as if TTL had already deleted it.
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(codec::key_attrs(key)))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_names("#n", COUNTER)
            .expression_attribute_names("#data", DATA)
            .expression_attribute_values(":d", codec::num(delta))
            .expression_attribute_values(":now", codec::num(now));
        request = match expires_at {
            Some(at) => request
                .update_expression(
                    "SET #n = :d, expires_at = :exp REMOVE #data, ver, gsi1pk, gsi1sk",
                )
                .expression_attribute_values(":exp", codec::num(at)),
            None => request
                .update_expression("SET #n = :d REMOVE #data, ver, gsi1pk, gsi1sk, expires_at"),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
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
            .map(codec::decode_cursor)
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
            .set_item(Some(codec::item_attrs(&item)))
            .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
            .set_expression_attribute_values(guard.map(|g| g.values))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(StoreError::Conflict { op: None })
            }
            Err(e) => Err(backend(e)),
        }
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
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Err(StoreError::Conflict { op: None })
            }
            Err(e) => Err(backend(e)),
        }
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

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        if ops.len() > MAX_TRANSACT_OPS {
            return Err(StoreError::Backend(format!(
                "transaction of {} operations exceeds {MAX_TRANSACT_OPS}",
                ops.len()
            )));
        }
        let now = self.clock.now_secs();
        // Unconditional checks are dropped (DynamoDB needs an expression); `origin` maps each sent
        // operation back to the caller's index for the Conflict report.
        let mut origin = Vec::with_capacity(ops.len());
        let mut items = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            if let Some(item) = self.transact_item(op, now)? {
                origin.push(i);
                items.push(item);
            }
        }
        if items.is_empty() {
            return Ok(());
        }
        // Another transaction touching one of these items cancels ours with a
        // `TransactionConflict` reason (real DynamoDB does this under concurrency; moto does
        // not): that is contention, not a failed condition, so the whole transaction is retried
        // with a short jittered backoff before giving up as a conflict.
        for attempt in 0..TRANSACTION_RETRIES {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let e = match result {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
                    let reasons = cancel.cancellation_reasons();
                    if let Some(i) = reasons
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"))
                    {
                        return Err(StoreError::Conflict {
                            op: origin.get(i).copied(),
                        });
                    }
                    if !reasons
                        .iter()
                        .any(|r| r.code() == Some("TransactionConflict"))
                    {
                        return Err(backend(e));
                    }
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {}
                _ => return Err(backend(e)),
            }
            let jitter = u64::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos() % 10)
                    .unwrap_or(0),
            );
            tokio::time::sleep(std::time::Duration::from_millis((10 << attempt) + jitter)).await;
        }
        Err(StoreError::Conflict { op: None })
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

impl DynamoStore {
    fn transact_item(
        &self,
        op: &WriteOp,
        now: i64,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let item = match op {
            WriteOp::Put(item, condition) => {
                let guard = guard(*condition, now);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(codec::item_attrs(item)))
                    .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
                    .set_expression_attribute_values(guard.map(|g| g.values))
                    .build()
                    .map_err(backend)?;
                TransactWriteItem::builder().put(put).build()
            }
            WriteOp::Delete(key, condition) => {
                let guard = guard(*condition, now);
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(codec::key_attrs(key)))
                    .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
                    .set_expression_attribute_values(guard.map(|g| g.values))
                    .build()
                    .map_err(backend)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            WriteOp::Check(key, condition) => {
                let Some(guard) = guard(*condition, now) else {
                    return Ok(None);
                };
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(codec::key_attrs(key)))
                    .condition_expression(guard.expression)
                    .set_expression_attribute_values(Some(guard.values))
                    .build()
                    .map_err(backend)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        };
        Ok(Some(item))
    }
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(backend)
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(backend)
}

/// Flattens any SDK error (with its source chain) into a log message.
fn backend(e: impl std::error::Error) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}
