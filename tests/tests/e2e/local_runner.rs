//! The local runner as `keyturn serve` builds it: `AppState::local` over a data dir (real clock,
//! OWASP Argon2), the merged router from `keyturn_infra::local_app`, the admin key from
//! `ensure_admin_key`. State must survive a restart; the outbox lists messages newest last.

use std::path::{Path, PathBuf};

use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use jsonwebtoken::jwk::JwkSet;
use keyturn::AppState;
use keyturn::crypto::password::Cost;
use keyturn::domain::admin::ensure_admin_key;
use keyturn::domain::ports::Config;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::app::{PW, first_code};
use crate::support::aws::unique;
use crate::support::jwt::{path_of, verify_against};
use crate::support::routes::{ADMIN_APPS, COMPLETE_SIGNUP, LOGIN, SIGNUP};

/// Configuration as `keyturn serve` uses it: the admin key hash lives in the store.
fn config() -> Config {
    Config {
        public_url: None,
        secret_prefix: "keyturn/local".into(),
        admin_key_sha256: None,
        password_cost: Cost::OWASP,
        twilio_base_url: None,
        cors_origins: Vec::new(),
        settings_cache_secs: 30,
    }
}

fn data_dir() -> PathBuf {
    std::env::temp_dir().join(unique("keyturn-local"))
}

/// One start of the local runner over `dir`.
struct Runner {
    state: AppState,
}

