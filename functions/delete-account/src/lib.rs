//! `POST /api/appuser/deleteAccount`.

use keyturn::Result;
use keyturn::domain::profile::delete_account::{DeleteRequest, delete_account};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/deleteAccount", tag = "user", security(("access_token" = [])), request_body = DeleteRequest, responses((status = 200, description = "deleted", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<DeleteRequest>) -> Result<Reply> {
    Ok(delete_account(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("delete-account", hashes_passwords: true,
    "/api/appuser/deleteAccount" => post(handle));
