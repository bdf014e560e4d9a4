//! `POST /api/appuser/setTwoFactorPhoneVerification` (access token; `twoFactor`, and
//! `password` or an SMS `code` to disable): the SMS factor.

use axum::Router;
use axum::routing::post;
use keyturn::domain::factors::switch::{SetTwoFactor, set_phone_login};
use keyturn::http::Route;
use keyturn::wire::{Call, Reply};
use keyturn::{AppState, Result};

#[utoipa::path(post, path = "/api/appuser/setTwoFactorPhoneVerification", tag = "user", security(("access_token" = [])), request_body = SetTwoFactor, responses((status = 200, description = "switched", body = keyturn::wire::openapi::True)))]
async fn handle(Call(state, input, ctx): Call<SetTwoFactor>) -> Result<Reply> {
    Ok(set_phone_login(&state, input, &ctx).await?.into())
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "set-two-factor-phone-verification",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setTwoFactorPhoneVerification", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
