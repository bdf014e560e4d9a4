//! Deleting an app and everything it owns, in bounded batches, resumable after any
//! interruption.
//!
//! The first `DELETE` marks the app `deleting` (one conditional write): from then on every door
//! that reads the record answers as for an unknown app (user routes 401, issuer documents 404,
//! admin routes 401 except `GET` and this `DELETE`), so nothing new is created through it while
//! the items go. Warm instances of other functions that read the app before serve it from
//! memory for up to the settings cache's 30 s (`ports::app_cache`); the runbook says to suspend
//! an app with traffic and wait that long before deleting it. Each call then
//! deletes at most `batch` units (a user with all their items, an invited handle's partition, a
//! template) and answers what remains; the call that finds nothing left deletes the app's
//! daily-budget shards, its secrets (signing-key ring, Twilio account) and finally the app
//! record. Every step is idempotent and the record goes last, so a crash anywhere leaves an app
//! still marked `deleting` that the next `DELETE` continues.
//!
//! What is found, without a scan (see [`crate::domain::records::table_keys`]): users through the index
//! `APP#<appId>#USERS`; per user, their partition, their sent-invite pointers, their handle's
//! partition (claim, resets, counters), their username claim and verified-phone partition;
//! invites (also to handles without an account) through `APP#<appId>#INVITES`, each with its
//! handle's partition; templates in `APP#<appId>`; the budget shards (16 per budget) by name.
//!
//! What is not enumerated: items keyed by a client address (`APP#<appId>#IP#…`), a canonical
//! mailbox (`APP#<appId>#MB#…`) or a handle that never had an account or an invite (a pending
//! signup, a decoy reset, failed-login and code-try counters). Finding them would need a table
//! scan; all of them carry a TTL (pending signups 48 hours plus a week, signup and invite code
//! tries a week at most, everything else a day at most), and no route can reach them once the
//! app record is gone (app ids are random and never reused).

use crate::domain::common::phone_claim;
use crate::domain::common::repo::{self, Attempt, retry_on_conflict};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus};
use crate::domain::records::passkey::{PasskeySet, claim_key};
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Context, Error, Result};
use crate::secrets::SecretStore as _;
use crate::store::{Condition, Index, Key, Query};

/// Units one call deletes when the caller names no batch.
pub const DEFAULT_BATCH: usize = 50;
/// The largest batch a caller may ask for: keeps one call well inside API Gateway's 30 s.
pub const MAX_BATCH: usize = 100;
/// Counts in the answer stop here (counting further would cost a query per 100 items).
const COUNT_CAP: usize = 100;

/// `DELETE /admin/apps/{appId}?batch=`: the batch size as the query string gives it.
#[derive(Debug, Clone, Default)]
pub struct DeleteRequest {
    /// Units to delete in this call, 1 to [`MAX_BATCH`] (default [`DEFAULT_BATCH`]).
    pub batch: Option<String>,
}

/// How a deletion call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    /// The app and everything found are gone.
    Done,
    /// Work remains; call again.
    Remaining(Remaining),
}

/// What is left of an app being deleted (each count stops at 100, see `capped`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remaining {
    /// Users not yet deleted.
    pub users: usize,
    /// Invites not yet deleted.
    pub invites: usize,
    /// Templates not yet deleted.
    pub templates: usize,
    /// Audit entries not yet deleted (each listed in one of the app's audit index shards).
    pub audit_entries: usize,
    /// Whether some count reached 100 (there may be more).
    pub capped: bool,
}

impl Remaining {
    fn is_empty(&self) -> bool {
        self.users == 0 && self.invites == 0 && self.templates == 0 && self.audit_entries == 0
    }
}

fn batch_size(raw: Option<&str>) -> Result<usize> {
    match raw.map(str::trim) {
        None | Some("") => Ok(DEFAULT_BATCH),
        Some(b) => b
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_BATCH).contains(n))
            .ok_or_else(|| Error::invalid(format!("batch must be 1 to {MAX_BATCH}"))),
    }
}

