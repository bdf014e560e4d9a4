//! `GET /admin/apps/{appId}/audit`: the app's audit trail as listed.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::clock::iso_millis;
use crate::domain::audit;

/// One audit entry as the admin API lists it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    id: String,
    at: String,
    event: String,
    user_id: Option<String>,
    client: String,
    /// Fingerprint of the admin key that acted (admin actions only).
    admin_key: Option<String>,
    details: Map<String, Value>,
}

convert!(audit::AuditEntry => AuditEntry {
    id,
    at: iso_millis,
    event,
    user_id,
    client,
    admin_key,
    details,
});

page_reply! {
    /// One page of an app's audit trail, newest first.
    AuditPage {
        /// The entries.
        entries: Vec<AuditEntry>
    } from audit::AuditEntry
}
