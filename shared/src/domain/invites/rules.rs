//! Invites, written once for the three doors that use them: a user's `invite` and
//! `revokeInvite`, the admin API's invites, and `register`, which consumes one.
//!
//! Decisions (the issue left them open):
//! - **One live invite per (inviter, handle).** Several people may invite the same address; each
//!   holds their own invite with their own code and metadata, and the **code used at
//!   registration decides whose metadata applies**. Registering consumes every other invite to
//!   the handle. So nobody can squat a handle by inviting it first and have their metadata land in
//!   the invitee's JWT. Re-inviting replaces the inviter's own invite with a **new** code and
//!   restarts that code's tries: an old code may have leaked, so it stops working at once.
//! - **Only verified accounts invite.** Anonymous users get 608 (account not verified): they
//!   never proved an address, so an invite from them vouches for nobody, and anonymous accounts
//!   cost nothing to create, so letting them invite would make every per-inviter limit free to
//!   evade. 608 rather than 406 because invitations *are* enabled for the app: the client should
//!   ask the user to sign up, not hide invitations for everyone.
//! - **No enumeration.** Inviting a handle that already has an account answers `true` and sends
//!   nothing, exactly like a successful invite (every limit is counted for it too); so does
//!   revoking an invite that does not exist or is not yours.
//! - **Limits per invited handle, not only per inviter**, so rotating inviters buys nothing:
//!   [`MAILBOX_LIMIT`] invite mails per canonical mailbox (`x+1@d`, `x(c)@d` and `x@d` are one)
//!   per day, and [`CODE_TRIES_PER_DAY`] code comparisons per handle per day across every
//!   invite (a registration attempt compares the code with each live invite and spends one per
//!   invite); new invites do not refill it. Each code also dies after 5 wrong tries (614). Invite
//!   routes also count toward the per-address message limit and the app's daily mail budget;
//!   `register` counts failed checks per address.
//! - Codes: six CSPRNG digits, stored as a keyed hash bound to
//!   `<appId>/invite/<handle>/<inviter>`, valid 7 days, consumed by the transaction that creates
//!   the account. The invite record outlives its code by [`KEEP_AFTER_EXPIRY_SECS`] so a late
//!   registration is told 411 (expired) rather than 602.
//! - **Deleting an account revokes the invites it sent** (through pointers in the sender's
//!   `SENT` partition); registration also ignores an invite whose sender no longer exists, so a
//!   deletion interrupted half-way never leaves a working invite behind.
//! - The email goes out in the inviter's locale (the best guess for a person they know), falling
//!   back to English through the template lookup; admin invites may name a locale.
//! - Invites a user may send are limited (`invite::SENT_LIMIT`), so an account cannot be used to
//!   spam arbitrary addresses.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::common::limits::Limit;
use crate::domain::common::one_time_code;
use crate::domain::common::repo::{self, Attempt, retry_on_conflict};
use crate::domain::common::templates::{self, TemplateName, Values};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::domain::records::user::Handle;
use crate::error::Result;
use crate::store::{Condition, Item, Query, StoreError, Transaction, WriteOp};

/// Invite codes live this long.
pub const CODE_TTL_SECS: i64 = 7 * 24 * 3600;
/// How long an invite is kept after its code expired, so registration can still answer 411.
pub const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;
/// Invite emails one canonical mailbox may receive per app, whoever sends them: 5 per day.
pub const MAILBOX_LIMIT: Limit = Limit {
    max: 5,
    window_secs: 24 * 3600,
};
/// Invite-code comparisons per invited handle per day, across every invite and inviter: 10.
/// With one live invite that is two codes' worth of tries; new invites do not refill it.
pub const CODE_TRIES_PER_DAY: Limit = Limit {
    max: 10,
    window_secs: 24 * 3600,
};
/// The inviter recorded for invites made through the admin API.
pub const ADMIN_SENDER: &str = "admin";

/// A pending invite as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// The invited handle (normalised).
    pub handle: String,
    /// Keyturn user id of the inviter, or [`ADMIN_SENDER`]: who may re-send or revoke it.
    pub inviter: String,
    /// The inviter's handle (empty for the admin), shown in admin listings.
    pub sender_handle: String,
    /// The inviter's id in the app's own backend (Cosync's `senderUserId`), as they sent it.
    #[serde(default)]
    pub sender_user_id: Option<String>,
    /// Invite metadata at the app's `metaDataInvite` paths; it wins over the invitee's own.
    pub meta_data: Map<String, Value>,
    /// Language of the invite email.
    pub locale: String,
    /// Keyed hash of the code (the code itself is never stored).
    pub code_hash: String,
    /// When the code stops working (epoch s).
    pub code_expires_at: i64,
    /// When this invite (this code) was sent (epoch ms).
    pub created_at: i64,
}

