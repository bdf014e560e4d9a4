//! The developer's invites: create or re-send, list, revoke.
//!
//! Unlike the end-user route, the admin is told when a handle already has an account (601): the
//! developer can list users anyway, so there is nothing to hide, and a silent `true` would only
//! confuse. Admin invites replace any live invite to the handle, whoever sent it.

use serde::Deserialize;
use serde_json::Value;

use super::blank_is_none;
use crate::AppState;
use crate::domain::app::Feature;
use crate::domain::invites::{
    ADMIN_SENDER, Invite, InviteView, Outcome, Sender, revoke, send_invite,
};
use crate::domain::listing::{self, Page, PageRequest};
use crate::domain::user::Handle;
use crate::domain::{keys, metadata, repo};
use crate::error::{Error, Result};

/// The body of `POST /admin/apps/{appId}/invites`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    /// The invited email.
    #[serde(default, deserialize_with = "blank_is_none")]
    pub handle: Option<String>,
    /// Invite metadata: a JSON object, or a string holding one.
    #[serde(default)]
    pub meta_data: Option<Value>,
    /// Language of the invite email (`EN` by default).
    #[serde(default, deserialize_with = "blank_is_none")]
    pub locale: Option<String>,
}

/// The outcome of an admin revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Revoked {
    /// Whether there was an invite to revoke.
    pub revoked: bool,
}

/// `POST /admin/apps/{appId}/invites`: invites (or re-invites, with a new code) `handle` as the
/// developer. Returns the invite (never its code).
pub async fn create(state: &AppState, app_id: &str, req: InviteRequest) -> Result<InviteView> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    app.require(Feature::Invitations)?;
    let handle = Handle::parse(&req.handle.ok_or(Error::MissingParam("handle"))?)?;
    let supplied = metadata::object_field("metaData", req.meta_data.as_ref())?;
    let meta = metadata::extract(&app.settings.meta_data_invite, supplied.as_ref())?;
    let locale = app.requested_locale(req.locale)?;
    let sender = Sender {
        inviter: ADMIN_SENDER,
        handle: "",
        sender_user_id: None,
        locale: &locale,
    };
    match send_invite(state, &app, &handle, meta, sender).await? {
        Outcome::Sent(invite) => {
            tracing::info!(app_id = %app.app_id, "admin: invite sent");
            Ok(invite.view())
        }
        Outcome::AlreadyRegistered => Err(Error::HandleTaken),
        // Unreachable for the admin, who may replace any invite; kept exhaustive.
        Outcome::HeldByAnother => Err(Error::internal("admin invite was refused")),
    }
}

/// `GET /admin/apps/{appId}/invites?limit=&cursor=`: one page of the app's invites in handle
/// order.
pub async fn list(state: &AppState, app_id: &str, req: PageRequest) -> Result<Page<InviteView>> {
    repo::existing_app(state, app_id).await?;
    let pk = keys::invite_listing(app_id, "").pk;
    listing::page(state, pk, String::new(), req, |i: Invite| i.view()).await
}

/// `DELETE /admin/apps/{appId}/invites/{handle}`: revokes the invite, whoever sent it; its code
/// stops working at once.
pub async fn delete(state: &AppState, app_id: &str, handle: &str) -> Result<Revoked> {
    repo::existing_app(state, app_id).await?;
    let handle = Handle::parse(handle)?;
    let revoked = revoke(state, app_id, handle.as_str(), |_| true).await?;
    tracing::info!(app_id = %app_id, revoked, "admin: invite revocation");
    Ok(Revoked { revoked })
}
