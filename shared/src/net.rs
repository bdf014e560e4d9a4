//! Outbound HTTPS: one TLS stack, rustls over ring, for the AWS SDK clients and Twilio.
//!
//! Why not the SDK's `default-https-client`: it brings aws-lc, which was about 2 MiB of the
//! Lambda binary (every curve, post-quantum key exchange and signature scheme it offers is
//! referenced by rustls's aws-lc provider) and seeds its RNG with CPU-jitter entropy on first
//! use, ~31 ms of CPU in every cold start. ring covers what Keyturn needs (TLS 1.2/1.3 with
//! X25519/P-256/P-384, AES-GCM, ChaCha20, RSA and ECDSA certificates; RS256 and AES-256-GCM in
//! [`crate::crypto`]) in a fraction of the size, and takes its seed from the OS (`getrandom`).
//! Server certificates are checked against the platform's roots (`SSL_CERT_FILE` or the system
//! bundle), as before.

use std::sync::Once;

/// Makes ring rustls's process-wide provider, which reqwest's rustls backend (built without a
/// provider of its own) looks up. Idempotent; every door that builds an HTTPS client calls it.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first (a test harness); that one then serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder whose TLS runs on ring (Twilio, the admin CLI).
pub fn https_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// GETs `url` and returns the body with its `Cache-Control` max-age: the transport of the
/// providers' JWKS documents. Any status but 200 is an error, and so is a body over 256 KiB
/// (a JWKS holds a handful of keys), so a misbehaving endpoint cannot fill memory.
pub async fn get_with_max_age(
    client: &reqwest::Client,
    url: &str,
) -> Result<(Vec<u8>, Option<i64>), String> {
    let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
    if resp.status() != reqwest::StatusCode::OK {
        return Err(format!("status {}", resp.status()));
    }
    let max_age = resp
        .headers()
        .get_all(reqwest::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|d| {
            d.trim()
                .strip_prefix("max-age=")?
                .trim()
                .parse::<i64>()
                .ok()
        });
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if body.len() > 256 * 1024 {
        return Err("JWKS body over 256 KiB".into());
    }
    Ok((body.to_vec(), max_age))
}

/// Whether `url` may be fetched: `https://` anywhere, plain `http://` only on a loopback host
/// (the tests' fake issuer), so an override can never send traffic in clear over a network.
pub fn allowed_fetch_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The AWS SDK configuration loader with [`SdkHttp`] as its HTTP client. Credentials, region
/// and endpoint come from the environment as usual (in Lambda, the function's role).
pub fn sdk_defaults() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(SdkHttp::new())
        .retry_config(retry_config())
}

/// The retry policy of every AWS client (DynamoDB, Secrets Manager, SES), in Lambda, the CLI
/// and the tests alike: the SDK's standard mode (exponential backoff with full jitter, and a
/// retry quota so a struggling service is not hit by a retry storm) with at most 4 attempts,
/// 50 ms before the first retry and at most 1 s between two. Throttling and transient errors
/// are retried; a throttled request gets three more tries within about 2 s, well inside a
/// function's 10 s timeout, and what still fails answers 503 with `Retry-After`
/// ([`crate::error::Error::Unavailable`]). The default (3 attempts, up to 20 s apart) could
/// outlive the function.
pub fn retry_config() -> aws_smithy_types::retry::RetryConfig {
    aws_smithy_types::retry::RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(std::time::Duration::from_millis(50))
        .with_max_backoff(std::time::Duration::from_secs(1))
}

/// The AWS SDK configuration of a Lambda function, from the variables Lambda sets: the region,
/// the function role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`) and, when set, `AWS_ENDPOINT_URL`. Retries follow [`retry_config`];
/// the 3.1 s connect timeout comes from the behavior version, as with `aws-config`.
///
/// Why not `aws-config` here: its default chains (profile files, SSO, web identity through STS,
/// the container and instance metadata services) are ~300 KiB of every Lambda binary, and a
/// `provided.al2023` function always has its credentials in these variables. The CLI, the
/// migration and the tests keep [`sdk_defaults`] and its full chains.
pub fn lambda_sdk_config() -> Result<aws_types::SdkConfig, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or("AWS_REGION is not set")?;
    let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set".into());
    };
    let credentials = aws_credential_types::Credentials::new(
        key,
        secret,
        var("AWS_SESSION_TOKEN"),
        None,
        "lambda-environment",
    );
    let mut config = aws_types::SdkConfig::builder()
        .behavior_version(
            aws_smithy_runtime_api::client::behavior_version::BehaviorVersion::latest(),
        )
        .region(aws_types::region::Region::new(region))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .http_client(SdkHttp::new())
        .retry_config(retry_config());
    if let Some(url) = var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(url);
    }
    Ok(config.build())
}

/// The AWS SDK's HTTP client: reqwest over HTTP/1.1 with rustls + ring, the same stack that
/// talks to Twilio. Why not the SDK's own hyper client: it carries an HTTP/2 stack (~350 KiB of
/// every Lambda binary) that DynamoDB, Secrets Manager and SES never use, and a second TLS
/// configuration (its own trusted-root load per process). Connections are pooled per host;
/// the SDK's connect and read timeouts are applied per connector, and transport failures are
/// classified for the SDK's retries (timeouts and I/O errors are transient).
#[derive(Debug, Clone)]
pub struct SdkHttp {
    clients: std::sync::Arc<std::sync::Mutex<Vec<(Timeouts, reqwest::Client)>>>,
}

type Timeouts = (Option<std::time::Duration>, Option<std::time::Duration>);

impl SdkHttp {
    /// A client with no connections yet.
    pub fn new() -> Self {
        Self {
            clients: Default::default(),
        }
    }

    fn client(&self, timeouts: Timeouts) -> Result<reqwest::Client, reqwest::Error> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, c)) = clients.iter().find(|(t, _)| *t == timeouts) {
            return Ok(c.clone());
        }
        let mut builder =
            https_client_builder().pool_idle_timeout(std::time::Duration::from_secs(60));
        if let Some(t) = timeouts.0 {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = timeouts.1 {
            builder = builder.read_timeout(t);
        }
        let client = builder.build()?;
        clients.push((timeouts, client.clone()));
        Ok(client)
    }
}

impl Default for SdkHttp {
    fn default() -> Self {
        Self::new()
    }
}

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

impl HttpClient for SdkHttp {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        SharedHttpConnector::new(Connector(self.client(timeouts).map_err(|e| e.to_string())))
    }
}

/// One connector: a reqwest client for one set of timeouts (or why it could not be built).
#[derive(Debug)]
struct Connector(Result<reqwest::Client, String>);

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let client = client.map_err(|e| ConnectorError::other(e.into(), None))?;
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::user(e.into()))?;
            let (parts, body) = request.into_parts();
            // DynamoDB, Secrets Manager and SES requests are in-memory JSON or query bodies.
            let body = body.bytes().map(<[u8]>::to_vec).unwrap_or_default();
            let request = reqwest::Request::try_from(http::Request::from_parts(parts, body))
                .map_err(|e| ConnectorError::user(e.into()))?;
            let response = client.execute(request).await.map_err(classify)?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(classify)?;
            let mut out = http::Response::new(aws_smithy_types::body::SdkBody::from(bytes));
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            aws_smithy_runtime_api::http::Response::try_from(out)
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// Transport failures as the SDK's retry policy reads them.
fn classify(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}
