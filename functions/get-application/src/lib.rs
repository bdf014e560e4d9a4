//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use keyturn::Result;
use keyturn::domain::apps::public_settings::get_application;
use keyturn::wire::end_user::Health;
use keyturn::wire::{Call, Reply};

#[utoipa::path(get, path = "/api/appuser/getApplication", tag = "user", security(("app_token" = []), ("access_token" = [])), responses((status = 200, description = "the app's public settings", body = keyturn::wire::end_user::PublicApp)))]
async fn application(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_application(&state, &ctx).await?.into())
}

#[utoipa::path(get, path = "/", tag = "service", responses((status = 200, description = "the service is up", body = keyturn::wire::end_user::Health)))]
async fn health() -> Reply {
    Health::UP.into()
}

keyturn::route_crate!("get-application", hashes_passwords: false,
    "/" => get(health),
    "/api/appuser/getApplication" => get(application));
