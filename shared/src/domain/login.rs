//! Password login, and its handover to the second factor.
//!
//! Until the password is proven the answer is 600 for an unknown user, a wrong password and a
//! suspended account alike, and an unknown user costs one dummy Argon2 verify, so neither
//! status nor timing reveals which accounts exist. Failed tries per handle are limited: after
//! [`PASSWORD_LIMIT`] the handle is locked (615 with `Retry-After`).
//!
//! When the user's second factor is on under the app's mode, a proven password earns no JWT but
//! `{"login-token"}` (and, in phone mode, an SMS code); `loginComplete` finishes the login. The
//! failed-try counter is then cleared only once the second factor is proven, so a password
//! holder cannot reset the lockout between code guesses.

use crate::AppState;
use crate::domain::limits;
use crate::domain::user::{ClientPassword, UserStatus};
use crate::domain::{auth, keys, repo, second_factor, session};
use crate::error::{Error, Result};
use crate::wire::{Credentials, Reply};

pub use crate::domain::limits::PASSWORD_LIMIT;

/// A login request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// Raw handle.
    pub handle: String,
    /// Raw password field.
    pub password: String,
    /// The client's address (SMS limits when a login code is texted).
    pub client_ip: String,
}

/// `POST /login`.
pub async fn login(
    state: &AppState,
    creds: &Credentials,
    req: LoginRequest,
    origin: &str,
) -> Result<Reply> {
    let app = auth::app_from_token(state, creds).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    let tries = keys::login_tries(&app.app_id, &handle);
    // Every try is counted before the password is checked, so parallel guesses cannot race past
    // the limit; a success clears the counter.
    limits::hit(state, &tries, PASSWORD_LIMIT).await?;
    let password = ClientPassword::parse(&req.password).ok();
    let secret = password.as_ref().map(ClientPassword::expose).unwrap_or("");
    let Some((user, _)) = repo::find_user_by_handle(state, &app.app_id, &handle).await? else {
        return Err(unknown_user(state, &app.app_id, &handle, secret).await);
    };
    if password.is_none()
        || !state
            .passwords
            .verify(secret, Some(&user.password_hash))
            .await
    {
        return Err(Error::InvalidCredentials);
    }
    if user.status == UserStatus::Suspended {
        limits::clear(state, &tries).await;
        return Err(Error::UserSuspended);
    }
    if let Some(login_token) =
        second_factor::login_challenge(state, &app, &user, &req.client_ip).await?
    {
        return Ok(Reply::Json(
            serde_json::json!({ "login-token": login_token }),
        ));
    }
    limits::clear(state, &tries).await;
    Ok(Reply::Json(
        session::issue(state, &app, &user, &state.base_url(origin)).await?,
    ))
}

/// No account: 608 only when the password matches a pending signup's (the caller proved they
/// own it), else 600 after the same cost as a real verify.
async fn unknown_user(state: &AppState, app_id: &str, handle: &str, secret: &str) -> Error {
    let pending = match state.store.get(&keys::signup(app_id, handle)).await {
        Ok(p) => p,
        Err(e) => return e.into(),
    };
    let pending_hash = pending
        .as_ref()
        .and_then(|i| i.data.get("passwordHash"))
        .and_then(|h| h.as_str());
    if state.passwords.verify(secret, pending_hash).await {
        Error::AccountNotVerified
    } else {
        Error::InvalidCredentials
    }
}
