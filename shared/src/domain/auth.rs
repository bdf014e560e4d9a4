//! Who is calling: the app behind an app token, or the user behind an access token. Every check
//! is here once, so no route can forget one.

use crate::AppState;
use crate::crypto::service_token::{AccessClaims, AppClaims, Purpose};
use crate::domain::app::{App, AppStatus};
use crate::domain::repo;
use crate::domain::user::{User, UserStatus};
use crate::error::{Error, Result};
use crate::wire::Credentials;

fn serving(app: App) -> Result<App> {
    match app.status {
        AppStatus::Active => Ok(app),
        AppStatus::Inactive => Err(Error::AppSuspended),
    }
}

/// The app named by a genuine app token (400 when the token is missing or not genuine, 401 when
/// the app is gone, 402 when suspended).
pub async fn app_from_token(state: &AppState, creds: &Credentials) -> Result<App> {
    let token = creds.app_token.as_deref().ok_or(Error::InvalidAppToken)?;
    let claims: AppClaims = state
        .tokens
        .verify(token, Purpose::App, state.clock.now_secs())
        .ok_or(Error::InvalidAppToken)?;
    let (app, _) = repo::load_app(state, &claims.app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    if claims.iat != app.token_issued_at {
        // A rotated-away app token.
        return Err(Error::InvalidAppToken);
    }
    serving(app)
}

/// The app of a route that accepts either carrier ("any" in reference §4): the app token when
/// present, else the access token's app.
pub async fn app_from_any(state: &AppState, creds: &Credentials) -> Result<App> {
    if creds.app_token.is_some() || creds.access_token.is_none() {
        return app_from_token(state, creds).await;
    }
    Ok(user_from_access(state, creds).await?.app)
}

/// A verified access token: its app, its user (with the record's version) and its session id.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's app.
    pub app: App,
    /// The user.
    pub user: User,
    /// The user record's version, for compare-and-swap updates.
    pub version: u64,
    /// The session id of the token.
    pub sid: String,
    /// The token epoch the token carries.
    pub epoch: u64,
}

/// The app and user of a genuine, unexpired, unrevoked access token of an active user (405
/// otherwise).
pub async fn user_from_access(state: &AppState, creds: &Credentials) -> Result<Caller> {
    let token = creds
        .access_token
        .as_deref()
        .ok_or(Error::InvalidAccessToken)?;
    let claims: AccessClaims = state
        .tokens
        .verify(token, Purpose::Access, state.clock.now_secs())
        .ok_or(Error::InvalidAccessToken)?;
    let (app, _) = repo::load_app(state, &claims.app_id)
        .await?
        .ok_or(Error::AppNotFound)?;
    let app = serving(app)?;
    let (user, version) = repo::load_user(state, &claims.sub)
        .await?
        .ok_or(Error::InvalidAccessToken)?;
    if user.app_id != app.app_id
        || !user.accepts_session(claims.epoch, &claims.sid)
        || user.status != UserStatus::Active
    {
        return Err(Error::InvalidAccessToken);
    }
    Ok(Caller {
        app,
        user,
        version,
        sid: claims.sid,
        epoch: claims.epoch,
    })
}

/// [`repo::update_user`] for the caller's own record: the change applies only while the caller's
/// session is still valid and the user active (a revocation or suspension that lands meanwhile
/// turns into 405).
pub async fn update_caller(
    state: &AppState,
    caller: &Caller,
    change: impl Fn(&mut User) -> Result<()>,
) -> Result<User> {
    let loaded = Some((caller.user.clone(), caller.version));
    repo::update_loaded_user(state, &caller.user.user_id, loaded, |user| {
        if !user.accepts_session(caller.epoch, &caller.sid) || user.status != UserStatus::Active {
            return Err(Error::InvalidAccessToken);
        }
        change(user)
    })
    .await?
    .ok_or(Error::InvalidAccessToken)
}
