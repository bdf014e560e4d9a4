//! `linkSocialAccount`: the caller links an Apple or Google identity to their own account,
//! explicitly, with proof twice over: their password (or a current authenticator or recovery
//! code) for the account, and a valid ID token for the identity. A stolen access token alone
//! cannot attach an attacker's identity (which would be a permanent back door), and a stolen ID
//! token alone links nothing.
//!
//! One identity per account: an account that already has one answers 611/612 (its provider), as
//! does an identity linked to someone else. Linking the identity the caller already holds is
//! `true` again.

use crate::domain::audit;
use crate::domain::common::caller;
use crate::domain::common::password_check;
use crate::domain::common::repo;
use crate::domain::factors::record;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::social::Provider;
use crate::domain::records::user::SocialIdentity;
use crate::domain::social::identity;
use crate::domain::social::proof::{self, Presented};
use crate::error::{Error, Result};
use crate::store::{Condition, StoreError, Transaction, WriteOp};

/// A link request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LinkSocialRequest {
    /// The provider's ID token.
    pub token: Redacted,
    /// `apple` or `google`.
    pub provider: String,
    /// The raw nonce the client hashed into the token, when it has one.
    pub nonce: Option<String>,
    /// The caller's password (client MD5).
    pub password: Option<Redacted>,
    /// Or a current authenticator (TOTP) or recovery code.
    pub code: Option<Redacted>,
}

/// `POST /linkSocialAccount` (access token).
pub async fn link_social_account(
    state: &AppState,
    req: LinkSocialRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    let app = &caller.app;
    let provider = Provider::parse(&req.provider)?;
    match (&req.password, &req.code) {
        (Some(password), _) => {
            password_check::require_password(state, &caller.user, password.expose(), &ctx.client)
                .await?
        }
        (None, Some(code)) => {
            let check = record::consume_authenticator_code(state, &caller.user, code.expose());
            password_check::guarded_code_check(state, &caller.user, &ctx.client, check).await?
        }
        (None, None) => return Err(Error::MissingParam("password")),
    }
    let presented = Presented {
        provider,
        token: &req.token,
        nonce: req.nonce.as_deref(),
        step: "linkSocialAccount",
    };
    let claims = proof::verify(state, app, presented, ctx).await?;
    let social = SocialIdentity {
        provider,
        sub: claims.sub,
    };
    if let Some(held) = &caller.user.social {
        return if *held == social {
            Ok(())
        } else {
            Err(identity::taken_by(held.provider))
        };
    }
    let mut user = caller.user.clone();
    user.social = Some(social);
    user.updated_at = state.clock.now_ms();
    let mut tx = Transaction::new();
    tx.push(WriteOp::Put(
        repo::user_item(&user, caller.version + 1)?,
        Condition::Version(caller.version),
    ));
    let claim = tx.push(identity::claim_op(&user)?);
    let event = audit::Event::new(app, audit::Kind::SocialLinked)
        .user(&user.user_id)
        .detail("provider", provider.as_str())
        .detail("how", "explicit");
    tx.push(WriteOp::Put(
        audit::item(state, &ctx.client, event)?,
        Condition::Any,
    ));
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { op }) if op == claim => Err(identity::taken_by(provider)),
        Err(e) if e.is_conflict() => Err(Error::invalid("account changed; try again")),
        Err(e) => Err(e.into()),
    }
}
