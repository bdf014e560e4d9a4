//! The developer's invites: create or re-send, list, revoke.
//!
//! Unlike the end-user route, the admin is told when a handle already has an account (601): the
//! developer can list users anyway, so there is nothing to hide, and a silent `true` would only
//! confuse. The admin is one more inviter (`admin`): its invite replaces only its own earlier
//! one and lives beside users' invites to the same handle; the code the invitee uses decides
//! whose metadata applies. Admin invites count toward the invited mailbox's limit and the app's
//! daily mail budget, not toward a per-address limit (the key holder's bulk tooling runs from
//! one address). Revoking a handle's invites removes every inviter's.

use serde_json::Value;

use crate::domain::RequestContext;
use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::limits;
use crate::domain::common::paging::{self, Page, PageRequest};
use crate::domain::common::repo;
use crate::domain::invites::rules::{
    ADMIN_SENDER, Invite, MAILBOX_LIMIT, Outcome, Sender, revoke_all, send_invite,
};
use crate::domain::ports::AppState;
use crate::domain::records::app::Feature;
use crate::domain::records::metadata;
use crate::domain::records::table_keys;
use crate::domain::records::user::Handle;
use crate::error::{Error, Result};

/// The body of `POST /admin/apps/{appId}/invites` (blank text fields already absent).
#[derive(Debug, Clone, Default)]
pub struct InviteRequest {
    /// The invited email.
    pub handle: Option<String>,
    /// Invite metadata: a JSON object, or a string holding one.
    pub meta_data: Option<Value>,
    /// Language of the invite email (`EN` by default).
    pub locale: Option<String>,
}

/// The outcome of an admin revocation: whether there was anything to revoke, so a script can
/// tell a typo in the handle from a revoked invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    /// Whether there was an invite to revoke.
    pub revoked: bool,
}

/// `POST /admin/apps/{appId}/invites`: invites (or re-invites, with a new code) `handle` as the
/// developer. Returns the invite (never its code).
pub async fn create(
    state: &AppState,
    app_id: &str,
    req: InviteRequest,
    ctx: &RequestContext,
) -> Result<Invite> {
    let (app, _) = repo::existing_app(state, app_id).await?;
    app.require(Feature::Invitations)?;
    let handle = Handle::parse(&req.handle.ok_or(Error::MissingParam("handle"))?)?;
    let supplied = metadata::object_field("metaData", req.meta_data.as_ref())?;
    let meta = metadata::extract(&app.settings.meta_data_invite, supplied.as_ref())?;
    let locale = app.requested_locale(req.locale)?;
    limits::spend_mail(state, &app, "INVITE", MAILBOX_LIMIT, handle.as_str()).await?;
    let sender = Sender {
        inviter: ADMIN_SENDER,
        handle: "",
        sender_user_id: None,
        locale: &locale,
    };
    match send_invite(state, &app, &handle, meta, sender).await? {
        Outcome::Sent(invite) => {
            tracing::info!(app_id = %app.app_id, "admin: invite sent");
            let event = Event::new(&app, Kind::AdminInviteSent).detail("handle", handle.as_str());
            audit::record_admin(state, ctx, event).await?;
            Ok(*invite)
        }
        Outcome::AlreadyRegistered => Err(Error::HandleTaken),
    }
}

/// `GET /admin/apps/{appId}/invites?limit=&cursor=`: one page of the app's invites in handle
/// order (then inviter order: a handle invited by several users appears once per inviter).
pub async fn list(state: &AppState, app_id: &str, req: PageRequest) -> Result<Page<Invite>> {
    repo::existing_app(state, app_id).await?;
    let pk = table_keys::invite_listing(app_id, "", "").pk;
    paging::page(state, pk, String::new(), req, |i: Invite| i).await
}

/// `DELETE /admin/apps/{appId}/invites/{handle}`: revokes every invite to the handle, whoever
/// sent it; their codes stop working at once.
pub async fn delete(
    state: &AppState,
    app_id: &str,
    handle: &str,
    ctx: &RequestContext,
) -> Result<Revoked> {
    let handle = Handle::parse(handle)?;
    let (app, _) = repo::existing_app(state, app_id).await?;
    let revoked = revoke_all(state, app_id, handle.as_str()).await?;
    tracing::info!(app_id = %app_id, revoked, "admin: invite revocation");
    let event = Event::new(&app, Kind::AdminInviteRevoked)
        .detail("handle", handle.as_str())
        .detail("revoked", revoked);
    audit::record_admin(state, ctx, event).await?;
    Ok(Revoked {
        revoked: revoked > 0,
    })
}
