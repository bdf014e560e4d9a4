//! `POST /admin/apps/{appId}/keys/{rotate,activate,retire}` and
//! `POST /admin/apps/{appId}/app-token/rotate`: the keys after a step, the app-token rotation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::admin::{app_token, signing_keys};

/// The app's keys by kid after a step: the one signing, the staged one, the replaced ones
/// still published.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeysView {
    current_kid: String,
    staged_kid: Option<String>,
    previous_kids: Vec<String>,
}

impl From<signing_keys::KeysView> for KeysView {
    fn from(keys: signing_keys::KeysView) -> Self {
        let signing_keys::KeysView {
            current_kid,
            staged_kid,
            previous_kids,
        } = keys;
        Self {
            current_kid,
            staged_kid,
            previous_kids,
        }
    }
}

/// The body of `POST /admin/apps/{appId}/app-token/rotate` (empty for no grace).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppTokenRotation {
    /// Seconds the old token keeps working, 0 to [`MAX_GRACE_SECS`] (default 0).
    #[serde(default)]
    grace_seconds: Option<i64>,
}

impl From<AppTokenRotation> for app_token::AppTokenRotation {
    fn from(req: AppTokenRotation) -> Self {
        Self {
            grace_seconds: req.grace_seconds,
        }
    }
}

/// The new app token, and until when the old one works (`None`: it stopped at once).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedAppToken {
    app_token: String,
    previous_valid_until: Option<String>,
}

impl From<app_token::RotatedAppToken> for RotatedAppToken {
    fn from(rotated: app_token::RotatedAppToken) -> Self {
        let app_token::RotatedAppToken {
            app_token,
            previous_valid_until,
        } = rotated;
        Self {
            app_token,
            previous_valid_until,
        }
    }
}
