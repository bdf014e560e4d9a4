//! The options a begin route returns, in WebAuthn Level 3's JSON form
//! (`PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take them
//! as they are; native clients map the same fields).

use serde_json::{Value, json};

use super::ceremony::TTL_SECS;
use super::credential::encode_id;
use crate::domain::records::app::App;
use crate::domain::records::passkey::PasskeySet;
use crate::domain::records::user::User;
use crate::domain::webauthn::Relying;
use crate::domain::webauthn::cose::{ES256, RS256};

/// `{publicKey}` for `navigator.credentials.create` or `.get`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options(pub Value);

/// Creation options: attestation none, user verification required, a discoverable credential
/// preferred, ES256 then RS256, the user's existing credentials excluded (so one authenticator
/// is not registered twice).
pub fn creation(
    rp: &Relying<'_>,
    app: &App,
    user: &User,
    set: &PasskeySet,
    challenge: &str,
) -> Options {
    let exclude: Vec<Value> = set
        .passkeys
        .iter()
        .map(|p| json!({"type": "public-key", "id": p.id, "transports": p.transports}))
        .collect();
    let params: Vec<Value> = [ES256, RS256]
        .iter()
        .map(|alg| json!({"type": "public-key", "alg": alg}))
        .collect();
    Options(json!({
        "rp": {"id": rp.rp_id, "name": app.name},
        "user": {
            "id": encode_id(user.user_id.as_bytes()),
            "name": user.handle,
            "displayName": user.handle,
        },
        "challenge": challenge,
        "pubKeyCredParams": params,
        "timeout": TTL_SECS * 1000,
        "excludeCredentials": exclude,
        "authenticatorSelection": {
            "residentKey": "preferred",
            "requireResidentKey": false,
            "userVerification": "required",
        },
        "attestation": "none",
    }))
}

/// Request options for a discoverable login: no `allowCredentials` (the server names no user,
/// so it enumerates nothing), user verification required.
pub fn request(rp: &Relying<'_>, challenge: &str) -> Options {
    Options(json!({
        "challenge": challenge,
        "rpId": rp.rp_id,
        "timeout": TTL_SECS * 1000,
        "userVerification": "required",
    }))
}
