//! The passkey routes' success bodies: the begin routes' `{publicKey}` options (WebAuthn Level
//! 3 JSON, passed to `PublicKeyCredential.parseCreationOptionsFromJSON` /
//! `parseRequestOptionsFromJSON` as they are) and a passkey as its owner sees it (never its key).

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::clock::iso_millis;
use crate::domain::passkeys::manage::Listing;
use crate::domain::passkeys::options::Options;
use crate::domain::records::passkey::Passkey;

/// `{publicKey}`: the options of a ceremony just begun (valid five minutes, one finish).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptions {
    /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`.
    #[schema(value_type = Object)]
    public_key: Value,
}

impl From<Options> for PasskeyOptions {
    fn from(options: Options) -> Self {
        Self {
            public_key: options.0,
        }
    }
}

/// One passkey of the caller.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    /// The credential id (base64url): what `rename` and `remove` take.
    id: String,
    /// The user's name for it.
    name: String,
    /// Registration time (ISO 8601).
    created_at: String,
    /// Whether it is synced (iCloud Keychain, Google Password Manager...) as of its last use.
    backed_up: bool,
    /// Last sign-in with it (ISO 8601), absent before the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
}

impl From<Passkey> for PasskeyView {
    fn from(p: Passkey) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: iso_millis(p.created_at),
            backed_up: p.backed_up,
            last_used_at: p.last_used_at.map(iso_millis),
        }
    }
}

/// `{passkeys: [...]}`, oldest first.
#[derive(Serialize, ToSchema)]
pub struct PasskeyList {
    /// The caller's passkeys.
    passkeys: Vec<PasskeyView>,
}

impl From<Listing> for PasskeyList {
    fn from(listing: Listing) -> Self {
        Self {
            passkeys: listing.0.into_iter().map(PasskeyView::from).collect(),
        }
    }
}
