//! Invites, written once for the three doors that use them: a user's `invite` and
//! `revokeInvite`, the admin API's invites, and `register`, which consumes one.
//!
//! Decisions (the issue left them open):
//! - **One live invite per (app, handle).** Re-inviting replaces it with a **new** code and resets
//!   the tries: an old code may have leaked (forwarded mail, a shared inbox), so it must stop
//!   working the moment a fresh one is sent. The original reused the code.
//! - **A live invite belongs to its inviter.** Only the same inviter (or the admin) can re-send or
//!   revoke it. Another user's invite to a handle that already holds a live invite answers `true`
//!   and changes nothing: the invitee can already join, and letting anyone overwrite an invite
//!   would let one user swap another's (or the developer's) invite metadata.
//! - **No enumeration.** Inviting a handle that already has an account answers `true` and sends
//!   nothing, exactly like a successful invite; so does revoking an invite that does not exist
//!   or is not yours.
//! - Codes: six CSPRNG digits, stored as a keyed hash bound to
//!   `<appId>/invite/<handle>`, valid 7 days, 5 tries (then 614), consumed by the transaction that
//!   creates the account. The invite record outlives its code by [`KEEP_AFTER_EXPIRY_SECS`] so a
//!   late registration is told 411 (expired) rather than 602.
//! - The email goes out in the inviter's locale (the best guess for a person they know), falling
//!   back to English through the template lookup; admin invites may name a locale.
//! - Invites a user may send are limited (`invite::SENT_LIMIT`), so an account
//!   cannot be used to spam arbitrary addresses.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::AppState;
use crate::clock::iso_millis;
use crate::domain::app::App;
use crate::domain::repo::{self, Attempt, retry_on_conflict};
use crate::domain::templates::{self, TemplateName, Values};
use crate::domain::user::Handle;
use crate::domain::{keys, one_time_code};
use crate::error::Result;
use crate::store::{Condition, Item, StoreError, Transaction, WriteOp};

/// Invite codes live this long.
pub const CODE_TTL_SECS: i64 = 7 * 24 * 3600;
/// How long an invite is kept after its code expired, so registration can still answer 411.
pub const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;
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

/// What admin listings show of an invite: never the code or its hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    handle: String,
    sender: String,
    sender_handle: String,
    sender_user_id: Option<String>,
    meta_data: Map<String, Value>,
    locale: String,
    created_at: String,
    expires_at: String,
}

impl Invite {
    /// The admin view of this invite.
    pub fn view(&self) -> InviteView {
        InviteView {
            handle: self.handle.clone(),
            sender: self.inviter.clone(),
            sender_handle: self.sender_handle.clone(),
            sender_user_id: self.sender_user_id.clone(),
            meta_data: self.meta_data.clone(),
            locale: self.locale.clone(),
            created_at: iso_millis(self.created_at),
            expires_at: iso_millis(self.code_expires_at * 1000),
        }
    }
}

/// The context a code's hash is bound to, so an invite code is useless for any other handle,
/// app or purpose.
pub fn code_context(app_id: &str, handle: &str) -> String {
    format!("{app_id}/invite/{handle}")
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
    /// Another inviter's invite is live; it was left alone and nothing was sent.
    HeldByAnother,
}

/// Stores a new invite (replacing the inviter's own or a dead one) and emails its code. Writes
/// are compare-and-swap on the invite's version and never create an invite beside an account.
pub async fn send_invite(
    state: &AppState,
    app: &App,
    handle: &Handle,
    meta_data: Map<String, Value>,
    sender: Sender<'_>,
) -> Result<Outcome> {
    let key = keys::invite(&app.app_id, handle.as_str());
    let claim = keys::handle_claim(&app.app_id, handle.as_str());
    let (key, claim, meta_data, sender) = (&key, &claim, &meta_data, &sender);
    retry_on_conflict("invite", || async move {
        let existing = state.store.get(key).await?;
        let condition = match &existing {
            None => Condition::Absent,
            Some(item) => {
                let current: Invite = repo::record(item)?;
                let live = current.code_expires_at > state.clock.now_secs();
                if live && current.inviter != sender.inviter && sender.inviter != ADMIN_SENDER {
                    return Ok(Attempt::Done(Outcome::HeldByAnother));
                }
                Condition::Version(item.version)
            }
        };
        let issued = one_time_code::issue(state, &code_context(&app.app_id, handle.as_str()));
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
            keys::invite_tries(&app.app_id, handle.as_str()),
            Condition::Any,
        ));
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
    Ok(
        repo::item(keys::invite(&app.app_id, &invite.handle), invite, version)?
            .indexed(keys::invite_listing(&app.app_id, &invite.handle))
            .expiring_at(invite.code_expires_at + KEEP_AFTER_EXPIRY_SECS),
    )
}

/// An invite and its item version, if one is stored (live or with an expired code).
pub async fn load(state: &AppState, app_id: &str, handle: &str) -> Result<Option<(Invite, u64)>> {
    match state.store.get(&keys::invite(app_id, handle)).await? {
        Some(item) => Ok(Some((repo::record(&item)?, item.version))),
        None => Ok(None),
    }
}

/// Deletes the invite to `handle` (and its tries) when `may_revoke` accepts it; returns whether
/// one was deleted. Version-guarded, so an invite re-sent meanwhile is judged afresh.
pub async fn revoke(
    state: &AppState,
    app_id: &str,
    handle: &str,
    may_revoke: impl Fn(&Invite) -> bool,
) -> Result<bool> {
    let may_revoke = &may_revoke;
    retry_on_conflict("invite", || async move {
        let Some((invite, version)) = load(state, app_id, handle).await? else {
            return Ok(Attempt::Done(false));
        };
        if !may_revoke(&invite) {
            return Ok(Attempt::Done(false));
        }
        let ops = vec![
            WriteOp::Delete(keys::invite(app_id, handle), Condition::Version(version)),
            WriteOp::Delete(keys::invite_tries(app_id, handle), Condition::Any),
        ];
        repo::attempt(state.store.transact(ops).await, true)
    })
    .await
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
