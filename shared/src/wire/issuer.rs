//! The per-app issuer's documents as JWT consumers fetch them (OpenID discovery, JWKS), under the
//! standards' own key names. Each type writes the JSON and its schema in `/openapi.json`.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::apps::issuer;

/// An OpenID discovery document (only what a JWT consumer reads).
#[derive(Serialize, ToSchema)]
pub struct Discovery {
    issuer: String,
    jwks_uri: String,
    id_token_signing_alg_values_supported: &'static [&'static str],
    response_types_supported: &'static [&'static str],
    subject_types_supported: &'static [&'static str],
    claims_supported: &'static [&'static str],
}

convert!(issuer::Discovery => Discovery {
    issuer,
    jwks_uri,
    id_token_signing_alg_values_supported,
    response_types_supported,
    subject_types_supported,
    claims_supported,
});

/// A JSON Web Key Set.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    keys: Vec<Value>,
}

convert!(issuer::Jwks => Jwks { keys });
