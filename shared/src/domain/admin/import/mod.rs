//! `POST /admin/apps/{appId}/import/cosync`: one batch of a CosyncJWT deployment's records,
//! imported into an existing Keyturn app.
//!
//! The CLI (`keyturn import cosync`) streams `mongoexport` files and posts them here in batches
//! under the body limit, so a local runner and a deployed stack share one code path, one
//! validation, the admin key and the audit trail (one `admin.import.cosync` entry per batch,
//! counts only). Decisions that need the whole export (which of two users whose handles differ
//! only in case wins; which handles a verified signup or a used invite proves) are made by the
//! CLI, which reads every file; everything about one record is decided here.
//!
//! **Idempotent.** An imported user remembers its Mongo id (`importId = cosync:<oid>`), and its
//! user record and handle claim are created in one transaction, so re-sending a batch (a rerun,
//! or a resume after a kill) finds the user and answers `unchanged`: no duplicate is possible.
//! A handle held by a user without that import id is a `conflict`.
//!
//! **Passwords.** The bcrypt string is stored as it is once its form is checked
//! ([`crate::crypto::password::check_legacy_bcrypt`]); the first proven password replaces it by
//! Argon2id (`domain::common::rehash`).
//!
//! **Beside the password.** An Apple or Google user's identity claim ([`social_user`]) and a
//! verified phone's claim ([`phones`]) are written in the user's own transaction
//! ([`user_claims`]). The other collections are decided record by record in their own modules:
//! pending invites ([`pending_invites`]), templates ([`cosync_templates`]), and the records that
//! are only reported ([`dropped`]: signups, reset codes).
//!
//! **Dry run.** Every check runs (against the app's settings and the users already there) and
//! nothing is written, not even the audit entry.

pub mod cosync_app;
mod cosync_templates;
pub mod cosync_user;
mod dropped;
mod ejson;
pub mod pending_invites;
pub mod phones;
mod social_user;
mod user_claims;
mod verdict;

use std::collections::BTreeMap;

use serde_json::json;

pub use cosync_user::TotpPolicy;
use cosync_user::{CosyncUser, Refusal};
pub use pending_invites::InvitePolicy;
pub use phones::PhonePolicy;
use verdict::{Done, Verdict};

use crate::domain::accounts;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::records::table_keys;
use crate::domain::records::user::{User, UserStatus};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// Most records one batch may carry (the CLI also keeps a batch under the body limit).
pub const MAX_BATCH: usize = 50;

/// What to do with a user this export already imported whose record differs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Leave it (`unchanged`); a handle held by another user is a `conflict`, and the run goes on.
    Skip,
    /// Rewrite its imported fields (status, metadata, locale, and the hash while it is still the
    /// imported bcrypt one): `updated`.
    Update,
    /// Like `Skip` here; the CLI stops at the first `conflict`.
    Fail,
}

/// One batch.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// See [`OnConflict`].
    pub on_conflict: OnConflict,
    /// See [`TotpPolicy`].
    pub totp: TotpPolicy,
    /// See [`PhonePolicy`].
    pub phones: PhonePolicy,
    /// See [`InvitePolicy`].
    pub invites: InvitePolicy,
    /// Days an imported invite code lives (1 to [`pending_invites::MAX_TTL_DAYS`]).
    pub invite_ttl_days: u32,
    /// The records, in file order.
    pub records: Vec<ImportRecord>,
}

/// One line of an export file.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    /// The collection (file) it comes from: `users`, `signups`, `invites`, `emailtemplates`,
    /// `apps`.
    pub collection: String,
    /// Its line number in the file (1-based), echoed in the outcome for the report.
    pub line: u64,
    /// The document (relaxed Extended JSON v2).
    pub doc: serde_json::Value,
    /// The export proves the handle (a verified signup or a used invite): `email_verified`.
    pub handle_proven: bool,
    /// A user with a newer `lastLogin` has the same verified phone (see [`phones`]).
    pub phone_outranked: bool,
    /// An invite's sender is in `users.jsonl` (a dry run counts it as found).
    pub sender_in_export: bool,
}

