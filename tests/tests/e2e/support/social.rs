//! A fake Apple and Google on loopback: serves both JWKS documents with `Cache-Control` and a
//! fetch counter, rotates keys, and signs ID tokens with an independent library (`jsonwebtoken`
//! over RustCrypto), with the real issuers' `iss` strings. Also the forgeries the verifier must
//! refuse: HS256 MACed with the public key, `none`, RS384, PS256.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use keyturn::clock::Clock;
use keyturn::crypto::signing_key::{Bits, generate};
use serde_json::{Value, json};

use super::app::TestApp;

/// Apple audience every social test app lists.
pub const APPLE_AUD: &str = "com.example.app";
/// Google audience every social test app lists.
pub const GOOGLE_AUD: &str = "123-ios.apps.googleusercontent.com";

/// One RSA key the fake issuer signs with.
pub struct IssuerKey {
    /// Its kid (RFC 7638 thumbprint).
    pub kid: String,
    /// PKCS#8 PEM of the private key.
    pub pem: String,
    /// SPKI PEM of the public key (what an HS256 forgery MACs with).
    pub public_pem: String,
    /// The JWK as published.
    pub jwk: Value,
}

/// Three keys, generated once per test binary (RSA generation is the slow part).
pub fn keys() -> &'static [IssuerKey] {
    static KEYS: OnceLock<Vec<IssuerKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..3)
            .map(|_| {
                let (private, public) = generate(Bits::Rsa2048).unwrap();
                IssuerKey {
                    kid: public.kid.clone(),
                    pem: private.pem,
                    public_pem: public.pem.clone(),
                    jwk: public.jwk(),
                }
            })
            .collect()
    })
}

#[derive(Default)]
struct Published {
    /// Provider → indexes into [`keys`] it publishes.
    keys: HashMap<&'static str, Vec<usize>>,
    fetches: HashMap<&'static str, u64>,
    max_age: u64,
    /// Answer 500 (an outage).
    down: bool,
}

/// The fake issuer (see the module comment). Apple publishes key 0, Google key 1 at first.
pub struct FakeIssuer {
    base: String,
    published: Arc<Mutex<Published>>,
}

