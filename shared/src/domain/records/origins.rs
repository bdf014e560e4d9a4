//! Browser origins: the syntax an app's `allowedOrigins` setting (and the deployment's CORS list)
//! must have, and the per-app check every app-scoped request passes.
//!
//! Why per app, on the request itself: a CORS preflight carries no header *values*, so it cannot
//! say which app it is for; API Gateway (`CorsConfiguration` in `template.yaml`) and the local
//! runner answer preflights from one deployment-wide list. Each app then decides on the actual
//! request, whose `app-token` or `access-token` names it: a browser request from an origin the app
//! does not list is refused (619) before any work, so one app's web client cannot use another
//! app's token from its own pages, and a listed origin of app A is no pass for app B.

use crate::error::{Error, Result};

/// At most this many origins per app (a list, not a pattern language).
pub const MAX_ORIGINS: usize = 50;

/// Longest accepted origin (scheme, a DNS name of at most 253 bytes, a port).
const MAX_ORIGIN_BYTES: usize = 300;

/// Checks one origin's syntax: `http` or `https`, `://`, a host of letters, digits, `-` and `.`
/// (or a bracketed IPv6 address), an optional port; lower case, with no path, query, fragment,
/// user info or trailing slash, exactly as browsers send it in `Origin`. `*` is refused: an app
/// names the sites its web client runs on (Keyturn's tokens travel in headers, so a wildcard would
/// let any page drive the API with a token it holds).
pub fn check_syntax(origin: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid(format!("origin {origin:?}: {why}")));
    if origin.len() > MAX_ORIGIN_BYTES {
        return bad("too long");
    }
    if origin == "*" {
        return bad("a wildcard is not allowed; list each origin");
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return bad("must be scheme://host[:port]");
    };
    if scheme != "https" && scheme != "http" {
        return bad("scheme must be http or https");
    }
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let Some((addr, after)) = v6.split_once(']') else {
                return bad("bad IPv6 host");
            };
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return bad("no path, query or trailing slash"),
                },
            };
            (addr.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            };
            let ok = !host.is_empty()
                && host.len() <= 253
                && host
                    .split('.')
                    .all(|label| !label.is_empty() && label.len() <= 63)
                && host.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            (ok, port)
        }
    };
    if !host_ok {
        return bad("host must be a lower-case name or address, with no path or trailing slash");
    }
    if let Some(port) = port
        && (port.is_empty()
            || port.len() > 5
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().map_or(true, |p| p == 0))
    {
        return bad("port must be 1..=65535, with no path or trailing slash");
    }
    Ok(())
}

/// Checks a whole list: each origin's syntax, no duplicates, at most [`MAX_ORIGINS`].
pub fn check_list(origins: &[String]) -> Result<()> {
    if origins.len() > MAX_ORIGINS {
        return Err(Error::invalid(format!(
            "allowedOrigins: at most {MAX_ORIGINS} origins"
        )));
    }
    for (i, origin) in origins.iter().enumerate() {
        check_syntax(origin)?;
        if origins[..i].contains(origin) {
            return Err(Error::invalid(format!("origin {origin:?} is listed twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_origins_are_accepted() {
        for ok in [
            "https://app.example.com",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://a-b.c9.example",
        ] {
            assert!(check_syntax(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn wildcards_paths_and_other_shapes_are_refused() {
        for bad in [
            "*",
            "https://*.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://app.example.com?x=1",
            "ftp://app.example.com",
            "app.example.com",
            "https://App.Example.com",
            "https://user@app.example.com",
            "https://app.example.com:0",
            "https://app.example.com:99999",
            "https://",
            "https://a..b",
            "null",
        ] {
            assert!(check_syntax(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duplicates_and_long_lists_are_refused() {
        let one = "https://a.example".to_owned();
        assert!(check_list(&[one.clone(), one]).is_err());
        let many: Vec<String> = (0..=MAX_ORIGINS)
            .map(|i| format!("https://a{i}.example"))
            .collect();
        assert!(check_list(&many).is_err());
    }
}
