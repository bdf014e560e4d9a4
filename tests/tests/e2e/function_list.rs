//! `template.yaml` held to the one list of functions, `keyturn_infra::FUNCTIONS` (each route
//! crate's `ROUTE` descriptor and its bootstrap): the same functions, each built from the
//! bootstrap that serves it, each given by the gateway exactly the routes its descriptor
//! documents and its router serves, and 1,024 MB exactly where the descriptor says it hashes
//! passwords. The template is the one other place that names the functions; this test is why
//! it cannot drift.

use std::collections::{BTreeMap, BTreeSet};

use http_body_util::BodyExt;
use keyturn_infra::{FUNCTIONS, Function};
use tower::ServiceExt;

use crate::support::app::TestApp;

/// One `AWS::Serverless::Function` of the template, as far as the list is concerned.
#[derive(Debug, Default)]
struct Deployed {
    resource: String,
    /// `KEYTURN_FUNCTION`.
    name: String,
    /// `BuildProperties: Binary`.
    binary: String,
    /// The function's own `MemorySize` (none: the `Globals` default).
    memory: Option<String>,
    /// `(Method, Path)` of each `HttpApi` event.
    events: Vec<(String, String)>,
}

/// The template's functions, read line by line (CloudFormation's `!Ref`/`!Sub` tags are not
/// plain YAML, and the template's layout is regular: resources at two spaces, a function's
/// `Properties` at six).
fn deployed() -> Vec<Deployed> {
    let template = include_str!("../../../template.yaml");
    let resources = template
        .split_once("\nResources:\n")
        .expect("a Resources section")
        .1;
    let resources = resources
        .split_once("\nOutputs:")
        .map_or(resources, |r| r.0);
    let mut functions = Vec::new();
    let mut current: Option<Deployed> = None;
    let mut is_function = false;
    let mut method = None;
    for line in resources.lines() {
        if line.len() > 2 && line.starts_with("  ") && !line.starts_with("   ") {
            if is_function {
                functions.extend(current.take());
            }
            let resource = line.trim().trim_end_matches(':').to_owned();
            current = Some(Deployed {
                resource,
                ..Deployed::default()
            });
            is_function = false;
            continue;
        }
        let Some(function) = current.as_mut() else {
            continue;
        };
        let trimmed = line.trim();
        if trimmed == "Type: AWS::Serverless::Function" {
            is_function = true;
        } else if let Some(binary) = trimmed.strip_prefix("Binary: ") {
            binary.clone_into(&mut function.binary);
        } else if let Some(memory) = line.strip_prefix("      MemorySize: ") {
            function.memory = Some(memory.trim().to_owned());
        } else if let Some(name) = trimmed.strip_prefix("KEYTURN_FUNCTION: ") {
            name.clone_into(&mut function.name);
        } else if let Some(m) = trimmed.strip_prefix("Method: ") {
            method = Some(m.to_owned());
        } else if let Some(path) = trimmed.strip_prefix("Path: ") {
            let m = method.take().expect("Method before Path");
            function.events.push((m, path.to_owned()));
        }
    }
    if is_function {
        functions.extend(current);
    }
    assert!(
        functions.len() > 20,
        "the template reading found {functions:?}"
    );
    functions
}

