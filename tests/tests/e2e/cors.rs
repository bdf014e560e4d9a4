//! CORS for browser clients: preflights answered only for the deployment's origins, and each
//! app's `allowedOrigins` deciding the actual request, over HTTP through the local runner.

use axum::body::Body;
use serde_json::json;

use crate::support::app::{PW, Resp, TestApp, TestAppInfo};
use crate::support::routes::{ADMIN_APPS, GET_USER, LOGIN, SIGNUP};
use crate::support::users::access;

const WEB: &str = "https://app.example.com";
const OTHER_APP_WEB: &str = "https://other.example.com";
const EVIL: &str = "https://evil.example.net";

/// A stack whose deployment answers preflights from `WEB` and `OTHER_APP_WEB`, with one app that
/// lists only `WEB`.
async fn stack() -> (TestApp, TestAppInfo) {
    let t = TestApp::builder()
        .cors_origins(&[WEB, OTHER_APP_WEB])
        .build()
        .await;
    let app = t
        .create_app(json!({"signupFlow": "none", "allowedOrigins": [WEB]}))
        .await;
    (t, app)
}

async fn preflight(t: &TestApp, origin: &str, path: &str) -> Resp {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "app-token,content-type"),
    ];
    let req = TestApp::request("OPTIONS", path, &headers)
        .body(Body::empty())
        .unwrap();
    t.send(req).await
}

/// `body` POSTed as JSON to `path` with the app's token, from a page on `origin`.
async fn from_page(
    t: &TestApp,
    app: &TestAppInfo,
    origin: &str,
    path: &str,
    body: serde_json::Value,
) -> Resp {
    t.post_json(
        path,
        &[("app-token", &app.app_token), ("origin", origin)],
        body,
    )
    .await
}

fn allow_origin(r: &Resp) -> Option<&str> {
    r.headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_is_answered_with_the_sdk_headers() {
    let (t, _) = stack().await;
    let r = preflight(&t, WEB, LOGIN).await;
    assert!(r.status.is_success(), "{}", r.status);
    assert_eq!(allow_origin(&r), Some(WEB));
    let headers = r.headers["access-control-allow-headers"].to_str().unwrap();
    for h in ["app-token", "access-token", "content-type"] {
        assert!(headers.contains(h), "{headers}");
    }
    assert!(!headers.contains("authorization"), "{headers}");
    let methods = r.headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    assert_eq!(r.headers["access-control-max-age"], "600");
    assert!(r.headers["vary"].to_str().unwrap().contains("origin"));
}

#[tokio::test]
async fn a_preflight_from_an_unlisted_origin_gets_no_cors_headers() {
    let (t, _) = stack().await;
    let r = preflight(&t, EVIL, LOGIN).await;
    // Without `Access-Control-Allow-Origin` the browser refuses the preflight and never sends
    // the request.
    assert_eq!(allow_origin(&r), None);
    assert!(r.headers.get("access-control-allow-credentials").is_none());
}

#[tokio::test]
async fn a_request_from_an_origin_the_app_lists_is_served_and_readable() {
    let (t, app) = stack().await;
    let body = json!({"handle": "web@example.com", "password": PW});
    let r = from_page(&t, &app, WEB, SIGNUP, body).await;
    let session = r.ok_json();
    assert_eq!(allow_origin(&r), Some(WEB));
    assert!(r.headers["vary"].to_str().unwrap().contains("origin"));
    // A user-scoped route (access token) from the same page.
    let r = t
        .get(
            GET_USER,
            &[("access-token", &access(&session)), ("origin", WEB)],
        )
        .await;
    assert_eq!(r.ok_json()["handle"], "web@example.com");
    assert_eq!(allow_origin(&r), Some(WEB));
}

#[tokio::test]
async fn a_request_from_an_origin_the_app_does_not_list_is_refused_before_any_work() {
    let (t, app) = stack().await;
    // Listed for the deployment (another app's site), not for this app: refused with 619.
    let body = json!({"handle": "x@example.com", "password": PW});
    let r = from_page(&t, &app, OTHER_APP_WEB, SIGNUP, body.clone()).await;
    r.assert_error(403, 619);
    // Nothing was created: the same handle signs up from the app's own site.
    t.quick_user(&app, "x@example.com", json!({})).await;
    // Listed nowhere: refused, and the browser may not even read the refusal.
    let session = from_page(&t, &app, EVIL, LOGIN, body).await;
    session.assert_error(403, 619);
    assert_eq!(allow_origin(&session), None);
}

#[tokio::test]
async fn an_access_token_used_from_an_unlisted_origin_is_refused() {
    let (t, app) = stack().await;
    let acc = t.quick_access(&app, "a@example.com").await;
    let r = t
        .get(GET_USER, &[("access-token", &acc), ("origin", EVIL)])
        .await;
    r.assert_error(403, 619);
}

#[tokio::test]
async fn an_app_without_allowed_origins_serves_every_client_but_a_browser() {
    let (t, _) = stack().await;
    // An app with no allowedOrigins: no browser client, but every non-browser client works.
    let plain = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&plain, "s@example.com", json!({})).await;
    let body = json!({"handle": "s@example.com", "password": PW});
    let r = from_page(&t, &plain, WEB, LOGIN, body).await;
    r.assert_error(403, 619);
}

#[tokio::test]
async fn allowed_origins_must_be_exact_origins() {
    let t = TestApp::new().await;
    for bad in [
        json!(["*"]),
        json!(["https://app.example.com/"]),
        json!(["https://app.example.com/path"]),
        json!(["app.example.com"]),
        json!("https://app.example.com"),
    ] {
        let create = json!({"name": "Web", "allowedOrigins": bad});
        let r = t.admin("POST", ADMIN_APPS, Some(create)).await;
        r.assert_error(400, 602);
    }
    let app = t
        .create_app(json!({"allowedOrigins": ["http://localhost:3000"]}))
        .await;
    let r = t.show_app(&app).await;
    assert_eq!(
        r.ok_json()["allowedOrigins"],
        json!(["http://localhost:3000"])
    );
}

#[test]
fn the_template_answers_preflights_like_the_local_runner() {
    let template = include_str!("../../../template.yaml");
    let cors = template
        .split("CorsConfiguration:")
        .nth(1)
        .expect("the HttpApi has a CorsConfiguration");
    let block: String = cors.lines().take(20).collect::<Vec<_>>().join("\n");
    assert!(
        block.contains("AllowOrigins: !Ref CorsAllowOrigins"),
        "{block}"
    );
    for h in keyturn::http::cors::ALLOWED_HEADERS {
        assert!(block.contains(h), "{h} in {block}");
    }
    for m in keyturn::http::cors::ALLOWED_METHODS {
        assert!(block.contains(m.as_str()), "{m} in {block}");
    }
    let max_age = format!("MaxAge: {}", keyturn::http::cors::MAX_AGE.as_secs());
    assert!(block.contains(&max_age), "{block}");
}
