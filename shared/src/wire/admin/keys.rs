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

convert!(signing_keys::KeysView => KeysView {
    current_kid,
    staged_kid,
    previous_kids,
});

/// The body of `POST /admin/apps/{appId}/app-token/rotate` (empty for no grace).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppTokenRotation {
    /// Seconds the old token keeps working, 0 to [`MAX_GRACE_SECS`] (default 0).
    #[serde(default)]
    grace_seconds: Option<i64>,
}

convert!(AppTokenRotation => app_token::AppTokenRotation { grace_seconds });

/// The new app token, and until when the old one works (`None`: it stopped at once).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedAppToken {
    app_token: String,
    previous_valid_until: Option<String>,
}

convert!(app_token::RotatedAppToken => RotatedAppToken {
    app_token,
    previous_valid_until,
});
