//! The descriptor every route crate (`functions/*`) exports: what the deployables need to know
//! of one Lambda function, in one value, so adding a function means writing its crate and
//! listing its descriptor once (`keyturn_infra::FUNCTIONS`), with nothing else to keep in step.

use axum::Router;

use crate::domain::ports::AppState;

/// One Lambda function as its route crate describes it. The bootstraps pick the router by
/// `name`, the local runner merges every router, the OpenAPI document merges every `openapi`,
/// and a test holds `template.yaml` to the list (names, routes, memory), so no fact about a
/// function is written in a second place that could drift from the code.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// The function's name as `template.yaml` gives it in `KEYTURN_FUNCTION`: the one bootstrap
    /// binary every end-user function's zip carries finds its router by it.
    pub name: &'static str,
    /// The function's routes before the state is attached: a bootstrap serves them alone, so the
    /// function answers only its own paths under its own least-privilege role, while the local
    /// runner merges them all.
    pub router: fn() -> Router<AppState>,
    /// The function's part of the OpenAPI document (its handlers' `#[utoipa::path]`s), so the
    /// document is built from the same crates that serve it.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// Whether the function hashes or verifies passwords (Argon2id): Lambda's CPU scales with
    /// memory, so the template gives such a function 1,024 MB, and its bootstrap starts
    /// allocating the Argon2 buffer as the first request arrives (see
    /// [`run_lambda_with`](super::run_lambda_with)).
    pub hashes_passwords: bool,
}

/// Declares a route crate's [`Route`] (`pub const ROUTE`) from its handlers, so a route crate is
/// its typed requests, its handlers with their `#[utoipa::path]`, and one line:
///
/// ```ignore
/// keyturn::route_crate!("login", hashes_passwords: true,
///     "/api/appuser/login" => post(handle));
/// ```
///
/// Every handler routed is also a path of the function's OpenAPI part, so the document cannot
/// miss a route the function serves. The crate needs `utoipa` as a dependency (its handlers
/// carry `#[utoipa::path]` anyway); axum comes through `keyturn`.
#[macro_export]
macro_rules! route_crate {
    (
        $name:literal, hashes_passwords: $hashes:literal,
        $($path:literal => $method:ident($handler:ident) $(.$more:ident($more_handler:ident))*),+ $(,)?
    ) => {
        /// This route crate's descriptor, the one item `keyturn-infra` lists: the function's
        /// name, routes, OpenAPI part and memory class, next to the handlers they describe.
        pub const ROUTE: $crate::http::Route = $crate::http::Route {
            name: $name,
            router: || {
                $crate::http::axum_for_route_crates::Router::new()
                    $(.route(
                        $path,
                        $crate::http::axum_for_route_crates::routing::$method($handler)
                            $(.$more($more_handler))*
                    ))+
            },
            openapi: || {
                #[derive(utoipa::OpenApi)]
                #[openapi(paths($($handler $(, $more_handler)*),+))]
                struct Doc;
                <Doc as utoipa::OpenApi>::openapi()
            },
            hashes_passwords: $hashes,
        };
    };
}