/// How a record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// A user was created (or would be, in a dry run).
    Created,
    /// The user was imported before and nothing changes.
    Unchanged,
    /// The user was imported before and its imported fields were rewritten.
    Updated,
    /// Left out by rule (a pending user; a collection not imported).
    Skipped,
    /// The handle belongs to a user this record did not create.
    Conflict,
    /// The record cannot be imported (no id, bad handle, bad hash).
    Invalid,
}

impl Outcome {
    /// The outcome's name in replies, reports and the audit entry.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Unchanged => "unchanged",
            Outcome::Updated => "updated",
            Outcome::Skipped => "skipped",
            Outcome::Conflict => "conflict",
            Outcome::Invalid => "invalid",
        }
    }
}

/// One record's outcome.
#[derive(Debug, Clone)]
pub struct RecordOutcome {
    /// The record's collection.
    pub collection: String,
    /// The record's line.
    pub line: u64,
    /// Its Mongo id, when it has one.
    pub id: Option<String>,
    /// The Keyturn user it is (created, found or, in a dry run, none).
    pub user_id: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why, for anything but `created`/`unchanged`/`updated`.
    pub reason: Option<String>,
    /// What did not come over (a dropped username, metadata key, phone…), one reason each.
    pub lossy: Vec<String>,
}

/// The batch's outcomes, one per record, in order.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// The outcomes.
    pub results: Vec<RecordOutcome>,
}

/// Imports one batch into `app_id` (401 for no such app, 602 for an empty or oversized batch).
pub async fn import_cosync(
    state: &AppState,
    app_id: &str,
    req: ImportRequest,
    ctx: &RequestContext,
) -> Result<ImportReport> {
    if req.records.is_empty() || req.records.len() > MAX_BATCH {
        return Err(Error::invalid(format!(
            "a batch holds 1 to {MAX_BATCH} records"
        )));
    }
    if req.invite_ttl_days == 0 || req.invite_ttl_days > pending_invites::MAX_TTL_DAYS {
        return Err(Error::invalid(format!(
            "inviteTtlDays must be 1 to {}",
            pending_invites::MAX_TTL_DAYS
        )));
    }
    let (app, _) = repo::existing_app(state, app_id).await?;
    let mut results = Vec::with_capacity(req.records.len());
    for record in &req.records {
        results.push(import_record(state, &app, &req, record).await?);
    }
    if !req.dry_run {
        let mut counts: BTreeMap<Outcome, u64> = BTreeMap::new();
        for r in &results {
            *counts.entry(r.outcome).or_default() += 1;
        }
        let mut event = Event::new(&app, Kind::AdminCosyncImported);
        for (outcome, count) in counts {
            event = event.detail(outcome.name(), count);
        }
        audit::record_admin(state, ctx, event).await?;
    }
    Ok(ImportReport {
        dry_run: req.dry_run,
        results,
    })
}

