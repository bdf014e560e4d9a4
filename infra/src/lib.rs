//! The deployables built over the route crates (`functions/*`, each exporting one
//! [`Route`] descriptor): [`FUNCTIONS`], the one list of Lambda functions,
//! and everything derived from it — the two Lambda bootstraps (`keyturn-lambda`,
//! `keyturn-lambda-admin`, see [`lambda_main`]), the local runner (`keyturn serve`: every
//! router merged over the embedded store, plus `/local/outbox`, never routed in Lambda), the
//! OpenAPI document ([`openapi`]) and the admin CLI ([`cli`]). The integration tests drive the
//! same merged router, so local behaviour is production behaviour; a test holds `template.yaml`
//! to [`FUNCTIONS`].

pub mod cli;
pub mod fake_social;
pub mod openapi;
pub mod secret;
pub mod serve;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use keyturn::AppState;
use keyturn::error::Context as _;
use keyturn::http::Route;
use keyturn::wire::Reply;

/// Whether `Host` names this machine's loopback (any port) or the configured public host. The
/// outbox holds live codes, so a page on another site that rebinds its DNS name to 127.0.0.1
/// must not read it: its requests carry its own name in `Host`.
pub(crate) fn loopback_host(headers: &axum::http::HeaderMap, state: &AppState) -> bool {
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
    // The outbox holds live codes and links: never cached.
    Ok(Reply::Secret(serde_json::json!({ "messages": messages })))
}

/// Which of the two Lambda bootstraps serves a function (the template's `BuildProperties:
/// Binary`).
///
/// Why two: the admin API (app creation and deletion, RSA key generation, the audit listing,
/// the OpenAPI document) is a quarter of the code, and no end-user function needs it; one more
/// fat-LTO link keeps it out of 24 of the 25 zips (docs/performance.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bootstrap {
    /// `keyturn-lambda`: one multi-call binary for every end-user function, so `sam build` pays
    /// one fat-LTO link instead of one per function.
    User,
    /// `keyturn-lambda-admin`: the admin API and the OpenAPI document.
    Admin,
}

impl Bootstrap {
    /// The binary's name, as `template.yaml` builds it: what the template test compares.
    pub const fn binary(self) -> &'static str {
        match self {
            Self::User => "keyturn-lambda",
            Self::Admin => "keyturn-lambda-admin",
        }
    }

    /// `==` for the const fns building the bootstrap tables (`PartialEq` is not const).
    const fn is(self, other: Self) -> bool {
        self as u8 == other as u8
    }
}

/// A deployed function: its route crate's descriptor and the bootstrap that serves it. The
/// bootstrap is the only fact about a function that is not its route crate's to state (it is a
/// packaging choice), so it stands beside the descriptor in [`FUNCTIONS`].
#[derive(Clone, Copy, Debug)]
pub struct Function {
    /// The binary whose zip carries the function: the admin API's own or the end-user one.
    pub bootstrap: Bootstrap,
    /// What the route crate says of the function: name, routes, OpenAPI part, Argon2.
    pub route: Route,
}

const fn user(route: Route) -> Function {
    Function {
        bootstrap: Bootstrap::User,
        route,
    }
}

const fn admin(route: Route) -> Function {
    Function {
        bootstrap: Bootstrap::Admin,
        route,
    }
}

/// Every Lambda function, each route crate once: the bootstraps' tables ([`USER_LAMBDA`],
/// [`ADMIN_LAMBDA`]), the local runner's router ([`routes`]), the OpenAPI document
/// ([`openapi::document`]) and the Argon2 warm-up all derive from this list, and a test holds
/// `template.yaml` to it (functions, bootstraps, routes, memory). A new function is a new route
/// crate, its line here and its dependency in `Cargo.toml`.
pub const FUNCTIONS: &[Function] = &[
    user(keyturn_fn_get_application::ROUTE),
    user(keyturn_fn_signup::ROUTE),
    user(keyturn_fn_complete_signup::ROUTE),
    user(keyturn_fn_login::ROUTE),
    user(keyturn_fn_issuer::ROUTE),
    user(keyturn_fn_invite::ROUTE),
    user(keyturn_fn_register::ROUTE),
    user(keyturn_fn_revoke_invite::ROUTE),
    user(keyturn_fn_forgot_password::ROUTE),
    user(keyturn_fn_reset_password::ROUTE),
    user(keyturn_fn_change_password::ROUTE),
    user(keyturn_fn_delete_account::ROUTE),
    user(keyturn_fn_get_user::ROUTE),
    user(keyturn_fn_set_user_metadata::ROUTE),
    user(keyturn_fn_set_locale::ROUTE),
    user(keyturn_fn_set_user_name::ROUTE),
    user(keyturn_fn_user_name_available::ROUTE),
    user(keyturn_fn_login_anonymous::ROUTE),
    user(keyturn_fn_login_complete::ROUTE),
    user(keyturn_fn_set_phone::ROUTE),
    user(keyturn_fn_verify_phone::ROUTE),
    user(keyturn_fn_set_two_factor_google_verification::ROUTE),
    user(keyturn_fn_set_two_factor_phone_verification::ROUTE),
    user(keyturn_fn_undo_two_factor::ROUTE),
    user(keyturn_fn_social_login::ROUTE),
    user(keyturn_fn_social_signup::ROUTE),
    user(keyturn_fn_link_social_account::ROUTE),
    user(keyturn_fn_passkeys::ROUTE),
    admin(openapi::ADMIN),
];

