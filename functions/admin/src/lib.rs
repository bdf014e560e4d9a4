//! The admin API: `POST /admin/apps`, `GET` and `PATCH /admin/apps/{appId}`, and the app's users
//! under `/admin/apps/{appId}/users` (list and search, get, suspend, reactivate, revoke sessions,
//! delete), all behind `Authorization: Bearer <admin key>`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::domain::admin;
use keyturn::domain::admin_users::{self, Action, ListRequest};
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

async fn list_users(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    req: WireRequest,
) -> Response {
    let input = || -> keyturn::Result<ListRequest> {
        Ok(ListRequest {
            limit: req.fields.text("limit")?,
            cursor: req.fields.text("cursor")?,
            search: req.fields.text("search")?,
        })
    };
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => match input() {
                Ok(input) => admin_users::list_users(&state, &app_id, input).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    )
}

async fn read_user(
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin_users::get_user(&state, &app_id, &user_id).await,
            Err(e) => Err(e),
        },
    )
}

async fn delete_user(
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin_users::delete_user(&state, &app_id, &user_id).await,
            Err(e) => Err(e),
        },
    )
}

async fn user_action(
    state: AppState,
    app_id: String,
    user_id: String,
    req: AdminRequest,
    action: Action,
) -> Response {
    respond(
        match admin::authorize(&state, req.bearer.as_deref()).await {
            Ok(()) => admin_users::act(&state, &app_id, &user_id, action).await,
            Err(e) => Err(e),
        },
    )
}

async fn suspend(
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    user_action(state, app_id, user_id, req, Action::Suspend).await
}

async fn reactivate(
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    user_action(state, app_id, user_id, req, Action::Reactivate).await
}

async fn revoke_sessions(
    State(state): State<AppState>,
    Path((app_id, user_id)): Path<(String, String)>,
    req: AdminRequest,
) -> Response {
    user_action(state, app_id, user_id, req, Action::RevokeSessions).await
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
        .route("/admin/apps/{app_id}/users", get(list_users))
        .route(
            "/admin/apps/{app_id}/users/{user_id}",
            get(read_user).delete(delete_user),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/suspend",
            post(suspend),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/reactivate",
            post(reactivate),
        )
        .route(
            "/admin/apps/{app_id}/users/{user_id}/revoke-sessions",
            post(revoke_sessions),
        )
}
