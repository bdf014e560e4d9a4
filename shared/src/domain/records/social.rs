//! The vocabulary of Sign in with Apple and Google: the two providers, the audience lists an app
//! accepts their ID tokens for, and the two policies (linking, second factor) an app may choose.
//! Kept out of `app.rs` so the settings record only names them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// At most this many audiences per list: a bundle id or client id per platform and flavour,
/// with room to spare, yet a bounded loop per token.
pub const MAX_AUDIENCES: usize = 20;
/// The longest audience accepted (bundle ids and client ids are far shorter).
pub const MAX_AUDIENCE_LEN: usize = 255;

/// An identity provider whose ID tokens Keyturn verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Sign in with Apple.
    Apple,
    /// Google sign-in.
    Google,
}

impl Provider {
    /// Parses the wire's `provider` (`apple` | `google`, any case); 602 otherwise, as the
    /// original answered.
    pub fn parse(raw: &str) -> crate::error::Result<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "apple" => Ok(Self::Apple),
            "google" => Ok(Self::Google),
            _ => Err(crate::error::Error::invalid(
                "provider must be apple or google",
            )),
        }
    }

    /// The name stored and shown (`loginProvider`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apple => "apple",
            Self::Google => "google",
        }
    }

    /// The issuers this provider's ID tokens may carry. Apple changed its discovery document to
    /// `https://account.apple.com` without notice while tokens kept the old value, so both are
    /// accepted; Google documents both of its forms.
    pub fn issuers(self) -> &'static [&'static str] {
        match self {
            Self::Apple => &["https://appleid.apple.com", "https://account.apple.com"],
            Self::Google => &["https://accounts.google.com", "accounts.google.com"],
        }
    }
}

/// A list of audiences (Apple bundle or Services ids, Google client ids). Stored and shown as
/// the original's comma-separated string, read from that string or a JSON list: entries are
/// trimmed, empties dropped, at most [`MAX_AUDIENCES`] of at most [`MAX_AUDIENCE_LEN`] bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudienceList(Vec<String>);

impl AudienceList {
    /// No audience.
    pub const EMPTY: Self = Self(Vec::new());

    /// Parses a list from its entries, checking the limits.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let list: Vec<String> = entries
            .into_iter()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        if list.len() > MAX_AUDIENCES {
            return Err(format!("at most {MAX_AUDIENCES} audiences"));
        }
        if list.iter().any(|e| e.len() > MAX_AUDIENCE_LEN) {
            return Err(format!("an audience is longer than {MAX_AUDIENCE_LEN}"));
        }
        Ok(Self(list))
    }

    /// The entries.
    pub fn entries(&self) -> &[String] {
        &self.0
    }

    /// Whether no audience is configured (the provider then answers 415/416).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `value` is one of the entries (exact match).
    pub fn contains(&self, value: &str) -> bool {
        self.0.iter().any(|e| e == value)
    }

    /// The original's wire form: the entries joined by commas.
    pub fn to_csv(&self) -> String {
        self.0.join(",")
    }
}

impl Serialize for AudienceList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_csv())
    }
}

impl<'de> Deserialize<'de> for AudienceList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Csv(String),
            List(Vec<String>),
        }
        let parsed = match Raw::deserialize(d)? {
            Raw::Csv(s) => Self::parse(s.split(',')),
            Raw::List(l) => Self::parse(l.iter().map(String::as_str)),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// What a social login does when no identity matches but a verified password account holds
/// the token's email.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocialLinking {
    /// 610, as the original: the user signs in with their password.
    #[default]
    Refuse,
    /// Link the identity when the provider is authoritative for the email and the account has
    /// no second factor.
    Verified,
}

/// Whether a social login asks for the user's second factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocialSecondFactor {
    /// A user with a factor on gets `{"login-token"}` and finishes with `loginComplete`.
    #[default]
    Honour,
    /// The provider is trusted for the whole login (Cognito's model).
    Skip,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_lists_read_csv_or_json_and_show_csv() {
        let csv: AudienceList = serde_json::from_value(serde_json::json!(" a, ,b ,")).unwrap();
        let json: AudienceList = serde_json::from_value(serde_json::json!(["a", "b", ""])).unwrap();
        assert_eq!(csv, json);
        assert_eq!(serde_json::to_value(&csv).unwrap(), "a,b");
        let many = vec!["x"; MAX_AUDIENCES + 1].join(",");
        assert!(serde_json::from_value::<AudienceList>(serde_json::json!(many)).is_err());
        let long = "x".repeat(MAX_AUDIENCE_LEN + 1);
        assert!(serde_json::from_value::<AudienceList>(serde_json::json!(long)).is_err());
    }
}
