//! One CosyncJWT `users` document, mapped to a Keyturn user or refused with a reason.
//!
//! The original's data model (its `config/schema.js`): `password` is bcrypt (cost 10) of the
//! client's MD5 hex; `googleSecretKey` is the authenticator's formatted key in plain text
//! (lower-case base32 in groups of four); handles were not always lower-cased; `status` is
//! `active`, `suspend` or `pending`; `loginProvider` + `socialUserId` mark Apple and Google
//! users (linked as Keyturn identities, [`super::social_user`]); `phone` was never validated
//! ([`super::phones`]); `ANON_…` handles are anonymous users. Every loss is named in `lossy`, so
//! the report lists what did not come over and why.

use serde_json::{Map, Value};

use super::phones::{self, ImportedPhone, PhonePolicy};
use super::{ejson, social_user};
use crate::crypto::password::check_legacy_bcrypt;
use crate::domain::records::app::{App, TwoFactor};
use crate::domain::records::metadata::RESERVED_ROOTS;
use crate::domain::records::user::{
    Handle, SocialIdentity, UserName, UserStatus, parse_anonymous_handle, parse_locale,
};

pub use super::verdict::Refusal;

/// What the import does with the original's TOTP secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpPolicy {
    /// Seal the secret like any Keyturn secret; the factor stays on in `google` mode.
    Keep,
    /// Forget it: the user's authenticator login is off.
    Drop,
}

/// A `users` document as it will be stored.
#[derive(Debug, Clone)]
pub struct CosyncUser {
    /// The Mongo ObjectId (24 hex), remembered as `cosync:<oid>`.
    pub oid: String,
    /// The normalised handle (an `ANON_` handle as it was).
    pub handle: String,
    /// An anonymous user (no password).
    pub anonymous: bool,
    /// The original's bcrypt string, checked for form (empty for anonymous users).
    pub password_hash: String,
    /// Active or suspended.
    pub status: UserStatus,
    /// The username, when it is one Keyturn accepts.
    pub user_name: Option<String>,
    /// Metadata without registered claim names.
    pub meta_data: Map<String, Value>,
    /// Upper-cased locale.
    pub locale: String,
    /// The handle is proven (social user, verified signup, used invite).
    pub email_verified: bool,
    /// The Apple or Google identity to link (its claim is written with the user).
    pub social: Option<SocialIdentity>,
    /// The phone, when kept.
    pub phone: Option<ImportedPhone>,
    /// The decoded TOTP secret, when kept.
    pub totp_secret: Option<Vec<u8>>,
    /// Authenticator login stays on.
    pub totp_on: bool,
    /// Epoch ms of creation, last login and last change in the original.
    pub created_at: Option<i64>,
    /// Last login in the original (becomes the user's last-login record).
    pub last_login: Option<i64>,
    /// What did not come over, one reason each.
    pub lossy: Vec<String>,
}

/// How a document is read: the batch's policies and what the CLI learnt from the whole export.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `--totp`.
    pub totp: TotpPolicy,
    /// `--phones`.
    pub phones: PhonePolicy,
    /// The export shows the handle was verified (a verified signup or a used invite), which the
    /// CLI reads from `signups` and `invites`.
    pub handle_proven: bool,
    /// A user with a newer `lastLogin` has the same verified phone.
    pub phone_outranked: bool,
}

