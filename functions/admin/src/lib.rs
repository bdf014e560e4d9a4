//! The admin API: `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`, and `GET`, `PUT`
//! and `DELETE /admin/apps/{appId}/templates/{locale}/{name}`, all behind
//! `Authorization: Bearer <admin key>`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::{admin, template_admin};
use keyturn::wire::{WireRequest, reply::respond};

async fn create(State(state): State<AppState>, req: AdminRequest) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin::create_app(&state, &req.body, &req.origin).await,
            Err(e) => Err(e),
        },
    )
}

async fn read(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin::get_app(&state, &app_id, &req.origin).await,
            Err(e) => Err(e),
        },
    )
}

async fn update(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin::patch_app(&state, &app_id, &req.body, &req.origin).await,
            Err(e) => Err(e),
        },
    )
}

/// The path of one template: app, locale, template name.
type TemplatePath = Path<(String, String, String)>;

async fn read_template(
    State(state): State<AppState>,
    Path((app_id, locale, name)): TemplatePath,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => template_admin::get_template(&state, &app_id, &locale, &name).await,
            Err(e) => Err(e),
        },
    )
}

async fn store_template(
    State(state): State<AppState>,
    Path((app_id, locale, name)): TemplatePath,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => {
                template_admin::put_template(&state, &app_id, &locale, &name, &req.body).await
            }
            Err(e) => Err(e),
        },
    )
}

async fn remove_template(
    State(state): State<AppState>,
    Path((app_id, locale, name)): TemplatePath,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => template_admin::delete_template(&state, &app_id, &locale, &name).await,
            Err(e) => Err(e),
        },
    )
}

/// The admin wire request: bearer key, origin and the raw JSON body (settings are nested JSON,
/// not the end-user API's scalar fields).
pub struct AdminRequest {
    bearer: Option<String>,
    origin: String,
    body: Bytes,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for AdminRequest {
    type Rejection = keyturn::Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let head = axum::extract::Request::from_parts(parts.clone(), axum::body::Body::empty());
        let wire = WireRequest::from_request(head, state).await?;
        let body = axum::body::to_bytes(body, keyturn::wire::request::BODY_LIMIT_BYTES)
            .await
            .map_err(|_| keyturn::Error::BodyTooLarge)?;
        Ok(Self {
            bearer: wire.bearer,
            origin: wire.origin,
            body,
        })
    }
}

/// This function's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/apps", post(create))
        .route("/admin/apps/{app_id}", get(read).patch(update))
        .route(
            "/admin/apps/{app_id}/templates/{locale}/{name}",
            get(read_template)
                .put(store_template)
                .delete(remove_template),
        )
}