impl Invite {
    /// Every item that exists because of this invite: the invite, its tries, and the sender's
    /// pointer to it (admin invites have none).
    pub(crate) fn keys(&self, app_id: &str) -> Vec<crate::store::Key> {
        let mut keys = vec![
            table_keys::invite(app_id, &self.handle, &self.inviter),
            table_keys::invite_tries(app_id, &self.handle, &self.inviter),
        ];
        if self.inviter != ADMIN_SENDER {
            keys.push(table_keys::sent_invite(&self.inviter, app_id, &self.handle));
        }
        keys
    }
}

/// The context a code's hash is bound to, so an invite code is useless for any other handle,
/// inviter, app or purpose.
pub fn code_context(app_id: &str, handle: &str, inviter: &str) -> String {
    format!("{app_id}/invite/{handle}/{inviter}")
}

/// Who is inviting.
pub struct Sender<'a> {
    /// User id or [`ADMIN_SENDER`].
    pub inviter: &'a str,
    /// The inviter's handle (empty for the admin).
    pub handle: &'a str,
    /// The Cosync `senderUserId`.
    pub sender_user_id: Option<String>,
    /// Email language.
    pub locale: &'a str,
}

/// What happened to an invite request.
#[derive(Debug)]
pub enum Outcome {
    /// A new code was stored and emailed.
    Sent(Box<Invite>),
    /// The handle already has an account; nothing was written or sent.
    AlreadyRegistered,
}

