//! `getApplication`: the public settings of the caller's app, for clients that adapt their
//! screens to them.

use crate::domain::common::caller;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::error::Result;

/// `GET /getApplication` (app or access token): the caller's app, of which the wire shows only
/// what its users' clients may read (never keys, tokens or credentials).
pub async fn get_application(state: &AppState, ctx: &RequestContext) -> Result<App> {
    caller::app_from_any(state, ctx).await
}
