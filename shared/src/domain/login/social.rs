//! `socialLogin`: a session for the user an Apple or Google identity is linked to.
//!
//! The token is verified first (415/416, 613; see [`proof`]), then the identity is looked up by
//! `(provider, sub)`, never by email: a token carrying someone else's (unverified) email cannot
//! reach their account, which is how the original's lookup `handle == email OR sub == sub` could
//! be abused. Without a linked identity the answer is 603, or 611/612/610 when the token's
//! verified email belongs to another provider's or a password account (the original's codes),
//! except that `socialLinking: verified` links a verified password account when the provider is
//! authoritative for the email and the account has no second factor.
//!
//! App and user status count as for a password login (402/413, 404 suspended), which the
//! original ignored. A user with a second factor on gets `{"login-token"}` and finishes with
//! `loginComplete` unless the app chose `socialSecondFactor: skip`. The Cosync Swift SDK's
//! `socialLogin` cannot read a login token: apps on it that honour second factors need the
//! SDK's `loginComplete` path (see docs/api.md).

use crate::domain::audit;
use crate::domain::common::caller;
use crate::domain::common::repo;
use crate::domain::common::session;
use crate::domain::login::challenge;
use crate::domain::login::password::LoggedIn;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::social::{Provider, SocialLinking, SocialSecondFactor};
use crate::domain::records::user::{SocialIdentity, User, UserStatus};
use crate::domain::social::id_token::IdClaims;
use crate::domain::social::identity;
use crate::domain::social::proof::{self, Presented};
use crate::error::{Error, Result};
use crate::store::{Condition, Transaction, WriteOp};

/// A social login request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SocialLoginRequest {
    /// The provider's ID token.
    pub token: Redacted,
    /// `apple` or `google`.
    pub provider: String,
    /// The raw nonce the client hashed into the token, when it has one.
    pub nonce: Option<String>,
}

/// `POST /socialLogin` (app token, or an access token as the original accepted).
pub async fn social_login(
    state: &AppState,
    req: SocialLoginRequest,
    ctx: &RequestContext,
) -> Result<LoggedIn> {
    let app = caller::app_from_any(state, ctx).await?;
    let provider = Provider::parse(&req.provider)?;
    let presented = Presented {
        provider,
        token: &req.token,
        nonce: req.nonce.as_deref(),
        step: "socialLogin",
    };
    let claims = proof::verify(state, &app, presented, ctx).await?;
    let user = match identity::find_user(state, &app.app_id, provider, &claims.sub).await? {
        Some((user, _)) => user,
        None => link_by_email(state, &app, provider, &claims, ctx).await?,
    };
    finish(state, &app, user, ctx).await
}

/// Logs `user` in as a password login would once the password is proven: 404 when suspended,
/// the second-factor challenge when due (and honoured), else the session.
pub async fn finish(
    state: &AppState,
    app: &App,
    user: User,
    ctx: &RequestContext,
) -> Result<LoggedIn> {
    if user.status == UserStatus::Suspended {
        let event =
            audit::failed_check(app, Some(&user.user_id), false, "socialLogin", "suspended");
        audit::record(state, &ctx.client, event).await;
        return Err(Error::UserSuspended);
    }
    if app.settings.social_second_factor == SocialSecondFactor::Honour
        && let Some(factor) = challenge::factor_due(app, &user)
    {
        let token = challenge::login_challenge(state, app, &user, factor, &ctx.client).await?;
        return Ok(LoggedIn::SecondFactor(token));
    }
    Ok(LoggedIn::Session(
        session::issue(state, app, &user, &ctx.base_url, session::Proof::Provider).await?,
    ))
}

/// No identity: what the token's verified email says (see the module comment).
async fn link_by_email(
    state: &AppState,
    app: &App,
    provider: Provider,
    claims: &IdClaims,
    ctx: &RequestContext,
) -> Result<User> {
    let Some(email) = claims.email.as_deref().filter(|_| claims.email_verified) else {
        return Err(Error::NoSocialAccount);
    };
    let Some((user, version)) = repo::find_user_by_handle(state, &app.app_id, email).await? else {
        return Err(Error::NoSocialAccount);
    };
    if user.social.is_some() {
        return Err(identity::taken(&user));
    }
    if !user.email_verified {
        // Never proven: whoever typed the address may not own it. Only a social signup may
        // claim such an account (with the provider's proof), never a login.
        return Err(Error::NoSocialAccount);
    }
    let no_factor = !user.two_factor.google && !user.two_factor.phone_login;
    if app.settings.social_linking != SocialLinking::Verified
        || !identity::authoritative(provider, claims)
        || !no_factor
    {
        return Err(Error::EmailAccountExists);
    }
    let mut linked = user;
    linked.social = Some(SocialIdentity {
        provider,
        sub: claims.sub.clone(),
    });
    linked.updated_at = state.clock.now_ms();
    let mut tx = Transaction::new();
    tx.push(WriteOp::Put(
        repo::user_item(&linked, version + 1)?,
        Condition::Version(version),
    ));
    tx.push(identity::claim_op(&linked)?);
    let event = audit::Event::new(app, audit::Kind::SocialLinked)
        .user(&linked.user_id)
        .detail("provider", provider.as_str())
        .detail("how", "verified email");
    tx.push(WriteOp::Put(
        audit::item(state, &ctx.client, event)?,
        Condition::Any,
    ));
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => Ok(linked),
        // A concurrent change of the account or identity: the client simply retries.
        Err(e) if e.is_conflict() => Err(Error::invalid("account changed; try again")),
        Err(e) => Err(e.into()),
    }
}
