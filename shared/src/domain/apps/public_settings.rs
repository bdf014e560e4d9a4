//! `getApplication`: the public settings of the caller's app, for clients that adapt their
//! screens to them.

use crate::domain::common::caller;
use crate::domain::ports::AppState;
use crate::domain::records::app::PublicApp;
use crate::domain::records::context::RequestContext;
use crate::error::Result;

/// `GET /getApplication` (app or access token).
pub async fn get_application(state: &AppState, ctx: &RequestContext) -> Result<PublicApp> {
    Ok(caller::app_from_any(state, ctx).await?.public_view())
}
