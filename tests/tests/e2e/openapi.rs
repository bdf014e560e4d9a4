//! The OpenAPI document at `GET /openapi.json`: valid OpenAPI 3.1 (checked by
//! `openapi-spec-validator` from the tools venv `tests/run.sh` manages), and in step with the
//! routers (every registered route documented, every documented route registered and served).
//! `function_list.rs` holds `template.yaml`'s gateway routes to each function's part of it.
//!
//! Documenting a new route: put `#[utoipa::path(...)]` on its handler (copy a neighbour's) and
//! add the handler to its module's `Doc` (`paths(...)`); a new route crate points its `ROUTE`
//! descriptor's `openapi` at its `Doc`, and joins the document by joining
//! `keyturn_infra::FUNCTIONS`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::app::TestApp;
use crate::support::routes::LOGIN;

/// Routes the document leaves out on purpose: the local runner's outbox and its fake social
/// issuer (`--fake-social`) are never routed in Lambda; the developer console's page and files
/// are a web page, not API (no client or SDK generator has use for them, and schemathesis would
/// only fetch static files).
const UNDOCUMENTED: &[(&str, &str)] = &[
    ("GET", "/admin/console"),
    ("GET", "/admin/console/{}"),
    ("GET", "/local/outbox"),
    ("GET", "/local/social/{}/keys"),
    ("POST", "/local/social/token"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `/apps/{app_id}/x` and `/apps/{appId}/x` alike: parameter names are the router's business.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

async fn served_document(t: &TestApp) -> Value {
    let r = t.get("/openapi.json", &[]).await;
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.ok_json()
}

/// `(METHOD, normalised path)` of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), normalise(path)));
            }
        }
    }
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The route crates' sources.
fn files_with_route_crates() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&repo().join("functions"), &mut files);
    files
}

/// `(METHOD, normalised path)` of every `.route("path", get(..).post(..))` in the function
/// crates and the runner, and of every route a `route_crate!` declares: what the routers
/// register, read from their source.
fn registered() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&repo().join("functions"), &mut files);
    rust_files(&repo().join("infra/src"), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + ".route(".len()..];
            let open = rest.find('"').unwrap();
            let close = open + 1 + rest[open + 1..].find('"').unwrap();
            let path = &rest[open + 1..close];
            // The method chain runs to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            let chain = &rest[close..end];
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                let call = format!("{method}(");
                let hits = chain.match_indices(&call).any(|(i, _)| {
                    i == 0 || !chain[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if hits {
                    routes.insert((method.to_uppercase(), normalise(path)));
                    found = true;
                }
            }
            assert!(found, "no method for {path} in {}", file.display());
        }
    }
    // Route crates declare theirs in `keyturn::route_crate!("name", …, "path" => get(a).post(b), …)`.
    for file in files_with_route_crates() {
        let text = std::fs::read_to_string(&file).unwrap();
        let Some(at) = text.find("route_crate!(") else {
            continue;
        };
        let body = &text[at..at + text[at..].find(");").unwrap()];
        for (arrow, _) in body.match_indices("\" =>") {
            let path_start = body[..arrow].rfind('"').unwrap() + 1;
            let path = &body[path_start..arrow];
            let chain = body[arrow + 4..].split([',', '\n']).next().unwrap();
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                if chain.trim_start().starts_with(&format!("{method}("))
                    || chain.contains(&format!(".{method}("))
                {
                    routes.insert((method.to_uppercase(), normalise(path)));
                    found = true;
                }
            }
            assert!(found, "no method for {path} in {}", file.display());
        }
    }
    for (method, path) in UNDOCUMENTED {
        assert!(
            routes.remove(&((*method).to_owned(), (*path).to_owned())),
            "{method} {path} is no longer registered: drop it from UNDOCUMENTED"
        );
    }
    routes
}

