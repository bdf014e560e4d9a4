//! `deleteAccount`: the user, re-authenticated with their password (or, for an Apple or Google
//! account, with a fresh ID token of the identity linked to *them*), deletes their account and
//! everything keyed to it, through the same purge as the admin API
//! ([`crate::domain::accounts::purge`]). The original deleted whichever user held the token's
//! `sub`, which need not be the caller; here another identity's token is 600.

use crate::domain::accounts;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::social::proof::{self, Presented};
use crate::error::{Error, Result};

/// A delete-account request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// The caller's email or username.
    pub handle: Option<String>,
    /// The caller's password (client MD5), re-authenticating the deletion.
    pub password: Option<Redacted>,
    /// A social ID token (the original's social variant), instead of handle and password.
    pub token: Option<Redacted>,
    /// The raw nonce hashed into `token`, when the client has one: without it an app with
    /// `socialNonceRequired` could never let a social user delete their account.
    pub nonce: Option<String>,
}

/// `POST /deleteAccount`: the caller proves their password and their account goes, with
/// everything keyed to it.
pub async fn delete_account(
    state: &AppState,
    req: DeleteRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    let (handle, password) = match (req.handle, req.password, req.token) {
        (Some(h), Some(p), _) => (h, p),
        (_, _, Some(token)) => {
            return delete_by_token(state, caller, (&token, req.nonce.as_deref()), ctx).await;
        }
        (None, _, _) => return Err(Error::MissingParam("handle")),
        (Some(_), None, _) => return Err(Error::MissingParam("password")),
    };
    let app = &caller.app;
    let named = repo::login_handle(state, app, &handle).await?;
    let guard = password_check::enter_for(state, app, &caller.user.handle, &ctx.client).await?;
    // Another account's handle, or a wrong password: the same 600.
    if named != caller.user.handle
        || !password_check::proves(state, &caller.user, password.expose()).await
    {
        let user_id = Some(caller.user.user_id.as_str());
        let refusal = Error::InvalidCredentials;
        let step = ("deleteAccount", "wrong password");
        return Err(guard.refused(state, app, user_id, step, refusal).await);
    }
    guard.passed(state).await?;
    accounts::purge(state, &caller.user.user_id).await?;
    audit::record(
        state,
        &ctx.client,
        Event::new(app, Kind::AccountDeleted).user(&caller.user.user_id),
    )
    .await;
    Ok(())
}

/// The social variant: the token (with its nonce, under the same rules as `socialLogin`) must
/// verify for the provider of the caller's own identity and name its `sub`; a password account,
/// or anyone else's identity, is 600.
async fn delete_by_token(
    state: &AppState,
    caller: caller::Caller,
    (token, nonce): (&Redacted, Option<&str>),
    ctx: &RequestContext,
) -> Result<()> {
    let app = &caller.app;
    let Some(identity) = caller.user.social.clone() else {
        return Err(Error::InvalidCredentials);
    };
    let presented = Presented {
        provider: identity.provider,
        token,
        nonce,
        step: "deleteAccount",
    };
    let claims = proof::verify(state, app, presented, ctx).await?;
    if claims.sub != identity.sub {
        let event = audit::failed_check(
            app,
            Some(&caller.user.user_id),
            false,
            "deleteAccount",
            "another identity's token",
        );
        audit::record(state, &ctx.client, event).await;
        return Err(Error::InvalidCredentials);
    }
    accounts::purge(state, &caller.user.user_id).await?;
    audit::record(
        state,
        &ctx.client,
        Event::new(app, Kind::AccountDeleted).user(&caller.user.user_id),
    )
    .await;
    Ok(())
}
