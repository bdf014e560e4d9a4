//! `--invites keep|skip`: the original's pending invites become Keyturn invites that the old
//! code still redeems through `register`, so an invitation mailed before the cut-over keeps
//! working after it.
//!
//! - The code (a plain 6-digit number in the export) is stored only as a keyed hash bound to
//!   `<appId>/invite/<handle>/<inviter>`, as every Keyturn invite code is
//!   ([`rules::code_context`]); the plain code is forgotten.
//! - It gets a new expiry, `--invite-ttl-days` (default 7, Keyturn's own invite life) from the
//!   import: the original's codes never expired, and an open-ended code is a standing
//!   credential.
//! - The sender (`senderHandle`) is mapped to the imported user with that handle, so the invite
//!   is revoked with that account like any other; the original's admin invites
//!   (`senderHandle: superuser`) become admin invites. A sender who is not a user of the app
//!   makes the invite `invalid` (registration ignores invites of senders who do not exist). In a
//!   dry run no user exists yet, so a sender the CLI found in `users.jsonl` (`senderInExport`)
//!   counts as found.
//! - `verified` invites were used: they only prove their handle (`handleProven`, read by the
//!   CLI). An invite to a handle that already has an account is `skipped`, as Keyturn's own
//!   invite route would store nothing for it.
//! - A rerun finds the invite with the same code hash and answers `unchanged`, or, with
//!   `--on-conflict update`, renews its expiry from now (`updated`: an import run days before
//!   the cut-over can be refreshed on the day); an invite the sender re-sent on Keyturn
//!   meanwhile (another code) is a `conflict` and is left alone.
//! - No mail goes out: the invitee already holds the code.

use serde_json::{Value, json};

use super::ejson;
use super::verdict::{Done, Verdict};
use crate::domain::common::repo;
use crate::domain::invites::rules::{
    ADMIN_SENDER, Invite, KEEP_AFTER_EXPIRY_SECS, code_context, invite_item,
};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::domain::records::user::Handle;
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// What the import does with the original's pending invites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitePolicy {
    /// Import them with a new expiry.
    Keep,
    /// Report them as skipped.
    Skip,
}

/// The longest `--invite-ttl-days` accepted: a quarter, so no imported code lives for ever.
pub const MAX_TTL_DAYS: u32 = 90;

/// How one batch treats invites.
#[derive(Debug, Clone, Copy)]
pub struct InviteOptions {
    /// `--invites`.
    pub policy: InvitePolicy,
    /// `--invite-ttl-days`, 1 to [`MAX_TTL_DAYS`].
    pub ttl_days: u32,
    /// Check, write nothing.
    pub dry_run: bool,
    /// The CLI found the sender's handle in `users.jsonl`.
    pub sender_in_export: bool,
    /// `--on-conflict update`: renew the expiry of an invite imported before.
    pub update: bool,
}

/// The original's admin-invite sender.
const SUPERUSER: &str = "superuser";

