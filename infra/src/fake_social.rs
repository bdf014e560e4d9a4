//! `keyturn serve --fake-social`: a fake Apple and Google inside the local runner, so a
//! developer can try `socialSignup` and `socialLogin` with curl and no provider account.
//!
//! - `GET /local/social/{apple|google}/keys`: the JWKS the runner's verifier is pointed at (one
//!   RSA key generated at start, `Cache-Control: max-age=300`).
//! - `POST /local/social/token` with `{provider, sub, email, email_verified, aud, nonce,
//!   is_private_email}`: an ID token signed by that key, with the provider's real `iss`, one
//!   hour of life. `nonce` is put in the token as given: pass the SHA-256 hex of the raw nonce
//!   you will send to Keyturn, as a real client passes it to the provider.
//!
//! Both answer only on a loopback `Host`, like `/local/outbox`, and exist only with the flag: the
//! Lambda bootstraps never route them, and the verifier is the production one.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use keyturn::AppState;
use keyturn::crypto::jws::RsaSigner;
use keyturn::crypto::signing_key::{Bits, generate, private_der};
use keyturn::domain::records::social::Provider;
use serde_json::{Value, json};

/// The fake issuer's one key.
pub struct FakeSocial {
    signer: RsaSigner,
    kid: String,
    jwk: Value,
}

impl FakeSocial {
    /// Generates the signing key (RSA-2048).
    pub fn new() -> keyturn::Result<Self> {
        let (private, public) = generate(Bits::Rsa2048)?;
        Ok(Self {
            signer: RsaSigner::from_pkcs8(&private_der(&private.pem)?)?,
            kid: public.kid.clone(),
            jwk: public.jwk(),
        })
    }

    /// The two routes, for [`crate::local_app_with`].
    pub fn routes(self: Arc<Self>) -> Router<AppState> {
        let for_keys = self.clone();
        Router::new()
            .route(
                "/local/social/{provider}/keys",
                get(move |state, headers, path| keys(for_keys.clone(), state, headers, path)),
            )
            .route(
                "/local/social/token",
                post(move |state, headers, body| token(self.clone(), state, headers, body)),
            )
    }
}

/// Where the verifier of a runner on `port` fetches the fake keys.
pub fn jwks_urls(port: u16) -> (String, String) {
    let url = |p: &str| format!("http://127.0.0.1:{port}/local/social/{p}/keys");
    (url("apple"), url("google"))
}

async fn keys(
    fake: Arc<FakeSocial>,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(provider): Path<String>,
) -> keyturn::Result<Response> {
    if !crate::loopback_host(&headers, &state) {
        return Err(keyturn::Error::RouteNotFound);
    }
    Provider::parse(&provider)?;
    let body = json!({ "keys": [fake.jwk] });
    Ok(([("cache-control", "public, max-age=300")], axum::Json(body)).into_response())
}

async fn token(
    fake: Arc<FakeSocial>,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    axum::Json(req): axum::Json<Value>,
) -> keyturn::Result<Response> {
    if !crate::loopback_host(&headers, &state) {
        return Err(keyturn::Error::RouteNotFound);
    }
    let text = |k: &str| req.get(k).and_then(Value::as_str);
    let provider = Provider::parse(text("provider").unwrap_or(""))?;
    let sub = text("sub").ok_or(keyturn::Error::MissingParam("sub"))?;
    let aud = text("aud").ok_or(keyturn::Error::MissingParam("aud"))?;
    let now = state.clock.now_secs();
    let mut claims = json!({
        "iss": provider.issuers()[0], "aud": aud, "sub": sub, "iat": now, "exp": now + 3600,
        "email_verified": req.get("email_verified").cloned().unwrap_or(json!(true)),
    });
    for name in ["email", "nonce", "is_private_email"] {
        if let Some(v) = req.get(name) {
            claims[name] = v.clone();
        }
    }
    let token = fake.signer.sign(&fake.kid, &claims)?;
    Ok(axum::Json(json!({ "token": token })).into_response())
}
