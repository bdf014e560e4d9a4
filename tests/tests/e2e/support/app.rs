//! `TestApp`: the merged local router over a fresh store (SQLite by default, DynamoDB in moto, or
//! one given), built by [`TestApp::builder`], driven in-process with `oneshot`, with a manual
//! clock and the outbox read back.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use keyturn::AppState;
use keyturn::assemble::ProviderKeys;
use keyturn::clock::{Clock, ManualClock};
use keyturn::codes::{CodeGenerator, OsCodes};
use keyturn::crypto::password::Cost;
use keyturn::domain::ports::{Config, Ports};
use keyturn::mail::outbox::{Outbox, OutboxEntry};
use keyturn::secrets::SecretStore;
use keyturn::secrets::local::KeyFileStore;
use keyturn::store::ItemStore;
use keyturn::store::dynamo::DynamoStore;
use keyturn::store::sqlite::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

use super::routes::ADMIN_APPS;

/// The admin key every test app accepts.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef0123";

/// The MD5 of `secret`, as clients send it.
pub const PW: &str = "5ebe2294ecd0e0f08eab7690d2a6ee69";
/// The MD5 of `other`.
pub const OTHER_PW: &str = "795f3202b17cb6bc3d4b771d8c6c9eaf";

/// One HTTP response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub text: String,
}

impl Resp {
    /// Reads a whole response, of the merged router or of a Lambda door alike, so both doors'
    /// answers are asserted with the same helpers.
    pub async fn read<B>(resp: http::Response<B>) -> Self
    where
        B: axum::body::HttpBody,
        B::Error: std::fmt::Debug,
    {
        let (parts, body) = resp.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        Resp {
            status: parts.status,
            headers: parts.headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    /// Asserts a Cosync error: HTTP status and `{code, message}` with nothing else.
    pub fn assert_error(&self, status: u16, code: u64) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let v = self.json();
        assert_eq!(v["code"], code, "body: {}", self.text);
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            v.as_object().unwrap().len(),
            2,
            "only code and message: {}",
            self.text
        );
    }

    /// Asserts HTTP 200 and returns the JSON body.
    pub fn ok_json(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self.json()
    }

    /// Asserts the exact success body `true`.
    pub fn assert_true(&self) {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.text);
        assert_eq!(self.text, "true");
    }

    /// Asserts HTTP 200 where the body is no JSON (pages) or not the point; returns `self`.
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self
    }

    /// Asserts a session, the answer of every route that logs a user in: HTTP 200 and exactly
    /// `jwt` and `access-token`, both JWT-shaped. Returns the body.
    pub fn assert_session(&self) -> Value {
        let v = self.ok_json();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 2, "only jwt and access-token: {}", self.text);
        for key in ["jwt", "access-token"] {
            let token = v[key].as_str().unwrap_or_else(|| panic!("{key} missing"));
            assert_eq!(token.split('.').count(), 3, "{key} is not a JWT: {token}");
        }
        v
    }

    /// Asserts a limit's refusal: 429 with code 615 and a `Retry-After` of at least a second (every
    /// limit answers alike, so one check serves them all).
    pub fn assert_limited(&self) {
        self.assert_error(429, 615);
        let after: u64 = self.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(after >= 1, "Retry-After {after}");
    }
}

/// An app created through the admin API.
#[derive(Debug, Clone)]
pub struct TestAppInfo {
    pub app_id: String,
    pub app_token: String,
}

/// The local stack in-process.
pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    pub store: Arc<dyn ItemStore>,
    pub outbox: Arc<Outbox>,
    pub dir: PathBuf,
}

/// How a [`TestApp`] is built: a fresh SQLite file by default; `.dynamodb()` for a fresh table in
/// moto, `.store(..)` to reuse one; OS codes unless `.codes(..)` scripts them.
pub struct TestAppBuilder {
    clock: ManualClock,
    codes: Arc<dyn CodeGenerator>,
    store: Option<Arc<dyn ItemStore>>,
    dynamodb: bool,
    dynamodb_endpoint: Option<String>,
    dir: Option<PathBuf>,
    cors_origins: Vec<String>,
    settings_cache_secs: u64,
    secrets: Option<Arc<dyn SecretStore>>,
    jwks_urls: Option<(String, String)>,
}

