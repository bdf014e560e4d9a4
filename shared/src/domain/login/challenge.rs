//! The second-factor challenge a password login hands out when the user's factor is due: the
//! pending login in the user's partition, the SMS code in phone mode, and the login token
//! (purpose `login`) that [`crate::domain::login::complete`] redeems.

use serde::{Deserialize, Serialize};

use crate::crypto::service_token::ServiceTokens;
use crate::domain::common::one_time_code;
use crate::domain::common::repo;
use crate::domain::factors::sms_code::{self, CODE_TTL_SECS};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, TwoFactor};
use crate::domain::records::context::ClientAddress;
use crate::domain::records::phone_number::Phone;
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::Result;
use crate::store::{Condition, StoreError};

/// A login waiting for its second factor, in the user's partition (one at a time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingLogin {
    /// The login token's id.
    pub jti: String,
    /// The factor asked for.
    pub factor: TwoFactor,
    /// Keyed hash of the SMS code (phone factor).
    #[serde(default)]
    pub code_hash: Option<String>,
}

/// A login token (purpose `login`): a bearer secret, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginToken(pub String);

impl std::fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginToken(..)")
    }
}

/// The one-time-code context of a login's SMS code.
pub fn login_code_context(user: &User, jti: &str) -> String {
    format!("{}/2fa-login/{}/{jti}", user.app_id, user.user_id)
}

/// The factor `login` must ask `user` for under the app's mode, if any: the authenticator when
/// the app is in `google` mode and the user enrolled; SMS when the app is in `phone` mode and the
/// user switched it on with a verified phone.
pub fn factor_due(app: &App, user: &User) -> Option<TwoFactor> {
    let f = &user.two_factor;
    match app.settings.two_factor_verification {
        TwoFactor::Google if f.google => Some(TwoFactor::Google),
        TwoFactor::Phone if f.phone_login && f.phone_verified && f.phone.is_some() => {
            Some(TwoFactor::Phone)
        }
        _ => None,
    }
}

/// After a proven password, when `factor` is due (see [`factor_due`]): records a pending login
/// (replacing any earlier one and its tries), sends the SMS code in phone mode, and returns the
/// login token (purpose `login`, 10 minutes, bound to the user and token epoch).
pub async fn login_challenge(
    state: &AppState,
    app: &App,
    user: &User,
    factor: TwoFactor,
    client: &ClientAddress,
) -> Result<LoginToken> {
    let jti = state.codes.random_hex(16);
    let now = state.clock.now_secs();
    let code_hash = match factor {
        TwoFactor::Phone => {
            let phone = Phone::parse(user.two_factor.phone.as_deref().unwrap_or(""))?;
            let issued = one_time_code::issue(state, &login_code_context(user, &jti));
            sms_code::send_code(state, app, user, &phone, &issued.code, client).await?;
            Some(issued.hash)
        }
        _ => None,
    };
    let pending = PendingLogin {
        jti: jti.clone(),
        factor,
        code_hash,
    };
    let item = repo::item(table_keys::pending_login(&user.user_id), &pending, 1)?
        .expiring_at(now + CODE_TTL_SECS);
    state.store.put(item, Condition::Any).await?;
    match state
        .store
        .delete(
            &table_keys::pending_login_tries(&user.user_id),
            Condition::Any,
        )
        .await
    {
        Ok(()) | Err(StoreError::Conflict { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let token = state.tokens.issue(&ServiceTokens::login_claims(
        &app.app_id,
        &user.user_id,
        user.token_epoch,
        &jti,
        now,
        CODE_TTL_SECS,
    ))?;
    tracing::info!(app_id = %app.app_id, user_id = %user.user_id, factor = ?factor, "login: second factor asked");
    Ok(LoginToken(token))
}
