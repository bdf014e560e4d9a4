//! The identity claim: `(app, provider, sub)` → user id, one item per identity, written in the
//! same transaction as the user it names (conditional create), so two signups of one identity,
//! however parallel, make one user on every engine. Logins look identities up here, never by
//! email: an email is the provider's say-so and may change, the `sub` does not.

use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::social::Provider;
use crate::domain::records::table_keys;
use crate::domain::records::user::{SocialIdentity, User};
use crate::error::{Error, Result};
use crate::store::{Condition, Item, WriteOp};

/// The user `provider`'s `sub` is linked to in `app_id`, with its version.
pub async fn find_user(
    state: &AppState,
    app_id: &str,
    provider: Provider,
    sub: &str,
) -> Result<Option<(User, u64)>> {
    let key = table_keys::identity_claim(app_id, provider.as_str(), sub);
    let Some(claim) = state.store.get(&key).await? else {
        return Ok(None);
    };
    let user_id = claim
        .data
        .get("userId")
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::internal("identity claim without userId"))?;
    repo::load_user(state, user_id).await
}

/// The claim item of `user`'s identity (which must be set).
pub fn claim_item(user: &User) -> Result<Item> {
    let id = user
        .social
        .as_ref()
        .ok_or_else(|| Error::internal("claim of a user without identity"))?;
    repo::item(
        table_keys::identity_claim(&user.app_id, id.provider.as_str(), &id.sub),
        &serde_json::json!({ "userId": user.user_id }),
        1,
    )
}

/// The create-if-absent write of `user`'s identity claim, for the caller's transaction.
pub fn claim_op(user: &User) -> Result<WriteOp> {
    Ok(WriteOp::Put(claim_item(user)?, Condition::Absent))
}

/// The "this account belongs to a provider" refusal: 611 for Apple, 612 for Google.
pub fn taken_by(provider: Provider) -> Error {
    match provider {
        Provider::Apple => Error::AppleAccountExists,
        Provider::Google => Error::GoogleAccountExists,
    }
}

/// The refusal for an account that holds an email a social request names: its provider's
/// 611/612, or 610 for a password account.
pub fn taken(user: &User) -> Error {
    match &user.social {
        Some(SocialIdentity { provider, .. }) => taken_by(*provider),
        None => Error::EmailAccountExists,
    }
}

/// Whether the provider is authoritative for the token's email, so a verified password account
/// with that email may be linked (`socialLinking: verified`): Apple for any email it verified;
/// Google for `@gmail.com`, or a verified email of a hosted domain (`hd`), as Google documents.
pub fn authoritative(provider: Provider, claims: &super::id_token::IdClaims) -> bool {
    let Some(email) = &claims.email else {
        return false;
    };
    match provider {
        Provider::Apple => claims.email_verified,
        Provider::Google => {
            claims.email_verified
                && (email.ends_with("@gmail.com") || claims.hosted_domain.is_some())
        }
    }
}