/// What a bootstrap keeps of a function it serves: the name it is picked by, its routes and
/// whether to warm up Argon2 — no OpenAPI part, so the end-user bootstrap links none of the
/// document's code.
#[derive(Clone, Copy, Debug)]
pub struct Served {
    /// [`Route::name`](keyturn::http::Route::name): what `KEYTURN_FUNCTION` is matched against.
    pub name: &'static str,
    /// [`Route::router`](keyturn::http::Route::router): the routes the function answers.
    pub router: fn() -> Router<AppState>,
    /// [`Route::hashes_passwords`](keyturn::http::Route::hashes_passwords): whether the first
    /// request starts allocating the Argon2 buffer.
    pub hashes_passwords: bool,
}

impl Served {
    const fn of(route: Route) -> Self {
        Self {
            name: route.name,
            router: route.router,
            hashes_passwords: route.hashes_passwords,
        }
    }
}

/// How many of [`FUNCTIONS`] `bootstrap` serves: the length of its table.
const fn count(bootstrap: Bootstrap) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < FUNCTIONS.len() {
        if FUNCTIONS[i].bootstrap.is(bootstrap) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The functions of [`FUNCTIONS`] that `bootstrap` serves, in order, computed by the compiler: a
/// table filtered at run time would hold every function's router and OpenAPI part, and link the
/// admin API and the document into the end-user bootstrap (the zip budget).
const fn served<const N: usize>(bootstrap: Bootstrap) -> [Served; N] {
    // A const fn has no `Default`: the first function fills the array until every slot is
    // overwritten (the assertion below), so it is not served unless it belongs here.
    let mut table = [Served::of(FUNCTIONS[0].route); N];
    let (mut i, mut n) = (0, 0);
    while i < FUNCTIONS.len() {
        if FUNCTIONS[i].bootstrap.is(bootstrap) {
            table[n] = Served::of(FUNCTIONS[i].route);
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "the table's length is the count of its functions");
    table
}

/// What the `keyturn-lambda` bootstrap serves (the one its environment names): every end-user
/// function.
pub const USER_LAMBDA: [Served; count(Bootstrap::User)] = served(Bootstrap::User);

/// What the `keyturn-lambda-admin` bootstrap serves: the admin function, with the OpenAPI
/// document.
pub const ADMIN_LAMBDA: [Served; count(Bootstrap::Admin)] = served(Bootstrap::Admin);

/// The whole `main` of a multi-call Lambda bootstrap serving `table` ([`USER_LAMBDA`] or
/// [`ADMIN_LAMBDA`]): `KEYTURN_FUNCTION` (set per function in `template.yaml`) or, without it,
/// the name the binary was called by (`ln -s keyturn-lambda login`) picks the router, so each
/// function still answers only its own paths under its own role. A function that hashes
/// passwords starts allocating its Argon2 buffer as its first request arrives.
pub fn lambda_main(table: &[Served]) -> std::process::ExitCode {
    let name = std::env::var("KEYTURN_FUNCTION").ok().or_else(|| {
        std::env::args()
            .next()
            .and_then(|arg0| arg0.rsplit('/').next().map(str::to_owned))
    });
    match name
        .as_deref()
        .and_then(|n| table.iter().find(|f| f.name == n))
    {
        Some(function) => {
            keyturn::http::run_lambda_with(function.router, function.hashes_passwords)
        }
        None => {
            eprintln!(
                "KEYTURN_FUNCTION names no function of this bootstrap ({name:?}); one of: {}",
                table.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
            );
            std::process::ExitCode::FAILURE
        }
    }
}

/// Every function's routes, merged, plus the local outbox: one process answers every path the
/// gateway spreads over the functions, which is what `keyturn serve` and the tests drive.
pub fn routes() -> Router<AppState> {
    FUNCTIONS
        .iter()
        .fold(Router::new(), |app, f| app.merge((f.route.router)()))
        .route("/local/outbox", get(outbox))
}

/// The finished local app over `state`, behind slash collapsing, with the deployment's CORS
/// (API Gateway's `CorsConfiguration` in Lambda).
pub fn local_app(state: AppState) -> keyturn::http::Door<axum::body::Body> {
    local_app_with(state, Router::new())
}

/// [`local_app`] with `extra` local-only routes merged in (`keyturn serve --fake-social`).
pub fn local_app_with(
    state: AppState,
    extra: Router<AppState>,
) -> keyturn::http::Door<axum::body::Body> {
    let cors = keyturn::http::cors::layer(&state.config.cors_origins);
    keyturn::http::door(keyturn::http::finish(routes().merge(extra), state).layer(cors))
}
