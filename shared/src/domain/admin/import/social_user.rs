//! A CosyncJWT Apple or Google user (`loginProvider` + `socialUserId`) becomes a Keyturn user
//! whose identity claim names `(provider, socialUserId)`, exactly what `socialSignup` writes, so
//! the user signs in with `socialLogin` at once: the original's `socialUserId` is the provider's
//! `sub`, which Keyturn looks identities up by.
//!
//! The claim is created in the user's own transaction (create-if-absent), so a rerun or a
//! resumed batch cannot link the identity twice; an identity some other user of the app holds
//! already (a second export record with the same `socialUserId`, or a Keyturn user who signed
//! up meanwhile) makes the record a `conflict`, never a second link.

use serde_json::Value;

use super::ejson;
use super::verdict::Refusal;
use crate::domain::records::social::Provider;
use crate::domain::records::user::SocialIdentity;

/// Longest `socialUserId` accepted: Apple's subjects are ~44 characters, Google's 21 digits; the
/// bound keeps the claim key well inside DynamoDB's key size.
const MAX_SUB_LEN: usize = 255;

/// The provider `loginProvider` names, if it is one Keyturn knows (any case).
pub fn provider(doc: &Value) -> Option<Provider> {
    ejson::text(doc, "loginProvider").and_then(|p| Provider::parse(p).ok())
}

/// The identity to link, `None` for a password user. `has_password`: the record also carries a
/// bcrypt hash, so a social record that cannot be linked still has a way in (and is imported,
/// with the loss reported); without one it is `invalid`.
pub fn identity(
    doc: &Value,
    has_password: bool,
    lossy: &mut Vec<String>,
) -> Result<Option<SocialIdentity>, Refusal> {
    let Some(named) = ejson::text(doc, "loginProvider") else {
        return Ok(None);
    };
    let Some(provider) = provider(doc) else {
        if has_password {
            lossy.push("loginProvider dropped: neither apple nor google".to_owned());
            return Ok(None);
        }
        return Err(Refusal::Invalid(format!(
            "loginProvider {:?} is neither apple nor google, and there is no password",
            named.chars().take(16).collect::<String>()
        )));
    };
    let p = provider.as_str();
    let Some(sub) = ejson::text(doc, "socialUserId") else {
        if has_password {
            lossy.push(format!(
                "{p} identity not kept: no socialUserId (the password still works)"
            ));
            return Ok(None);
        }
        return Err(Refusal::Invalid(format!(
            "{p} user without socialUserId or password: nothing to sign in with"
        )));
    };
    if sub.len() > MAX_SUB_LEN || sub.chars().any(char::is_control) {
        return Err(Refusal::Invalid(
            "socialUserId is not a provider subject (too long or control characters)".to_owned(),
        ));
    }
    Ok(Some(SocialIdentity {
        provider,
        sub: sub.to_owned(),
    }))
}
