//! The "this wasn't me" link of the notice a user gets when a second factor of theirs is
//! switched on (`GET` / `POST /api/appuser/undoTwoFactor`).
//!
//! Why: whoever switches a factor on holds its secret (the TOTP secret, the phone that receives
//! the codes), and `resetPassword` keeps a factor on purpose, so a factor planted with a stolen
//! session would lock the owner out until a support desk's `reset-2fa`. Switching a factor on
//! needs a recent login or the password ([`crate::domain::factors::switch`]), and this link is
//! the owner's way back when that was not enough (a session stolen within minutes of its login,
//! or a known password): it switches the factor that was switched on off again, releases the
//! phone it verified, and ends every session and pending login, the thief's included.
//!
//! - The link carries the user id and a token of 256 random bits; only a keyed hash of the token
//!   is stored (in the key of its item, in the user's partition, so deleting the account deletes
//!   it), so a table dump yields no working link.
//! - It lives [`LINK_TTL_SECS`] (72 hours) and works once: the item is deleted in the same
//!   transaction that switches the factor off, under a version condition.
//! - The page the link opens (`GET`) changes nothing: only its button (a `POST` of the same
//!   fields) acts, so a mail scanner that prefetches links cannot end the user's sessions. Both
//!   pages are sent with the HTML security headers.
//! - A malformed, unknown, expired or used link answers 602 alike.
//!
//! The trade-off, on purpose: for 72 hours after a factor is switched on, the mailbox alone can
//! switch it off again (that is what the link is for); after that, the mailbox alone never can.

use serde::{Deserialize, Serialize};

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::html::{HtmlPage, escape, render, url_encode};
use crate::domain::common::phone_claim::phone_digest;
use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::factors::record;
use crate::domain::ports::AppState;
use crate::domain::records::app::TwoFactor;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Error, Result};
use crate::store::{Condition, Key, StoreError, Transaction, WriteOp};

/// How long the link works: long enough for a weekend away from the mailbox.
pub const LINK_TTL_SECS: i64 = 72 * 3600;
/// Random bytes of a link's token (256 bits: unguessable, so the route needs no limit).
const TOKEN_BYTES: usize = 32;
/// The path the link and the page's form name.
const PATH: &str = "/api/appuser/undoTwoFactor";

/// An `undoTwoFactor` request (the link's query, or the page's form), as the wire delivers it.
#[derive(Debug, Clone)]
pub struct UndoRequest {
    /// `userId`: whose factor.
    pub user_id: String,
    /// `token`: the link's secret.
    pub token: Redacted,
}

/// A link waiting to be used: what was switched on, so the undo removes that.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingUndo {
    /// The factor switched on.
    factor: TwoFactor,
    /// For SMS login: the keyed hash of the phone it texts, released if still the user's.
    #[serde(default)]
    phone_digest: Option<String>,
}

/// The keyed-hash context of a user's link tokens.
fn token_context(user_id: &str) -> String {
    format!("2fa-undo/{user_id}")
}

/// The same answer for every link that does not work, so none tells more than another.
fn invalid_link() -> Error {
    Error::invalid("this link is invalid, used or expired")
}

/// The request's user id and token when both have a link's shape (602 otherwise).
fn parse(req: &UndoRequest) -> Result<(&str, &str)> {
    let user_id = req.user_id.trim();
    let token = req.token.expose().trim();
    let id_ok = (1..=64).contains(&user_id.len())
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let token_ok = token.len() == TOKEN_BYTES * 2
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if id_ok && token_ok {
        Ok((user_id, token))
    } else {
        Err(invalid_link())
    }
}

/// The item of the link whose token is `token`.
fn link_key(state: &AppState, user_id: &str, token: &str) -> Key {
    let digest = state
        .code_hasher
        .stable_hash(&token_context(user_id), token);
    table_keys::factor_undo(user_id, &digest)
}

/// Stores a link that undoes `factor`, which `user` is about to switch on, and returns its URL
/// under `base_url`. Called before the switch, so a factor is never on without its link; a link
/// whose switch then fails is never mailed and expires unused.
pub async fn issue_link(
    state: &AppState,
    user: &User,
    factor: TwoFactor,
    base_url: &str,
) -> Result<String> {
    let token = state.codes.random_hex(TOKEN_BYTES);
    let phone_digest = match factor {
        TwoFactor::Phone => user
            .two_factor
            .phone
            .as_deref()
            .map(|p| phone_digest(state, p)),
        _ => None,
    };
    let pending = PendingUndo {
        factor,
        phone_digest,
    };
    let expires_at = state.clock.now_secs() + LINK_TTL_SECS;
    let key = link_key(state, &user.user_id, &token);
    state
        .store
        .put(
            repo::item(key, &pending, 1)?.expiring_at(expires_at),
            Condition::Absent,
        )
        .await?;
    Ok(format!(
        "{base_url}{PATH}?userId={}&token={token}",
        url_encode(&user.user_id)
    ))
}

