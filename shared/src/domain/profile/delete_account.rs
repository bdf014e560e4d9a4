//! `deleteAccount`: the user, re-authenticated with their password, deletes their account and
//! everything keyed to it, through the same purge as the admin API
//! ([`crate::domain::accounts::purge`]).

use crate::domain::accounts;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::error::{Error, Result};

/// A delete-account request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// The caller's email or username.
    pub handle: Option<String>,
    /// The caller's password (client MD5), re-authenticating the deletion.
    pub password: Option<Redacted>,
    /// A social ID token (the original's social variant; not supported).
    pub token: Option<Redacted>,
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
        (_, _, Some(_)) => {
            return Err(Error::invalid(
                "social login is not supported: send handle and password",
            ));
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
