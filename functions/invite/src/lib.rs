//! `POST /api/appuser/invite` (access token): a user invites an email handle.

use keyturn::Result;
use keyturn::domain::invites::user_invites::{InviteRequest, invite};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/invite", tag = "user", security(("access_token" = [])), request_body = InviteRequest, responses((status = 200, description = "invited (also for a handle that has an account)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<InviteRequest>) -> Result<Reply> {
    Ok(invite(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("invite", hashes_passwords: false,
    "/api/appuser/invite" => post(handle));
