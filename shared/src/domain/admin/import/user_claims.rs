//! The claims an imported user holds beside its handle: the Apple or Google identity (one user
//! per `(app, provider, sub)`, what `socialLogin` looks up) and a verified phone (one verified
//! owner per number and app). Both are create-if-absent writes in the user's own transaction,
//! so they exist exactly when the user does, and looked at first, so a dry run reports what the
//! real run will do.

use serde_json::json;

use super::cosync_user::CosyncUser;
use super::phones::ImportedPhone;
use crate::domain::common::phone_claim::phone_digest;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::domain::social::identity;
use crate::error::Result;
use crate::store::{Condition, OpTag, Transaction, WriteOp};

/// The tags of the claim writes pushed, to tell which one a conflict was on.
pub struct ClaimTags {
    /// The identity claim's write.
    pub identity: Option<OpTag>,
    /// The phone claim's write.
    pub phone: Option<OpTag>,
}

/// Looks at the claims `user` (not created yet) would take: an identity held by another user
/// makes the record a conflict (the reason is returned); a verified number held by another user
/// imports unverified (reported in `lossy`).
pub async fn check(
    state: &AppState,
    app: &App,
    user: &mut CosyncUser,
    lossy: &mut Vec<String>,
) -> Result<Option<String>> {
    if let Some(social) = &user.social {
        let key = table_keys::identity_claim(&app.app_id, social.provider.as_str(), &social.sub);
        if state.store.get(&key).await?.is_some() {
            return Ok(Some(format!(
                "the {} identity belongs to another user of the app",
                social.provider.as_str()
            )));
        }
    }
    if let Some(phone) = user.phone.as_mut().filter(|p| p.verified) {
        let key = table_keys::phone_claim(&app.app_id, &phone_digest(state, &phone.e164));
        if state.store.get(&key).await?.is_some() {
            phone.demote(lossy, "another user holds the number");
        }
    }
    Ok(None)
}

/// Puts the imported phone on the user record.
pub fn set_phone(user: &mut User, phone: Option<&ImportedPhone>) {
    if let Some(phone) = phone {
        user.two_factor.phone = Some(phone.e164.clone());
        user.two_factor.phone_verified = phone.verified;
        user.two_factor.phone_login = phone.sms_login;
    }
}

/// Pushes the claims of `user` onto its creation transaction.
pub fn push(state: &AppState, tx: &mut Transaction, user: &User) -> Result<ClaimTags> {
    let identity = match user.social {
        Some(_) => Some(tx.push(identity::claim_op(user)?)),
        None => None,
    };
    let phone = match (&user.two_factor.phone, user.two_factor.phone_verified) {
        (Some(number), true) => Some(tx.push(WriteOp::Put(
            repo::item(
                table_keys::phone_claim(&user.app_id, &phone_digest(state, number)),
                &json!({ "userId": user.user_id }),
                1,
            )?,
            Condition::Absent,
        ))),
        _ => None,
    };
    Ok(ClaimTags { identity, phone })
}
