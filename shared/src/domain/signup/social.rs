//! `socialSignup`: an account for an Apple or Google identity.
//!
//! Order, on purpose: the token is verified first (415/416, 613), so nothing about existing
//! accounts is revealed to a caller without a valid token (the original answered 610/611/612
//! before looking at it); then the handle must be the token's verified email (613), then the
//! locale and metadata (602/604), then `signupEnabled` (407, which the original ignored), then
//! the account table:
//!
//! | the app has | answer |
//! |---|---|
//! | this identity | 611/612 (as the original) |
//! | an account with another identity for the email | 611/612 of that provider |
//! | a verified password account with the email | 610 |
//! | an unverified password account (never proven) | **claimed**: its password stops working, its sessions end, its second factors are switched off, the identity is linked (`account.claimed`) |
//! | nothing | a new user, `email_verified: true` (`social.signup`) |
//!
//! The claim is the pre-account-takeover defence: someone who signed up the victim's address
//! with a password they know (never proving the mailbox) loses the account to the provider's
//! proof instead of sharing it. The identity claim item is created in the same transaction as
//! the user, so parallel signups of one identity make one user.

use serde_json::{Map, Value};

use crate::domain::accounts;
use crate::domain::audit;
use crate::domain::common::caller;
use crate::domain::common::repo;
use crate::domain::common::session;
use crate::domain::common::session::Session;
use crate::domain::common::templates;
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, Feature};
use crate::domain::records::context::RequestContext;
use crate::domain::records::metadata;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::social::Provider;
use crate::domain::records::table_keys;
use crate::domain::records::user::{SocialIdentity, User};
use crate::domain::social::identity;
use crate::domain::social::proof::{self, Presented};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// A social signup request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SocialSignupRequest {
    /// The provider's ID token.
    pub token: Redacted,
    /// `apple` or `google`.
    pub provider: String,
    /// The email the client believes the token carries.
    pub handle: String,
    /// `metaData`, if given.
    pub meta_data: Option<Map<String, Value>>,
    /// `locale`, if given.
    pub locale: Option<String>,
    /// The raw nonce the client hashed into the token, when it has one.
    pub nonce: Option<String>,
}

/// The handle as the client meant it: the Cosync Swift SDK sends `handle` unencoded in this
/// route, so a `+` arrives as a space and is read back.
fn meant_handle(raw: &str) -> String {
    raw.trim().replace(' ', "+").to_lowercase()
}

/// `POST /socialSignup` (app token).
pub async fn social_signup(
    state: &AppState,
    req: SocialSignupRequest,
    ctx: &RequestContext,
) -> Result<Session> {
    let app = caller::app_from_token(state, ctx).await?;
    let provider = Provider::parse(&req.provider)?;
    let presented = Presented {
        provider,
        token: &req.token,
        nonce: req.nonce.as_deref(),
        step: "socialSignup",
    };
    let claims = proof::verify(state, &app, presented, ctx).await?;
    let email = match (&claims.email, claims.email_verified) {
        (Some(email), true) if *email == meant_handle(&req.handle) => email.clone(),
        (Some(_), true) => return refused(&app, "handle is not the token's email"),
        _ => return refused(&app, "no verified email in the token"),
    };
    let locale = app.requested_locale(req.locale)?;
    let meta_data = metadata::extract(&app.settings.meta_data, req.meta_data.as_ref())?;
    app.require(Feature::Signup)?;
    let social = SocialIdentity {
        provider,
        sub: claims.sub.clone(),
    };
    if identity::find_user(state, &app.app_id, provider, &social.sub)
        .await?
        .is_some()
    {
        return Err(identity::taken_by(provider));
    }
    let user = match repo::find_user_by_handle(state, &app.app_id, &email).await? {
        Some((existing, _)) if existing.social.is_some() || existing.email_verified => {
            return Err(identity::taken(&existing));
        }
        Some((existing, version)) => {
            claim(
                state,
                &app,
                (existing, version),
                social,
                (meta_data, locale),
                ctx,
            )
            .await?
        }
        None => create(state, &app, &email, social, (meta_data, locale), ctx).await?,
    };
    session::issue(state, &app, &user, &ctx.base_url, session::Proof::Provider).await
}