impl Runner {
    async fn start(dir: &Path) -> Self {
        Self {
            state: AppState::local(dir, config()).await.unwrap(),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8787")
            .header("content-type", "application/json");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = b
            .body(body.map_or_else(Body::empty, |v| Body::from(v.to_string())))
            .unwrap();
        let resp = keyturn_infra::local_app(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    async fn outbox(&self) -> Vec<Value> {
        let (status, v) = self.send("GET", "/local/outbox", &[], None).await;
        assert_eq!(status, 200, "{v}");
        v["messages"].as_array().unwrap().clone()
    }

    async fn sign_up(&self, app_token: &str, handle: &str) -> Value {
        let h = [("app-token", app_token)];
        let body = json!({ "handle": handle, "password": PW });
        let (status, v) = self.send("POST", SIGNUP, &h, Some(body)).await;
        assert_eq!((status, &v), (200, &json!(true)));
        let mail = self
            .outbox()
            .await
            .into_iter()
            .rev()
            .find(|m| m["to"] == handle)
            .unwrap();
        let code = first_code(mail["text"].as_str().unwrap()).unwrap();
        let body = json!({ "handle": handle, "code": code });
        let (status, v) = self.send("POST", COMPLETE_SIGNUP, &h, Some(body)).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    async fn login(&self, app_token: &str, handle: &str) -> (u16, Value) {
        let body = json!({ "handle": handle, "password": PW });
        self.send("POST", LOGIN, &[("app-token", app_token)], Some(body))
            .await
    }

    async fn discover(&self, app_id: &str) -> (String, JwkSet) {
        let (status, doc) = self
            .send(
                "GET",
                &format!("/apps/{app_id}/.well-known/openid-configuration"),
                &[],
                None,
            )
            .await;
        assert_eq!(status, 200, "{doc}");
        let (status, jwks) = self
            .send(
                "GET",
                &path_of(doc["jwks_uri"].as_str().unwrap()),
                &[],
                None,
            )
            .await;
        assert_eq!(status, 200, "{jwks}");
        (
            doc["issuer"].as_str().unwrap().to_owned(),
            serde_json::from_value(jwks).unwrap(),
        )
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = data_dir();
    let first = Runner::start(&dir).await;
    let admin_key = ensure_admin_key(&first.state, None)
        .await
        .unwrap()
        .expect("a key is generated on first start");
    let bearer = format!("Bearer {admin_key}");
    let auth = [("authorization", bearer.as_str())];
    let (status, created) = first
        .send(
            "POST",
            ADMIN_APPS,
            &auth,
            Some(json!({ "name": "Kept", "userJWTExpiration": 3 })),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let app_id = created["appId"].as_str().unwrap().to_owned();
    let app_token = created["appToken"].as_str().unwrap().to_owned();
    first.sign_up(&app_token, "bob@example.com").await;
    let (status, before_login) = first.login(&app_token, "bob@example.com").await;
    assert_eq!(status, 200, "{before_login}");
    let (issuer, jwks_before) = first.discover(&app_id).await;
    let old_jwt = before_login["jwt"].as_str().unwrap().to_owned();
    let old_claims = verify_against(&jwks_before, &issuer, &old_jwt, &app_id).unwrap();
    drop(first);

    let second = Runner::start(&dir).await;

    assert_eq!(
        ensure_admin_key(&second.state, None).await.unwrap(),
        None,
        "no new admin key on the second start"
    );
    let (status, app) = second
        .send("GET", &format!("{ADMIN_APPS}/{app_id}"), &auth, None)
        .await;
    assert_eq!(status, 200, "the generated admin key still works: {app}");
    assert_eq!(app["name"], "Kept");
    assert_eq!(app["userJWTExpiration"], 3);
    let (status, refused) = second
        .send(
            "GET",
            &format!("{ADMIN_APPS}/{app_id}"),
            &[("authorization", "Bearer kt_admin_wrong")],
            None,
        )
        .await;
    assert_eq!((status, &refused["code"]), (401, &json!(617)));
    let (status, after_login) = second.login(&app_token, "bob@example.com").await;
    assert_eq!(
        status, 200,
        "the user and app token survived: {after_login}"
    );
    let (issuer_after, jwks_after) = second.discover(&app_id).await;
    assert_eq!(issuer_after, issuer);
    assert_eq!(
        serde_json::to_value(&jwks_after).unwrap(),
        serde_json::to_value(&jwks_before).unwrap(),
        "same signing key"
    );
    let new_jwt = after_login["jwt"].as_str().unwrap();
    let new_claims = verify_against(&jwks_before, &issuer, new_jwt, &app_id).unwrap();
    assert_eq!(new_claims["sub"], old_claims["sub"]);
    assert_eq!(
        new_claims["exp"].as_i64().unwrap() - new_claims["iat"].as_i64().unwrap(),
        3 * 3600
    );
    assert!(verify_against(&jwks_after, &issuer, &old_jwt, &app_id).is_ok());
    // The handle is still taken: no second account after a restart.
    let (status, v) = second
        .send(
            "POST",
            SIGNUP,
            &[("app-token", app_token.as_str())],
            Some(json!({ "handle": "bob@example.com", "password": PW })),
        )
        .await;
    assert_eq!((status, &v["code"]), (400, &json!(601)), "{v}");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_admin_key_from_the_environment_replaces_the_generated_one() {
    let dir = data_dir();
    let runner = Runner::start(&dir).await;
    let generated = ensure_admin_key(&runner.state, None)
        .await
        .unwrap()
        .unwrap();
    assert!(generated.starts_with("kt_admin_") && generated.len() > 30);

    assert_eq!(
        ensure_admin_key(&runner.state, Some("provided-key-0123456789abcdef012345"))
            .await
            .unwrap(),
        None
    );

    let create = Some(json!({ "name": "X" }));
    let (status, _) = runner
        .send(
            "POST",
            ADMIN_APPS,
            &[(
                "authorization",
                "Bearer provided-key-0123456789abcdef012345",
            )],
            create.clone(),
        )
        .await;
    assert_eq!(status, 200);
    let old = format!("Bearer {generated}");
    let (status, v) = runner
        .send("POST", ADMIN_APPS, &[("authorization", &old)], create)
        .await;
    assert_eq!((status, &v["code"]), (401, &json!(617)));
    drop(runner);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn outbox_lists_messages_newest_last_and_survives_a_restart() {
    let dir = data_dir();
    let runner = Runner::start(&dir).await;
    let key = ensure_admin_key(&runner.state, None)
        .await
        .unwrap()
        .unwrap();
    let bearer = format!("Bearer {key}");
    let (_, created) = runner
        .send(
            "POST",
            ADMIN_APPS,
            &[("authorization", bearer.as_str())],
            Some(json!({ "name": "Mailer" })),
        )
        .await;
    let token = created["appToken"].as_str().unwrap().to_owned();
    assert!(runner.outbox().await.is_empty());

    runner.sign_up(&token, "first@example.com").await;
    runner.sign_up(&token, "second@example.com").await;

    let messages = runner.outbox().await;
    assert!(messages.len() >= 2, "{messages:?}");
    for m in &messages {
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, ["at", "html", "kind", "subject", "text", "to"], "{m}");
        assert_eq!(m["kind"], "email");
        let at = m["at"].as_str().unwrap();
        assert!(
            at.len() == 24 && at.ends_with('Z') && at.as_bytes()[19] == b'.',
            "ISO-8601 with millis: {at}"
        );
        assert!(!m["subject"].as_str().unwrap().is_empty());
    }
    let first_to_first = messages
        .iter()
        .position(|m| m["to"] == "first@example.com")
        .unwrap();
    let first_to_second = messages
        .iter()
        .position(|m| m["to"] == "second@example.com")
        .unwrap();
    assert!(first_to_first < first_to_second, "oldest first");
    assert_eq!(messages.last().unwrap()["to"], "second@example.com");
    let times: Vec<&str> = messages.iter().map(|m| m["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    drop(runner);

    let restarted = Runner::start(&dir).await;
    assert_eq!(restarted.outbox().await, messages);
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A raw request to the runner with `host` as the Host header.
async fn outbox_with_host(runner: &Runner, host: &str) -> u16 {
    let req = Request::builder()
        .uri("/local/outbox")
        .header("host", host)
        .body(Body::empty())
        .unwrap();
    keyturn_infra::local_app(runner.state.clone())
        .oneshot(req)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_outbox_answers_loopback_hosts_only() {
    let dir = data_dir();
    let runner = Runner::start(&dir).await;

    // A page on another site whose DNS name was rebound to 127.0.0.1 sends its own name.
    for host in [
        "evil.example",
        "evil.example:8787",
        "127.0.0.1.evil.example",
        "10.0.0.1:8787",
    ] {
        assert_eq!(outbox_with_host(&runner, host).await, 404, "{host}");
    }
    for host in [
        "127.0.0.1:8787",
        "localhost:9999",
        "[::1]:8787",
        "LOCALHOST",
    ] {
        assert_eq!(outbox_with_host(&runner, host).await, 200, "{host}");
    }
    drop(runner);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_non_loopback_address_needs_the_public_flag_and_warns() {
    use keyturn_infra::serve::check_bind;
    let any: std::net::SocketAddr = "0.0.0.0:8787".parse().unwrap();
    let lan: std::net::SocketAddr = "192.168.1.20:8787".parse().unwrap();
    for addr in [any, lan] {
        assert!(check_bind(addr, false).unwrap_err().contains("--public"));
        assert!(check_bind(addr, true).unwrap().unwrap().contains("WARNING"));
    }
    assert_eq!(
        check_bind("127.0.0.1:8787".parse().unwrap(), false),
        Ok(None)
    );
    assert_eq!(check_bind("[::1]:8787".parse().unwrap(), false), Ok(None));
}

#[tokio::test]
async fn the_sqlite_file_is_owner_only_even_when_it_existed_before() {
    use std::os::unix::fs::PermissionsExt;
    let fresh = data_dir();
    drop(Runner::start(&fresh).await);
    let old = data_dir();
    std::fs::create_dir_all(&old).unwrap();
    let db = old.join("keyturn.sqlite3");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(Runner::start(&old).await);

    for dir in [&fresh, &old] {
        let mode = std::fs::metadata(dir.join("keyturn.sqlite3"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", dir.display());
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn over_tcp_limits_count_the_socket_peer_and_links_name_the_bound_address() {
    let dir = data_dir();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = config();
    // As `keyturn serve` does when no public URL is configured.
    config.public_url = Some(format!("http://{addr}"));
    let state = AppState::local(&dir, config).await.unwrap();
    let key = "local-runner-admin-key-0123456789abcdef";
    ensure_admin_key(&state, Some(key)).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(keyturn_infra::serve::serve(
        listener,
        state.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let http = keyturn::net::https_client_builder()
        .build()
        .expect("http client");
    let base = format!("http://{addr}");

    let app: Value = http
        .post(format!("{base}{ADMIN_APPS}"))
        .bearer_auth(key)
        .header("x-forwarded-for", "203.0.113.1")
        .json(&json!({"name": "Tcp", "signupFlow": "link"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_id = app["appId"].as_str().unwrap();
    let r = http
        .post(format!("{base}{SIGNUP}"))
        .header("app-token", app["appToken"].as_str().unwrap())
        .header("x-forwarded-for", "203.0.113.1")
        .header("x-forwarded-host", "evil.example")
        .json(&json!({"handle": "tcp@x.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Counted on the peer's address, never on a header's.
    let counted = |ip: &str| keyturn::domain::records::table_keys::address_limit(app_id, ip, "MSG");
    let by_peer = state.store.get(&counted("127.0.0.1")).await.unwrap();
    assert_eq!(by_peer.unwrap().counter, 1);
    let by_header = state.store.get(&counted("203.0.113.1")).await.unwrap();
    assert!(by_header.is_none());
    let mail = state
        .outbox
        .as_ref()
        .unwrap()
        .list()
        .unwrap()
        .pop()
        .unwrap();
    assert!(
        mail.text.contains(&format!("{base}{COMPLETE_SIGNUP}?")),
        "{}",
        mail.text
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
