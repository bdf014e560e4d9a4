//! `POST /api/appuser/changePassword`.

use keyturn::Result;
use keyturn::domain::passwords::change::{ChangeRequest, change_password};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/changePassword", tag = "user", security(("access_token" = [])), request_body = ChangeRequest, responses((status = 200, description = "changed; every other session ends", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<ChangeRequest>) -> Result<Reply> {
    Ok(change_password(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("change-password", hashes_passwords: true,
    "/api/appuser/changePassword" => post(handle));