/// Maps one document for `app`.
pub fn map(doc: &Value, app: &App, options: Options) -> Result<CosyncUser, Refusal> {
    let Options {
        totp,
        phones: phone_policy,
        handle_proven,
        phone_outranked,
    } = options;
    let oid =
        ejson::object_id(doc).ok_or_else(|| Refusal::Invalid("no _id ObjectId".to_owned()))?;
    let status = match ejson::text(doc, "status") {
        None | Some("active") => UserStatus::Active,
        Some("suspend") => UserStatus::Suspended,
        Some("pending") => {
            return Err(Refusal::Skipped(
                "status pending: the user never completed signup".to_owned(),
            ));
        }
        Some(_) => return Err(Refusal::Invalid("unknown status".to_owned())),
    };
    let raw_handle =
        ejson::text(doc, "handle").ok_or_else(|| Refusal::Invalid("no handle".to_owned()))?;
    let anonymous = raw_handle.starts_with("ANON_");
    let handle = if anonymous {
        parse_anonymous_handle(raw_handle)
            .map_err(|_| Refusal::Invalid("anonymous handle of an unusable form".to_owned()))?
            .to_owned()
    } else {
        Handle::parse(raw_handle)
            .map_err(|_| Refusal::Invalid("handle is not an email address".to_owned()))?
            .as_str()
            .to_owned()
    };
    let mut lossy = Vec::new();
    let password_hash = match (anonymous, ejson::text(doc, "password")) {
        (false, Some(hash)) => {
            check_legacy_bcrypt(hash).map_err(|why| Refusal::Invalid(why.to_owned()))?;
            hash.to_owned()
        }
        // No password: an empty hash verifies nothing (anonymous and social users).
        _ => String::new(),
    };
    let social = if anonymous {
        None
    } else {
        social_user::identity(doc, !password_hash.is_empty(), &mut lossy)?
    };
    if !anonymous && password_hash.is_empty() && social.is_none() {
        return Err(Refusal::Invalid("no password".to_owned()));
    }
    // The provider proved the address when the user signed up with it.
    let provider_proven = !anonymous && social_user::provider(doc).is_some();
    let user_name = ejson::text(doc, "userName").and_then(|raw| match UserName::parse(raw) {
        Ok(name) => Some(name.as_str().to_owned()),
        Err(_) => {
            lossy.push("userName dropped: not 3 to 32 of a-z 0-9 _ . -".to_owned());
            None
        }
    });
    let meta_data = meta_data(doc, &mut lossy);
    let totp_wanted = ejson::flag(doc, "twoFactorGoogleVerification");
    let (totp_secret, totp_on) = match (totp, ejson::text(doc, "googleSecretKey")) {
        (_, None) => {
            if totp_wanted {
                lossy.push("authenticator login off: no googleSecretKey".to_owned());
            }
            (None, false)
        }
        (TotpPolicy::Drop, Some(_)) => {
            lossy.push("TOTP secret dropped (--totp drop): authenticator login off".to_owned());
            (None, false)
        }
        (TotpPolicy::Keep, Some(formatted)) => match decode_totp_secret(formatted) {
            None => {
                lossy.push("TOTP secret dropped: not base32".to_owned());
                (None, false)
            }
            Some(secret) => {
                let google_mode = app.settings.two_factor_verification == TwoFactor::Google;
                if totp_wanted && !google_mode {
                    lossy.push(
                        "TOTP secret kept but authenticator login off: the app is not in google mode"
                            .to_owned(),
                    );
                }
                (Some(secret), totp_wanted && google_mode)
            }
        },
    };
    let phone = phones::read(doc, app, phone_policy, phone_outranked, &mut lossy);
    Ok(CosyncUser {
        oid,
        handle,
        anonymous,
        password_hash,
        status,
        user_name,
        meta_data,
        locale: parse_locale(ejson::text(doc, "locale").map(str::to_owned)),
        email_verified: provider_proven || handle_proven,
        social,
        phone,
        totp_secret,
        totp_on,
        created_at: ejson::date_ms(doc, "createdAt"),
        last_login: ejson::date_ms(doc, "lastLogin"),
        lossy,
    })
}
/// A record's `metaData` without registered claim names (it lands in the JWT), each drop
/// reported as lossy: the users' and the pending invites' import share it.
pub(super) fn meta_data(doc: &Value, lossy: &mut Vec<String>) -> Map<String, Value> {
    match doc.get("metaData") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => {
            let mut kept = m.clone();
            for reserved in RESERVED_ROOTS {
                if kept.remove(reserved).is_some() {
                    lossy.push(format!(
                        "metaData.{reserved} dropped: a registered claim name"
                    ));
                }
            }
            kept
        }
        Some(_) => {
            lossy.push("metaData dropped: not an object".to_owned());
            Map::new()
        }
    }
}

/// The authenticator's formatted key (`acqo ua72 d3yf …`, lower-case base32 in groups of four)
/// as bytes: spaces dropped, upper-cased, RFC 4648 base32 without padding. At least 10 bytes
/// (80 bits, what authenticator libraries generate at the least).
pub fn decode_totp_secret(formatted: &str) -> Option<Vec<u8>> {
    let compact: String = formatted
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let secret = totp_rs::Secret::try_from_base32(compact.trim_end_matches('=')).ok()?;
    let bytes = secret.as_bytes().to_vec();
    (bytes.len() >= 10).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_authenticator_keys_decode_to_their_bytes() {
        // "Hello!\xde\xad\xbe\xef" in base32 is JBSWY3DPEHPK3PXP.
        let bytes = decode_totp_secret("jbsw y3dp ehpk 3pxp").unwrap();
        assert_eq!(bytes, b"Hello!\xde\xad\xbe\xef");
        assert_eq!(decode_totp_secret("not base32 1!"), None);
        assert_eq!(decode_totp_secret("jbsw"), None, "too short to be a secret");
    }
}