impl TestAppBuilder {
    /// The clock every port shares (default: a fixed instant in 2026).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = clock;
        self
    }

    /// Where one-time codes come from (e.g. `ScriptedCodes`, for cases that depend on digits).
    pub fn codes(mut self, codes: Arc<dyn CodeGenerator>) -> Self {
        self.codes = codes;
        self
    }

    /// An existing store (built over the same clock).
    pub fn store(mut self, store: Arc<dyn ItemStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// A fresh DynamoDB table in moto.
    pub fn dynamodb(mut self) -> Self {
        self.dynamodb = true;
        self
    }

    /// [`Self::dynamodb`], reached through `endpoint` (a proxy in front of moto).
    pub fn dynamodb_through(mut self, endpoint: &str) -> Self {
        self.dynamodb = true;
        self.dynamodb_endpoint = Some(endpoint.to_owned());
        self
    }

    /// The deployment's CORS origins (`KEYTURN_CORS_ORIGINS`): preflights from these are answered.
    pub fn cors_origins(mut self, origins: &[&str]) -> Self {
        self.cors_origins = origins.iter().map(|o| (*o).to_owned()).collect();
        self
    }

    /// How long app settings are served from the state's cache (default 30, as deployed).
    pub fn settings_cache_secs(mut self, secs: u64) -> Self {
        self.settings_cache_secs = secs;
        self
    }

    /// An existing data directory (secrets and outbox).
    pub fn dir(mut self, dir: PathBuf) -> Self {
        self.dir = Some(dir);
        self
    }

    /// A secrets backend shared with another stack (two warm instances of one deployment);
    /// default: the key file in the data directory.
    pub fn secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// Apple's and Google's JWKS fetched from these URLs (a [`super::social::FakeIssuer`]) instead
    /// of the real ones, which no test ever reaches.
    pub fn jwks_urls(mut self, apple: String, google: String) -> Self {
        self.jwks_urls = Some((apple, google));
        self
    }

    /// The clock at wall time, so a stock JWT library's own `exp` check (which reads the system
    /// clock) is meaningful for tokens issued under it.
    pub fn wall_clock(self) -> Self {
        let clock = ManualClock::at(0);
        super::jwt::to_wall_time(&clock);
        self.clock(clock)
    }

    /// The stack.
    pub async fn build(self) -> TestApp {
        let clock = self.clock;
        let dir = self.dir.unwrap_or_else(|| {
            let dir = std::env::temp_dir().join(super::aws::unique("keyturn-test"));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        });
        let clock_dyn: Arc<dyn Clock> = Arc::new(clock.clone());
        let store: Arc<dyn ItemStore> = match self.store {
            Some(store) => store,
            None if self.dynamodb => {
                let sdk = match &self.dynamodb_endpoint {
                    Some(url) => super::aws::sdk_config_at(url).await,
                    None => super::aws::sdk_config().await,
                };
                let client = aws_sdk_dynamodb::Client::new(&sdk);
                let table = super::aws::unique("keyturn-test");
                DynamoStore::create_table(&client, &table).await.unwrap();
                Arc::new(DynamoStore::new(client, table, clock_dyn.clone()))
            }
            None => {
                Arc::new(SqliteStore::open(&dir.join("store.sqlite3"), clock_dyn.clone()).unwrap())
            }
        };
        let outbox = Arc::new(Outbox::open(&dir, clock_dyn.clone()).unwrap());
        let ports = Ports {
            store: store.clone(),
            secrets: self.secrets.unwrap_or_else(|| {
                Arc::new(KeyFileStore::open(&dir.join("secrets.json")).unwrap())
            }),
            mailer: outbox.clone(),
            sms: outbox.clone(),
            clock: clock_dyn,
            codes: self.codes,
            outbox: Some(outbox.clone()),
            jwks: Arc::new(
                match &self.jwks_urls {
                    Some((apple, google)) => ProviderKeys::new(Some(apple), Some(google)),
                    None => ProviderKeys::new(None, None),
                }
                .unwrap(),
            ),
        };
        let config = Config {
            public_url: None,
            secret_prefix: "keyturn/test".into(),
            admin_key_sha256: Some(keyturn::crypto::sha256_hex(ADMIN_KEY)),
            password_cost: Cost::OWASP,
            twilio_base_url: None,
            cors_origins: self.cors_origins,
            settings_cache_secs: self.settings_cache_secs,
        };
        let state = AppState::new(ports, config, true).await.unwrap();
        TestApp {
            state,
            clock,
            store,
            outbox,
            dir,
        }
    }
}

