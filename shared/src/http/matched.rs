//! The route a request matched, as its router declares it (`/admin/apps/{app_id}/keys/rotate`),
//! with the parameters the router captured. Logs and the audit trail name a request by its
//! declared route because the raw path carries whatever the caller typed, and a refused caller
//! must not be able to write text of its choosing into an operator's trail. (axum's own
//! `MatchedPath` would say the same, but its feature is not built.)

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

/// A request's declared route and captured parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matched {
    /// The path with each captured segment replaced by `{name}`; a segment that is neither a
    /// capture nor plain route text (lowercase letters, digits, `-`) shows as `{}`.
    pub route: String,
    /// The captured parameters, in path order, percent-decoded.
    pub params: Vec<(String, String)>,
}

impl Matched {
    /// The route `parts` matched (called from an extractor, after routing). A request whose
    /// parameters are not UTF-8 keeps them unnamed (`{}`), since the router refuses it anyway.
    pub async fn of(parts: &mut Parts) -> Self {
        let params: Vec<(String, String)> = RawPathParams::from_request_parts(parts, &())
            .await
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            route: declared(parts.uri.path(), &params),
            params,
        }
    }

    /// The captured parameter `name` (`app_id`), if the route has one.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `path` with the segments `params` captured (in order) replaced by `{name}`.
fn declared(path: &str, params: &[(String, String)]) -> String {
    let mut next = params.iter().peekable();
    path.split('/')
        .map(|segment| match next.peek() {
            Some((name, value)) if percent_decoded(segment) == *value => {
                next.next();
                format!("{{{name}}}")
            }
            _ if segment
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                segment.to_owned()
            }
            _ => "{}".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A path segment as the router decodes it: every valid `%XX` decoded, the bytes read as
/// UTF-8 (lossy).
fn percent_decoded(segment: &str) -> String {
    let raw = segment.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (raw[i], raw.get(i + 1).copied(), raw.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let byte = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(byte).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn captures_are_named_and_route_text_kept() {
        let p = params(&[("app_id", "0123abcd"), ("handle", "ann@example.com")]);
        assert_eq!(
            declared("/admin/apps/0123abcd/invites/ann%40example.com", &p),
            "/admin/apps/{app_id}/invites/{handle}"
        );
        assert_eq!(declared("/admin/apps", &[]), "/admin/apps");
        let p = params(&[("app_id", "x")]);
        assert_eq!(
            declared("/admin/apps/x/app-token/rotate", &p),
            "/admin/apps/{app_id}/app-token/rotate"
        );
    }

    #[test]
    fn caller_text_never_survives() {
        // A capture equal to route text is taken early; the real capture then shows as `{}`
        // when it is not plain route text, and as that route text otherwise.
        let p = params(&[("app_id", "apps")]);
        let route = declared("/admin/apps/%61pps/keys", &p);
        assert_eq!(route, "/admin/{app_id}/{}/keys");
        let p = params(&[("user_id", "<script>")]);
        assert_eq!(declared("/a/Evil%20Text/<script>", &p), "/a/{}/{user_id}");
    }

    #[test]
    fn percent_escapes_decode_like_the_router() {
        assert_eq!(percent_decoded("a%40b%2Fc"), "a@b/c");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz%4"), "%zz%4");
        assert_eq!(percent_decoded("%C3%A9"), "é");
    }
}