/// `GET /undoTwoFactor?userId&token`: the confirm page. Nothing is read or changed until its
/// button posts the form, so a link scanner's GET is harmless (602 for a link of the wrong
/// shape).
pub fn undo_page(req: UndoRequest) -> Result<HtmlPage> {
    let (user_id, token) = parse(&req)?;
    Ok(HtmlPage(render(
        CONFIRM_PAGE,
        &[("USER_ID", user_id), ("TOKEN", token)],
        &[],
        true,
    )))
}

/// `POST /undoTwoFactor` (the confirm page's button): in one transaction, spends the link,
/// switches its factor off (an SMS login's phone is unverified and released when it is still
/// the one the factor was switched on with) and ends every session; then forgets the
/// authenticator's secret and records `2fa.undone`. 602 for a link that does not work.
pub async fn undo(state: &AppState, req: UndoRequest, ctx: &RequestContext) -> Result<HtmlPage> {
    let (user_id, token) = parse(&req)?;
    let key = &link_key(state, user_id, token);
    let link = state.store.get(key).await?.ok_or_else(invalid_link)?;
    let pending: PendingUndo = repo::record(&link)?;
    let pending = &pending;
    let user = retry_on_conflict("user", || async move {
        let (mut user, version) = repo::load_user(state, user_id)
            .await?
            .ok_or_else(invalid_link)?;
        let released = switch_off(state, &mut user, pending);
        user.revoke_sessions(None);
        user.updated_at = state.clock.now_ms();
        let mut tx = Transaction::new();
        tx.push(WriteOp::Delete(
            key.clone(),
            Condition::Version(link.version),
        ));
        let updated = tx.push(WriteOp::Put(
            repo::user_item(&user, version + 1)?,
            Condition::Version(version),
        ));
        if let Some(claim) = released {
            tx.push(WriteOp::Delete(claim, Condition::Any));
        }
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => Ok(Attempt::Done(user)),
            Err(StoreError::Conflict { op }) if op == updated => Ok(Attempt::Conflict),
            // The link was used meanwhile.
            Err(StoreError::Conflict { .. }) => Err(invalid_link()),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    if pending.factor == TwoFactor::Google {
        // After the switch: a failure here leaves the factor off, and its secret unused.
        record::forget_factors(state, &user.user_id).await?;
    }
    let factor = match pending.factor {
        TwoFactor::Phone => "phone",
        _ => "authenticator",
    };
    tracing::info!(app_id = %user.app_id, user_id = %user.user_id, factor, "2fa: undone by the notice link");
    // The undo stands whatever the app's record says now (suspended, being deleted): it only
    // takes access away. The audit entry is best effort, as for every security event.
    let app = repo::load_app(state, &user.app_id).await.ok().flatten();
    if let Some((app, _)) = &app {
        let event = Event::new(app, Kind::TwoFactorUndone)
            .user(&user.user_id)
            .detail("factor", factor);
        audit::record(state, &ctx.client, event).await;
    }
    let name = app.as_ref().map_or("", |(app, _)| app.name.as_str());
    Ok(HtmlPage(render(
        DONE_PAGE,
        &[("APP_NAME", name)],
        &[],
        true,
    )))
}

/// Switches `pending`'s factor off on `user`; for SMS login, also unverifies the phone when it is
/// still the one the factor was switched on with, and returns its claim to release.
fn switch_off(state: &AppState, user: &mut User, pending: &PendingUndo) -> Option<Key> {
    let f = &mut user.two_factor;
    match pending.factor {
        TwoFactor::Google => {
            f.google = false;
            None
        }
        TwoFactor::Phone => {
            f.phone_login = false;
            let current = f.phone.as_deref().map(|p| phone_digest(state, p));
            match (&pending.phone_digest, current) {
                (Some(planted), Some(current)) if f.phone_verified && *planted == current => {
                    f.phone = None;
                    f.phone_verified = false;
                    Some(table_keys::phone_claim(&user.app_id, planted))
                }
                _ => None,
            }
        }
        TwoFactor::None => None,
    }
}

/// The notice's link as HTML (for [`crate::domain::factors::notice`]).
pub fn link_html(link: &str) -> String {
    format!(
        "<a href=\"{}\">This wasn't me: switch it off and sign me out everywhere</a>",
        escape(link)
    )
}

const CONFIRM_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Switch off two-factor login</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>This wasn't me</h1>
<p>A second factor was switched on for your account. If you did not do it, confirm below: the
factor is switched off again and every session of your account is signed out. Then reset your
password, as someone may know it.</p>
<form method="post" action="undoTwoFactor">
<input type="hidden" name="userId" value="%USER_ID%">
<input type="hidden" name="token" value="%TOKEN%">
<button type="submit">Switch it off and sign me out everywhere</button>
</form></body></html>
"#;

const DONE_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Two-factor login switched off</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>Done</h1>
<p>The second factor is switched off and every session of your %APP_NAME% account
has ended.
Reset your password now, and switch the second factor on again from the app.</p>
</body></html>
"#;
