//! `POST /register`: an invitee turns their invite into an account.
//!
//! The invite is bound to the invited handle (its code hash is bound to `<appId>/invite/<handle>`
//! and the record lives under that handle), so a code sent to one address registers no other.
//! The account, its handle claim and the consumption of the invite are one transaction: of any
//! number of concurrent registrations with the same code exactly one creates an account.

use serde_json::{Map, Value};

use crate::AppState;
use crate::domain::app::Feature;
use crate::domain::invites::{code_context, deep_merge, load};
use crate::domain::session::Session;
use crate::domain::templates;
use crate::domain::user::{ClientPassword, Handle};
use crate::domain::{RequestContext, accounts, auth, keys, metadata, one_time_code, session};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, WriteOp};

/// A registration as the wire delivers it.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// Raw invited handle.
    pub handle: String,
    /// Raw password field (client MD5).
    pub password: String,
    /// Raw code from the invite email.
    pub code: String,
    /// The invitee's own `metaData`, if given.
    pub meta_data: Option<Map<String, Value>>,
    /// `locale`, if given.
    pub locale: Option<String>,
}

/// `POST /register`: checks the invite code and creates the account, returning
/// `{jwt, access-token}`. Every input is checked before a code try is spent, and the password is
/// hashed only once the code is proven.
pub async fn register(
    state: &AppState,
    req: RegisterRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let app = auth::app_from_token(state, ctx).await?;
    app.require(Feature::Invitations)?;
    let handle = Handle::parse(&req.handle)?;
    let password = ClientPassword::parse(&req.password)?;
    let locale = app.requested_locale(req.locale)?;
    let Some((invite, version)) = load(state, &app.app_id, handle.as_str()).await? else {
        let claim = keys::handle_claim(&app.app_id, handle.as_str());
        if state.store.get(&claim).await?.is_some() {
            return Err(Error::HandleTaken);
        }
        return Err(Error::invalid("no pending invite for this handle"));
    };
    // The invitee's values, then the inviter's over them (the inviter wins), then the app's
    // fields with their required checks. Invite-only fields are kept as the original did.
    let mut merged = req.meta_data.unwrap_or_default();
    deep_merge(&mut merged, &invite.meta_data);
    let mut meta_data = metadata::extract(&app.settings.meta_data, Some(&merged))?;
    deep_merge(&mut meta_data, &invite.meta_data);
    let tries = keys::invite_tries(&app.app_id, handle.as_str());
    one_time_code::check(
        state,
        &code_context(&app.app_id, handle.as_str()),
        &req.code,
        &invite.code_hash,
        invite.code_expires_at,
        &tries,
    )
    .await?;
    let password_hash = state.passwords.hash(password.expose()).await?;
    let user = accounts::new_user(
        state,
        &app,
        handle.as_str(),
        password_hash,
        meta_data,
        locale,
    );
    let (mut tx, claim) = accounts::creation(&user)?;
    tx.push(WriteOp::Delete(
        keys::invite(&app.app_id, handle.as_str()),
        Condition::Version(version),
    ));
    tx.push(WriteOp::Delete(tries, Condition::Any));
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => {}
        Err(StoreError::Conflict { op }) if op == claim => return Err(Error::HandleTaken),
        Err(StoreError::Conflict { .. }) => {
            // The invite was consumed, re-sent or revoked meanwhile: a concurrent registration
            // that won reads as a taken handle, anything else as a stale code.
            let claim = keys::handle_claim(&app.app_id, handle.as_str());
            if state.store.get(&claim).await?.is_some() {
                return Err(Error::HandleTaken);
            }
            return Err(Error::invalid("the invite changed; use the newest code"));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "invitee registered");
    templates::send_welcome(state, &app, &user.locale, &user.handle).await;
    session::issue(state, &app, &user, &ctx.base_url).await
}