impl TestApp {
    /// The one way to build a stack; see [`TestAppBuilder`].
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            clock: ManualClock::at(1_795_000_000_000),
            codes: Arc::new(OsCodes),
            store: None,
            dynamodb: false,
            dynamodb_endpoint: None,
            dir: None,
            cors_origins: Vec::new(),
            settings_cache_secs: 30,
            secrets: None,
            jwks_urls: None,
        }
    }

    /// A fresh stack over a temporary SQLite file (the builder's defaults).
    pub async fn new() -> Self {
        Self::builder().build().await
    }

    /// A stack over a fresh DynamoDB table in moto, its clock at wall time: the suites that run
    /// one story on both engines take this for the second.
    pub async fn over_dynamodb() -> Self {
        Self::builder().wall_clock().dynamodb().build().await
    }

    /// A new stack over this one's store and directory (a cold start: secrets are read afresh
    /// from `dir/secrets.json`), sharing its clock.
    pub async fn restart(&self) -> Self {
        Self::builder()
            .clock(self.clock.clone())
            .store(self.store.clone())
            .dir(self.dir.clone())
            .build()
            .await
    }

    /// Sends a request through the merged router exactly as the local runner serves it.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let app = keyturn_infra::local_app(self.state.clone());
        Resp::read(app.oneshot(req).await.unwrap()).await
    }

    /// The same stack (store, secrets file, outbox, clock) with `edit` applied to its ports, for
    /// suites that swap one adapter (a slow mailer, Twilio).
    pub async fn with_ports(self, edit: impl FnOnce(&mut Ports)) -> Self {
        self.with_ports_and_config(edit, |_| {}).await
    }

    /// [`Self::with_ports`], with the config edited too (the fault matrix, which builds hundreds
    /// of stacks, hashes passwords at a cheap cost).
    pub async fn with_ports_and_config(
        mut self,
        edit: impl FnOnce(&mut Ports),
        edit_config: impl FnOnce(&mut Config),
    ) -> Self {
        let mut ports = Ports {
            store: self.store.clone(),
            secrets: Arc::new(KeyFileStore::open(&self.dir.join("secrets.json")).unwrap()),
            mailer: self.outbox.clone(),
            sms: self.outbox.clone(),
            clock: Arc::new(self.clock.clone()),
            codes: Arc::new(OsCodes),
            outbox: Some(self.outbox.clone()),
            jwks: Arc::new(ProviderKeys::new(None, None).unwrap()),
        };
        edit(&mut ports);
        let mut config = self.state.config.clone();
        edit_config(&mut config);
        self.state = AppState::new(ports, config, false).await.unwrap();
        self
    }

    /// A request as a client on the local runner's address sends it, with `headers`: the base
    /// of every request the helpers build.
    pub fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8787");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b
    }

    /// A JSON POST request (not sent).
    pub fn json_post(path: &str, headers: &[(&str, &str)], body: &Value) -> Request<Body> {
        Self::request("POST", path, headers)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }

    /// A form POST request (not sent) with the body exactly as given (Swift sends values
    /// unencoded).
    pub fn form_post(path: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
        Self::request("POST", path, headers)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    /// A JSON POST.
    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Resp {
        self.send(Self::json_post(path, headers, &body)).await
    }

    /// A form POST with the body exactly as given (Swift sends values unencoded).
    pub async fn post_form(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        self.send(Self::form_post(path, headers, body)).await
    }

    /// A GET.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let req = Self::request("GET", path, headers)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// An admin call with the test admin key.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let auth = format!("Bearer {ADMIN_KEY}");
        let req = Self::request(method, path, &[("authorization", &auth)])
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        self.send(req).await
    }

    /// Creates an app with `settings` applied; returns its id and token.
    pub async fn create_app(&self, settings: Value) -> TestAppInfo {
        let mut body = serde_json::json!({ "name": "Demo App" });
        for (k, v) in settings.as_object().unwrap() {
            body[k] = v.clone();
        }
        let v = self.admin("POST", ADMIN_APPS, Some(body)).await.ok_json();
        TestAppInfo {
            app_id: v["appId"].as_str().unwrap().to_owned(),
            app_token: v["appToken"].as_str().unwrap().to_owned(),
        }
    }

    /// Every message sent so far, newest last.
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        self.outbox.list().unwrap()
    }

    /// The newest message to `to` (panics when there is none): the one outbox search the code,
    /// link and mail checks share.
    pub fn last_message_to(&self, to: &str) -> OutboxEntry {
        self.outbox()
            .into_iter()
            .rev()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no message to {to}"))
    }

    /// The 6-digit code in the newest message to `to`.
    pub fn last_code_for(&self, to: &str) -> String {
        let msg = self.last_message_to(to);
        first_code(&msg.text).unwrap_or_else(|| panic!("no code in {:?}", msg.text))
    }
}

