//! [`Redacted`]: how a request type holds a password, code or token, so that `{:?}` of the
//! request (in a log line, a panic or a test failure) never prints it.

use std::fmt;

/// A secret string from the wire: a password (client MD5), a one-time code, a login or social
/// token. It prints as `Redacted(..)`; the value is read only where it is checked
/// ([`Redacted::expose`]), so a grep for `expose` lists every place a secret is used.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Redacted(String);

impl Redacted {
    /// The secret itself, for the one check that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Redacted {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Redacted {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redacted(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let secret = Redacted::from("5ebe2294ecd0e0f08eab7690d2a6ee69");
        let shown = format!("{secret:?} {:?}", Some(secret.clone()));
        assert!(!shown.contains("5ebe"), "{shown}");
        assert_eq!(secret.expose(), "5ebe2294ecd0e0f08eab7690d2a6ee69");
    }
}
