//! The developer console (`GET /admin/console` and its files, `functions/admin/console/`): served
//! without the admin key by the merged router and by the admin function's router alone, each
//! file with its media type and the console's security headers, nothing outside the fixed list
//! reachable, the sources free of the calls that would turn an API value into markup or keep the
//! key beyond the tab, and the whole within the 60 KB budget. The page's behaviour is
//! tested in a real browser by `tests/browser/` (run by `tests/run.sh`).

use std::path::PathBuf;

use tower::ServiceExt;

use crate::support::app::{Resp, TestApp};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; frame-ancestors 'none'; form-action 'none'";

fn console_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../functions/admin/console")
}

/// `(file name, its text)` of every console file on disk.
fn sources() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(console_dir())
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The URL each file is served at: the page at `/admin/console`, the rest beside it.
fn url(name: &str) -> String {
    if name == "index.html" {
        "/admin/console".to_owned()
    } else {
        format!("/admin/console/{name}")
    }
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        other => panic!("a console file of unexpected type {other:?}: add its media type"),
    }
}

fn assert_console_headers(r: &Resp, name: &str) {
    assert_eq!(r.status, 200, "{name}: {}", r.text);
    let header = |h: &str| r.headers.get(h).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("content-type").as_deref(), Some(media_type(name)));
    assert_eq!(header("content-security-policy").as_deref(), Some(CSP));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
}

#[tokio::test]
async fn every_console_file_is_served_without_a_key_with_its_type_and_the_security_headers() {
    let t = TestApp::new().await;
    let files = sources();
    assert!(
        files.len() >= 4,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, text) in &files {
        let r = t.get(&url(name), &[]).await;
        assert_console_headers(&r, name);
        assert_eq!(&r.text, text, "{name}: the served file is the one on disk");
    }
}

#[tokio::test]
async fn the_admin_function_alone_serves_the_console() {
    let t = TestApp::new().await;
    let admin = keyturn_infra::FUNCTIONS
        .iter()
        .find(|f| f.route.name == "admin")
        .unwrap();
    for (name, _) in sources() {
        let door = keyturn::http::door::<axum::body::Body>(keyturn::http::finish(
            (admin.route.router)(),
            t.state.clone(),
        ));
        let req = TestApp::request("GET", &url(&name), &[])
            .body(axum::body::Body::empty())
            .unwrap();
        let r = Resp::read(door.oneshot(req).await.unwrap()).await;
        assert_console_headers(&r, &name);
    }
}

#[tokio::test]
async fn nothing_but_the_listed_files_is_reachable_under_the_console() {
    let t = TestApp::new().await;
    for path in [
        "/admin/console/index.html",
        "/admin/console/nope.js",
        "/admin/console/..%2F..%2FCargo.toml",
        "/admin/console/%2e%2e",
        "/admin/console/console.js/x",
    ] {
        t.get(path, &[]).await.assert_error(404, 618);
    }
    // The page's other methods are not routes either.
    let req = TestApp::request("POST", "/admin/console", &[])
        .body(axum::body::Body::empty())
        .unwrap();
    t.send(req).await.assert_error(404, 618);
}

#[test]
fn the_page_loads_only_files_the_server_serves() {
    let files = sources();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let page = &files.iter().find(|(n, _)| n == "index.html").unwrap().1;
    for needed in ["console/console.js", "console/console.css"] {
        assert!(
            page.contains(&format!("\"{needed}\"")),
            "index.html loads {needed}"
        );
    }
    for (name, text) in &files {
        for (at, _) in text.match_indices("from './") {
            let rest = &text[at + "from './".len()..];
            let module = &rest[..rest.find('\'').unwrap()];
            assert!(
                names.contains(&module),
                "{name} imports {module}, not a console file"
            );
        }
    }
}

/// What would undo the page's defences: markup from strings (an API value becoming HTML),
/// code from strings (which the CSP refuses anyway), and storage that outlives the tab.
#[test]
fn the_sources_never_build_markup_from_strings_nor_keep_the_key_beyond_the_tab() {
    let forbidden = [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "localStorage",
        "document.cookie",
        "eval(",
        "new Function",
        "setTimeout('",
    ];
    for (name, text) in sources() {
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for f in forbidden {
                assert!(!line.contains(f), "{name}:{}: {f}", n + 1);
            }
        }
    }
}

/// The budget (60 KB uncompressed): the console is readable source, not a bundle.
#[test]
fn the_console_stays_within_its_budget() {
    let total: usize = sources().iter().map(|(_, t)| t.len()).sum();
    assert!(total <= 60_000, "the console's files take {total} bytes");
}

/// The one place a string becomes a document: the template preview's `srcdoc`, in a frame
/// sandboxed with no permission at all (no scripts, an opaque origin), so markup from a
/// template is shown but never runs and could not reach the page holding the key.
#[test]
fn only_a_fully_sandboxed_frame_takes_markup() {
    let files = sources();
    let users: Vec<&str> = files
        .iter()
        .filter(|(_, t)| t.contains("srcdoc"))
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(users, ["templates.js"]);
    let text = &files.iter().find(|(n, _)| n == "templates.js").unwrap().1;
    assert!(
        text.contains("h('iframe', { sandbox: '',"),
        "the frame is sandboxed"
    );
    for (name, text) in &files {
        assert!(!text.contains("allow-"), "{name} loosens a sandbox");
        assert!(
            !text.contains("'iframe'") || name == "templates.js",
            "{name}"
        );
    }
}
