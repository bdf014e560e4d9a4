//! `GET passkeys`, `passkey/rename` and `passkey/remove`: a signed-in user's own passkeys.
//!
//! Removing one takes the password (or a current authenticator or recovery code), as other
//! changes to how an account signs in do, or a session from a login at most ten minutes old (the
//! rule that switches a factor on, [`switch::recent_login`]), so a user with no password and no
//! authenticator (a social or anonymous account) can remove one too: a stolen access token that
//! is no longer fresh still cannot strip a user's passkeys. The last way to sign in of an account
//! with no password and no linked identity is never removed (602).

use super::store;
use crate::domain::audit;
use crate::domain::common::caller::{self, Caller};
use crate::domain::common::password_check;
use crate::domain::factors::record;
use crate::domain::factors::switch;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::passkey::{Passkey, check_name};
use crate::domain::records::redacted::Redacted;
use crate::error::{Error, Result};
use crate::store::{Condition, Transaction, WriteOp};

/// The caller's passkeys, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing(pub Vec<Passkey>);

/// `rename` as the wire delivers it.
#[derive(Debug, Clone)]
pub struct PasskeyRenameRequest {
    /// The passkey's id.
    pub id: String,
    /// Its new name.
    pub name: String,
}

/// `remove` as the wire delivers it.
#[derive(Debug, Clone)]
pub struct PasskeyRemoveRequest {
    /// The passkey's id.
    pub id: String,
    /// The caller's password (client MD5).
    pub password: Option<Redacted>,
    /// Or a current authenticator (TOTP) or recovery code. With neither, the session must come
    /// from a recent login.
    pub code: Option<Redacted>,
}

/// `GET /passkeys` (access token).
pub async fn list(state: &AppState, ctx: &RequestContext) -> Result<Listing> {
    let caller = caller::user_from_access(state, ctx).await?;
    let (set, _) = store::load(state, &caller.user.user_id).await?;
    Ok(Listing(set.passkeys))
}

/// `POST /passkey/rename` (access token): 643 for an id the caller does not hold.
pub async fn rename(
    state: &AppState,
    req: PasskeyRenameRequest,
    ctx: &RequestContext,
) -> Result<Passkey> {
    let caller = caller::user_from_access(state, ctx).await?;
    let name = check_name(&req.name)?;
    for _ in 0..3 {
        let (mut set, version) = store::load(state, &caller.user.user_id).await?;
        let passkey = set.find_mut(&req.id).ok_or(Error::PasskeyNotFound)?;
        passkey.name.clone_from(&name);
        let renamed = passkey.clone();
        match state
            .store
            .transact(vec![store::save_op(&set, version)?])
            .await
        {
            Ok(()) => return Ok(renamed),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::internal("passkey set kept changing"))
}

/// `POST /passkey/remove` (access token, and the password, a code or a recent login).
pub async fn remove(
    state: &AppState,
    req: PasskeyRemoveRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    // An unknown id is told before the password is asked for: ids are the caller's own.
    if store::load(state, &caller.user.user_id)
        .await?
        .0
        .find(&req.id)
        .is_none()
    {
        return Err(Error::PasskeyNotFound);
    }
    prove_owner(state, &caller, &req, ctx).await?;
    let user = &caller.user;
    for _ in 0..3 {
        let (mut set, version) = store::load(state, &user.user_id).await?;
        let before = set.passkeys.len();
        set.passkeys.retain(|p| p.id != req.id);
        if set.passkeys.len() == before {
            return Err(Error::PasskeyNotFound);
        }
        if set.passkeys.is_empty() && user.password_hash.is_empty() && user.social.is_none() {
            return Err(Error::invalid(
                "the account's last way to sign in cannot be removed",
            ));
        }
        let mut tx = Transaction::new();
        tx.push(store::save_op(&set, version)?);
        tx.push(store::release_op(&user.app_id, &req.id));
        let event = audit::Event::new(&caller.app, audit::Kind::PasskeyRemoved)
            .user(&user.user_id)
            .detail("passkeyId", req.id.as_str());
        tx.push(WriteOp::Put(
            audit::item(state, &ctx.client, event)?,
            Condition::Any,
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_conflict() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::internal("passkey set kept changing"))
}

/// The password, or an authenticator or recovery code, counted like a login try; with neither,
/// a session from a recent login ([`switch::recent_login`]), else 403 for `password`.
async fn prove_owner(
    state: &AppState,
    caller: &Caller,
    req: &PasskeyRemoveRequest,
    ctx: &RequestContext,
) -> Result<()> {
    match (&req.password, &req.code) {
        (Some(password), _) => {
            password_check::require_password(state, &caller.user, password.expose(), &ctx.client)
                .await
        }
        (None, Some(code)) => {
            let check = record::consume_authenticator_code(state, &caller.user, code.expose());
            password_check::guarded_code_check(state, &caller.user, &ctx.client, check).await
        }
        (None, None) if switch::recent_login(state, caller) => Ok(()),
        (None, None) => Err(Error::MissingParam("password")),
    }
}