/// The first run of exactly six digits in `text`.
pub fn first_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let window = &bytes[i..i + 6];
        let before = i
            .checked_sub(1)
            .map(|j| bytes[j].is_ascii_digit())
            .unwrap_or(false);
        let after = bytes.get(i + 6).is_some_and(u8::is_ascii_digit);
        (window.iter().all(u8::is_ascii_digit) && !before && !after)
            .then(|| String::from_utf8_lossy(window).into_owned())
    })
}

/// One story, two tests: `$sqlite` runs it over a fresh SQLite file and `$dynamodb` over a fresh
/// DynamoDB table in moto, so a guarantee that depends on the store is stated once. `$attr` is
/// both tests' attribute. `at wall time` runs the DynamoDB test at wall time
/// ([`TestApp::over_dynamodb`]); `all at wall time` runs both there.
macro_rules! on_both_engines {
    (#[$attr:meta] $story:ident: $sqlite:ident, $dynamodb:ident) => {
        #[$attr]
        async fn $sqlite() {
            $story($crate::support::app::TestApp::new().await).await;
        }

        #[$attr]
        async fn $dynamodb() {
            let t = $crate::support::app::TestApp::builder().dynamodb();
            $story(t.build().await).await;
        }
    };
    (#[$attr:meta] $story:ident: $sqlite:ident, $dynamodb:ident at wall time) => {
        #[$attr]
        async fn $sqlite() {
            $story($crate::support::app::TestApp::new().await).await;
        }

        #[$attr]
        async fn $dynamodb() {
            $story($crate::support::app::TestApp::over_dynamodb().await).await;
        }
    };
    (#[$attr:meta] $story:ident: $sqlite:ident, $dynamodb:ident all at wall time) => {
        #[$attr]
        async fn $sqlite() {
            let t = $crate::support::app::TestApp::builder().wall_clock();
            $story(t.build().await).await;
        }

        #[$attr]
        async fn $dynamodb() {
            $story($crate::support::app::TestApp::over_dynamodb().await).await;
        }
    };
}
pub(crate) use on_both_engines;
