//! DynamoDB under load: a proxy in front of moto answers a chosen share of DynamoDB requests with
//! `ProvisionedThroughputExceededException`, exactly as DynamoDB does (HTTP 400, an awsJson 1.0
//! `__type`). The store's client is built with the production retry policy
//! ([`keyturn::net::retry_config`]), so these tests show that policy carrying flows through
//! throttling, and that a request it cannot carry answers 503 with `Retry-After`, writes nothing,
//! and passes when sent again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp};
use crate::support::aws;
use crate::support::users::access;

/// What DynamoDB answers a request over the table's throughput.
const THROTTLED_BODY: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}"#;

/// A forwarding proxy to moto that throttles DynamoDB requests.
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    /// 0: none; 1: every DynamoDB request; n: every n-th.
    every: AtomicU32,
    seen: AtomicU32,
    throttled: AtomicU32,
}

impl Proxy {
    /// Starts one on a loopback port; returns it and its URL.
    async fn start() -> (Arc<Proxy>, String) {
        let proxy = Arc::new(Proxy {
            upstream: aws::endpoint(),
            client: keyturn::net::https_client_builder().build().unwrap(),
            every: AtomicU32::new(0),
            seen: AtomicU32::new(0),
            throttled: AtomicU32::new(0),
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (proxy, url)
    }

    /// Throttles every `n`-th DynamoDB request from now on (0: none, 1: all).
    fn throttle_every(&self, n: u32) {
        self.seen.store(0, Ordering::SeqCst);
        self.every.store(n, Ordering::SeqCst);
    }
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let dynamodb = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("DynamoDB_20120810."));
    if dynamodb {
        let n = p.seen.fetch_add(1, Ordering::SeqCst) + 1;
        let throttle = match p.every.load(Ordering::SeqCst) {
            0 => false,
            every => n % every == 0,
        };
        if throttle {
            p.throttled.fetch_add(1, Ordering::SeqCst);
            return (
                http::StatusCode::BAD_REQUEST,
                [("content-type", "application/x-amz-json-1.0")],
                THROTTLED_BODY,
            )
                .into_response();
        }
    }
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
    let uri = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut out = p
        .client
        .request(parts.method, format!("{}{uri}", p.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            out = out.header(name, value);
        }
    }
    let resp = out.send().await.unwrap();
    let mut answer = Response::builder().status(resp.status());
    for (name, value) in resp.headers() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            answer = answer.header(name, value);
        }
    }
    answer
        .body(Body::from(resp.bytes().await.unwrap()))
        .unwrap()
}

/// A stack over a fresh DynamoDB table reached through a throttling proxy (throttling nothing
/// until told).
async fn throttled_stack() -> (TestApp, Arc<Proxy>) {
    let (proxy, url) = Proxy::start().await;
    let t = TestApp::builder().dynamodb_through(&url).build().await;
    (t, proxy)
}

/// Every second DynamoDB request is throttled: the SDK's retries carry every step of a
/// signup, login, password change and reset through, and nothing answers an error.
#[tokio::test]
async fn the_retry_policy_carries_flows_through_a_throttled_share_of_requests() {
    let (t, proxy) = throttled_stack().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    proxy.throttle_every(2);

    let acc = access(&t.quick_user(&app, "busy@x.com", json!({})).await);
    t.login(&app, "busy@x.com", PW).await.assert_session();
    t.change_password(&acc, PW, OTHER_PW).await.assert_true();
    t.forgot_password(&app, "busy@x.com").await.assert_true();
    let code = t.last_code_for("busy@x.com");
    t.reset_password(&app, "busy@x.com", PW, &code)
        .await
        .assert_true();
    t.login(&app, "busy@x.com", PW).await.assert_session();

    let throttled = proxy.throttled.load(Ordering::SeqCst);
    assert!(throttled >= 10, "only {throttled} requests were throttled");
}

/// DynamoDB keeps shedding every request: the client gets 503 (code 503) with `Retry-After`,
/// not a 500; nothing was half-written, so the same signup passes once the load is gone, and
/// the account is whole (it logs in; a second signup of the handle is refused as taken).
#[tokio::test]
async fn a_request_the_retries_cannot_carry_answers_503_and_passes_when_sent_again() {
    let (t, proxy) = throttled_stack().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "here@x.com", json!({})).await;
    proxy.throttle_every(1);

    let refused = t.login(&app, "here@x.com", PW).await;
    refused.assert_error(503, 503);
    assert_eq!(refused.headers["retry-after"], "2");
    // Every call login made was tried four times (the policy's attempts), then given up.
    let throttled = proxy.throttled.load(Ordering::SeqCst);
    assert!(
        throttled >= 4 && throttled % 4 == 0,
        "{throttled} throttled answers"
    );
    let body = json!({"handle": "new@x.com", "password": PW});
    t.signup(&app, body.clone()).await.assert_error(503, 503);

    proxy.throttle_every(0);
    t.signup(&app, body.clone()).await.assert_session();
    t.login(&app, "new@x.com", PW).await.assert_session();
    t.signup(&app, body).await.assert_error(400, 601);
    t.login(&app, "here@x.com", PW).await.assert_session();
}
