//! The local runner: every function's router merged into one axum app over the embedded store,
//! plus `/local/outbox` (never routed in Lambda). The integration tests drive this same router,
//! so local behaviour is production behaviour.

pub mod cli;
pub mod openapi;
pub mod serve;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use keyturn::AppState;
use keyturn::error::Context as _;
use keyturn::wire::Reply;

/// Whether `Host` names this machine's loopback (any port) or the configured public host. The
/// outbox holds live codes, so a page on another site that rebinds its DNS name to 127.0.0.1
/// must not read it: its requests carry its own name in `Host`.
fn loopback_host(headers: &axum::http::HeaderMap, state: &AppState) -> bool {
    let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    let configured = state
        .config
        .public_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1))
        .map(|rest| rest.split('/').next().unwrap_or(""))
        .is_some_and(|h| h.eq_ignore_ascii_case(host));
    configured
        || matches!(
            name.to_ascii_lowercase().as_str(),
            "localhost" | "127.0.0.1" | "::1"
        )
}

async fn outbox(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> keyturn::Result<Reply> {
    if !loopback_host(&headers, &state) {
        return Err(keyturn::Error::RouteNotFound);
    }
    let messages = match &state.outbox {
        Some(o) => o.list().context("list the outbox")?,
        None => Vec::new(),
    };
    Ok(Reply::Json(serde_json::json!({ "messages": messages })))
}

/// What each function crate exports: its routes, before the state is attached.
pub type RouterFn = fn() -> Router<AppState>;

/// The functions that hash or verify passwords (Argon2id): the template gives them 1,024 MB,
/// and their bootstrap starts allocating the Argon2 buffer when the first request arrives (see
/// `keyturn::http::run_lambda_with`).
pub const HASHING_FUNCTIONS: &[&str] = &[
    "login",
    "signup",
    "register",
    "reset-password",
    "change-password",
    "delete-account",
    "set-two-factor-google-verification",
    "set-two-factor-phone-verification",
    "set-phone",
];

/// The end-user functions by the name their Lambda has in `template.yaml` (`KEYTURN_FUNCTION`),
/// with their routers: what the `keyturn-lambda` bootstrap serves (the one its environment
/// names). With [`ADMIN_FUNCTIONS`], every function; the local runner merges them all.
///
/// Why two bootstraps: the admin API (app creation and deletion, RSA key generation, the audit
/// listing, the OpenAPI document) is a quarter of the code, and no end-user function needs it;
/// one more fat-LTO link keeps it out of 22 of the 23 zips (see the README, Performance).
pub const USER_FUNCTIONS: &[(&str, RouterFn)] = &[
    ("get-application", keyturn_fn_get_application::router),
    ("signup", keyturn_fn_signup::router),
    ("complete-signup", keyturn_fn_complete_signup::router),
    ("login", keyturn_fn_login::router),
    ("issuer", keyturn_fn_issuer::router),
    ("invite", keyturn_fn_invite::router),
    ("register", keyturn_fn_register::router),
    ("revoke-invite", keyturn_fn_revoke_invite::router),
    ("forgot-password", keyturn_fn_forgot_password::router),
    ("reset-password", keyturn_fn_reset_password::router),
    ("change-password", keyturn_fn_change_password::router),
    ("delete-account", keyturn_fn_delete_account::router),
    ("get-user", keyturn_fn_get_user::router),
    ("set-user-metadata", keyturn_fn_set_user_metadata::router),
    ("set-locale", keyturn_fn_set_locale::router),
    ("set-user-name", keyturn_fn_set_user_name::router),
    (
        "user-name-available",
        keyturn_fn_user_name_available::router,
    ),
    ("login-anonymous", keyturn_fn_login_anonymous::router),
    ("login-complete", keyturn_fn_login_complete::router),
    ("set-phone", keyturn_fn_set_phone::router),
    ("verify-phone", keyturn_fn_verify_phone::router),
    (
        "set-two-factor-google-verification",
        keyturn_fn_set_two_factor_google_verification::router,
    ),
    (
        "set-two-factor-phone-verification",
        keyturn_fn_set_two_factor_phone_verification::router,
    ),
];

/// The admin function, with the OpenAPI document it also serves (public, like the issuer
/// documents): what the `keyturn-lambda-admin` bootstrap serves.
pub const ADMIN_FUNCTIONS: &[(&str, RouterFn)] = &[("admin", openapi::admin_and_document)];

/// Every function: the end-user functions, then the admin function.
pub fn functions() -> impl Iterator<Item = &'static (&'static str, RouterFn)> {
    USER_FUNCTIONS.iter().chain(ADMIN_FUNCTIONS)
}

/// The router of the function called `name` in `table`, if there is one.
pub fn function_router_in(table: &[(&str, RouterFn)], name: &str) -> Option<RouterFn> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, router)| *router)
}

/// The router of the function called `name`, if there is one.
pub fn function_router(name: &str) -> Option<RouterFn> {
    functions()
        .find(|(n, _)| *n == name)
        .map(|(_, router)| *router)
}

/// The whole `main` of a multi-call Lambda bootstrap serving `table`: `KEYTURN_FUNCTION` (set
/// per function in `template.yaml`) or, without it, the name the binary was called by
/// (`ln -s keyturn-lambda login`) picks the router. A function that hashes passwords starts
/// allocating its Argon2 buffer as its first request arrives.
pub fn lambda_main(table: &[(&str, RouterFn)]) -> std::process::ExitCode {
    let name = std::env::var("KEYTURN_FUNCTION").ok().or_else(|| {
        std::env::args()
            .next()
            .and_then(|arg0| arg0.rsplit('/').next().map(str::to_owned))
    });
    match name.as_deref().and_then(|n| function_router_in(table, n)) {
        Some(router) => keyturn::http::run_lambda_with(
            router,
            name.as_deref()
                .is_some_and(|n| HASHING_FUNCTIONS.contains(&n)),
        ),
        None => {
            eprintln!(
                "KEYTURN_FUNCTION names no function of this bootstrap ({name:?}); one of: {}",
                table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            );
            std::process::ExitCode::FAILURE
        }
    }
}

/// Every function's routes, merged, plus the local outbox.
pub fn routes() -> Router<AppState> {
    functions()
        .fold(Router::new(), |app, (_, router)| app.merge(router()))
        .route("/local/outbox", get(outbox))
}

/// The finished local app over `state`, behind slash collapsing, with the deployment's CORS
/// (API Gateway's `CorsConfiguration` in Lambda).
pub fn local_app(state: AppState) -> keyturn::http::Door<axum::body::Body> {
    let cors = keyturn::http::cors::layer(&state.config.cors_origins);
    keyturn::http::door(keyturn::http::finish(routes(), state).layer(cors))
}
