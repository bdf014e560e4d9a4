//! `POST /admin/apps/{appId}/import/cosync`: a batch of a CosyncJWT export and its outcomes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::admin::import;

/// What to do with a user an earlier run imported whose record differs now.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnConflict {
    /// Report it and go on.
    #[default]
    Skip,
    /// Rewrite its imported fields.
    Update,
    /// Report it; the CLI stops at the first conflict.
    Fail,
}

convert!(enum OnConflict => import::OnConflict { Skip, Update, Fail });

/// What happens to the original's TOTP secrets.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TotpPolicy {
    /// Seal and keep them (the factor stays on in `google` mode).
    #[default]
    Keep,
    /// Forget them.
    Drop,
}

convert!(enum TotpPolicy => import::TotpPolicy { Keep, Drop });

/// What happens to the original's phone numbers.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhonePolicy {
    /// Keep them: valid, verified, unique numbers stay verified, others import unverified.
    #[default]
    Keep,
    /// Forget them.
    Drop,
}

convert!(enum PhonePolicy => import::PhonePolicy { Keep, Drop });

/// What happens to the original's pending invites.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvitePolicy {
    /// Import them: the old code works until `inviteTtlDays` from now.
    #[default]
    Keep,
    /// Report them as skipped.
    Skip,
}

convert!(enum InvitePolicy => import::InvitePolicy { Keep, Skip });

fn seven() -> u32 {
    7
}

/// One line of an export file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportRecord {
    /// `users`, `signups`, `invites`, `emailtemplates` or `apps`.
    collection: String,
    /// The line number in its file (1-based), echoed back.
    line: u64,
    /// The document, relaxed Extended JSON v2 as `mongoexport` writes it.
    #[schema(value_type = Object)]
    doc: serde_json::Value,
    /// A verified signup or a used invite in the export proves the handle.
    #[serde(default)]
    handle_proven: bool,
    /// A user with a newer `lastLogin` has the same verified phone: this one imports unverified.
    #[serde(default)]
    phone_outranked: bool,
    /// An invite's sender is a user in the export (a dry run counts it as found).
    #[serde(default)]
    sender_in_export: bool,
}

convert!(ImportRecord => import::ImportRecord {
    collection,
    line,
    doc,
    handle_proven,
    phone_outranked,
    sender_in_export,
});

/// `{records: [...], dryRun?, onConflict?, totp?, phones?, invites?, inviteTtlDays?}`: at most
/// 50 records.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportRequest {
    /// Check everything and write nothing.
    #[serde(default)]
    dry_run: bool,
    /// `skip` (default), `update` or `fail`.
    #[serde(default)]
    on_conflict: OnConflict,
    /// `keep` (default) or `drop`.
    #[serde(default)]
    totp: TotpPolicy,
    /// `keep` (default) or `drop`.
    #[serde(default)]
    phones: PhonePolicy,
    /// `keep` (default) or `skip`.
    #[serde(default)]
    invites: InvitePolicy,
    /// Days an imported invite code lives, 1 to 90 (default 7).
    #[serde(default = "seven")]
    invite_ttl_days: u32,
    /// The records, in file order.
    records: Vec<ImportRecord>,
}

impl From<ImportRequest> for import::ImportRequest {
    fn from(r: ImportRequest) -> Self {
        Self {
            dry_run: r.dry_run,
            on_conflict: r.on_conflict.into(),
            totp: r.totp.into(),
            phones: r.phones.into(),
            invites: r.invites.into(),
            invite_ttl_days: r.invite_ttl_days,
            records: r.records.into_iter().map(Into::into).collect(),
        }
    }
}

/// How a record ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A user was created (or would be).
    Created,
    /// Imported before; nothing changes.
    Unchanged,
    /// Imported before; its imported fields were rewritten.
    Updated,
    /// Left out by rule.
    Skipped,
    /// The handle belongs to a user this record did not create.
    Conflict,
    /// The record cannot be imported.
    Invalid,
}

convert!(enum import::Outcome => Outcome { Created, Unchanged, Updated, Skipped, Conflict, Invalid });

/// One record's outcome.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordOutcome {
    collection: String,
    line: u64,
    /// The Mongo id.
    id: Option<String>,
    /// The Keyturn user (none in a dry run's `created`).
    user_id: Option<String>,
    outcome: Outcome,
    /// Why, for `skipped`, `conflict` and `invalid`.
    reason: Option<String>,
    /// What did not come over, one reason each.
    lossy: Vec<String>,
}

convert!(import::RecordOutcome => RecordOutcome {
    collection,
    line,
    id,
    user_id,
    outcome: Outcome::from,
    reason,
    lossy,
});

/// The batch's outcomes, in order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReply {
    dry_run: bool,
    results: Vec<RecordOutcome>,
}

impl From<import::ImportReport> for ImportReply {
    fn from(r: import::ImportReport) -> Self {
        Self {
            dry_run: r.dry_run,
            results: r.results.into_iter().map(Into::into).collect(),
        }
    }
}
