//! `POST /api/appuser/revokeInvite` (access token): an inviter withdraws their invite.

use keyturn::Result;
use keyturn::domain::invites::user_invites::{RevokeRequest, revoke_invite};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/revokeInvite", tag = "user", security(("access_token" = [])), request_body = RevokeRequest, responses((status = 200, description = "withdrawn", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<RevokeRequest>) -> Result<Reply> {
    Ok(revoke_invite(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("revoke-invite", hashes_passwords: false,
    "/api/appuser/revokeInvite" => post(handle));
