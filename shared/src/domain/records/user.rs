//! Users and the input types that identify them. Parse, don't validate: a [`Handle`] is a
//! lower-cased, trimmed, plausible email; a [`ClientPassword`] is the client's 32-hex MD5.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Longest handle any key holds (RFC 5321's 254-byte address limit; [`Handle::parse`] enforces
/// it).
pub const MAX_HANDLE_BYTES: usize = 254;

/// A user's email handle, normalised (trimmed, lower-cased) and checked for shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

impl Handle {
    /// Parses a client-supplied handle (602 when it is not an email address). The local part
    /// may hold any printable ASCII but `@`, `"` and `\` (escaping, not rejection, is what keeps
    /// handles out of markup); the domain must be dot-separated labels of letters, digits and
    /// `-`. Quoting is refused because `"gina"@d` and `gi\na@d` are delivered to `gina@d`: one
    /// mailbox would have several handles, accounts and mail counters. The Cosync clients send
    /// plain addresses, and 602 is the protocol's answer to invalid data.
    pub fn parse(raw: &str) -> Result<Self> {
        let h = raw.trim().to_lowercase();
        let valid = h.len() <= MAX_HANDLE_BYTES
            && h.split_once('@').is_some_and(|(local, domain)| {
                let labels: Vec<&str> = domain.split('.').collect();
                (1..=64).contains(&local.len())
                    && local
                        .bytes()
                        .all(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'@' | b'"' | b'\\'))
                    && labels.len() >= 2
                    && labels.iter().all(|l| {
                        !l.is_empty()
                            && !l.starts_with('-')
                            && !l.ends_with('-')
                            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    })
            });
        if valid {
            Ok(Self(h))
        } else {
            Err(Error::invalid("handle must be an email address"))
        }
    }

    /// The normalised string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The password as the protocol carries it: the client's lower-case hex MD5, treated as the
/// password itself (never stored, never logged).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientPassword(String);

impl std::fmt::Debug for ClientPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientPassword(..)")
    }
}

impl ClientPassword {
    /// Parses the wire value (602 unless 32 lower-case hex characters).
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.len() == 32 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid(
                "password must be the 32-character lower-case hex MD5 of the user's password",
            ))
        }
    }

    /// The secret string to hash or verify.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A username: trimmed, lower-cased, 3 to 32 of `a-z 0-9 _ . -`.
///
/// The original allowed anything; we refuse `@` (login reads any identifier with `@` as an
/// email, so such a name could never be used to log in) and keep to characters that are safe in
/// URLs, keys and markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    /// Parses a client-supplied name (602 when it breaks the rules above).
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim().to_lowercase();
        let valid = (3..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if valid {
            Ok(Self(name))
        } else {
            Err(Error::invalid(
                "userName must be 3 to 32 letters, digits, '_', '.' or '-'",
            ))
        }
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an optional locale: upper-cased, `EN` by default.
pub fn parse_locale(raw: Option<String>) -> String {
    raw.map(|l| l.trim().to_uppercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "EN".to_owned())
}

/// The prefix every anonymous handle starts with.
pub const ANONYMOUS_PREFIX: &str = "ANON_";
/// Longest anonymous handle accepted.
pub const MAX_ANONYMOUS_HANDLE_LEN: usize = 128;
/// Fewest characters after the prefix (clients append a UUID: 32 or 36).
pub const MIN_ANONYMOUS_SUFFIX_LEN: usize = 8;
/// Checks an anonymous handle (see `domain::login::anonymous`: the handle is the whole credential) and returns it unchanged.
pub fn parse_anonymous_handle(raw: &str) -> Result<&str> {
    let Some(suffix) = raw.strip_prefix(ANONYMOUS_PREFIX) else {
        return Err(Error::InvalidCredentials);
    };
    let valid = raw.len() <= MAX_ANONYMOUS_HANDLE_LEN
        && suffix.len() >= MIN_ANONYMOUS_SUFFIX_LEN
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(raw)
    } else {
        Err(Error::invalid(format!(
            "handle must be {ANONYMOUS_PREFIX} followed by {MIN_ANONYMOUS_SUFFIX_LEN} to {} letters, digits, '_' or '-'",
            MAX_ANONYMOUS_HANDLE_LEN - ANONYMOUS_PREFIX.len()
        )))
    }
}

