//! `POST /api/appuser/setLocale`: the user picks one of the app's locales (access token).

use keyturn::Result;
use keyturn::domain::profile::details::{LocaleRequest, set_locale};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/setLocale", tag = "user", security(("access_token" = [])), request_body = LocaleRequest, responses((status = 200, description = "set", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<LocaleRequest>) -> Result<Reply> {
    Ok(set_locale(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("set-locale", hashes_passwords: false,
    "/api/appuser/setLocale" => post(handle));
