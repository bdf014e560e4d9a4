//! The HTTP glue every door shares: the finishing layers of a function's router, the slash
//! collapsing in front of routing, and the Lambda entry point the bootstraps of `keyturn-infra`
//! call, so the local runner, the tests and Lambda route a request the same way.

use axum::Router;
use axum::response::IntoResponse;
use tower::Layer;
use tower::util::{MapRequest, MapRequestLayer};

use crate::domain::ports::AppState;
use crate::error::Error;

pub mod cors;
mod matched;
mod route;

pub use matched::Matched;
pub use route::Route;

/// axum, for the routers `route_crate!` expands to: a route crate names no axum item of its own.
#[doc(hidden)]
pub use axum as axum_for_route_crates;

/// Finishes a function's (or the merged) router: a JSON 404 for unknown routes and for a known
/// path with a method it does not take (axum's own answer there is an empty 405, which no client
/// can read as `{code, message}`; schemathesis found it), and the state.
pub fn finish(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(|| async { Error::RouteNotFound.into_response() })
        .method_not_allowed_fallback(|| async { Error::RouteNotFound.into_response() })
        .with_state(state)
}

/// Normalises the path before routing: repeated slashes collapse (`//api/appuser/...` must
/// work: the Swift SDK's two-factor calls send it), and behind API Gateway a named stage's
/// prefix (`/prod/api/...`, which `lambda_http` keeps) is dropped, so routes match on any stage.
pub fn collapse_slashes<B>(mut req: http::Request<B>) -> http::Request<B> {
    let stage = match req
        .extensions()
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        _ => None,
    }
    .filter(|s| !s.is_empty() && s != "$default");
    let uri = req.uri();
    let mut path = String::with_capacity(uri.path().len());
    for c in uri.path().chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    if let Some(stage) = stage {
        let prefix = format!("/{stage}");
        if path == prefix {
            path = "/".to_owned();
        } else if path.starts_with(&format!("{prefix}/")) {
            path = path[prefix.len()..].to_owned();
        }
    }
    if path == uri.path() {
        return req;
    }
    let rebuilt = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    if let Ok(pq) = rebuilt.parse::<http::uri::PathAndQuery>() {
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(pq);
        if let Ok(new_uri) = http::Uri::from_parts(parts) {
            *req.uri_mut() = new_uri;
        }
    }
    req
}

/// A finished router behind slash collapsing: what the local runner serves.
pub type Door<B> = MapRequest<Router, fn(http::Request<B>) -> http::Request<B>>;

/// Puts a finished router behind slash collapsing.
pub fn door<B>(router: Router) -> Door<B> {
    MapRequestLayer::new(collapse_slashes::<B> as fn(http::Request<B>) -> http::Request<B>)
        .layer(router)
}

/// Initialises structured JSON logs (once per process); the level comes from `RUST_LOG`
/// (`warn`, or per target: `keyturn=debug,info`), `info` when it is unset or unreadable.
///
/// The filter is `Targets`, not `EnvFilter`: the latter's span and field matching pulls the
/// regex engine (~500 KiB of every Lambda binary) for syntax Keyturn's logs never use.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new()
                .with_default(tracing_subscriber::filter::LevelFilter::INFO)
        });
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(false)
                .without_time(),
        )
        .with(filter)
        .try_init();
}

/// The whole `main` of a Lambda bootstrap once it knows its function: build the state once (cold
/// start), then serve `routes` through `lambda_http` for every invocation.
///
/// When `hashes` (the function hashes or verifies passwords), its first request starts
/// allocating the Argon2 buffer on a thread of its own as it arrives, so the 19 MiB of page
/// faults overlap that request's store round trips instead of following them (a cold login
/// was 1.36x a warm one) or lengthening init (allocating it there took login's init from
/// ~10 ms to 14-22 ms, past the 15 ms goal on a busy machine and on a fraction of a vCPU).
pub fn run_lambda_with(routes: fn() -> Router<AppState>, hashes: bool) -> std::process::ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let state = match AppState::from_aws().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e.report(), "cold start failed");
                return std::process::ExitCode::FAILURE;
            }
        };
        let first_request = std::sync::Arc::new(std::sync::Once::new());
        let passwords = state.passwords.clone();
        let service = MapRequestLayer::new(move |req: http::Request<lambda_http::Body>| {
            if hashes {
                first_request.call_once(|| passwords.reserve_buffer());
            }
            req
        })
        .layer(door::<lambda_http::Body>(finish(routes(), state)));
        match lambda_http::run(service).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "lambda runtime stopped");
                std::process::ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_slashes_collapse_and_queries_survive() {
        let req = http::Request::builder()
            .uri("//api//appuser///login?a=b//c")
            .body(())
            .unwrap();
        let req = collapse_slashes(req);
        assert_eq!(req.uri().path(), "/api/appuser/login");
        assert_eq!(req.uri().query(), Some("a=b//c"));
    }
}
