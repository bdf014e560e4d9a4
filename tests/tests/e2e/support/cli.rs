//! The real `keyturn` binary: a `keyturn serve` spawned on a free loopback port over a temporary
//! data dir, and CLI runs against it (the CLI suites share these).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::support::aws::unique;
use crate::support::routes::ADMIN_APPS;

/// The admin key the spawned server is given.
pub const KEY: &str = "cli-test-admin-key-0123456789abcdef01234";

/// The `keyturn` binary next to this test binary's `deps` directory, or the one
/// `KEYTURN_TEST_BINARY` names: several checkouts sharing one target directory overwrite each
/// other's uplifted `keyturn`, so a run can pin a copy of its own build.
pub fn binary() -> PathBuf {
    if let Some(pinned) = std::env::var_os("KEYTURN_TEST_BINARY") {
        return PathBuf::from(pinned);
    }
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
pub struct Server {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// Its data directory (its SQLite store is `keyturn.sqlite3` there).
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `keyturn serve` over a fresh data directory and waits until it answers.
pub async fn serve() -> Server {
    serve_in(&std::env::temp_dir().join(unique("keyturn-cli"))).await
}

impl Server {
    /// Kills the process with SIGKILL, as a crash or an OOM kill would: no shutdown path runs.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `keyturn serve` over `dir` (created, or reopened after a restart) on a free port and
/// waits until it answers.
pub async fn serve_in(dir: &Path) -> Server {
    let port = free_port();
    let child = Command::new(binary())
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir)
        .env("KEYTURN_ADMIN_KEY", KEY)
        .env_remove("KEYTURN_PUBLIC_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir: dir.to_path_buf(),
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
pub fn cli(url: &str, key: Option<&str>, args: &[&str]) -> Output {
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