/// One record's outcome (store failures are the batch's error: the CLI retries the batch, which
/// is harmless).
async fn import_record(
    state: &AppState,
    app: &App,
    req: &ImportRequest,
    record: &ImportRecord,
) -> Result<RecordOutcome> {
    let mut out = RecordOutcome {
        collection: record.collection.clone(),
        line: record.line,
        id: ejson::object_id(&record.doc),
        user_id: None,
        outcome: Outcome::Skipped,
        reason: None,
        lossy: Vec::new(),
    };
    let done = match record.collection.as_str() {
        "users" => None,
        "signups" => Some(dropped::signup(&record.doc).into()),
        "resetpasswords" => Some(dropped::reset(&record.doc).into()),
        "invites" => {
            let options = pending_invites::InviteOptions {
                policy: req.invites,
                ttl_days: req.invite_ttl_days,
                dry_run: req.dry_run,
                sender_in_export: record.sender_in_export,
                update: req.on_conflict == OnConflict::Update,
            };
            Some(pending_invites::import(state, app, &record.doc, options).await?)
        }
        "emailtemplates" => {
            let update = req.on_conflict == OnConflict::Update;
            Some(cosync_templates::import(state, app, &record.doc, req.dry_run, update).await?)
        }
        "apps" => Some(
            Verdict::skipped("an app comes over with --create-app (POST /admin/import/cosync/app)")
                .into(),
        ),
        _ => {
            out.outcome = Outcome::Invalid;
            out.reason = Some("unknown collection".to_owned());
            return Ok(out);
        }
    };
    if let Some(done) = done {
        apply(&mut out, done);
        return Ok(out);
    }
    let options = cosync_user::Options {
        totp: req.totp,
        phones: req.phones,
        handle_proven: record.handle_proven,
        phone_outranked: record.phone_outranked,
    };
    let user = match cosync_user::map(&record.doc, app, options) {
        Ok(user) => user,
        Err(Refusal::Skipped(reason)) => {
            out.reason = Some(reason);
            return Ok(out);
        }
        Err(Refusal::Invalid(reason)) => {
            out.outcome = Outcome::Invalid;
            out.reason = Some(reason);
            return Ok(out);
        }
    };
    let mut user = user;
    out.lossy = std::mem::take(&mut user.lossy);
    // A handle claimed meanwhile by a concurrent batch is looked at once more.
    for _ in 0..2 {
        if let Some((existing, version)) =
            repo::find_user_by_handle(state, &app.app_id, &user.handle).await?
        {
            out.user_id = Some(existing.user_id.clone());
            if existing.import_id.as_deref() != Some(&import_id(&user.oid)) {
                out.outcome = Outcome::Conflict;
                out.reason = Some("the handle belongs to a user this record did not create".into());
                return Ok(out);
            }
            out.outcome = match req.on_conflict {
                OnConflict::Update => update(state, req.dry_run, existing, version, &user).await?,
                OnConflict::Skip | OnConflict::Fail => Outcome::Unchanged,
            };
            return Ok(out);
        }
        if let Some(reason) = user_claims::check(state, app, &mut user, &mut out.lossy).await? {
            out.outcome = Outcome::Conflict;
            out.reason = Some(reason);
            return Ok(out);
        }
        match create(state, app, req.dry_run, &mut user, &mut out.lossy).await? {
            Some(user_id) => {
                out.outcome = Outcome::Created;
                out.user_id = (!req.dry_run).then_some(user_id);
                return Ok(out);
            }
            None => continue,
        }
    }
    Err(Error::internal("import: the handle claim kept changing"))
}

/// A non-user record's verdict, into its outcome.
fn apply(out: &mut RecordOutcome, done: Done) {
    let (outcome, reason) = match done.verdict {
        Verdict::Created => (Outcome::Created, None),
        Verdict::Unchanged => (Outcome::Unchanged, None),
        Verdict::Updated => (Outcome::Updated, None),
        Verdict::Skipped(r) => (Outcome::Skipped, Some(r)),
        Verdict::Conflict(r) => (Outcome::Conflict, Some(r)),
        Verdict::Invalid(r) => (Outcome::Invalid, Some(r)),
    };
    out.outcome = outcome;
    out.reason = reason;
    out.lossy = done.lossy;
}

/// The import id an imported user carries.
fn import_id(oid: &str) -> String {
    format!("cosync:{oid}")
}

