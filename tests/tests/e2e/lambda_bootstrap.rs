//! The Lambda bootstrap end to end: the real `keyturn-lambda` binary started the way Lambda
//! starts it (a Runtime API to poll, the function's variables, the role's credentials in
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`), against moto. This is the
//! cold-start path only a deployed function otherwise runs: the SDK configuration built from
//! Lambda's variables, the service secret read at init, the router `KEYTURN_FUNCTION` picks, and
//! API Gateway events answered through the Runtime API.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use keyturn::store::dynamo::DynamoStore;
use serde_json::{Value, json};

use crate::support::aws::{endpoint, sdk_config, unique};
use crate::support::routes::{ADMIN_APPS, GET_APPLICATION, LOGIN};

const ADMIN_KEY: &str = "bootstrap-test-admin-key-0123456789abcdef";

/// The bootstrap the template gives `function`.
fn binary(function: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(if function == "admin" {
        "keyturn-lambda-admin"
    } else {
        "keyturn-lambda"
    });
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p keyturn-infra --bins -p keyturn-lambda-admin` first",
        bin.display()
    );
    bin
}

/// A fake Lambda Runtime API handing out `events` in turn and keeping what the function posts.
#[derive(Clone, Default)]
struct Runtime {
    events: Arc<Mutex<Vec<Value>>>,
    replies: Arc<Mutex<Vec<Value>>>,
    done: Arc<tokio::sync::Notify>,
}

async fn next(State(rt): State<Runtime>) -> axum::response::Response {
    let event = {
        let mut events = rt.events.lock().unwrap();
        (!events.is_empty()).then(|| events.remove(0))
    };
    let Some(event) = event else {
        // Nothing more to hand out: hold the poll, as Lambda does while the instance is idle.
        tokio::time::sleep(Duration::from_secs(60)).await;
        return axum::http::StatusCode::NO_CONTENT.into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", "req-1".parse().unwrap());
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:test"
            .parse()
            .unwrap(),
    );
    (headers, axum::Json(event)).into_response()
}

async fn response(
    State(rt): State<Runtime>,
    UrlPath(_id): UrlPath<String>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let reply = serde_json::from_slice(&body).unwrap_or(Value::Null);
    rt.replies.lock().unwrap().push(reply);
    rt.done.notify_one();
    axum::http::StatusCode::ACCEPTED
}

use axum::response::IntoResponse as _;

/// An API Gateway HTTP API (v2) event.
fn event(method: &str, path: &str, headers: Value, body: Option<Value>) -> Value {
    let mut headers = headers;
    headers["content-type"] = json!("application/json");
    headers["host"] = json!("abc123.execute-api.us-east-1.amazonaws.com");
    let mut ev = json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path,
        "rawQueryString": "", "headers": headers, "isBase64Encoded": false,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "bootstrap-test"},
            "requestId": "r", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "06/Dec/2026:12:00:00 +0000", "timeEpoch": 0
        }
    });
    if let Some(body) = body {
        ev["body"] = json!(body.to_string());
    }
    ev
}

/// The deployment a function runs in: a table and a service secret in moto.
struct Deployment {
    table: String,
    prefix: String,
}

async fn deployment() -> Deployment {
    let sdk = sdk_config().await;
    let table = unique("bootstrap");
    DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(&sdk), &table)
        .await
        .unwrap();
    let prefix = format!("keyturn/{}", unique("bootstrap"));
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(format!("{prefix}/service"))
        .secret_string(json!({"master": "0123456789abcdef0123456789abcdef0123"}).to_string())
        .send()
        .await
        .unwrap();
    Deployment { table, prefix }
}

