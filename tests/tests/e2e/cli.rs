//! The `keyturn` CLI as a developer runs it: the real binary against a real `keyturn serve`
//! (spawned on a free loopback port over a temporary data dir), checking what it prints and how
//! it exits. `tests/run.sh` builds the binary first (`cargo build -p keyturn-infra --bin
//! keyturn`); this suite names the build command when the binary is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::app::PW;
use crate::support::aws::unique;
use crate::support::routes::{ADMIN_APPS, SIGNUP};

const KEY: &str = "cli-test-admin-key-0123456789abcdef01234";

/// The `keyturn` binary next to this test binary's `deps` directory.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join("keyturn");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p keyturn-infra --bin keyturn` first",
        bin.display()
    );
    bin
}

/// A running `keyturn serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve() -> Server {
    let dir = std::env::temp_dir().join(unique("keyturn-cli"));
    let port = free_port();
    let child = Command::new(binary())
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(&dir)
        .env("KEYTURN_ADMIN_KEY", KEY)
        .env_remove("KEYTURN_PUBLIC_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Ready when it answers (bounded by attempts, not by time measured).
    let http = keyturn::net::https_client_builder()
        .build()
        .expect("http client");
    for _ in 0..300 {
        if http
            .get(format!("{}{ADMIN_APPS}", server.url))
            .send()
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("keyturn serve did not start on {}", server.url);
}

/// Runs `keyturn <args>` against `url` with `key` in the environment (or none).
fn cli(url: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(binary());
    command
        .args(args)
        .env("KEYTURN_URL", url)
        .env_remove("KEYTURN_ADMIN_KEY");
    if let Some(key) = key {
        command.env("KEYTURN_ADMIN_KEY", key);
    }
    command.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
fn ok(o: Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Asserts success and parses stdout as JSON (`--json` runs).
fn ok_json(o: Output) -> Value {
    let text = ok(o);
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// The line of a `key  value` listing that starts with `key`.
fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no {key} line in:\n{text}"))
}

#[tokio::test]
async fn the_cli_manages_an_app_its_keys_templates_invites_and_users() {
    let server = serve().await;
    let run = |args: &[&str]| cli(&server.url, Some(KEY), args);
    let dir = std::env::temp_dir().join(unique("keyturn-cli-files"));
    std::fs::create_dir_all(&dir).unwrap();

    // app create / list / show / set
    let created = ok_json(run(&[
        "--json",
        "app",
        "create",
        "CLI App",
        "signupFlow=none",
    ]));
    let app_id = created["appId"].as_str().unwrap().to_owned();
    let app_token = created["appToken"].as_str().unwrap().to_owned();
    assert_eq!(created["signupFlow"], "none");
    let listing = ok(run(&["app", "list"]));
    let header = listing.lines().next().unwrap();
    assert!(
        header.starts_with("appId") && header.contains("name"),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with(&app_id) && l.contains("CLI App") && l.contains("active")),
        "{listing}"
    );
    let settings = dir.join("settings.json");
    std::fs::write(
        &settings,
        r#"{"invitationEnabled": true, "userJWTExpiration": 5}"#,
    )
    .unwrap();
    let set = ok(run(&[
        "app",
        "set",
        &app_id,
        "userJWTExpiration=2",
        "googleAppName=My App",
        "--file",
        settings.to_str().unwrap(),
    ]));
    // The key column is as wide as the longest setting name; only the value matters here.
    assert!(line(&set, "userJWTExpiration").ends_with(" 2"), "{set}");
    let shown = ok_json(run(&["--json", "app", "show", &app_id]));
    assert_eq!(shown["userJWTExpiration"], 2);
    assert_eq!(shown["invitationEnabled"], true);
    assert_eq!(shown["googleAppName"], "My App");

    // keys rotate / activate / retire
    let rotated = ok_json(run(&["--json", "keys", "rotate", &app_id]));
    let staged = rotated["stagedKid"].as_str().unwrap().to_owned();
    let activated = ok(run(&["keys", "activate", &app_id]));
    assert!(
        line(&activated, "currentKid").ends_with(&staged),
        "{activated}"
    );
    ok(run(&["keys", "retire", &app_id]));

    // template put / get / delete
    ok(run(&[
        "template",
        "put",
        &app_id,
        "EN",
        "signUp",
        "--subject",
        "Welcome",
        "--text",
        "Code %CODE%",
        "--html",
        "<p>%CODE%</p>",
    ]));
    let template = ok(run(&["template", "get", &app_id, "EN", "signUp"]));
    assert!(
        line(&template, "subject").ends_with("Welcome"),
        "{template}"
    );
    assert!(line(&template, "custom").ends_with("true"), "{template}");
    ok(run(&["template", "delete", &app_id, "EN", "signUp"]));
    let template = ok(run(&["template", "get", &app_id, "EN", "signUp"]));
    assert!(line(&template, "custom").ends_with("false"), "{template}");

    // invite create / list / revoke
    ok(run(&["invite", "create", &app_id, "guest@example.com"]));
    let invites = ok(run(&["invite", "list", &app_id]));
    assert!(
        invites.lines().any(|l| l.starts_with("guest@example.com")),
        "{invites}"
    );
    let revoked = ok(run(&["invite", "revoke", &app_id, "guest@example.com"]));
    assert_eq!(revoked.trim(), "revoked  true");

    // user list / show / suspend / reactivate / revoke / delete
    let signup = keyturn::net::https_client_builder()
        .build()
        .expect("http client")
        .post(format!("{}{SIGNUP}", server.url))
        .header("app-token", &app_token)
        .json(&json!({ "handle": "ada@example.com", "password": PW }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 200);
    let users = ok_json(run(&["--json", "user", "list", &app_id]));
    let user_id = users["users"][0]["userId"].as_str().unwrap().to_owned();
    let table = ok(run(&["user", "list", &app_id, "--search", "ada"]));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&user_id) && l.contains("ada@example.com")),
        "{table}"
    );
    let shown = ok(run(&["user", "show", &app_id, &user_id]));
    assert!(
        line(&shown, "handle").ends_with("ada@example.com"),
        "{shown}"
    );
    let suspended = ok(run(&["user", "suspend", &app_id, &user_id]));
    assert!(
        line(&suspended, "status").ends_with("suspended"),
        "{suspended}"
    );
    let active = ok(run(&["user", "reactivate", &app_id, &user_id]));
    assert!(line(&active, "status").ends_with("active"), "{active}");
    ok(run(&["user", "revoke", &app_id, &user_id]));
    assert_eq!(
        ok(run(&["user", "delete", &app_id, &user_id])).trim(),
        "done"
    );
    let gone = run(&["user", "show", &app_id, &user_id]);
    assert_eq!(gone.status.code(), Some(3), "{}", stderr(&gone));

    // audit: the admin actions on the user, newest first, as a table and as the API's JSON
    let trail = ok_json(run(&["--json", "audit", &app_id, "--user-id", &user_id]));
    let events: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events[..4],
        [
            "admin.user.deleted",
            "admin.user.sessions-revoked",
            "admin.user.reactivated",
            "admin.user.suspended"
        ],
        "{trail}"
    );
    let table = ok(run(&[
        "audit",
        &app_id,
        "--user-id",
        &user_id,
        "--limit",
        "2",
    ]));
    assert!(table.contains("admin.user.deleted"), "{table}");
    assert!(!table.contains("admin.user.suspended"), "{table}");
    assert!(table.contains("--cursor"), "a next-page hint: {table}");
    assert!(!table.contains(KEY), "{table}");
    assert!(
        table.contains(&keyturn::domain::audit::admin_fingerprint(KEY)),
        "the acting key's fingerprint: {table}"
    );

    // app delete (repeats until gone), then the app is unknown
    let deleted = ok(run(&["app", "delete", &app_id, "--batch", "1"]));
    assert_eq!(deleted.trim(), "deleted  true");
    let shown = run(&["app", "show", &app_id]);
    assert_eq!(shown.status.code(), Some(3));
    assert!(stderr(&shown).contains("error 401"), "{}", stderr(&shown));
}

