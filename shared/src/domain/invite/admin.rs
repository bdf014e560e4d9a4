//! The developer's invites (admin API): create or re-send, list, revoke. The caller is already
//! authorised by [`crate::domain::admin::authorize`].
//!
//! Unlike the end-user route, the admin is told when a handle already has an account (601): the
//! developer can list users anyway, so there is nothing to hide, and a silent `true` would only
//! confuse. The admin is one more inviter (`admin`): its invite replaces only its own earlier
//! one and lives beside users' invites to the same handle; the code the invitee uses decides
//! whose metadata applies. Admin invites count toward the invited mailbox's limit and the app's
//! daily mail budget, not toward a per-address limit (the key holder's bulk tooling runs from
//! one address). Revoking a handle's invites removes every inviter's.

use serde_json::{Map, Value};

use super::{ADMIN_SENDER, Invite, Outcome, Sender, revoke_all, send_invite, spend_mail_limits};
use crate::AppState;
use crate::domain::app::App;
use crate::domain::user::Handle;
use crate::domain::{keys, metadata, repo};
use crate::error::{Error, Result};
use crate::store::{Index, Query};
use crate::wire::Reply;

/// Page size of the invite listing when none is asked for.
const DEFAULT_PAGE: usize = 50;
/// Largest page of the invite listing.
const MAX_PAGE: usize = 100;

async fn app(state: &AppState, app_id: &str) -> Result<App> {
    Ok(repo::load_app(state, app_id)
        .await?
        .ok_or(Error::AppNotFound)?
        .0)
}

fn body_object(body: &[u8]) -> Result<Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Error::invalid("body must be a JSON object")),
    }
}

fn text(body: &Map<String, Value>, name: &'static str) -> Result<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid(format!("{name} must be a string"))),
    }
}

fn meta_data(body: &Map<String, Value>) -> Result<Option<Map<String, Value>>> {
    match body.get("metaData") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Object(o)) => Ok(Some(o)),
            _ => Err(Error::InvalidMetadata(
                "metaData must be a JSON object".into(),
            )),
        },
        Some(_) => Err(Error::InvalidMetadata(
            "metaData must be a JSON object".into(),
        )),
    }
}

/// `POST /admin/apps/{appId}/invites` `{"handle", "metaData"?, "locale"?}`: invites (or
/// re-invites, with a new code) `handle` as the developer. Returns the invite (never its code).
pub async fn create(state: &AppState, app_id: &str, body: &[u8]) -> Result<Reply> {
    let app = app(state, app_id).await?;
    if !app.settings.invitation_enabled {
        return Err(Error::InvitationDisabled);
    }
    let body = body_object(body)?;
    let handle = Handle::parse(&text(&body, "handle")?.ok_or(Error::MissingParam("handle"))?)?;
    let meta = metadata::extract(&app.settings.meta_data_invite, meta_data(&body)?.as_ref())?;
    let locale = app.requested_locale(text(&body, "locale")?)?;
    spend_mail_limits(state, &app, &handle).await?;
    let sender = Sender {
        inviter: ADMIN_SENDER,
        handle: "",
        sender_user_id: None,
        locale: &locale,
    };
    match send_invite(state, &app, &handle, meta, sender).await? {
        Outcome::Sent(invite) => {
            tracing::info!(app_id = %app.app_id, "admin: invite sent");
            Ok(Reply::Json(invite.view()))
        }
        Outcome::AlreadyRegistered => Err(Error::HandleTaken),
    }
}

/// `GET /admin/apps/{appId}/invites?limit=&cursor=`: one page of the app's invites in handle
/// order (then inviter order: a handle invited by several users appears once per inviter),
/// through the sparse index (never a scan), with the cursor of the next page.
pub async fn list(
    state: &AppState,
    app_id: &str,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Reply> {
    app(state, app_id).await?;
    let limit = match limit {
        None => DEFAULT_PAGE,
        Some(l) => l
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Error::invalid(format!("limit must be 1..={MAX_PAGE}")))?,
    };
    let listing = keys::invite_listing(app_id, "", "");
    let page = state
        .store
        .query(Query {
            index: Index::Secondary,
            pk: listing.pk,
            sk_prefix: String::new(),
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        })
        .await?;
    let invites = page
        .items
        .iter()
        .map(|item| repo::record::<Invite>(item).map(|i| i.view()))
        .collect::<Result<Vec<_>>>()?;
    Ok(Reply::Json(
        serde_json::json!({ "invites": invites, "cursor": page.cursor }),
    ))
}

/// `DELETE /admin/apps/{appId}/invites/{handle}`: revokes every invite to the handle, whoever
/// sent it; their codes stop working at once. `{"revoked": false}` when there was none.
pub async fn delete(state: &AppState, app_id: &str, handle: &str) -> Result<Reply> {
    let handle = Handle::parse(handle)?;
    app(state, app_id).await?;
    let revoked = revoke_all(state, app_id, handle.as_str()).await?;
    tracing::info!(app_id = %app_id, revoked, "admin: invite revocation");
    Ok(Reply::Json(serde_json::json!({ "revoked": revoked > 0 })))
}
