//! `getApplication`: the public settings of the caller's app, for clients that adapt their
//! screens to them.

use crate::AppState;
use crate::domain::app::PublicApp;
use crate::domain::auth;
use crate::domain::context::RequestContext;
use crate::error::Result;

/// `GET /getApplication` (app or access token).
pub async fn get_application(state: &AppState, ctx: &RequestContext) -> Result<PublicApp> {
    Ok(auth::app_from_any(state, ctx).await?.public_view())
}
