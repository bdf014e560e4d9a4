//! App-token rotation: a new app token, with an optional grace period during which the old one
//! keeps working (so clients can be updated first); afterwards the old token gets the same 400
//! as any bad app token. One previous token is kept: rotating again ends the grace of the one
//! before. The CosyncJWT app token an imported app kept ([`crate::domain::common::legacy_app_token`])
//! ends the same way.
//!
//! Each rotation is audited (`admin.app-token.rotated`) with its grace period and when the old
//! token stops, never a token: when clients start failing with 400, the trail says whether a
//! rotation ended their token and who rotated it.

use super::app_update::update_app;
use crate::clock::iso_millis;
use crate::crypto::service_token::ServiceTokens;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::ports::AppState;
use crate::domain::records::app::PreviousAppToken;
use crate::domain::records::context::RequestContext;
use crate::error::{Error, Result};

/// The longest grace period: a week, enough to ship a client update, short enough that a leaked
/// token cannot be kept alive by a careless rotation.
pub const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;

/// The body of `POST /admin/apps/{appId}/app-token/rotate` (empty for no grace).
#[derive(Debug, Clone, Default)]
pub struct AppTokenRotation {
    /// Seconds the old token keeps working, 0 to [`MAX_GRACE_SECS`] (default 0).
    pub grace_seconds: Option<i64>,
}

/// The new app token, and until when the old one works (`None`: it stopped at once), so the
/// developer knows how long clients on the old token have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotatedAppToken {
    /// The token clients send from now on.
    pub app_token: String,
    /// When the replaced token stops working (ISO 8601), if it still works at all.
    pub previous_valid_until: Option<String>,
}

/// `POST /admin/apps/{appId}/app-token/rotate` `{"graceSeconds"?}`. Audited with
/// `graceSeconds` and `previousValidUntil` (the token itself never leaves the reply).
pub async fn rotate(
    state: &AppState,
    app_id: &str,
    req: AppTokenRotation,
    ctx: &RequestContext,
) -> Result<RotatedAppToken> {
    let grace = req.grace_seconds.unwrap_or(0);
    if !(0..=MAX_GRACE_SECS).contains(&grace) {
        return Err(Error::invalid(format!(
            "graceSeconds must be 0 to {MAX_GRACE_SECS}"
        )));
    }
    let now = state.clock.now_secs();
    let app = update_app(state, app_id, |app| {
        let old = app.token_issued_at;
        // App tokens are told apart by their `iat`: the new one must differ even when two
        // rotations fall in the same second.
        app.token_issued_at = now.max(old + 1);
        app.previous_app_token = (grace > 0).then_some(PreviousAppToken {
            issued_at: old,
            valid_until: now + grace,
        });
        // A CosyncJWT app token kept by `--create-app` ends with the first rotation, like the
        // token it replaces (a later rotation never extends it).
        app.legacy_app_token = app.legacy_app_token.take().and_then(|mut kept| {
            let end = kept.valid_until.unwrap_or(i64::MAX).min(now + grace);
            kept.valid_until = Some(end);
            (grace > 0 && end > now).then_some(kept)
        });
        Ok(())
    })
    .await?;
    tracing::info!(%app_id, grace, "admin: app token rotated");
    let previous_valid_until = app
        .previous_app_token
        .as_ref()
        .map(|p| iso_millis(p.valid_until * 1000));
    let event = Event::new(&app, Kind::AdminAppTokenRotated)
        .detail("graceSeconds", grace)
        .detail("previousValidUntil", previous_valid_until.clone());
    audit::record_admin(state, ctx, event).await?;
    let app_token = state
        .tokens
        .issue_app(&ServiceTokens::app_claims(&app.app_id, app.token_issued_at))?;
    Ok(RotatedAppToken {
        app_token,
        previous_valid_until,
    })
}
