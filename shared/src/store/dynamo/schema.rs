//! Table creation for tests and the local bootstrap (production tables come from
//! `template.yaml`, which must declare the same schema; see the parent module's doc).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::codec::{EXPIRES_AT, GSI_NAME, GSI_PK, GSI_SK, PK, SK};
use super::{DynamoStore, backend, unbuilt};
use crate::store::StoreError;

impl DynamoStore {
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
                    .map_err(unbuilt)?,
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
            .map_err(unbuilt)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(EXPIRES_AT)
                    .build()
                    .map_err(unbuilt)?,
            )
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(unbuilt)
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(unbuilt)
}