/// Stores the inviter's invite to `handle` (replacing their previous one, never anyone else's)
/// and emails its code. Writes are compare-and-swap on the invite's version and never create an
/// invite beside an account.
pub async fn send_invite(
    state: &AppState,
    app: &App,
    handle: &Handle,
    meta_data: Map<String, Value>,
    sender: Sender<'_>,
) -> Result<Outcome> {
    let key = table_keys::invite(&app.app_id, handle.as_str(), sender.inviter);
    let claim = table_keys::handle_claim(&app.app_id, handle.as_str());
    let (key, claim, meta_data, sender) = (&key, &claim, &meta_data, &sender);
    retry_on_conflict("invite", || async move {
        let existing = state.store.get(key).await?;
        let condition = existing
            .as_ref()
            .map_or(Condition::Absent, |i| Condition::Version(i.version));
        let issued = one_time_code::issue(
            state,
            &code_context(&app.app_id, handle.as_str(), sender.inviter),
        );
        let now = state.clock.now_secs();
        let invite = Invite {
            handle: handle.as_str().to_owned(),
            inviter: sender.inviter.to_owned(),
            sender_handle: sender.handle.to_owned(),
            sender_user_id: sender.sender_user_id.clone(),
            meta_data: meta_data.clone(),
            locale: sender.locale.to_owned(),
            code_hash: issued.hash,
            code_expires_at: now + CODE_TTL_SECS,
            created_at: state.clock.now_ms(),
        };
        let version = existing.as_ref().map_or(1, |i| i.version + 1);
        let mut tx = Transaction::new();
        let unclaimed = tx.push(WriteOp::Check(claim.clone(), Condition::Absent));
        tx.push(WriteOp::Put(invite_item(app, &invite, version)?, condition));
        tx.push(WriteOp::Delete(
            table_keys::invite_tries(&app.app_id, handle.as_str(), sender.inviter),
            Condition::Any,
        ));
        if sender.inviter != ADMIN_SENDER {
            let pointer = repo::item(
                table_keys::sent_invite(sender.inviter, &app.app_id, handle.as_str()),
                &serde_json::json!({ "appId": app.app_id, "handle": invite.handle }),
                1,
            )?
            .expiring_at(invite.code_expires_at + KEEP_AFTER_EXPIRY_SECS);
            tx.push(WriteOp::Put(pointer, Condition::Any));
        }
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => {
                let values = Values {
                    handle: &invite.handle,
                    code: &issued.code,
                    link: "",
                };
                templates::send(
                    state,
                    app,
                    &invite.locale,
                    TemplateName::Invite,
                    &invite.handle,
                    values,
                )
                .await?;
                Ok(Attempt::Done(Outcome::Sent(Box::new(invite))))
            }
            Err(StoreError::Conflict { op }) if op == unclaimed => {
                Ok(Attempt::Done(Outcome::AlreadyRegistered))
            }
            // The invite changed underneath us: look again.
            Err(StoreError::Conflict { .. }) => Ok(Attempt::Conflict),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The item of an invite: in its handle's partition, listed under its app, gone from the store
/// (via TTL) a while after its code expired.
pub fn invite_item(app: &App, invite: &Invite, version: u64) -> Result<Item> {
    Ok(repo::item(
        table_keys::invite(&app.app_id, &invite.handle, &invite.inviter),
        invite,
        version,
    )?
    .indexed(table_keys::invite_listing(
        &app.app_id,
        &invite.handle,
        &invite.inviter,
    ))
    .expiring_at(invite.code_expires_at + KEEP_AFTER_EXPIRY_SECS))
}

/// Every invite stored for `handle` (live or with an expired code), with its item version, in
/// inviter order.
pub async fn load_all(state: &AppState, app_id: &str, handle: &str) -> Result<Vec<(Invite, u64)>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = state
            .store
            .query(Query {
                index: crate::store::Index::Primary,
                pk: table_keys::handle_partition(app_id, handle),
                sk_prefix: table_keys::INVITE_PREFIX.to_owned(),
                limit: 100,
                cursor,
            })
            .await?;
        for item in &page.items {
            out.push((repo::record::<Invite>(item)?, item.version));
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Deletes `invite` with its tries and pointer; `false` when it no longer exists.
pub async fn delete_invite(state: &AppState, app_id: &str, invite: &Invite) -> Result<bool> {
    let mut ops = Vec::new();
    for (i, key) in invite.keys(app_id).into_iter().enumerate() {
        let condition = if i == 0 {
            Condition::Exists
        } else {
            Condition::Any
        };
        ops.push(WriteOp::Delete(key, condition));
    }
    match state.store.transact(ops).await {
        Ok(()) => Ok(true),
        Err(e) if e.is_conflict() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Revokes the invite `inviter` sent to `handle`; returns whether there was one.
pub async fn revoke_one(
    state: &AppState,
    app_id: &str,
    handle: &str,
    inviter: &str,
) -> Result<bool> {
    match state
        .store
        .get(&table_keys::invite(app_id, handle, inviter))
        .await?
    {
        Some(item) => delete_invite(state, app_id, &repo::record::<Invite>(&item)?).await,
        None => Ok(false),
    }
}

/// Revokes every invite to `handle`, whoever sent it; returns how many there were.
pub async fn revoke_all(state: &AppState, app_id: &str, handle: &str) -> Result<usize> {
    let mut revoked = 0;
    for (invite, _) in load_all(state, app_id, handle).await? {
        if delete_invite(state, app_id, &invite).await? {
            revoked += 1;
        }
    }
    Ok(revoked)
}

/// Revokes every invite `user_id` sent (their account is being deleted), page by page through
/// the sender's pointers. Returns how many were revoked.
pub async fn revoke_sent_by(state: &AppState, user_id: &str) -> Result<usize> {
    let mut revoked = 0;
    loop {
        let page = state
            .store
            .query(Query {
                index: crate::store::Index::Primary,
                pk: table_keys::sent_invites_partition(user_id),
                sk_prefix: String::new(),
                limit: 100,
                cursor: None,
            })
            .await?;
        if page.items.is_empty() {
            return Ok(revoked);
        }
        for pointer in &page.items {
            let app_id = pointer.data.get("appId").and_then(Value::as_str);
            let handle = pointer.data.get("handle").and_then(Value::as_str);
            if let (Some(app_id), Some(handle)) = (app_id, handle)
                && revoke_one(state, app_id, handle, user_id).await?
            {
                revoked += 1;
            }
            // A pointer whose invite is gone (consumed, revoked, expired) is dropped too.
            state.store.delete(&pointer.key, Condition::Any).await?;
        }
    }
}

/// Deep-merges `over` into `base`: objects merge key by key, anything else in `over` replaces.
/// Register uses it so the inviter's values win over the invitee's.
pub fn deep_merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => deep_merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_merge_lets_the_overlay_win_and_keeps_the_rest() {
        let mut base: Map<String, Value> =
            serde_json::from_str(r#"{"user":{"team":"blue","name":"Ann"},"x":"1"}"#).unwrap();
        let over: Map<String, Value> =
            serde_json::from_str(r#"{"user":{"team":"red"},"x":{"y":"2"}}"#).unwrap();
        deep_merge(&mut base, &over);
        assert_eq!(
            Value::Object(base),
            serde_json::json!({"user":{"team":"red","name":"Ann"},"x":{"y":"2"}})
        );
    }
}