#[tokio::test]
async fn every_registered_route_is_documented_and_every_documented_route_registered() {
    let t = TestApp::new().await;
    let documented = documented(&served_document(&t).await);
    let registered = registered();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes without #[utoipa::path] (or missing from their module's Doc): {undocumented:?}"
    );
    assert!(
        unregistered.is_empty(),
        "documented routes no router registers: {unregistered:?}"
    );
    // The source reading above found the routers' routes, not nothing.
    assert!(registered.len() > 30, "{registered:?}");
}

#[tokio::test]
async fn every_documented_operation_is_served_by_the_merged_router() {
    let t = TestApp::new().await;
    let doc = served_document(&t).await;
    for (method, path) in documented(&doc) {
        let concrete = path.replacen("{}", "x", 2).replace("{}", "suspend");
        let req = http::Request::builder()
            .method(method.as_str())
            .uri(&concrete)
            .header("host", "127.0.0.1:8787")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = t.send(req).await;
        let unrouted = r.status == 404 && r.text.contains("618")
            || r.status == http::StatusCode::METHOD_NOT_ALLOWED;
        assert!(!unrouted, "{method} {concrete}: {} {}", r.status, r.text);
    }
}

/// `openapi-spec-validator` from the tools venv (`tests/run.sh` installs it with moto).
fn validator() -> PathBuf {
    let dir = std::env::var("KEYTURN_TOOLS_DIR").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/keyturn-tools"),
        PathBuf::from,
    );
    let bin = dir.join("venv/bin/openapi-spec-validator");
    assert!(
        bin.exists(),
        "{} is missing: run tests/run.sh once (it installs the tools venv)",
        bin.display()
    );
    bin
}

fn validate(doc: &Value) -> (bool, String) {
    let file = std::env::temp_dir().join(crate::support::aws::unique("openapi") + ".json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = std::process::Command::new(validator())
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let t = TestApp::new().await;
    let doc = served_document(&t).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let (ok, report) = validate(&doc);
    assert!(ok, "{report}");
    // The validator does refuse a broken document (a response without its description).
    let mut broken = doc.clone();
    broken["paths"][LOGIN]["post"]["responses"]["200"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    let (ok, _) = validate(&broken);
    assert!(
        !ok,
        "the validator accepted a response without a description"
    );
}

#[tokio::test]
async fn the_document_names_the_auth_headers_the_error_shape_and_both_body_encodings() {
    let t = TestApp::new().await;
    let doc = served_document(&t).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["app_token"]["name"], "app-token");
    assert_eq!(schemes["app_token"]["in"], "header");
    assert_eq!(schemes["access_token"]["name"], "access-token");
    assert_eq!(schemes["admin_key"]["scheme"], "bearer");
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["code", "message"]));
    let login = &doc["paths"][LOGIN]["post"];
    let content = login["requestBody"]["content"].as_object().unwrap();
    assert!(content.contains_key("application/json"));
    assert!(content.contains_key("application/x-www-form-urlencoded"));
    assert_eq!(
        login["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    assert_eq!(login["security"], serde_json::json!([{"app_token": []}]));
    let signup = &doc["components"]["schemas"]["SignupRequest"];
    assert_eq!(
        signup["required"],
        serde_json::json!(["handle", "password"])
    );
    let app = &doc["paths"]["/admin/apps/{appId}"]["patch"];
    assert_eq!(app["security"], serde_json::json!([{"admin_key": []}]));
    // A flattened record is one object: the app view lists its settings beside its own fields.
    let view = &doc["components"]["schemas"]["AppView"]["properties"];
    assert!(view.get("appToken").is_some() && view.get("allowedOrigins").is_some());
}

/// Found by schemathesis: axum answered a known path with another method by an empty 405,
/// breaking the `{code, message}` contract every route documents.
#[tokio::test]
async fn a_known_path_with_a_method_it_does_not_take_answers_the_json_error() {
    let t = TestApp::new().await;
    for (method, path) in [
        ("POST", "/admin/apps/x/users/y"),
        ("DELETE", LOGIN),
        ("PUT", "/openapi.json"),
    ] {
        let req = TestApp::request(method, path, &[])
            .body(axum::body::Body::empty())
            .unwrap();
        t.send(req).await.assert_error(404, 618);
    }
}