/// Creates the user with its handle claim, username claim, factor record and last login in one
/// transaction. `None` when the handle was claimed meanwhile. A username someone holds is
/// dropped (and reported) rather than failing the user.
async fn create(
    state: &AppState,
    app: &App,
    dry_run: bool,
    imported: &mut CosyncUser,
    lossy: &mut Vec<String>,
) -> Result<Option<String>> {
    let mut user = accounts::new_user(
        state,
        app,
        &imported.handle,
        imported.password_hash.clone(),
        imported.meta_data.clone(),
        imported.locale.clone(),
    );
    user.status = imported.status;
    user.anonymous = imported.anonymous;
    user.email_verified = imported.email_verified;
    user.import_id = Some(import_id(&imported.oid));
    user.two_factor.google = imported.totp_on;
    user.social = imported.social.clone();
    if let Some(created) = imported.created_at {
        user.created_at = created;
    }
    let mut name = imported.user_name.clone();
    loop {
        user.user_name = name.clone();
        user_claims::set_phone(&mut user, imported.phone.as_ref());
        if dry_run {
            if let Some(n) = &name
                && state
                    .store
                    .get(&table_keys::user_name_claim(&app.app_id, n))
                    .await?
                    .is_some()
            {
                lossy.push(format!("userName {n} dropped: another user holds it"));
            }
            return Ok(Some(user.user_id));
        }
        let (mut tx, handle_claim) = accounts::creation(&user)?;
        let name_claim = match &name {
            Some(n) => Some(tx.push(WriteOp::Put(
                repo::item(
                    table_keys::user_name_claim(&app.app_id, n),
                    &json!({ "userId": user.user_id, "handle": user.handle }),
                    1,
                )?,
                Condition::Absent,
            ))),
            None => None,
        };
        push_extras(state, &mut tx, &user, imported)?;
        let claims = user_claims::push(state, &mut tx, &user)?;
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => return Ok(Some(user.user_id)),
            Err(StoreError::Conflict { op }) if op == handle_claim => return Ok(None),
            Err(StoreError::Conflict { op }) if claims.phone.is_some_and(|t| op == t) => {
                if let Some(phone) = imported.phone.as_mut() {
                    phone.demote(lossy, "another user holds the number");
                }
            }
            Err(StoreError::Conflict { op }) if claims.identity.is_some_and(|t| op == t) => {
                return Err(Error::internal(
                    "import: the identity was claimed meanwhile; send the batch again",
                ));
            }
            Err(StoreError::Conflict { op }) if name_claim.is_some_and(|t| op == t) => {
                lossy.push(format!(
                    "userName {} dropped: another user holds it",
                    name.unwrap_or_default()
                ));
                name = None;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The sealed TOTP secret and the last-login record, when the original had them.
fn push_extras(
    state: &AppState,
    tx: &mut Transaction,
    user: &User,
    imported: &CosyncUser,
) -> Result<()> {
    if let Some(secret) = &imported.totp_secret {
        // No recovery codes: the original had none, and the user was never shown any.
        let factors = json!({ "sealedTotpSecret": state.sealer.seal(&user.user_id, secret)? });
        tx.push(WriteOp::Put(
            repo::item(table_keys::factors(&user.user_id), &factors, 1)?,
            Condition::Any,
        ));
    }
    if let Some(at) = imported.last_login {
        tx.push(WriteOp::Put(
            repo::item(
                table_keys::last_login(&user.user_id),
                &json!({ "at": at }),
                1,
            )?,
            Condition::Any,
        ));
    }
    Ok(())
}

/// `--on-conflict update` for a user this record created before: its status, metadata and
/// locale as the export has them, and its hash while it is still the imported bcrypt one (a
/// user who has logged in on Keyturn since keeps the Argon2id hash of that password).
async fn update(
    state: &AppState,
    dry_run: bool,
    mut user: User,
    version: u64,
    imported: &CosyncUser,
) -> Result<Outcome> {
    let still_imported_hash = crate::crypto::password::is_legacy(&user.password_hash);
    let before = user.clone();
    user.status = imported.status;
    user.meta_data = imported.meta_data.clone();
    user.locale = imported.locale.clone();
    if still_imported_hash {
        user.password_hash = imported.password_hash.clone();
    }
    if user == before {
        return Ok(Outcome::Unchanged);
    }
    if user.status == UserStatus::Suspended && before.status != UserStatus::Suspended {
        user.revoke_sessions(None);
    }
    if dry_run {
        return Ok(Outcome::Updated);
    }
    user.updated_at = state.clock.now_ms();
    match state
        .store
        .put(
            repo::user_item(&user, version + 1)?,
            Condition::Version(version),
        )
        .await
    {
        Ok(()) => Ok(Outcome::Updated),
        Err(e) if e.is_conflict() => Err(Error::internal(
            "import: the user changed during its update; send the batch again",
        )),
        Err(e) => Err(e.into()),
    }
}
