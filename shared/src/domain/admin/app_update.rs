//! The one read-modify-write of an app record the admin actions on keys, tokens and the Twilio
//! account share:
//! read, change, write back under a version check, retried on a concurrent change.

use crate::domain::common::repo::{self, retry_on_conflict};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::error::Result;

/// Applies `change` to the app's record (401 for an unknown app or one being deleted) and writes
/// it back under its version; `change` sees the fresh record on every attempt, so it decides
/// afresh (and may refuse).
pub(crate) async fn update_app(
    state: &AppState,
    app_id: &str,
    change: impl Fn(&mut App) -> Result<()>,
) -> Result<App> {
    let change = &change;
    retry_on_conflict("app", || async move {
        let (mut app, version) = repo::existing_app_fresh(state, app_id).await?;
        change(&mut app)?;
        repo::put_app(state, app, version).await
    })
    .await
}