/// `DELETE /admin/apps/{appId}`: marks the app `deleting`, deletes one batch and answers what
/// remains, or deletes the app itself when nothing does. 401 for an app that does not exist
/// (any more).
pub async fn delete_app(state: &AppState, app_id: &str, req: DeleteRequest) -> Result<Deletion> {
    let batch = batch_size(req.batch.as_deref())?;
    let app = mark_deleting(state, app_id).await?;
    let mut budget = batch;
    budget -= purge_users(state, app_id, budget).await?;
    if budget > 0 {
        budget -= purge_invites(state, app_id, budget).await?;
    }
    if budget > 0 {
        budget -= purge_audit(state, app_id, budget).await?;
    }
    if budget > 0 {
        purge_templates(state, app_id, budget).await?;
    }
    let remaining = remaining(state, app_id).await?;
    if !remaining.is_empty() {
        tracing::info!(%app_id, ?remaining, "admin: app deletion continues");
        return Ok(Deletion::Remaining(remaining));
    }
    finish(state, &app).await?;
    tracing::info!(%app_id, "admin: app deleted");
    Ok(Deletion::Done)
}

/// The app, marked `deleting` (already marked: unchanged).
async fn mark_deleting(state: &AppState, app_id: &str) -> Result<App> {
    retry_on_conflict("app", || async move {
        let (mut app, version) = repo::load_app_fresh(state, app_id)
            .await?
            .ok_or(Error::AppNotFound)?;
        if app.status == AppStatus::Deleting {
            return Ok(Attempt::Done(app));
        }
        app.status = AppStatus::Deleting;
        repo::put_app(state, app, version).await
    })
    .await
}

/// Up to `limit` live items of a partition (primary or index), from its start.
async fn first_items(
    state: &AppState,
    index: Index,
    pk: String,
    sk_prefix: &str,
    limit: usize,
) -> Result<(Vec<crate::store::Item>, bool)> {
    let page = state
        .store
        .query(Query {
            index,
            pk,
            sk_prefix: sk_prefix.to_owned(),
            limit,
            cursor: None,
        })
        .await?;
    Ok((page.items, page.cursor.is_some()))
}

/// Deletes every live item of a primary partition but `keep`, a page at a time (always from
/// the start: deleted items leave the partition).
async fn delete_partition(state: &AppState, pk: &str, keep: Option<&Key>) -> Result<()> {
    loop {
        let (items, _) = first_items(state, Index::Primary, pk.to_owned(), "", 100).await?;
        let doomed: Vec<Key> = items
            .into_iter()
            .map(|i| i.key)
            .filter(|k| Some(k) != keep)
            .collect();
        if doomed.is_empty() {
            return Ok(());
        }
        for key in doomed {
            state.store.delete(&key, Condition::Any).await?;
        }
    }
}

/// Deletes up to `limit` users with everything of theirs; returns how many.
async fn purge_users(state: &AppState, app_id: &str, limit: usize) -> Result<usize> {
    let pk = table_keys::user_listing(app_id, "").pk;
    let (items, _) = first_items(state, Index::Secondary, pk, "", limit).await?;
    for item in &items {
        let user: User = repo::record(item)?;
        purge_user(state, &user).await?;
    }
    Ok(items.len())
}

/// One user's items, the user record last: until it goes, the user is still listed, so an
/// interrupted purge is found and repeated. Not one transaction (unlike `deleteAccount`): the
/// app serves nobody any more, and a handle partition may hold more items than a transaction.
async fn purge_user(state: &AppState, user: &User) -> Result<()> {
    let user_key = table_keys::user(&user.user_id);
    // Passkey claims first: the set naming them is in the user's partition.
    if let Some(item) = state
        .store
        .get(&table_keys::passkeys(&user.user_id))
        .await?
    {
        let set: PasskeySet = repo::record(&item)?;
        for passkey in &set.passkeys {
            let claim = claim_key(&user.app_id, &passkey.id);
            state.store.delete(&claim, Condition::Any).await?;
        }
    }
    delete_partition(state, &user_key.pk, Some(&user_key)).await?;
    delete_partition(
        state,
        &table_keys::sent_invites_partition(&user.user_id),
        None,
    )
    .await?;
    delete_partition(
        state,
        &table_keys::handle_partition(&user.app_id, &user.handle),
        None,
    )
    .await?;
    if let Some(name) = &user.user_name {
        let claim = table_keys::user_name_claim(&user.app_id, name);
        state.store.delete(&claim, Condition::Any).await?;
    }
    if let Some(id) = &user.social {
        let claim = table_keys::identity_claim(&user.app_id, id.provider.as_str(), &id.sub);
        state.store.delete(&claim, Condition::Any).await?;
    }
    if let Some(phone) = &user.two_factor.phone {
        let digest = phone_claim::phone_digest(state, phone);
        delete_partition(
            state,
            &table_keys::phone_claim(&user.app_id, &digest).pk,
            None,
        )
        .await?;
    }
    state.store.delete(&user_key, Condition::Any).await?;
    Ok(())
}

