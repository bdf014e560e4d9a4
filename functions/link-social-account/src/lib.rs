//! `POST /api/appuser/linkSocialAccount`: link an Apple or Google identity to the caller's account.

use keyturn::Result;
use keyturn::domain::profile::link_social::{LinkSocialRequest, link_social_account};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/linkSocialAccount", tag = "user", security(("access_token" = [])), request_body = LinkSocialRequest, responses((status = 200, description = "`true`: the identity is linked (600 wrong password or code, 613 invalid token, 611/612 the account or the identity already has one)", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<LinkSocialRequest>) -> Result<Reply> {
    link_social_account(&state, input, &ctx).await?;
    Ok(().into())
}

keyturn::route_crate!("link-social-account", hashes_passwords: true,
    "/api/appuser/linkSocialAccount" => post(handle));
