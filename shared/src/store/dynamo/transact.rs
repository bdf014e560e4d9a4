//! Transactions: the port's conditional operations as one `TransactWriteItems`, with the
//! cancellation reasons mapped back to the caller's operation index.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};

use super::expr::guard;
use super::{DynamoStore, backend, codec, unbuilt};
use crate::store::{StoreError, WriteOp};

/// Attempts at a transaction cancelled only by contention with another transaction.
const TRANSACTION_RETRIES: u32 = 5;

impl DynamoStore {
    /// All-or-nothing writes (see [`crate::store::ItemStore::transact`]).
    pub(super) async fn transact_ops(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        crate::store::check_transaction_size(&ops)?;
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
                    if reasons.iter().any(|r| super::is_throttling(r.code())) {
                        return Err(StoreError::Throttled(format!(
                            "TransactWriteItems cancelled for throughput: {}",
                            DisplayErrorContext(&e)
                        )));
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
                    .set_item(Some(codec::item_attrs(item)?))
                    .set_condition_expression(guard.as_ref().map(|g| g.expression.clone()))
                    .set_expression_attribute_values(guard.map(|g| g.values))
                    .build()
                    .map_err(unbuilt)?;
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
                    .map_err(unbuilt)?;
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
                    .map_err(unbuilt)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        };
        Ok(Some(item))
    }
}
