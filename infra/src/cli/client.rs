//! The HTTP side of the CLI: one admin API call, its answer as JSON or a [`Failure`] that says
//! whether the API refused (exit 3) or could not be reached (exit 4).

use reqwest::{Method, Url};
use serde_json::Value;

use super::{Exit, Failure};

/// An admin API client: base URL and key, one connection pool.
pub struct Client {
    base: Url,
    key: String,
    http: reqwest::Client,
}

/// A successful answer: its HTTP status and JSON body.
pub struct Answer {
    /// 200, or 202 for a deletion that must continue.
    pub status: u16,
    /// The body (`true` bodies become `Value::Bool(true)`).
    pub body: Value,
}

impl Client {
    /// A client for the deployment at `url` (usage error when it is not an http(s) URL).
    pub fn new(url: &str, key: &str) -> Result<Self, Failure> {
        let base = Url::parse(url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
            .ok_or_else(|| Failure::usage(format!("--url {url:?} is not an http(s) URL")))?;
        let http = keyturn::net::https_client_builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| Failure {
                exit: Exit::Connection,
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            base,
            key: key.to_owned(),
            http,
        })
    }

    /// The URL of `segments` (each percent-encoded as one path segment) under the base URL,
    /// with the query pairs whose value is set.
    fn url(&self, segments: &[&str], query: &[(&str, Option<String>)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        let pairs: Vec<_> = query
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
            .collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    /// Sends one request and reads its answer; an error answer becomes a [`Failure`] carrying
    /// the API's code and message.
    pub async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, Option<String>)],
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let url = self.url(segments, query);
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |e: reqwest::Error| Failure {
            exit: Exit::Connection,
            message: format!("cannot reach {}: {e}", self.base),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(unreachable)?;
        let body: Value = serde_json::from_str(&text).map_err(|_| Failure {
            exit: Exit::Connection,
            message: format!(
                "{method} {} answered HTTP {status} without JSON: is --url a Keyturn deployment?",
                url.path()
            ),
        })?;
        if (200..300).contains(&status) {
            return Ok(Answer { status, body });
        }
        match (
            body.get("code"),
            body.get("message").and_then(Value::as_str),
        ) {
            (Some(code), Some(message)) => Err(Failure {
                exit: Exit::Api,
                message: format!("error {code} (HTTP {status}): {message}"),
            }),
            _ => Err(Failure {
                exit: Exit::Connection,
                message: format!("{method} {} answered HTTP {status}: {body}", url.path()),
            }),
        }
    }
}
