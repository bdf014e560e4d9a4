//! Requests from a chosen client address (the socket peer the local runner would see), for the
//! per-address limits.

use axum::body::Body;
use http::Request;
use serde_json::Value;

use super::app::{ADMIN_KEY, Resp, TestApp};

/// How a request's fields travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`, values as Swift sends them (unencoded).
    Form,
}

/// A flat JSON object of scalars as a form body, values unencoded as Swift sends them except
/// `+` (which a form decodes as a space) and `&`.
pub fn form_body(fields: &Value) -> String {
    fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={}", s.replace('+', "%2B").replace('&', "%26")),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl TestApp {
    /// Sends `req` as if it came from the socket peer `ip`.
    pub async fn send_from(&self, ip: &str, mut req: Request<Body>) -> Resp {
        let peer = std::net::SocketAddr::new(ip.parse().unwrap(), 40_000);
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(req).await
    }

    /// A POST of `fields` (a flat object) in `encoding` from `ip`.
    pub async fn post_from(
        &self,
        ip: &str,
        encoding: Encoding,
        path: &str,
        headers: &[(&str, &str)],
        fields: Value,
    ) -> Resp {
        let req = match encoding {
            Encoding::Json => TestApp::json_post(path, headers, &fields),
            Encoding::Form => TestApp::form_post(path, headers, &form_body(&fields)),
        };
        self.send_from(ip, req).await
    }

    /// A form POST from `ip` with the body exactly as given (Swift's unencoded values, which
    /// [`form_body`] would escape).
    pub async fn post_form_from(
        &self,
        ip: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Resp {
        self.send_from(ip, TestApp::form_post(path, headers, body))
            .await
    }

    /// An admin call from `ip` with `key` as the bearer.
    pub async fn admin_from(&self, ip: &str, key: &str, method: &str, path: &str) -> Resp {
        let auth = format!("Bearer {key}");
        let req = TestApp::request(method, path, &[("authorization", &auth)])
            .body(Body::empty())
            .unwrap();
        self.send_from(ip, req).await
    }

    /// An admin call from `ip` with the right key.
    pub async fn admin_ok_from(&self, ip: &str, method: &str, path: &str) -> Resp {
        self.admin_from(ip, ADMIN_KEY, method, path).await
    }
}
