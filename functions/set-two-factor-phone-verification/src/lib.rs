//! `POST /api/appuser/setTwoFactorPhoneVerification` (access token; `twoFactor`, and
//! `password` or an SMS `code` to disable): the SMS factor.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::auth;
use keyturn::domain::two_factor::{self, SetTwoFactor};
use keyturn::http::Route;
use keyturn::wire::{Reply, WireRequest};

keyturn::wire_fields!(TwoFactorFields { "twoFactor": Required, "password": Text, "code": Text });

#[utoipa::path(post, path = "/api/appuser/setTwoFactorPhoneVerification", tag = "user", security(("access_token" = [])), request_body = TwoFactorFields, responses((status = 200, description = "switched", body = keyturn::wire::openapi::True)))]
async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let caller = auth::user_from_access(&state, &req.context).await?;
    let request = SetTwoFactor {
        two_factor: req.fields.required("twoFactor")?,
        password: req.fields.text("password")?,
        code: req.fields.text("code")?,
        client: req.context.client.clone(),
    };
    two_factor::set_phone_login(&state, &caller, request).await?;
    Ok(Reply::True)
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
