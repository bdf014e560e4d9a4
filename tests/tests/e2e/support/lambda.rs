//! The Lambda door in tests: API Gateway HTTP API (payload v2) events from `tests/fixtures`
//! (named `apigw-v2-<name>.json`, with `__PLACEHOLDER__`s), parsed by `lambda_http` exactly as
//! the runtime does, then served by one function's router behind the same finishing layers and
//! slash collapsing as `keyturn::http::run_lambda_with`.

use serde_json::Value;
use tower::ServiceExt;

use super::app::{Resp, TestApp, TestAppInfo};

/// The fixture `apigw-v2-<name>.json` with each `(placeholder, value)` filled in.
pub fn event(name: &str, fill: &[(&str, &str)]) -> Value {
    let path = format!(
        "{}/fixtures/apigw-v2-{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (placeholder, value) in fill {
        raw = raw.replace(placeholder, value);
    }
    serde_json::from_str(&raw).unwrap()
}

/// The fixture `apigw-v2-<name>.json` with `app`'s token in its `__APP_TOKEN__`.
pub fn app_event(name: &str, app: &TestAppInfo) -> Value {
    event(name, &[("__APP_TOKEN__", &app.app_token)])
}

/// Parses `event` with `lambda_http` and serves it through `routes`, as a function's `main` does.
pub async fn invoke(t: &TestApp, routes: axum::Router<keyturn::AppState>, event: &Value) -> Resp {
    let req = lambda_http::request::from_str(&event.to_string()).expect("a valid v2 event");
    let service =
        keyturn::http::door::<lambda_http::Body>(keyturn::http::finish(routes, t.state.clone()));
    Resp::read(service.oneshot(req).await.unwrap()).await
}
