//! Who is asking, and under which public address: built once per request by the door (the wire
//! extractor), so no use case ever reads a header.
//!
//! Neither field may come from a header a client controls. A forged `X-Forwarded-Host` would
//! point email links, the JWT `iss` and the discovery `jwks_uri` at the attacker's domain; a
//! forged `X-Forwarded-For` would make every per-address limit bypassable.

use std::net::IpAddr;

/// The request's context, handed to every use case: who is asking (the token carriers), the
/// base URL links and issuers are built on, and the client's address for limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The token carriers, unverified (the `auth` module checks them).
    pub credentials: Credentials,
    /// Base URL for links and issuer URLs (`https://api.example.com`, no trailing slash): the
    /// configured public URL, else API Gateway's domain and stage, else the local bound address.
    pub base_url: String,
    /// The client's address as limits key it.
    pub client: ClientAddress,
    /// The browser's `Origin` header, when the request carries one (checked against the app's
    /// `allowedOrigins` by [`crate::domain::common::caller::check_origin`]). `null` stays
    /// `Some("null")`, except on the signup mail link's routes, whose confirm page posts as
    /// `null` and which count it as no origin.
    pub origin: Option<String>,
    /// Fingerprint of the admin key the request proved (admin API only), for the audit trail;
    /// never the key.
    pub admin_key: Option<String>,
}

impl RequestContext {
    /// A context for calls that do not come through a door (tools, tests).
    pub fn new(base_url: impl Into<String>, client: ClientAddress) -> Self {
        Self {
            credentials: Credentials::default(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            client,
            origin: None,
            admin_key: None,
        }
    }

    /// This context proven to carry the admin key with this fingerprint.
    pub fn with_admin_key(self, fingerprint: String) -> Self {
        Self {
            admin_key: Some(fingerprint),
            ..self
        }
    }

    /// This context with the request's `Origin` header.
    pub fn with_origin(self, origin: Option<String>) -> Self {
        Self { origin, ..self }
    }

    /// This context with the request's token carriers.
    pub fn with_credentials(self, credentials: Credentials) -> Self {
        Self {
            credentials,
            ..self
        }
    }
}

/// The token carriers of a request, as the wire found them. Both may arrive together: user-scoped
/// routes read the access token, app-scoped ones the app token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// `app-token` header; on the signup mail link's routes only, else the `appToken` query
    /// parameter (the email's link carries it).
    pub app_token: Option<String>,
    /// `access-token` header.
    pub access_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are secrets: show only which carriers are present.
        f.debug_struct("Credentials")
            .field("app_token", &self.app_token.as_ref().map(|_| ".."))
            .field("access_token", &self.access_token.as_ref().map(|_| ".."))
            .finish()
    }
}

/// A client address reduced to what one party controls: an IPv4 address as is, an IPv6 address
/// to its /64 (one subscriber usually holds a whole /64, so counting single v6 addresses would
/// let one machine rotate through 2^64 of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientAddress(String);

impl ClientAddress {
    /// The address from API Gateway's `sourceIp` or the socket peer; `unknown` when neither
    /// exists (in-process calls), which then share one bucket.
    pub fn from_ip_text(raw: Option<&str>) -> Self {
        match raw.and_then(|r| r.trim().parse::<IpAddr>().ok()) {
            Some(ip) => Self::from_ip(ip),
            None => Self("unknown".to_owned()),
        }
    }

    /// See [`ClientAddress`]; an IPv4-mapped IPv6 address counts as its IPv4 address.
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Self(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// The text used in limit keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_64_are_one_client() {
        let a = ClientAddress::from_ip_text(Some("2001:db8:1:2:aaaa::1"));
        let b = ClientAddress::from_ip_text(Some("2001:db8:1:2:ffff:1:2:3"));
        let c = ClientAddress::from_ip_text(Some("2001:db8:1:3::1"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_str(), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_and_mapped_ipv4_are_the_same_client() {
        assert_eq!(
            ClientAddress::from_ip_text(Some("::ffff:192.0.2.7")),
            ClientAddress::from_ip_text(Some("192.0.2.7"))
        );
        assert_eq!(
            ClientAddress::from_ip_text(Some("junk")).as_str(),
            "unknown"
        );
    }
}