/// Imports one `invites` document into `app`.
pub async fn import(
    state: &AppState,
    app: &App,
    doc: &Value,
    options: InviteOptions,
) -> Result<Done> {
    if options.policy == InvitePolicy::Skip {
        return Ok(Verdict::skipped("invite not imported (--invites skip)").into());
    }
    match ejson::text(doc, "status") {
        None | Some("pending") => {}
        Some("verified") => {
            return Ok(
                Verdict::skipped("used invite: it only proves its handle (email_verified)").into(),
            );
        }
        Some(_) => return Ok(Verdict::invalid("invite of an unknown status").into()),
    }
    let Some(handle) = ejson::text(doc, "handle").and_then(|h| Handle::parse(h).ok()) else {
        return Ok(Verdict::invalid("invited handle is not an email address").into());
    };
    let Some(code) = code(doc) else {
        return Ok(Verdict::invalid("no code of at most six digits").into());
    };
    let Some(sender) = ejson::text(doc, "senderHandle").map(str::to_lowercase) else {
        return Ok(Verdict::invalid("no senderHandle").into());
    };
    let (inviter, sender_handle, locale) = if sender == SUPERUSER {
        (ADMIN_SENDER.to_owned(), String::new(), "EN".to_owned())
    } else {
        match repo::find_user_by_handle(state, &app.app_id, &sender).await? {
            Some((user, _)) => (user.user_id, user.handle, user.locale),
            None if options.dry_run && options.sender_in_export => {
                (String::from("(dry run)"), sender.clone(), "EN".to_owned())
            }
            None => {
                return Ok(Verdict::invalid(
                    "the sender is not a user of the app: import its users.jsonl record first",
                )
                .into());
            }
        }
    };
    let mut lossy = Vec::new();
    let meta_data = super::cosync_user::meta_data(doc, &mut lossy);
    let context = code_context(&app.app_id, handle.as_str(), &inviter);
    let claim = table_keys::handle_claim(&app.app_id, handle.as_str());
    if state.store.get(&claim).await?.is_some() {
        return Ok(Done {
            verdict: Verdict::skipped("the invited handle already has an account"),
            lossy,
        });
    }
    let now = state.clock.now_secs();
    let expires_at = now + i64::from(options.ttl_days) * 24 * 3600;
    let key = table_keys::invite(&app.app_id, handle.as_str(), &inviter);
    if let Some(item) = state.store.get(&key).await? {
        let mut existing: Invite = repo::record(&item)?;
        let verdict = if !state
            .code_hasher
            .verify(&context, &code, &existing.code_hash)
        {
            Verdict::Conflict("the sender has sent this handle a newer invite on Keyturn".into())
        } else if !options.update || existing.code_expires_at == expires_at {
            Verdict::Unchanged
        } else {
            if !options.dry_run {
                existing.code_expires_at = expires_at;
                let mut tx = Transaction::new();
                tx.push(WriteOp::Put(
                    invite_item(app, &existing, item.version + 1)?,
                    Condition::Version(item.version),
                ));
                if inviter != ADMIN_SENDER {
                    tx.push(WriteOp::Put(pointer(app, &existing)?, Condition::Any));
                }
                match state.store.transact(tx.into_ops()).await {
                    Ok(()) => {}
                    Err(e) if e.is_conflict() => {
                        return Err(Error::internal(
                            "import: the invite changed meanwhile; send the batch again",
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Verdict::Updated
        };
        return Ok(Done { verdict, lossy });
    }
    if options.dry_run {
        return Ok(Done {
            verdict: Verdict::Created,
            lossy,
        });
    }
    let invite = Invite {
        handle: handle.as_str().to_owned(),
        inviter: inviter.clone(),
        sender_handle,
        sender_user_id: ejson::text(doc, "senderUserId").map(str::to_owned),
        meta_data,
        locale,
        code_hash: state.code_hasher.hash(&context, &code),
        code_expires_at: expires_at,
        created_at: ejson::date_ms(doc, "createdAt").unwrap_or_else(|| state.clock.now_ms()),
    };
    let mut tx = Transaction::new();
    let unclaimed = tx.push(WriteOp::Check(claim, Condition::Absent));
    tx.push(WriteOp::Put(
        invite_item(app, &invite, 1)?,
        Condition::Absent,
    ));
    if inviter != ADMIN_SENDER {
        tx.push(WriteOp::Put(pointer(app, &invite)?, Condition::Any));
    }
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => Ok(Done {
            verdict: Verdict::Created,
            lossy,
        }),
        Err(StoreError::Conflict { op }) if op == unclaimed => Ok(Done {
            verdict: Verdict::skipped("the invited handle already has an account"),
            lossy,
        }),
        Err(StoreError::Conflict { .. }) => Err(Error::internal(
            "import: the invite was written meanwhile; send the batch again",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The sender's pointer to `invite`, so deleting the sender's account revokes it.
fn pointer(app: &App, invite: &Invite) -> Result<crate::store::Item> {
    Ok(repo::item(
        table_keys::sent_invite(&invite.inviter, &app.app_id, &invite.handle),
        &json!({ "appId": app.app_id, "handle": invite.handle }),
        1,
    )?
    .expiring_at(invite.code_expires_at + KEEP_AFTER_EXPIRY_SECS))
}

/// The invite code in its canonical six-digit form: the export holds a number (`111222`, or
/// `{"$numberInt": …}`/`{"$numberLong": …}` in canonical Extended JSON) or its text.
fn code(doc: &Value) -> Option<String> {
    let v = doc.get("code")?;
    let v = v
        .get("$numberInt")
        .or_else(|| v.get("$numberLong"))
        .unwrap_or(v);
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n <= 999_999).then(|| format!("{n:06}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_read_as_six_digits_in_every_export_shape() {
        assert_eq!(code(&json!({"code": 111_222})).unwrap(), "111222");
        assert_eq!(code(&json!({"code": 4567})).unwrap(), "004567");
        assert_eq!(
            code(&json!({"code": {"$numberInt": "123456"}})).unwrap(),
            "123456"
        );
        assert_eq!(code(&json!({"code": " 654321 "})).unwrap(), "654321");
        assert_eq!(code(&json!({"code": 1_000_000})), None);
        assert_eq!(code(&json!({"code": "12a"})), None);
        assert_eq!(code(&json!({})), None);
    }
}