/// Runs `function` as a Lambda instance for `events`; returns its replies (the function's
/// `{statusCode, headers, body}` objects) in order.
async fn run(
    d: &Deployment,
    function: &str,
    events: Vec<Value>,
    env: &[(&str, &str)],
) -> Vec<Value> {
    let rt = Runtime::default();
    let wanted = events.len();
    *rt.events.lock().unwrap() = events;
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let child = lambda_process(d, function, &api.to_string(), env)
        .spawn()
        .unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while rt.replies.lock().unwrap().len() < wanted {
            rt.done.notified().await;
        }
    })
    .await;
    server.abort();
    if waited.is_err() {
        let out = child.wait_with_output().await.unwrap();
        panic!(
            "{function}: no reply within 60 s; logs: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(child);
    rt.replies.lock().unwrap().clone()
}

/// The function's process with Lambda's environment and nothing inherited but `PATH` (no
/// profile, no home directory configuration to fall back on).
fn lambda_process(
    d: &Deployment,
    function: &str,
    runtime_api: &str,
    env: &[(&str, &str)],
) -> tokio::process::Command {
    lambda_process_on(binary(function), d, function, runtime_api, env)
}

/// [`lambda_process`] on a given bootstrap binary.
fn lambda_process_on(
    bin: PathBuf,
    d: &Deployment,
    function: &str,
    runtime_api: &str,
    env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_SESSION_TOKEN", "testing")
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("KEYTURN_FUNCTION", function)
        .env("KEYTURN_TABLE", &d.table)
        .env("KEYTURN_SECRET_PREFIX", &d.prefix)
        .env("KEYTURN_MAIL_FROM", "no-reply@example.com")
        .env(
            "KEYTURN_ADMIN_KEY_SHA256",
            keyturn::crypto::sha256_hex(ADMIN_KEY),
        )
        .env("RUST_LOG", "warn")
        // Logs are JSON lines on stdout, as Lambda collects them.
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn body(reply: &Value) -> Value {
    serde_json::from_str(reply["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_bootstrap_serves_events_with_credentials_from_lambdas_variables() {
    let d = deployment().await;
    let auth = json!({"authorization": format!("Bearer {ADMIN_KEY}")});
    let replies = run(
        &d,
        "admin",
        vec![
            event(
                "POST",
                ADMIN_APPS,
                auth.clone(),
                Some(json!({"name": "Boot"})),
            ),
            // The admin function serves only its own routes.
            event("GET", GET_APPLICATION, json!({}), None),
        ],
        &[],
    )
    .await;
    assert_eq!(replies[0]["statusCode"], 200, "{}", replies[0]);
    let created = body(&replies[0]);
    let token = created["appToken"].as_str().unwrap().to_owned();
    assert_eq!(replies[1]["statusCode"], 404, "{}", replies[1]);

    // Another function, another cold start, the same table: it reads what the first wrote.
    let replies = run(
        &d,
        "get-application",
        vec![event(
            "GET",
            GET_APPLICATION,
            json!({"app-token": token}),
            None,
        )],
        &[],
    )
    .await;
    assert_eq!(replies[0]["statusCode"], 200, "{}", replies[0]);
    assert_eq!(body(&replies[0])["name"], "Boot");

    // A hashing function (its Argon2 buffer is reserved as the first request arrives): an
    // unknown handle costs a full verify and answers 600, twice on the same instance.
    let password = "5f4dcc3b5aa765d61d8327deb882cf99";
    let login = || {
        let body = json!({"handle": "nobody@example.com", "password": password});
        event("POST", LOGIN, json!({"app-token": token}), Some(body))
    };
    let replies = run(&d, "login", vec![login(), login()], &[]).await;
    for reply in &replies {
        assert_eq!(body(reply)["code"], 600, "{reply}");
    }
}

/// Runs a bootstrap that must not start: it exits (no Runtime API is ever polled) with a
/// failure. Returns its logs (stdout) and stderr.
async fn failed_start(mut cmd: tokio::process::Command) -> (String, String) {
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("the bootstrap exits instead of waiting")
        .unwrap();
    assert!(!out.status.success());
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn without_the_roles_credentials_the_cold_start_fails_and_says_why() {
    let d = deployment().await;
    let mut cmd = lambda_process(&d, "get-application", "127.0.0.1:9", &[]);
    cmd.env_remove("AWS_ACCESS_KEY_ID");
    let (logs, _) = failed_start(cmd).await;
    assert!(logs.contains("cold start failed"), "{logs}");
    assert!(logs.contains("AWS_ACCESS_KEY_ID"), "{logs}");
}

#[tokio::test]
async fn without_the_service_secret_the_cold_start_fails_and_says_why() {
    let mut d = deployment().await;
    d.prefix = format!("keyturn/{}", unique("absent"));
    let (logs, _) = failed_start(lambda_process(&d, "get-application", "127.0.0.1:9", &[])).await;
    assert!(logs.contains("cold start failed"), "{logs}");
    assert!(logs.contains("is missing"), "{logs}");
}

#[tokio::test]
async fn a_plain_http_jwks_url_off_loopback_fails_the_cold_start_and_says_why() {
    let d = deployment().await;
    // The override exists for tests on loopback; anywhere else keys must come over TLS.
    let off_loopback = [(
        "KEYTURN_GOOGLE_JWKS_URL",
        "http://keys.example.com/oauth2/v3/certs",
    )];
    let cmd = lambda_process(&d, "social-login", "127.0.0.1:9", &off_loopback);
    let (logs, _) = failed_start(cmd).await;
    assert!(logs.contains("cold start failed"), "{logs}");
    assert!(logs.contains("must be https://"), "{logs}");
}

#[tokio::test]
async fn the_end_user_bootstrap_does_not_serve_the_admin_function() {
    let d = deployment().await;
    let (_, stderr) = failed_start(lambda_process_on(
        binary("login"),
        &d,
        "admin",
        "127.0.0.1:9",
        &[],
    ))
    .await;
    assert!(
        stderr.contains("names no function of this bootstrap"),
        "{stderr}"
    );
}

/// Puts `value` as the deployment's service secret (a new version in Secrets Manager).
async fn put_service_secret(d: &Deployment, value: String) {
    aws_sdk_secretsmanager::Client::new(&sdk_config().await)
        .put_secret_value()
        .secret_id(format!("{}/service", d.prefix))
        .secret_string(value)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rotated_service_secret_serves_and_a_replaced_one_fails_the_cold_start() {
    let d = deployment().await;
    let auth = json!({"authorization": format!("Bearer {ADMIN_KEY}")});
    let create = event("POST", ADMIN_APPS, auth, Some(json!({"name": "Rot"})));
    let replies = run(&d, "admin", vec![create], &[]).await;
    assert_eq!(replies[0]["statusCode"], 200, "{}", replies[0]);
    let token = body(&replies[0])["appToken"].as_str().unwrap().to_owned();

    // Rotated as the runbook says: a staged version, then activated; the app token made under
    // version 1 opens the app on a fresh cold start after each.
    let current = json!({"master": "0123456789abcdef0123456789abcdef0123"}).to_string();
    let staged = keyturn::crypto::keyring::ServiceSecret::parse(&current)
        .unwrap()
        .staged_with("fedcba9876543210fedcba9876543210fedcba98".into())
        .unwrap();
    let get_app = || event("GET", GET_APPLICATION, json!({"app-token": token}), None);
    for value in [staged.clone(), staged.activated(None).unwrap()] {
        put_service_secret(&d, value.to_json()).await;
        let replies = run(&d, "get-application", vec![get_app()], &[]).await;
        assert_eq!(replies[0]["statusCode"], 200, "{}", replies[0]);
    }

    // Replaced by an unrelated value: the cold start refuses, and says why without the secret.
    let replaced = json!({"master": "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6"}).to_string();
    put_service_secret(&d, replaced).await;
    let (logs, _) = failed_start(lambda_process(&d, "get-application", "127.0.0.1:9", &[])).await;
    assert!(logs.contains("cold start failed"), "{logs}");
    assert!(logs.contains("refusing to start"), "{logs}");
    assert!(!logs.contains("a1b2c3d4e5f6"), "{logs}");
}
