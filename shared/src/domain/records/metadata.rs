//! App metadata fields: where user-supplied values live (dot paths) and how they reach the JWT.
//!
//! Paths whose first segment is a registered JWT claim — or `email` / `userName`, which Keyturn
//! itself writes — are refused when the app is configured, so metadata can never overwrite
//! `sub`, `aud`, `exp` and friends (the original let them, so a user could rewrite their own
//! `sub`). The same holds for `metaDataInvite` fields, which reach the JWT too. Paths and values
//! also stay within what a DynamoDB item holds ([`storable`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::records::storable;
use crate::error::{Error, Result};

/// Claims metadata may never write: the registered claims, the ones Keyturn writes itself, and
/// `amr` / `auth_time`, which a backend reads to require a second factor (metadata that could
/// write them would let a user claim a factor they never proved).
pub const RESERVED_ROOTS: [&str; 13] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "kid",
    "amr",
    "auth_time",
    "email",
    "email_verified",
    "userName",
];

/// One metadata field of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetaField {
    /// Dot path inside the user's metadata and the JWT (`user_data.name.first`).
    pub path: String,
    /// Consumer-side field name (Realm's custom-data name); `email` means "the handle".
    pub field_name: String,
    /// Users cannot onboard without it.
    #[serde(default)]
    pub required: bool,
    /// Users may change it later.
    #[serde(default)]
    pub can_edit: bool,
}

/// Validates an app's field list: well-formed, unique, not touching reserved claims.
pub fn validate_fields(fields: &[MetaField]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for f in fields {
        let segments: Vec<&str> = f.path.split('.').collect();
        let well_formed = !f.path.is_empty()
            && f.path.len() <= 200
            && segments.iter().all(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
        if !well_formed {
            return Err(Error::InvalidMetadata(format!(
                "path {:?} must be dot-separated names of letters, digits, _ or -",
                f.path
            )));
        }
        storable::check_path(&f.path)?;
        if RESERVED_ROOTS.contains(&segments[0]) {
            return Err(Error::InvalidMetadata(format!(
                "path {:?} would overwrite the registered claim {:?}",
                f.path, segments[0]
            )));
        }
        if f.field_name.trim().is_empty() {
            return Err(Error::InvalidMetadata(format!(
                "path {:?} needs a fieldName",
                f.path
            )));
        }
        if !seen.insert(f.path.as_str()) {
            return Err(Error::InvalidMetadata(format!(
                "path {:?} is declared twice",
                f.path
            )));
        }
    }
    // `a` and `a.b` would overwrite each other in the JWT: refuse nested declarations.
    for a in fields {
        let nested = format!("{}.", a.path);
        if let Some(b) = fields.iter().find(|b| b.path.starts_with(&nested)) {
            return Err(Error::InvalidMetadata(format!(
                "paths {:?} and {:?} overlap",
                a.path, b.path
            )));
        }
    }
    Ok(())
}

/// Validates `metaData` and `metaDataInvite` together: both reach the JWT, so an invite path may
/// repeat a `metaData` path (the same claim) but never nest inside or around one.
pub fn validate_jwt_fields(meta_data: &[MetaField], meta_data_invite: &[MetaField]) -> Result<()> {
    validate_fields(meta_data)?;
    validate_fields(meta_data_invite)?;
    for a in meta_data_invite {
        for b in meta_data {
            let (x, y) = (format!("{}.", a.path), format!("{}.", b.path));
            if b.path.starts_with(&x) || a.path.starts_with(&y) {
                return Err(Error::InvalidMetadata(format!(
                    "paths {:?} and {:?} overlap",
                    a.path, b.path
                )));
            }
        }
    }
    Ok(())
}

/// The value at a dot path.
pub fn get_path<'a>(root: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let mut current = root.get(segments.next()?)?;
    for s in segments {
        current = current.as_object()?.get(s)?;
    }
    Some(current)
}

/// Writes `value` at a dot path, creating (or replacing non-object) intermediate objects.
pub fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let segments: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut current = root;
    for s in parents {
        let entry = current
            .entry((*s).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        current = next;
    }
    current.insert((*last).to_owned(), value);
}

/// A metadata field as clients send it: a JSON object, or a string holding one; absent, `null`
/// or blank is none, anything else 604.
pub fn object_field(name: &str, value: Option<&Value>) -> Result<Option<Map<String, Value>>> {
    let not_object = || Error::InvalidMetadata(format!("{name} must be a JSON object"));
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Object(o)) => Ok(Some(o)),
            _ => Err(not_object()),
        },
        Some(_) => Err(not_object()),
    }
}

/// Keeps the declared fields of `supplied` (trimmed strings at their paths), enforcing
/// `required` and the size a user's metadata may take ([`storable::check_metadata`], 604).
/// Undeclared keys are dropped, as the original did. Fields named `email` are filled from the
/// handle, not from the client.
pub fn extract(
    fields: &[MetaField],
    supplied: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>> {
    let empty = Map::new();
    let supplied = supplied.unwrap_or(&empty);
    let mut out = Map::new();
    for f in fields.iter().filter(|f| f.field_name != "email") {
        match get_path(supplied, &f.path) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                set_path(&mut out, &f.path, Value::String(s.trim().to_owned()));
            }
            Some(Value::String(_)) | None | Some(Value::Null) => {
                if f.required {
                    return Err(Error::InvalidMetadata(format!("{} is required", f.path)));
                }
            }
            Some(_) => {
                return Err(Error::InvalidMetadata(format!(
                    "{} must be a string",
                    f.path
                )));
            }
        }
    }
    storable::check_metadata(&out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(path: &str, required: bool) -> MetaField {
        MetaField {
            path: path.into(),
            field_name: path.replace('.', "_"),
            required,
            can_edit: false,
        }
    }

    #[test]
    fn registered_claims_cannot_be_metadata_paths() {
        for p in ["sub", "exp", "aud.x", "iss", "email", "kid"] {
            let err = validate_fields(&[field(p, false)]).unwrap_err();
            assert_eq!(err.wire().code, 604, "{p}");
        }
        assert!(validate_fields(&[field("user_data.sub", false)]).is_ok());
        assert!(validate_fields(&[field("a..b", false)]).is_err());
        assert!(validate_fields(&[field("a", false), field("a", true)]).is_err());
        assert!(validate_fields(&[field("a", false), field("a.b", true)]).is_err());
        assert!(validate_fields(&[field("a.b", false), field("ab.c", true)]).is_ok());
    }

    #[test]
    fn extract_keeps_declared_trimmed_strings_and_enforces_required() {
        let fields = [field("user.name.first", true), field("user.team", false)];
        let supplied: Map<String, Value> =
            serde_json::from_str(r#"{"user":{"name":{"first":"  Bob "}},"sub":"admin"}"#).unwrap();
        let out = extract(&fields, Some(&supplied)).unwrap();
        assert_eq!(
            Value::Object(out),
            serde_json::json!({"user":{"name":{"first":"Bob"}}})
        );
        assert_eq!(extract(&fields, None).unwrap_err().wire().code, 604);
        let bad: Map<String, Value> =
            serde_json::from_str(r#"{"user":{"name":{"first":3}}}"#).unwrap();
        assert_eq!(extract(&fields, Some(&bad)).unwrap_err().wire().code, 604);
    }
}
