//! Who is calling: the app behind an app token, or the user behind an access token. Every check
//! is here once, so no route can forget one.

use crate::crypto::service_token::{AccessClaims, AppClaims, Purpose};
use crate::domain::common::{legacy_app_token, repo};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, AppStatus};
use crate::domain::records::context::RequestContext;
use crate::domain::records::user::{User, UserStatus};
use crate::error::{Error, Result};

fn serving(app: App) -> Result<App> {
    match app.status {
        AppStatus::Active => Ok(app),
        AppStatus::Inactive => Err(Error::AppSuspended),
        AppStatus::Deleting => Err(Error::AppNotFound),
    }
}

/// The claims of `token` when it is a genuine, unexpired service token of `purpose`; `refusal`
/// when it is missing or not.
fn verified<C: serde::de::DeserializeOwned>(
    state: &AppState,
    token: Option<&str>,
    purpose: Purpose,
    refusal: Error,
) -> Result<C> {
    token
        .and_then(|t| state.tokens.verify(t, purpose, state.clock.now_secs()))
        .ok_or(refusal)
}

/// The app named by a genuine app token (400 when the token is missing or not genuine, 401 when
/// the app is gone, 402 when suspended).
pub async fn app_from_token(state: &AppState, ctx: &RequestContext) -> Result<App> {
    let token = ctx.credentials.app_token.as_deref();
    let app = match verified::<AppClaims>(state, token, Purpose::App, Error::InvalidAppToken) {
        Ok(claims) => {
            let (app, _) = repo::app_for_token(state, &claims.app_id, claims.iat).await?;
            if !app.accepts_app_token(claims.iat, state.clock.now_secs()) {
                // A rotated-away app token (past its grace period).
                return Err(Error::InvalidAppToken);
            }
            app
        }
        // Not a Keyturn app token: perhaps the one of the CosyncJWT app this app came from.
        Err(_) => legacy_app_token::app_of(state, token).await?,
    };
    check_origin(&app, ctx)?;
    serving(app)
}

/// The app of a route that accepts either carrier (getApplication, completeSignup, forgot and reset password): the app token when
/// present, else the access token's app.
pub async fn app_from_any(state: &AppState, ctx: &RequestContext) -> Result<App> {
    let creds = &ctx.credentials;
    if creds.app_token.is_some() || creds.access_token.is_none() {
        return app_from_token(state, ctx).await;
    }
    Ok(user_from_access(state, ctx).await?.app)
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
    /// When the session's holder proved themselves (the token's signed `auth_time`; `None` for
    /// tokens older than that claim), so a step can ask for a recent login instead of the
    /// password.
    pub auth_time: Option<i64>,
}

/// Whether `user` (as stored now) still honours a token of this epoch and session: the session
/// was not revoked and the user is active.
fn honours(user: &User, epoch: u64, sid: &str) -> bool {
    user.accepts_session(epoch, sid) && user.status == UserStatus::Active
}

/// The app and user of a genuine, unexpired, unrevoked access token of an active user (405
/// otherwise).
pub async fn user_from_access(state: &AppState, ctx: &RequestContext) -> Result<Caller> {
    caller_of(state, access_claims(state, ctx)?, ctx).await
}

/// The claims of the request's access token, verified (405 when missing or not genuine), so a
/// use case can start reads keyed by the user id alongside [`caller_of`].
pub fn access_claims(state: &AppState, ctx: &RequestContext) -> Result<AccessClaims> {
    let token = ctx.credentials.access_token.as_deref();
    verified(state, token, Purpose::Access, Error::InvalidAccessToken)
}

/// The caller behind verified access-token `claims` (see [`user_from_access`]). The app and the
/// user are read together: both ids are in the token, so they cost one round trip of latency.
/// A browser request from an origin the app does not list is refused (619).
pub async fn caller_of(
    state: &AppState,
    claims: AccessClaims,
    ctx: &RequestContext,
) -> Result<Caller> {
    let (app, user) = tokio::join!(
        repo::existing_app(state, &claims.app_id),
        repo::load_user(state, &claims.sub)
    );
    let (app, _) = app?;
    check_origin(&app, ctx)?;
    let app = serving(app)?;
    let (user, version) = user?.ok_or(Error::InvalidAccessToken)?;
    if user.app_id != app.app_id || !honours(&user, claims.epoch, &claims.sid) {
        return Err(Error::InvalidAccessToken);
    }
    Ok(Caller {
        app,
        user,
        version,
        sid: claims.sid,
        epoch: claims.epoch,
        auth_time: claims.auth_time,
    })
}

/// The caller's record as stored now, while the caller's session is still valid and the user
/// active (405 otherwise: a revocation, suspension or deletion landed meanwhile).
pub async fn fresh_caller(state: &AppState, caller: &Caller) -> Result<(User, u64)> {
    match repo::load_user(state, &caller.user.user_id).await? {
        Some((user, version)) if honours(&user, caller.epoch, &caller.sid) => Ok((user, version)),
        _ => Err(Error::InvalidAccessToken),
    }
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
        if !honours(user, caller.epoch, &caller.sid) {
            return Err(Error::InvalidAccessToken);
        }
        change(user)
    })
    .await?
    .ok_or(Error::InvalidAccessToken)
}

/// The origin (`scheme://host[:port]`) of a base URL, which may carry a stage path.
fn origin_of(base_url: &str) -> &str {
    match base_url.split_once("://") {
        Some((scheme, rest)) => {
            let host_len = rest.find('/').unwrap_or(rest.len());
            &base_url[..scheme.len() + 3 + host_len]
        }
        None => base_url,
    }
}

/// Refuses (619) a browser request from an origin `app` does not list. Requests without an
/// `Origin` (servers, mobile apps, the email link's GET) and from Keyturn's own origin pass.
/// `Origin: null` is refused like any unlisted origin (no app can list it): it is what a
/// sandboxed frame or a `no-referrer` page sends, so accepting it would let any page drive the
/// app's routes from its visitors' browsers even though it can never read an answer. Only the
/// mail link's door (`Door::MailLink` in the wire layer), whose confirm page posts under
/// `Referrer-Policy: no-referrer`, hands it over as no origin.
pub fn check_origin(app: &App, ctx: &RequestContext) -> Result<()> {
    match ctx.origin.as_deref() {
        None => Ok(()),
        Some(origin) if origin.eq_ignore_ascii_case(origin_of(&ctx.base_url)) => Ok(()),
        Some(origin) if app.settings.allowed_origins.iter().any(|o| o == origin) => Ok(()),
        Some(_) => Err(Error::OriginNotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_a_base_url_drops_the_stage() {
        assert_eq!(
            origin_of("https://x.execute-api.us-east-1.amazonaws.com/prod"),
            "https://x.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
    }
}