fn refused<T>(app: &App, reason: &'static str) -> Result<T> {
    tracing::warn!(app_id = %app.app_id, reason, "social: signup refused");
    Err(Error::InvalidSocialToken)
}

/// A new user for the identity, with its claim, in one transaction.
async fn create(
    state: &AppState,
    app: &App,
    email: &str,
    social: SocialIdentity,
    (meta_data, locale): (Map<String, Value>, String),
    ctx: &RequestContext,
) -> Result<User> {
    let provider = social.provider;
    // No password: an empty hash verifies nothing.
    let mut user = accounts::new_user(state, app, email, String::new(), meta_data, locale);
    user.email_verified = true;
    user.social = Some(social);
    let (mut tx, handle_claim) = accounts::creation(&user)?;
    let identity_claim = tx.push(identity::claim_op(&user)?);
    let event = audit::Event::new(app, audit::Kind::SocialSignup)
        .user(&user.user_id)
        .detail("provider", provider.as_str());
    tx.push(WriteOp::Put(
        audit::item(state, &ctx.client, event)?,
        Condition::Any,
    ));
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => {}
        // A parallel signup of the same identity won.
        Err(StoreError::Conflict { op }) if op == identity_claim => {
            return Err(identity::taken_by(provider));
        }
        // Someone else's account took the email meanwhile.
        Err(StoreError::Conflict { op }) if op == handle_claim => {
            return Err(
                match repo::find_user_by_handle(state, &app.app_id, email).await? {
                    Some((u, _)) => identity::taken(&u),
                    None => Error::EmailAccountExists,
                },
            );
        }
        Err(e) => return Err(e.into()),
    }
    templates::send_welcome(state, app, &user.locale, &user.handle).await;
    Ok(user)
}

/// Takes over an unverified password account for the identity (see the module comment).
async fn claim(
    state: &AppState,
    app: &App,
    (mut user, version): (User, u64),
    social: SocialIdentity,
    (meta_data, locale): (Map<String, Value>, String),
    ctx: &RequestContext,
) -> Result<User> {
    let provider = social.provider;
    user.password_hash = String::new();
    user.revoke_sessions(None);
    user.two_factor.google = false;
    user.two_factor.phone_login = false;
    user.email_verified = true;
    user.social = Some(social);
    user.meta_data = meta_data;
    user.locale = locale;
    user.updated_at = state.clock.now_ms();
    let mut tx = Transaction::new();
    tx.push(WriteOp::Put(
        repo::user_item(&user, version + 1)?,
        Condition::Version(version),
    ));
    let identity_claim = tx.push(identity::claim_op(&user)?);
    // Whatever the previous holder left pending on the handle (a reset) dies with the password.
    tx.push(WriteOp::Delete(
        table_keys::reset(&app.app_id, &user.handle),
        Condition::Any,
    ));
    let event = audit::Event::new(app, audit::Kind::AccountClaimed)
        .user(&user.user_id)
        .detail("provider", provider.as_str());
    tx.push(WriteOp::Put(
        audit::item(state, &ctx.client, event)?,
        Condition::Any,
    ));
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => {
            tracing::warn!(app_id = %app.app_id, user_id = %user.user_id, provider = provider.as_str(), "social: unverified password account claimed");
            Ok(user)
        }
        Err(StoreError::Conflict { op }) if op == identity_claim => {
            Err(identity::taken_by(provider))
        }
        Err(e) if e.is_conflict() => Err(Error::invalid("account changed; try again")),
        Err(e) => Err(e.into()),
    }
}