/// Whether a user may use the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Normal.
    Active,
    /// Refused at login (404) once the password is proven; tokens stop working.
    Suspended,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Stable random id; the JWT `sub`.
    pub user_id: String,
    /// Owning app.
    pub app_id: String,
    /// Normalised email handle.
    pub handle: String,
    /// Argon2id PHC string of the client MD5, or the bcrypt string an import brought until its
    /// first proven password replaces it (`domain::common::rehash`).
    pub password_hash: String,
    /// Active or suspended.
    pub status: UserStatus,
    /// Template language.
    pub locale: String,
    /// Metadata at the app's dot paths.
    pub meta_data: Map<String, Value>,
    /// Bumped to revoke every access token issued before.
    pub token_epoch: u64,
    /// The one session that survived the last revocation (a password change keeps the caller's).
    #[serde(default)]
    pub kept_session: Option<KeptSession>,
    /// Username, once set (unique per app).
    #[serde(default)]
    pub user_name: Option<String>,
    /// Created by anonymous login: no password, cannot log in with one.
    #[serde(default)]
    pub anonymous: bool,
    /// Second factors and the verified phone.
    #[serde(default)]
    pub two_factor: SecondFactor,
    /// The handle was proven by a code or link sent to it (signup code or link, invite,
    /// password reset); the JWT says so in `email_verified`.
    #[serde(default)]
    pub email_verified: bool,
    /// Where an imported user came from (`cosync:<Mongo ObjectId>`): a rerun of the import
    /// recognises the user by it (`unchanged`) instead of reporting its handle as taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
    /// The Apple or Google identity linked to the account (`loginProvider` on the wire); its
    /// claim item makes it unique per app, and a purge deletes that claim by this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social: Option<SocialIdentity>,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Last change (epoch ms).
    pub updated_at: i64,
}

/// A user's second-factor switches and phone. The TOTP secret and recovery codes live sealed
/// and hashed in a separate item (`keys::factors`), never on this indexed record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecondFactor {
    /// Authenticator-app (TOTP) login is on.
    #[serde(default)]
    pub google: bool,
    /// SMS login is on (needs a verified phone).
    #[serde(default)]
    pub phone_login: bool,
    /// The user's phone (E.164): verified by a code, or imported from CosyncJWT with
    /// `phone_verified` false (it holds no phone claim then); a number waiting for its code is
    /// not here.
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether `phone` was verified by a code.
    #[serde(default)]
    pub phone_verified: bool,
}

impl SecondFactor {
    /// The phone as an admin screen shows it: the country-code digits and the last two, the
    /// rest masked (`+44•••••••56`), so a support desk can match a caller's number without the
    /// console (or a screenshot of it) holding the whole of it.
    pub fn masked_phone(&self) -> Option<String> {
        let phone = self.phone.as_deref()?;
        let chars: Vec<char> = phone.chars().collect();
        let keep_head = if phone.starts_with('+') { 3 } else { 0 };
        let keep_tail = 2.min(chars.len().saturating_sub(keep_head));
        Some(
            chars
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < keep_head || i >= chars.len() - keep_tail {
                        *c
                    } else {
                        '•'
                    }
                })
                .collect(),
        )
    }
}

/// An identity at a provider: the provider and its stable `sub`, never the email (which the
/// user may change at the provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialIdentity {
    /// Apple or Google.
    pub provider: crate::domain::records::social::Provider,
    /// The provider's subject.
    pub sub: String,
}

/// A session exempted from a revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSession {
    /// Its session id.
    pub sid: String,
    /// The epoch its token carries.
    pub epoch: u64,
}

impl User {
    /// Revokes every access token, or every one but `keep` (the caller's session).
    pub fn revoke_sessions(&mut self, keep: Option<(&str, u64)>) {
        self.kept_session = keep.map(|(sid, epoch)| KeptSession {
            sid: sid.to_owned(),
            epoch,
        });
        self.token_epoch += 1;
    }

    /// Whether an access token with this epoch and session id is still valid.
    pub fn accepts_session(&self, epoch: u64, sid: &str) -> bool {
        epoch == self.token_epoch
            || self
                .kept_session
                .as_ref()
                .is_some_and(|k| k.epoch == epoch && k.sid == sid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_phone_keeps_the_country_code_and_the_last_two_digits() {
        let masked = |phone: &str| {
            SecondFactor {
                phone: Some(phone.to_owned()),
                ..SecondFactor::default()
            }
            .masked_phone()
            .unwrap()
        };
        assert_eq!(masked("+447911123456"), "+44••••••••56");
        assert_eq!(masked("+15"), "+15");
        assert_eq!(masked("12345"), "•••45");
        assert_eq!(SecondFactor::default().masked_phone(), None);
    }

    #[test]
    fn handles_are_normalised_emails() {
        assert_eq!(
            Handle::parse("  Bob+1@X.com ").unwrap().as_str(),
            "bob+1@x.com"
        );
        for bad in [
            "bob",
            "bob@",
            "@x.com",
            "bob@x",
            "a b@x.com",
            "a@b@c.com",
            "bob@.com",
            "bob@x_y.com",
            "\"bob\"@x.com",
            "bo\\b@x.com",
        ] {
            assert_eq!(Handle::parse(bad).unwrap_err().wire().code, 602, "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_lower_hex_md5() {
        assert!(ClientPassword::parse("5f4dcc3b5aa765d61d8327deb882cf99").is_ok());
        for bad in [
            "short",
            "5F4DCC3B5AA765D61D8327DEB882CF99",
            "5f4dcc3b5aa765d61d8327deb882cf9z",
        ] {
            assert_eq!(ClientPassword::parse(bad).unwrap_err().wire().code, 602);
        }
    }
}
