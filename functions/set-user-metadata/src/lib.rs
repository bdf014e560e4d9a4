//! `POST /api/appuser/setUserMetadata`: the user edits their own metadata (access token).

use keyturn::Result;
use keyturn::domain::profile::details::{MetadataRequest, set_user_metadata};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setUserMetadata", tag = "user", security(("access_token" = [])), request_body = MetadataRequest, responses((status = 200, description = "merged", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<MetadataRequest>) -> Result<Reply> {
    Ok(set_user_metadata(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-user-metadata", hashes_passwords: false,
    "/api/appuser/setUserMetadata" => post(handle));
