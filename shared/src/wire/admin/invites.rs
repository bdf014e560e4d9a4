//! `/admin/apps/{appId}/invites[/{handle}]`: the admin's invite request, the invite as listed,
//! the revocation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::blank_is_none;
use crate::clock::iso_millis;
use crate::domain::admin::invites;
use crate::domain::invites::rules::Invite;

/// The body of `POST /admin/apps/{appId}/invites`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminInviteRequest {
    /// The invited email.
    #[serde(default, deserialize_with = "blank_is_none")]
    handle: Option<String>,
    /// Invite metadata: a JSON object, or a string holding one.
    #[serde(default)]
    meta_data: Option<Value>,
    /// Language of the invite email (`EN` by default).
    #[serde(default, deserialize_with = "blank_is_none")]
    locale: Option<String>,
}

convert!(AdminInviteRequest => invites::InviteRequest {
    handle,
    meta_data,
    locale,
});

/// What admin listings show of an invite: never the code or its hash.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    handle: String,
    sender: String,
    sender_handle: String,
    sender_user_id: Option<String>,
    meta_data: Map<String, Value>,
    locale: String,
    created_at: String,
    expires_at: String,
}

impl From<Invite> for InviteView {
    fn from(invite: Invite) -> Self {
        Self {
            handle: invite.handle,
            sender: invite.inviter,
            sender_handle: invite.sender_handle,
            sender_user_id: invite.sender_user_id,
            meta_data: invite.meta_data,
            locale: invite.locale,
            created_at: iso_millis(invite.created_at),
            expires_at: iso_millis(invite.code_expires_at * 1000),
        }
    }
}

page_reply! {
    /// One page of an app's invites.
    InvitePage {
        /// The invites, one per inviter and handle.
        invites: Vec<InviteView>
    } from Invite
}

/// The outcome of an admin revocation.
#[derive(Serialize, ToSchema)]
pub struct Revoked {
    /// Whether there was an invite to revoke.
    revoked: bool,
}

convert!(invites::Revoked => Revoked { revoked });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_fields_are_absent() {
        let req: invites::InviteRequest =
            serde_json::from_str::<AdminInviteRequest>(r#"{"handle":"  ","locale":""}"#)
                .unwrap()
                .into();
        assert_eq!((req.handle, req.locale), (None, None));
    }
}
