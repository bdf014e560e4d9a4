//! `GET /api/appuser/getApplication` (the app's public settings) and `GET /` (health check).

use keyturn::Result;
use keyturn::domain::apps::public_settings::get_application;
use keyturn::wire::{Call, Reply};

#[utoipa::path(get, path = "/api/appuser/getApplication", tag = "user", security(("app_token" = []), ("access_token" = [])), responses((status = 200, description = "the app's public settings", body = keyturn::domain::records::app::PublicApp)))]
async fn application(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(get_application(&state, &ctx).await?.into())
}

#[utoipa::path(get, path = "/", tag = "service", responses((status = 200, description = "the service is up", body = keyturn::wire::openapi::Health)))]
async fn health() -> Reply {
    Reply::Json(serde_json::json!({ "service": "keyturn", "status": "ok" }))
}

keyturn::route_crate!("get-application", hashes_passwords: false,
    "/" => get(health),
    "/api/appuser/getApplication" => get(application));
