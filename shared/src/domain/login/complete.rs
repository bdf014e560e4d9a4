//! `loginComplete`: the second step of a login that answered `{"login-token"}`.
//!
//! It always checks a code, under a purpose-bound, 10-minute, single-use login token (see
//! [`crate::domain::login::challenge`]); a TOTP step is accepted once (no replay); five tries per
//! login token, then 614; each failure counts toward the handle's password lockout from its
//! address and on the account's daily budget of second-factor failures, whose last one locks
//! the factor until a reset by mail (620, see [`crate::domain::common::factor_failures`]).

use crate::crypto::service_token::{LoginClaims, Purpose};
use crate::domain::common::caller;
use crate::domain::common::factor_failures;
use crate::domain::common::limits;
use crate::domain::common::one_time_code;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::common::session::{self, Proof, Session};
use crate::domain::factors::record;
use crate::domain::login::challenge::{PendingLogin, login_code_context};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus, TwoFactor};
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::{User, UserStatus};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError};

/// Tries a login token gets before it is dead (614).
pub const LOGIN_TRIES: i64 = 5;

/// A `loginComplete` request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LoginCompleteRequest {
    /// `loginToken`.
    pub login_token: Redacted,
    /// `code`: TOTP, SMS or recovery code.
    pub code: Redacted,
}

/// The app and user of a genuine login token whose user is still the one who logged in (600
/// otherwise; 402 for a suspended app; 404 for a suspended user).
async fn login_subject(state: &AppState, token: &str) -> Result<(App, User, LoginClaims)> {
    let claims: LoginClaims = state
        .tokens
        .verify(token, Purpose::Login, state.clock.now_secs())
        .ok_or(Error::InvalidCredentials)?;
    let (app, _) = repo::load_app(state, &claims.app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    if app.status != AppStatus::Active {
        return Err(Error::AppSuspended);
    }
    let (user, _) = repo::load_user(state, &claims.sub)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    if user.app_id != app.app_id {
        return Err(Error::InvalidCredentials);
    }
    // The password was proven at login, so a suspension may say so (as login does).
    if user.status == UserStatus::Suspended {
        return Err(Error::UserSuspended);
    }
    if user.token_epoch != claims.epoch {
        return Err(Error::InvalidCredentials);
    }
    Ok((app, user, claims))
}

/// `POST /loginComplete`: the second step of a login. Returns what `login` would have (the user
/// JWT and an access token) once the code is right.
pub async fn login_complete(
    state: &AppState,
    req: LoginCompleteRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let (app, user, claims) = login_subject(state, req.login_token.expose()).await?;
    caller::check_origin(&app, ctx)?;
    let pending_key = table_keys::pending_login(&user.user_id);
    let item = state
        .store
        .get(&pending_key)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    let pending: PendingLogin = repo::record(&item)?;
    if pending.jti != claims.jti {
        // Used already, or replaced by a newer login.
        return Err(Error::InvalidCredentials);
    }
    match state
        .store
        .add(
            &table_keys::pending_login_tries(&user.user_id),
            1,
            Some(LOGIN_TRIES),
            Some(claims.exp),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::LimitReached) => return Err(Error::CodeExhausted),
        Err(e) => return Err(e.into()),
    }
    // The login token proved the password: the handle's ceiling on password guesses does not
    // apply, the account's budget of second-factor failures does.
    let guard = password_check::enter_proven(state, &app, &user.handle, &ctx.client).await?;
    let counted = factor_failures::count(state, &app, &user, &ctx.client).await?;
    let sms_ok = match (&pending.code_hash, pending.factor) {
        (Some(hash), TwoFactor::Phone) => {
            one_time_code::parse(req.code.expose()).is_ok_and(|code| {
                state
                    .code_hasher
                    .verify(&login_code_context(&user, &claims.jti), &code, hash)
            })
        }
        _ => false,
    };
    let accepted =
        sms_ok || record::consume_authenticator_code(state, &user, req.code.expose()).await?;
    if !accepted {
        counted.failed(state, &app, &user).await;
        let refusal = Error::InvalidCredentials;
        let step = ("loginComplete", "wrong code");
        return Err(guard
            .refused(state, &app, Some(&user.user_id), step, refusal)
            .await);
    }
    counted.passed(state, &user).await;
    // Single use: of two requests racing with one login token, only the one that deletes this
    // version of the pending login goes on.
    match state
        .store
        .delete(&pending_key, Condition::Version(item.version))
        .await
    {
        Ok(()) => {}
        Err(e) if e.is_conflict() => return Err(Error::InvalidCredentials),
        Err(e) => return Err(e.into()),
    }
    // The password try login left counted, and this one, end here.
    guard.passed(state).await?;
    limits::clear(state, &table_keys::pending_login_tries(&user.user_id)).await;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, "login: second factor passed");
    let proof = if sms_ok {
        Proof::PasswordAndSms
    } else {
        Proof::PasswordAndAuthenticator
    };
    session::issue(state, &app, &user, &ctx.base_url, proof).await
}
