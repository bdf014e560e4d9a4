//! `POST /api/appuser/setPhone` (access token; `phone` in E.164, and `password` while SMS login
//! is on): texts a verification code.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use keyturn::AppState;
use keyturn::domain::{auth, phone};
use keyturn::http::Route;
use keyturn::wire::{Reply, WireRequest};

keyturn::wire_fields!(SetPhoneFields { "phone": Required, "password": Text });

#[utoipa::path(post, path = "/api/appuser/setPhone", tag = "user", security(("access_token" = [])), request_body = SetPhoneFields, responses((status = 200, description = "a code is texted", body = keyturn::wire::openapi::True)))]
async fn handle(State(state): State<AppState>, req: WireRequest) -> keyturn::Result<Reply> {
    let caller = auth::user_from_access(&state, &req.context).await?;
    let number = req.fields.required("phone")?;
    let password = req.fields.text("password")?;
    phone::set_phone(
        &state,
        &caller,
        &number,
        password.as_deref(),
        &req.context.client,
    )
    .await?;
    Ok(Reply::True)
}

/// This route crate's descriptor, the one item `keyturn-infra` lists: the function's name,
/// routes, OpenAPI part and memory class stand here once, next to the handlers they describe.
pub const ROUTE: Route = Route {
    name: "set-phone",
    router,
    openapi,
    hashes_passwords: true,
};

/// This function's routes.
fn router() -> Router<AppState> {
    Router::new().route("/api/appuser/setPhone", post(handle))
}

/// This function's routes in the OpenAPI document (`GET /openapi.json`).
fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(handle))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
