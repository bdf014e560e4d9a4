//! Converting a table written by an earlier release, whose items held their record as one JSON
//! string attribute `data`, to native attributes (`keyturn migrate-table`). Reads accept both
//! encodings and every write stores the native one, so this is optional: it only spares waiting
//! for each item's next write (and lets hand edits of an app's `settings` map start at once).

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{self, DATA};
use super::{DynamoStore, backend, single_write};
use crate::clock::SystemClock;
use crate::store::StoreError;

impl DynamoStore {
    /// Rewrites every item still in the legacy encoding in the native one and returns how many it
    /// converted. Each rewrite is conditional on the item's legacy string being unchanged, so a
    /// concurrent write (which stores the native form itself) is never overwritten; interrupting
    /// and running it again is safe. Expiry, version, counter and index keys are kept as they are.
    /// A record that cannot be stored natively (a field named like an engine attribute) stops it
    /// with an error naming the item, before anything about that item changes.
    pub async fn convert_legacy_items(&self) -> Result<u64, StoreError> {
        let mut converted = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .filter_expression("attribute_type(#data, :string)")
                .expression_attribute_names("#data", DATA)
                .expression_attribute_values(":string", AttributeValue::S("S".into()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for attrs in page.items() {
                let item = codec::item_from(attrs)?;
                let native = codec::item_attrs(&item).map_err(|e| {
                    StoreError::Backend(format!("item {}/{}: {e}", item.key.pk, item.key.sk))
                })?;
                let legacy = attrs
                    .get(DATA)
                    .cloned()
                    .unwrap_or(AttributeValue::Null(true));
                let written = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(native))
                    .condition_expression("#data = :legacy")
                    .expression_attribute_names("#data", DATA)
                    .expression_attribute_values(":legacy", legacy)
                    .send()
                    .await;
                match single_write(written, |e| {
                    matches!(e, PutItemError::ConditionalCheckFailedException(_))
                }) {
                    Ok(()) => converted += 1,
                    // Written meanwhile, so already native (or deleted): nothing to convert.
                    Err(StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            match page.last_evaluated_key() {
                Some(next) if !next.is_empty() => start = Some(next.clone()),
                _ => return Ok(converted),
            }
        }
    }

    /// [`Self::convert_legacy_items`] over `table`, with AWS settings from the environment (as
    /// the AWS CLI takes them: profile, region, `AWS_ENDPOINT_URL`).
    pub async fn convert_legacy_table(table: &str) -> Result<u64, StoreError> {
        let sdk = crate::net::sdk_defaults().load().await;
        DynamoStore::new(Client::new(&sdk), table, Arc::new(SystemClock))
            .convert_legacy_items()
            .await
    }
}
