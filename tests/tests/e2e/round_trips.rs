//! Store round trips per flow, counted through a wrapper around the real store and secrets:
//! what a warm instance pays per request. The README's Performance section lists these; a
//! change in a count fails here first, so the table stays true.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use keyturn::clock::{Clock, ManualClock};
use keyturn::secrets::local::KeyFileStore;
use keyturn::secrets::{SecretStore, SecretsError};
use keyturn::store::sqlite::SqliteStore;
use keyturn::store::{ItemStore, Key};
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo};
use crate::support::routes::{FORGOT_PASSWORD, GET_APPLICATION, GET_USER, SET_LOCALE};
use crate::support::store::HookedStore;
use crate::support::users::access;

/// Every store and secret call, in order, as `op kind` (the kind is the key's sort-key stem, so
/// the log names items without ids).
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Log {
    fn push(&self, op: &str, key: &Key) {
        self.0.lock().unwrap().push(format!("{op} {}", kind(key)));
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The item kind: the sort key up to its first `#` (or the partition's stem when the sort key
/// is a constant), so `login-tries` counters of any handle log alike.
fn kind(key: &Key) -> String {
    let stem = |s: &str| s.split('#').next().unwrap_or(s).to_owned();
    let (pk, sk) = (stem(&key.pk), stem(&key.sk));
    if sk.is_empty() || sk == pk {
        pk
    } else {
        format!("{pk}/{sk}")
    }
}

struct CountingSecrets {
    inner: Arc<dyn SecretStore>,
    log: Arc<Log>,
}

#[async_trait]
impl SecretStore for CountingSecrets {
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError> {
        self.log.0.lock().unwrap().push("secret-get".into());
        self.inner.get(name).await
    }
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        self.log.0.lock().unwrap().push("secret-put".into());
        self.inner.put(name, value).await
    }
    async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        self.log.0.lock().unwrap().push("secret-delete".into());
        self.inner.delete(name).await
    }
}

/// The local stack over SQLite, with every store and secret call logged.
async fn counted_app() -> (TestApp, Arc<Log>) {
    let log = Arc::new(Log::default());
    let clock = ManualClock::at(1_795_000_000_000);
    let dir = std::env::temp_dir().join(crate::support::aws::unique("keyturn-trips"));
    std::fs::create_dir_all(&dir).unwrap();
    let clock_dyn: Arc<dyn Clock> = Arc::new(clock.clone());
    let sqlite: Arc<dyn ItemStore> =
        Arc::new(SqliteStore::open(&dir.join("store.sqlite3"), clock_dyn).unwrap());
    let counted = log.clone();
    let store = HookedStore {
        inner: sqlite,
        hook: move |op: &str, key: &Key| {
            counted.push(op, key);
            Ok(())
        },
    };
    let secrets = CountingSecrets {
        inner: Arc::new(KeyFileStore::open(&dir.join("secrets.json")).unwrap()),
        log: log.clone(),
    };
    let app = TestApp::builder()
        .clock(clock)
        .dir(dir)
        .store(Arc::new(store))
        .secrets(Arc::new(secrets))
        .build()
        .await;
    (app, log)
}

async fn warm_user(app: &TestApp, log: &Log) -> (TestAppInfo, String) {
    let info = app
        .create_app(json!({"signupFlow": "none", "userNamesEnabled": true}))
        .await;
    let session = app.quick_user(&info, "bob@example.com", json!({})).await;
    // Warm: one login first, so caches (secrets, parsed keys) are as a warm instance has them.
    app.login(&info, "bob@example.com", PW).await.ok_json();
    log.take();
    (info, access(&session))
}

fn reads(log: &[String]) -> usize {
    log.iter()
        .filter(|l| l.starts_with("get ") || l.starts_with("query "))
        .count()
}

fn writes(log: &[String]) -> usize {
    log.iter()
        .filter(|l| !(l.starts_with("get ") || l.starts_with("query ")))
        .count()
}

#[tokio::test]
async fn a_warm_login_reads_app_claim_user_and_limits_and_writes_once() {
    let (app, log) = counted_app().await;
    let (info, _) = warm_user(&app, &log).await;

    app.login(&info, "bob@example.com", PW).await.ok_json();
    let trips = log.take();
    println!(
        "warm login: {} reads, {} writes: {trips:#?}",
        reads(&trips),
        writes(&trips)
    );

    assert!(!trips.iter().any(|t| t.starts_with("secret")), "{trips:?}");
    // The handle claim and the user, plus the password guard's two limit records (the handle's
    // failures and the address's failure counter), read together with the claim; the app is
    // served from the warm cache.
    let mut read: Vec<&str> = trips
        .iter()
        .filter(|t| t.starts_with("get ") || t.starts_with("query "))
        .map(String::as_str)
        .collect();
    read.sort_unstable();
    assert_eq!(
        read,
        [
            "get APP/HANDLE",
            "get APP/LIMIT",
            "get APP/LOGIN",
            "get USER"
        ],
        "{trips:?}"
    );
    // One write: the last-login time and this address's vouch (it proved the account, so it
    // passes a ceiling strangers keep full), committed with the checks that neither limit
    // record moved since it was read (see password_check.rs: why that keeps parallel guesses
    // from racing past a limit).
    assert_eq!(
        trips
            .iter()
            .filter(|t| !read.contains(&t.as_str()))
            .collect::<Vec<_>>(),
        ["transact(4) USER/LOGIN"],
        "{trips:?}"
    );
}

#[tokio::test]
async fn token_verified_reads_only_read() {
    let (app, log) = counted_app().await;
    let (info, token) = warm_user(&app, &log).await;

    app.get_user(&token).await.ok_json();
    let get_user = log.take();
    app.get_application(&info.app_token).await.ok_json();
    let get_application = log.take();
    println!("getUser: {get_user:?}\ngetApplication: {get_application:?}");

    assert_eq!(writes(&get_user) + writes(&get_application), 0);
    assert!(
        !get_user
            .iter()
            .chain(&get_application)
            .any(|t| t.starts_with("secret"))
    );
    assert_eq!(
        reads(&get_application),
        0,
        "the warm cache: {get_application:?}"
    );
    assert_eq!(
        reads(&get_user),
        2,
        "the user and its last login (kept apart so a login never rewrites the user); the app is cached: {get_user:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_costs_the_same_reads_and_writes_only_the_limits_and_its_audit_entry() {
    let (app, log) = counted_app().await;
    let (info, _) = warm_user(&app, &log).await;

    let r = app.login(&info, "bob@example.com", OTHER_PW).await;
    r.assert_error(400, 600);
    let trips = log.take();
    println!("failed login: {trips:#?}");
    assert_eq!(reads(&trips), 4, "{trips:?}");
    assert_eq!(
        writes(&trips),
        3,
        "the address's failure counter, the handle's failures and the audit entry: {trips:?}"
    );
}

/// The per-route table of the README's Performance section: (reads, writes) of one warm call.
#[tokio::test]
async fn every_route_makes_the_round_trips_the_readme_lists() {
    let (app, log) = counted_app().await;
    let (info, token) = warm_user(&app, &log).await;
    let acc = [("access-token", token.as_str())];
    let apt = [("app-token", info.app_token.as_str())];
    let mut table: Vec<(&str, usize, usize)> = Vec::new();
    let mut record = |route: &'static str, status: u16, want: u16, log: &Log| {
        assert_eq!(status, want, "{route}");
        let trips = log.take();
        assert!(
            !trips.iter().any(|t| t.starts_with("secret")),
            "{route}: {trips:?}"
        );
        println!("{route}: {trips:?}");
        table.push((route, reads(&trips), writes(&trips)));
    };
    let r = app.get(GET_APPLICATION, &apt).await;
    record("getApplication", r.status.as_u16(), 200, &log);
    let r = app.get(GET_USER, &acc).await;
    record("getUser", r.status.as_u16(), 200, &log);
    let r = app.login(&info, "bob@example.com", PW).await;
    record("login", r.status.as_u16(), 200, &log);
    let r = app.user_name_available(&token, "userName=somebody").await;
    record("userNameAvailable", r.status.as_u16(), 200, &log);
    let r = app
        .post_json(SET_LOCALE, &acc, json!({"locale": "EN"}))
        .await;
    record("setLocale", r.status.as_u16(), 200, &log);
    let r = app
        .get(&format!("/apps/{}/.well-known/jwks.json", info.app_id), &[])
        .await;
    record("jwks.json", r.status.as_u16(), 200, &log);
    let r = app
        .post_json(FORGOT_PASSWORD, &apt, json!({"handle": "bob@example.com"}))
        .await;
    record("forgotPassword", r.status.as_u16(), 200, &log);

    let expected = [
        ("getApplication", 0, 0),
        ("getUser", 2, 0),
        ("login", 4, 1),
        ("userNameAvailable", 2, 0),
        ("setLocale", 1, 1),
        ("jwks.json", 1, 0),
        ("forgotPassword", 3, 5),
    ];
    println!("{table:?}");
    assert_eq!(table, expected);
}
