//! The admin API: `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`, the app's invites
//! (`POST`/`GET /admin/apps/{appId}/invites`, `DELETE /admin/apps/{appId}/invites/{handle}`), all
//! behind `Authorization: Bearer <admin key>`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use keyturn::AppState;
use keyturn::domain::admin;
use keyturn::domain::invite::admin as invite_admin;
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

async fn invite_create(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => invite_admin::create(&state, &app_id, &req.body).await,
            Err(e) => Err(e),
        },
    )
}

async fn invite_list(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    RawQuery(query): RawQuery,
    req: AdminRequest,
) -> Response {
    let query = keyturn::wire::Fields::from_form(query.unwrap_or_default().as_bytes());
    let page = || -> keyturn::Result<(Option<String>, Option<String>)> {
        Ok((query.text("limit")?, query.text("cursor")?))
    };
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => match page() {
                Ok((limit, cursor)) => invite_admin::list(&state, &app_id, limit, cursor).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    )
}

async fn invite_delete(
    State(state): State<AppState>,
    Path((app_id, handle)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => invite_admin::delete(&state, &app_id, &handle).await,
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
            "/admin/apps/{app_id}/invites",
            post(invite_create).get(invite_list),
        )
        .route(
            "/admin/apps/{app_id}/invites/{handle}",
            delete(invite_delete),
        )
}