/// `(METHOD, path)` of every operation in `function`'s part of the OpenAPI document.
fn documented(function: &Function) -> BTreeSet<(String, String)> {
    let part = serde_json::to_value((function.route.openapi)()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in part["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// How API Gateway ranks a template route that matches `(method, path)` (a documented path, its
/// `{param}`s standing for any one segment), or `None` when it does not match. A higher rank
/// wins, as the gateway picks the most specific route: no greedy `{proxy+}` first, then more
/// literal segments, then the exact method over `ANY`.
fn rank(route: &(String, String), method: &str, path: &str) -> Option<(bool, usize, bool)> {
    let (route_method, route_path) = route;
    if route_method != "ANY" && route_method != method {
        return None;
    }
    let pattern: Vec<&str> = route_path.trim_start_matches('/').split('/').collect();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut literals = 0;
    for (i, part) in pattern.iter().enumerate() {
        if part.starts_with('{') && part.ends_with("+}") {
            // Greedy: one segment or more, to the end.
            return (segments.len() > i).then_some((false, literals, route_method != "ANY"));
        }
        let segment = segments.get(i)?;
        if part.starts_with('{') {
            continue;
        }
        if part != segment {
            return None;
        }
        literals += 1;
    }
    (segments.len() == pattern.len()).then_some((true, literals, route_method != "ANY"))
}

/// The template functions whose routes the gateway finds most specific for `(method, path)`:
/// one when the template is sound (none: unrouted; two: equally specific routes in two
/// functions, which the gateway would not accept).
fn gateway_targets<'t>(template: &'t [Deployed], method: &str, path: &str) -> Vec<&'t str> {
    let ranked: Vec<_> = template
        .iter()
        .flat_map(|f| f.events.iter().map(move |e| (f, e)))
        .filter_map(|(f, e)| rank(e, method, path).map(|r| (r, f.name.as_str())))
        .collect();
    let best = ranked.iter().map(|(r, _)| *r).max();
    ranked
        .into_iter()
        .filter(|(r, _)| Some(*r) == best)
        .map(|(_, name)| name)
        .collect()
}

#[test]
fn the_template_deploys_each_function_of_the_list_once_with_its_bootstrap() {
    let template = deployed();
    let mut in_template = BTreeMap::new();
    for f in &template {
        assert!(!f.name.is_empty(), "{} has no KEYTURN_FUNCTION", f.resource);
        let twice = in_template.insert(f.name.as_str(), f);
        assert!(twice.is_none(), "the template deploys {} twice", f.name);
    }
    let mut listed = BTreeMap::new();
    for f in FUNCTIONS {
        let twice = listed.insert(f.route.name, f);
        assert!(twice.is_none(), "FUNCTIONS lists {} twice", f.route.name);
    }
    assert_eq!(
        in_template.keys().collect::<Vec<_>>(),
        listed.keys().collect::<Vec<_>>(),
        "template.yaml's KEYTURN_FUNCTIONs vs keyturn_infra::FUNCTIONS"
    );
    for (name, f) in &listed {
        assert_eq!(
            in_template[name].binary,
            f.bootstrap.binary(),
            "{name}: the template builds one bootstrap, FUNCTIONS serves it from another"
        );
    }
    // Every route crate is listed, under its directory's name (`KEYTURN_FUNCTION: login` is
    // `functions/login`).
    let crates: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    let names: BTreeSet<String> = listed.keys().map(|n| (*n).to_owned()).collect();
    assert_eq!(crates, names, "functions/* vs keyturn_infra::FUNCTIONS");
}

#[test]
fn the_gateway_sends_each_function_exactly_the_routes_its_descriptor_documents() {
    let template = deployed();
    for function in FUNCTIONS {
        let name = function.route.name;
        let deployed = template
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} is not in the template"));
        let documented = documented(function);
        assert!(!documented.is_empty(), "{name} documents no route");
        for (method, path) in &documented {
            assert_eq!(
                gateway_targets(&template, method, path),
                [name],
                "{method} {path}, documented by {name}: the template's most specific routes for it \
                 (left) are not {name}'s alone"
            );
        }
        for event in &deployed.events {
            assert!(
                documented.iter().any(|(m, p)| rank(event, m, p).is_some()),
                "{} {} of {} in the template matches no route {name} documents",
                event.0,
                event.1,
                deployed.resource
            );
        }
    }
}

#[test]
fn the_functions_given_memory_for_argon2_are_those_that_hash_passwords() {
    let template = deployed();
    for function in FUNCTIONS {
        let name = function.route.name;
        let memory = template
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.memory.as_deref());
        assert_eq!(
            memory == Some("1024"),
            function.route.hashes_passwords,
            "{name}: MemorySize {memory:?} in the template, hashes_passwords {} in its \
             descriptor (Argon2 is CPU-bound and Lambda's CPU scales with memory)",
            function.route.hashes_passwords
        );
    }
}

/// Each function's router alone (as its bootstrap serves it) answers every route its descriptor
/// documents, so the gateway routes in the template reach a handler.
#[tokio::test]
async fn each_function_router_serves_the_routes_its_descriptor_documents() {
    let t = TestApp::new().await;
    for function in FUNCTIONS {
        for (method, path) in documented(function) {
            let concrete: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let req = http::Request::builder()
                .method(method.as_str())
                .uri(&concrete)
                .header("host", "127.0.0.1:8787")
                .body(axum::body::Body::empty())
                .unwrap();
            let door = keyturn::http::door::<axum::body::Body>(keyturn::http::finish(
                (function.route.router)(),
                t.state.clone(),
            ));
            let resp = door.oneshot(req).await.unwrap();
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let code = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["code"].as_u64());
            assert!(
                !(status == http::StatusCode::NOT_FOUND && code == Some(618)),
                "{method} {concrete}: documented by {}, not routed by its router",
                function.route.name
            );
        }
    }
}