/// Deletes up to `limit` invited handles' partitions (the invites with their tries and
/// counters); returns how many.
async fn purge_invites(state: &AppState, app_id: &str, limit: usize) -> Result<usize> {
    let pk = table_keys::invite_listing(app_id, "", "").pk;
    let (items, _) = first_items(state, Index::Secondary, pk, "", limit).await?;
    for item in &items {
        delete_partition(state, &item.key.pk, None).await?;
    }
    Ok(items.len())
}

/// Deletes up to `limit` items of the app's own partition (its templates), never the record.
async fn purge_templates(state: &AppState, app_id: &str, limit: usize) -> Result<()> {
    let app_key = table_keys::app(app_id);
    let (items, _) = first_items(state, Index::Primary, app_key.pk.clone(), "", limit + 1).await?;
    for key in items.into_iter().map(|i| i.key).filter(|k| *k != app_key) {
        state.store.delete(&key, Condition::Any).await?;
    }
    Ok(())
}

/// Deletes up to `limit` audit entries (users' and the app's alike: every entry is listed in one
/// of the index shards); returns how many. Entries outlive a user's own deletion, so this walks
/// the index rather than the users.
async fn purge_audit(state: &AppState, app_id: &str, limit: usize) -> Result<usize> {
    let mut deleted = 0;
    for shard in 0..crate::domain::audit::SHARDS {
        if deleted == limit {
            break;
        }
        let pk = table_keys::audit_listing(app_id, shard, "").pk;
        let (items, _) = first_items(state, Index::Secondary, pk, "", limit - deleted).await?;
        for item in items {
            state.store.delete(&item.key, Condition::Any).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Audit entries left, over every shard (capped at [`COUNT_CAP`]).
async fn audit_left(state: &AppState, app_id: &str) -> Result<(usize, bool)> {
    let mut left = 0;
    for shard in 0..crate::domain::audit::SHARDS {
        let pk = table_keys::audit_listing(app_id, shard, "").pk;
        let (items, more) = first_items(state, Index::Secondary, pk, "", COUNT_CAP).await?;
        left += items.len();
        if more || left >= COUNT_CAP {
            return Ok((left.min(COUNT_CAP), true));
        }
    }
    Ok((left, false))
}

/// Counts what is left (each count capped at [`COUNT_CAP`]).
async fn remaining(state: &AppState, app_id: &str) -> Result<Remaining> {
    let app_key = table_keys::app(app_id);
    let (users, more_users) = first_items(
        state,
        Index::Secondary,
        table_keys::user_listing(app_id, "").pk,
        "",
        COUNT_CAP,
    )
    .await?;
    let (invites, more_invites) = first_items(
        state,
        Index::Secondary,
        table_keys::invite_listing(app_id, "", "").pk,
        "",
        COUNT_CAP,
    )
    .await?;
    let (own, more_own) =
        first_items(state, Index::Primary, app_key.pk.clone(), "", COUNT_CAP + 1).await?;
    let (audit_entries, more_audit) = audit_left(state, app_id).await?;
    Ok(Remaining {
        users: users.len(),
        invites: invites.len(),
        templates: own.iter().filter(|i| i.key != app_key).count(),
        audit_entries,
        capped: more_users || more_invites || more_own || more_audit,
    })
}

/// The last step: budget shards, secrets, then the record itself.
async fn finish(state: &AppState, app: &App) -> Result<()> {
    let app_id = &app.app_id;
    for channel in crate::domain::common::limits::Channel::ALL {
        for shard in 0..crate::domain::common::limits::BUDGET_SHARDS {
            let pk = table_keys::daily_budget(app_id, channel.name(), 0, shard).pk;
            delete_partition(state, &pk, None).await?;
        }
    }
    for name in [
        state.config.app_key_secret_name(app_id),
        state.config.twilio_secret_name(app_id),
    ] {
        state
            .secrets
            .delete(&name)
            .await
            .context(format!("delete a secret of app {app_id}"))?;
    }
    state
        .store
        .delete(&table_keys::app(app_id), Condition::Any)
        .await?;
    Ok(())
}