#[tokio::test]
async fn cli_failures_exit_with_distinct_codes_and_print_the_api_error() {
    let server = serve().await;
    let unknown = "0123456789abcdef0123456789abcdef";

    // The API refuses: exit 3 with its code and message; nothing on stdout.
    let o = cli(&server.url, Some(KEY), &["app", "show", unknown]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o).trim(),
        "keyturn: error 401 (HTTP 400): app no longer exist"
    );
    let o = cli(
        &server.url,
        Some("wrong-key-wrong-key-wrong-key-wrong"),
        &["app", "list"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("error 617"), "{}", stderr(&o));

    // No key: a usage error (2), and no request is made.
    let o = cli(&server.url, None, &["app", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("KEYTURN_ADMIN_KEY"), "{}", stderr(&o));

    // Bad arguments: 2.
    let o = cli(
        &server.url,
        Some(KEY),
        &["app", "set", unknown, "no-equals-sign"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = cli(&server.url, Some(KEY), &["app", "frobnicate"]);
    assert_eq!(o.status.code(), Some(2));

    // Nobody listening: a connection error (4).
    let closed = format!("http://127.0.0.1:{}", free_port());
    let o = cli(&closed, Some(KEY), &["app", "list"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot reach"), "{}", stderr(&o));

    // --json prints the API's own JSON.
    let o = cli(&server.url, Some(KEY), &["--json", "app", "list"]);
    assert_eq!(ok_json(o), json!({ "apps": [], "cursor": null }));
}

/// A reader that stops early (`keyturn app list | head -1`) closes the pipe before the table is
/// written: the command still succeeds, without a panic on stderr.
#[tokio::test]
async fn a_reader_that_closes_the_pipe_early_is_not_an_error() {
    let server = serve().await;
    let mut child = Command::new(binary())
        .args(["app", "create", "Piped"])
        .env("KEYTURN_URL", &server.url)
        .env("KEYTURN_ADMIN_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
