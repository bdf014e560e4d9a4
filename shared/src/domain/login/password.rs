//! Password login, and its handover to the second factor.
//!
//! Until the password is proven the answer is 600 for an unknown user, a wrong password and a
//! suspended account alike, and an unknown user costs one dummy Argon2 verify, so neither
//! status nor timing reveals which accounts exist. Failed tries are limited per handle and client
//! address, per handle and per address (see [`password_check`]; then 615 with `Retry-After`).
//!
//! When the user's second factor is on under the app's mode, a proven password earns no JWT but
//! `{"login-token"}` (and, in phone mode, an SMS code); `loginComplete` finishes the login. The
//! password try then stays counted until the second factor is proven, so a password holder
//! cannot reset the lockout between code guesses.

use crate::domain::audit;
use crate::domain::common::caller;
use crate::domain::common::factor_failures;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::common::session;
use crate::domain::common::session::{Proof, Session};
use crate::domain::login::challenge;
use crate::domain::login::challenge::LoginToken;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::{ClientPassword, UserStatus};
use crate::error::{Error, Result};

/// A login request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// Raw handle.
    pub handle: String,
    /// Raw password field.
    pub password: Redacted,
}

/// What a proven password earns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedIn {
    /// No second factor due: the session.
    Session(Session),
    /// A second factor is due: the login token for `loginComplete`.
    SecondFactor(LoginToken),
}

/// `POST /login`.
pub async fn login(state: &AppState, req: LoginRequest, ctx: &RequestContext) -> Result<LoggedIn> {
    let app = caller::app_from_token(state, ctx).await?;
    let handle = repo::login_handle(state, &app, &req.handle).await?;
    // The limits and the account are read together: one round trip of latency.
    let (guard, found) = tokio::join!(
        password_check::enter_for(state, &app, &handle, &ctx.client),
        repo::find_user_by_handle(state, &app.app_id, &handle)
    );
    let guard = guard?;
    let Some((user, _)) = found? else {
        let password = ClientPassword::parse(req.password.expose()).ok();
        let secret = password.as_ref().map(ClientPassword::expose).unwrap_or("");
        let refusal = unknown_user(state, &app.app_id, &handle, secret).await;
        let reason = match refusal {
            Error::AccountNotVerified => "account not verified",
            _ => "unknown handle",
        };
        return Err(guard
            .refused(state, &app, None, ("login", reason), refusal)
            .await);
    };
    // A login that will sign fetches the app's signing key while Argon2 runs: the first login
    // of an instance reads it from the secrets backend, and that round trip hides behind the
    // hash instead of following it. A wrong password only warms the per-process cache.
    let signs_now = challenge::factor_due(&app, &user).is_none();
    let (proved, ()) = tokio::join!(
        password_check::proves(state, &user, req.password.expose()),
        async {
            if signs_now {
                session::prefetch_key(state, &app).await;
            }
        }
    );
    if !proved {
        let refusal = Error::InvalidCredentials;
        let step = ("login", "wrong password");
        return Err(guard
            .refused(state, &app, Some(&user.user_id), step, refusal)
            .await);
    }
    if user.status == UserStatus::Suspended {
        let event = audit::failed_check(&app, Some(&user.user_id), false, "login", "suspended");
        audit::record(state, &ctx.client, event).await;
        guard.passed(state).await?;
        return Err(Error::UserSuspended);
    }
    if let Some(factor) = challenge::factor_due(&app, &user) {
        if let Err(locked) = factor_failures::check_unlocked(state, &user).await {
            // The password is right, but its codes are spent: only a reset by mail helps.
            guard.passed(state).await?;
            return Err(locked);
        }
        // The try stays counted: loginComplete ends it when the second factor is proven.
        guard.held(state).await?;
        let login_token =
            challenge::login_challenge(state, &app, &user, factor, &ctx.client).await?;
        return Ok(LoggedIn::SecondFactor(login_token));
    }
    // The session's last-login record and the limit checks commit as one write.
    let (session, last_login) =
        session::sign(state, &app, &user, &ctx.base_url, Proof::Password).await?;
    guard.passed_with(state, Some(last_login)).await?;
    Ok(LoggedIn::Session(session))
}

/// No account: 608 only when the password matches a pending signup's (the caller proved they
/// own it), else 600 after the same cost as a real verify.
async fn unknown_user(state: &AppState, app_id: &str, handle: &str, secret: &str) -> Error {
    let pending = match state.store.get(&table_keys::signup(app_id, handle)).await {
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
