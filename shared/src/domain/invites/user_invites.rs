//! A user's own invites: `invite` and `revokeInvite` (access token). The rules every door shares
//! (one live invite per inviter and handle; limits per invited mailbox and handle; no
//! enumeration) are in [`crate::domain::invites::rules`].

use serde_json::{Map, Value};

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::caller;
use crate::domain::common::limits::{self, AddressFlow, Limit};
use crate::domain::invites::rules::{MAILBOX_LIMIT, Outcome, Sender, revoke_one, send_invite};
use crate::domain::ports::AppState;
use crate::domain::records::app::Feature;
use crate::domain::records::context::RequestContext;
use crate::domain::records::metadata;
use crate::domain::records::table_keys;
use crate::domain::records::user::Handle;
use crate::error::{Error, Result};

/// Invites one user may send: 50 per day.
pub const SENT_LIMIT: Limit = Limit {
    max: 50,
    window_secs: 24 * 3600,
};
/// Longest `senderUserId` kept (a Realm user id is 24 hex characters).
const MAX_SENDER_USER_ID: usize = 200;

/// An invite request as the wire delivers it (`POST /invite`).
#[derive(Debug, Clone)]
pub struct InviteRequest {
    /// Raw invitee handle.
    pub handle: String,
    /// The inviter's id in the app's backend, if given.
    pub sender_user_id: Option<String>,
    /// Invite `metaData`, if given.
    pub meta_data: Option<Map<String, Value>>,
}

/// `POST /invite`: a logged-in, non-anonymous user invites `handle`. Answers `true` whether or
/// not the handle already has an account (see [`crate::domain::invites::rules`]).
pub async fn invite(state: &AppState, req: InviteRequest, ctx: &RequestContext) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    let app = caller.app;
    app.require(Feature::Invitations)?;
    if caller.user.anonymous {
        // Anonymous users never proved an address and cost nothing to create (see invites).
        return Err(Error::AccountNotVerified);
    }
    let handle = Handle::parse(&req.handle)?;
    let meta_data = metadata::extract(&app.settings.meta_data_invite, req.meta_data.as_ref())?;
    let sender_user_id = req.sender_user_id.map(|s| s.trim().to_owned());
    if sender_user_id
        .as_ref()
        .is_some_and(|s| s.len() > MAX_SENDER_USER_ID)
    {
        return Err(Error::invalid("senderUserId is too long"));
    }
    // Counted before anything else happens, whatever the outcome, so no limit can be used to
    // probe whether the handle has an account.
    limits::hit_address(state, &app, &ctx.client, AddressFlow::Messages).await?;
    limits::hit(
        state,
        &table_keys::invites_sent(&caller.user.user_id),
        SENT_LIMIT,
    )
    .await?;
    limits::spend_mail(state, &app, "INVITE", MAILBOX_LIMIT, handle.as_str()).await?;
    let locale = if app.offers_locale(&caller.user.locale) {
        caller.user.locale.clone()
    } else {
        "EN".to_owned()
    };
    let sender = Sender {
        inviter: &caller.user.user_id,
        handle: &caller.user.handle,
        sender_user_id,
        locale: &locale,
    };
    // Inviting a registered handle sends nothing; it waits as long as a sent invite takes, so
    // the time of the answer does not tell accounts apart either (before answering, which holds
    // in Lambda too).
    let started = std::time::Instant::now();
    let outcome = send_invite(state, &app, &handle, meta_data, sender).await?;
    match outcome {
        Outcome::Sent(_) => state.invite_mail_pace.record(started.elapsed()),
        Outcome::AlreadyRegistered => state.invite_mail_pace.wait().await,
    }
    tracing::info!(
        app_id = %app.app_id,
        inviter = %caller.user.user_id,
        sent = matches!(outcome, Outcome::Sent(_)),
        "invite requested"
    );
    // Written for a registered handle too (one put either way), so it costs the same time.
    let event = Event::new(&app, Kind::InviteSent)
        .user(&caller.user.user_id)
        .detail("handle", handle.as_str())
        .detail("sent", matches!(outcome, Outcome::Sent(_)));
    audit::record(state, &ctx.client, event).await;
    Ok(())
}

/// A revocation request as the wire delivers it (`POST /revokeInvite`).
#[derive(Debug, Clone)]
pub struct RevokeRequest {
    /// Raw invitee handle.
    pub handle: String,
}

/// `POST /revokeInvite`: the inviter withdraws their invite; its code stops working at once.
/// Always `true`: an invite that does not exist is left alone, and the answer does not say
/// whether there was one (no enumeration of invites). Other inviters' invites are untouched.
pub async fn revoke_invite(
    state: &AppState,
    req: RevokeRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    let handle = Handle::parse(&req.handle)?;
    let me = caller.user.user_id.as_str();
    let revoked = revoke_one(state, &caller.app.app_id, handle.as_str(), me).await?;
    tracing::info!(app_id = %caller.app.app_id, inviter = %me, revoked, "invite revocation");
    let event = Event::new(&caller.app, Kind::InviteRevoked)
        .user(me)
        .detail("handle", handle.as_str())
        .detail("revoked", revoked);
    audit::record(state, &ctx.client, event).await;
    Ok(())
}