async fn serve_keys(
    published: Arc<Mutex<Published>>,
    provider: &'static str,
) -> axum::response::Response {
    let (body, max_age) = {
        let mut p = published.lock().unwrap();
        *p.fetches.entry(provider).or_default() += 1;
        if p.down {
            return axum::response::Response::builder()
                .status(500)
                .body(axum::body::Body::from("down"))
                .unwrap();
        }
        let jwks: Vec<Value> = p.keys[provider]
            .iter()
            .map(|i| keys()[*i].jwk.clone())
            .collect();
        (json!({ "keys": jwks }).to_string(), p.max_age)
    };
    axum::response::Response::builder()
        .header("content-type", "application/json")
        .header(
            "cache-control",
            format!("public, max-age={max_age}, must-revalidate"),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}

impl FakeIssuer {
    /// Starts serving on `127.0.0.1:0`.
    pub async fn start() -> Self {
        let published = Arc::new(Mutex::new(Published {
            keys: HashMap::from([("apple", vec![0]), ("google", vec![1])]),
            fetches: HashMap::new(),
            max_age: 3600,
            down: false,
        }));
        let (a, g) = (published.clone(), published.clone());
        let router = axum::Router::new()
            .route(
                "/apple/keys",
                axum::routing::get(move || serve_keys(a.clone(), "apple")),
            )
            .route(
                "/google/keys",
                axum::routing::get(move || serve_keys(g.clone(), "google")),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { base, published }
    }

    /// A stack whose JWKS come from this issuer.
    pub async fn stack(&self) -> TestApp {
        self.stack_with(TestApp::builder()).await
    }

    /// A stack built by `builder` whose JWKS come from this issuer.
    pub async fn stack_with(&self, builder: super::app::TestAppBuilder) -> TestApp {
        builder
            .jwks_urls(self.keys_url("apple"), self.keys_url("google"))
            .build()
            .await
    }

    /// Where this issuer serves `provider`'s JWKS (what a forged `jku` may point at).
    pub fn keys_url(&self, provider: &str) -> String {
        format!("{}/{provider}/keys", self.base)
    }

    /// How often `provider`'s JWKS was fetched.
    pub fn fetches(&self, provider: &str) -> u64 {
        let p = self.published.lock().unwrap();
        p.fetches.get(provider).copied().unwrap_or(0)
    }

    /// Publishes exactly the keys `indexes` for `provider` (a rotation).
    pub fn publish(&self, provider: &'static str, indexes: &[usize]) {
        self.published
            .lock()
            .unwrap()
            .keys
            .insert(provider, indexes.to_vec());
    }

    /// Whether the JWKS endpoints answer 500 (a provider outage).
    pub fn set_down(&self, down: bool) {
        self.published.lock().unwrap().down = down;
    }

    /// The `max-age` the JWKS responses announce.
    pub fn set_max_age(&self, secs: u64) {
        self.published.lock().unwrap().max_age = secs;
    }

    /// The key `provider` signs with now (the first it publishes).
    pub fn current_key(&self, provider: &str) -> &'static IssuerKey {
        let p = self.published.lock().unwrap();
        &keys()[p.keys[provider][0]]
    }

    /// A valid ID token of `provider` with `claims`, signed RS256 by its current key.
    pub fn token(&self, provider: &str, claims: &Value) -> String {
        sign(self.current_key(provider), Algorithm::RS256, claims)
    }
}

/// Claims as `provider` issues them at `now` (epoch seconds) for `sub` and `email`: verified
/// email, the test audience, one hour of life.
pub fn claims(provider: &str, sub: &str, email: &str, now: i64) -> Value {
    let (iss, aud) = match provider {
        "apple" => ("https://appleid.apple.com", APPLE_AUD),
        _ => ("https://accounts.google.com", GOOGLE_AUD),
    };
    json!({
        "iss": iss, "aud": aud, "sub": sub, "email": email, "email_verified": true,
        "iat": now, "exp": now + 3600,
    })
}

/// Signs `claims` with `key` under `alg` (RS256, RS384 or PS256), `kid` in the header.
pub fn sign(key: &IssuerKey, alg: Algorithm, claims: &Value) -> String {
    sign_with_header(key, |h| h.alg = alg, claims)
}

/// Signs `claims` RS256 with `key` under a header that `edit` changes from the usual one (`kid`
/// of `key`): a kid the provider never published, `crit`, or `jku`/`jwk` pointing elsewhere, so
/// the token is genuinely signed and only the header is the attack.
pub fn sign_with_header(key: &IssuerKey, edit: impl FnOnce(&mut Header), claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    edit(&mut header);
    let encoding = EncodingKey::from_rsa_pem(key.pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

/// A kid no provider publishes: random per call (std's randomly seeded hasher, no extra
/// dependency), shaped like a real one (43 base64url characters, as an RFC 7638 thumbprint).
pub fn random_kid() -> String {
    use std::hash::BuildHasher as _;
    let bytes: Vec<u8> = (0..4u8)
        .flat_map(|i| {
            std::collections::hash_map::RandomState::new()
                .hash_one(i)
                .to_le_bytes()
        })
        .collect();
    URL_SAFE_NO_PAD.encode(&bytes)[..43].to_owned()
}

/// The JWK of `key` as a JWS header carries it (`jwk`): the embedded-key forgery.
pub fn header_jwk(key: &IssuerKey) -> jsonwebtoken::jwk::Jwk {
    serde_json::from_value(key.jwk.clone()).unwrap()
}

/// The algorithm-confusion forgery: HS256 MACed with the provider's *public* key PEM, `kid` of
/// that key (what the original accepted).
pub fn hs256_with_public_key(key: &IssuerKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    let encoding = EncodingKey::from_secret(key.public_pem.as_bytes());
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

/// `alg: none` with an empty signature.
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// A social app's settings: both providers on with the test audiences, plus `extra`.
pub fn social_settings(extra: Value) -> Value {
    let mut s = json!({
        "signupFlow": "none",
        "appleLoginEnabled": true, "appleBundleId": APPLE_AUD,
        "googleLoginEnabled": true, "googleClientId": format!("web-client, {GOOGLE_AUD}"),
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

impl TestApp {
    /// The stack's clock in epoch seconds, for token claims.
    pub fn now_secs(&self) -> i64 {
        self.clock.now_secs()
    }
}
