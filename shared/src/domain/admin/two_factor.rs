//! Admin `reset-2fa`: a support desk switches a user's second factors off when they lost their
//! device.

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::factor_failures;
use crate::domain::common::repo;
use crate::domain::factors::notice;
use crate::domain::factors::record;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::error::{Error, Result};

/// Admin `POST /admin/apps/{appId}/users/{userId}/reset-2fa`: switches both factors off and
/// forgets the TOTP secret and recovery codes (the verified phone stays), for a support desk
/// helping a user who lost their device. The user is mailed a notice.
///
/// It also ends every session and pending login (the token epoch moves on): the desk is as often
/// helping an owner locked out by someone who switched a factor on with a stolen session, and
/// that session must not outlive the factor it planted.
pub async fn admin_reset(
    state: &AppState,
    app_id: &str,
    user_id: &str,
    ctx: &RequestContext,
) -> Result<()> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    match repo::load_user(state, user_id).await? {
        Some((user, _)) if user.app_id == app_id => user,
        _ => return Err(Error::UserNotFound),
    };
    let user = repo::update_user(state, user_id, |user| {
        user.two_factor.google = false;
        user.two_factor.phone_login = false;
        user.revoke_sessions(None);
        Ok(())
    })
    .await?
    .ok_or(Error::UserNotFound)?;
    record::forget_factors(state, user_id).await?;
    state
        .store
        .transact(factor_failures::forgotten(user_id))
        .await?;
    tracing::info!(%app_id, %user_id, "admin: second factors reset");
    audit::record_admin(
        state,
        ctx,
        Event::new(&app, Kind::AdminTwoFactorReset).user(user_id),
    )
    .await?;
    notice::notify_change(
        state,
        &app,
        &user,
        "Two-factor login was reset by the app's support",
        None,
    )
    .await;
    Ok(())
}
