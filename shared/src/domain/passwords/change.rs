//! `changePassword`: the signed-in user changes their password. It checks the old password
//! (wrong → 602 as in the original, but counted like a failed login) and revokes every session
//! except the caller's.

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::password_check;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::user::ClientPassword;
use crate::error::{Error, Result};

/// A change-password request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    /// The current password (client MD5).
    pub password: Redacted,
    /// The new password (client MD5).
    pub new_password: Redacted,
}

/// `POST /changePassword`: the old password proves the caller; every other session is revoked.
pub async fn change_password(
    state: &AppState,
    req: ChangeRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    if req.password == req.new_password {
        return Err(Error::invalid(
            "the new password must differ from the old one",
        ));
    }
    let new_password = ClientPassword::parse(req.new_password.expose())?;
    let guard =
        password_check::enter_for(state, &caller.app, &caller.user.handle, &ctx.client).await?;
    if !password_check::proves(state, &caller.user, req.password.expose()).await {
        // The original's 602 (clients map it), counted like a failed login.
        let refusal = Error::invalid("wrong password");
        let step = ("changePassword", "wrong password");
        return Err(guard
            .refused(
                state,
                &caller.app,
                Some(&caller.user.user_id),
                step,
                refusal,
            )
            .await);
    }
    guard.passed(state).await?;
    let password_hash = state.passwords.hash(new_password.expose()).await?;
    let (sid, epoch) = (caller.sid.clone(), caller.epoch);
    let user = caller::update_caller(state, &caller, |user| {
        user.password_hash = password_hash.clone();
        user.revoke_sessions(Some((&sid, epoch)));
        Ok(())
    })
    .await?;
    tracing::info!(app_id = %caller.app.app_id, user_id = %user.user_id, "password changed");
    audit::record(
        state,
        &ctx.client,
        Event::new(&caller.app, Kind::PasswordChanged).user(&user.user_id),
    )
    .await;
    Ok(())
}
