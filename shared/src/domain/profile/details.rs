//! The signed-in user's own profile: `getUser`, `setUserMetadata` and `setLocale`.
//!
//! Every change is a read-modify-write of the user record guarded by its version and retried
//! when another request changed the record in between, so two concurrent edits never lose one
//! another's fields.
//!
//! `setUserMetadata` **merges**: fields the request does not mention keep their stored values.
//! The original replaced the whole metadata with the request's set (its `setUserMetadata`), which
//! silently dropped values an admin or an inviter had set; a client that wants to change one
//! field should not have to resend (or even know) the others.

use serde_json::{Map, Value};

use crate::domain::common::caller;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::context::RequestContext;
use crate::domain::records::metadata::{MetaField, get_path};
use crate::domain::records::user::User;
use crate::error::{Error, Result};

/// `GET /getUser`: the caller's profile (never the password hash).
pub async fn get_user(state: &AppState, ctx: &RequestContext) -> Result<Profile> {
    // The last login is keyed by the token's user id, so it is read beside the caller's app and
    // user: one round trip of latency for all three.
    let claims = caller::access_claims(state, ctx)?;
    let last_login = repo::last_login(state, &claims.sub);
    let (caller, last_login) =
        tokio::join!(caller::caller_of(state, claims.clone(), ctx), last_login);
    let caller = caller?;
    Ok(Profile {
        user: caller.user,
        last_login: last_login?,
    })
}

/// The caller's own account and when they last logged in: what `getUser` shows (the wire
/// layer picks the fields, never the password hash or session state).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The caller as stored.
    pub user: User,
    /// The last successful login (ISO 8601), if any.
    pub last_login: Option<String>,
}

/// A `setUserMetadata` request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct MetadataRequest {
    /// `metaData` (a JSON object or a string of one), if given.
    pub meta_data: Option<Map<String, Value>>,
}

/// `POST /setUserMetadata` with `metaData`.
pub async fn set_user_metadata(
    state: &AppState,
    req: MetadataRequest,
    ctx: &RequestContext,
) -> Result<()> {
    let supplied = req.meta_data;
    let caller = caller::user_from_access(state, ctx).await?;
    let fields = &caller.app.settings.meta_data;
    if fields.is_empty() {
        return Err(Error::invalid("this app defines no metadata fields"));
    }
    let supplied = supplied.ok_or(Error::MissingParam("metaData"))?;
    // Validate once against the caller's current record, so a bad request fails before any
    // write; the same rules run again inside the update against the freshest record.
    let mut probe = caller.user.meta_data.clone();
    merge_metadata(fields, &mut probe, &supplied)?;
    caller::update_caller(state, &caller, |user| {
        merge_metadata(fields, &mut user.meta_data, &supplied)
    })
    .await?;
    Ok(())
}

/// The `canEdit` rules of Cosync clients, merging into `stored`:
/// - a supplied value must be a string (or `null`, read as empty), else 604;
/// - on a `canEdit: false` field it must equal the stored value (clients echo back what
///   `getUser` gave them), else 604;
/// - on an editable field it is trimmed and stored; empty removes the value, which a required
///   field refuses (604);
/// - fields not supplied, undeclared stored keys (admin-set) and `email` fields (always the
///   handle) are left as they are; undeclared supplied keys are ignored, as the original did;
/// - the merged metadata must fit a user's record (16 KiB as JSON), else 604.
pub fn merge_metadata(
    fields: &[MetaField],
    stored: &mut Map<String, Value>,
    supplied: &Map<String, Value>,
) -> Result<()> {
    for f in fields.iter().filter(|f| f.field_name != "email") {
        let Some(raw) = get_path(supplied, &f.path) else {
            continue;
        };
        let value = match raw {
            Value::String(s) => s.trim().to_owned(),
            Value::Null => String::new(),
            _ => {
                return Err(Error::InvalidMetadata(format!(
                    "{} must be a string",
                    f.path
                )));
            }
        };
        let current = get_path(stored, &f.path)
            .and_then(Value::as_str)
            .unwrap_or("");
        if !f.can_edit {
            if value != current {
                return Err(Error::InvalidMetadata(format!(
                    "{} cannot be changed",
                    f.path
                )));
            }
            continue;
        }
        if value.is_empty() {
            if f.required {
                return Err(Error::InvalidMetadata(format!("{} is required", f.path)));
            }
            remove_path(stored, &f.path);
        } else {
            crate::domain::records::metadata::set_path(stored, &f.path, Value::String(value));
        }
    }
    crate::domain::records::storable::check_metadata(stored)
}

/// Removes the value at a dot path, and any parent object left empty by it.
fn remove_path(root: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            root.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(child)) = root.get_mut(head) {
                remove_path(child, rest);
                if child.is_empty() {
                    root.remove(head);
                }
            }
        }
    }
}

/// A `setLocale` request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct LocaleRequest {
    /// The raw locale.
    pub locale: String,
}

/// `POST /setLocale` with `locale`: upper-cased; one the app offers (else 602).
pub async fn set_locale(state: &AppState, req: LocaleRequest, ctx: &RequestContext) -> Result<()> {
    let caller = caller::user_from_access(state, ctx).await?;
    let locale = caller.app.requested_locale(Some(req.locale))?;
    caller::update_caller(state, &caller, |user| {
        user.locale = locale.clone();
        Ok(())
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(path: &str, required: bool, can_edit: bool) -> MetaField {
        MetaField {
            path: path.into(),
            field_name: path.replace('.', "_"),
            required,
            can_edit,
        }
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn merge_keeps_unsupplied_and_admin_values_and_trims_edits() {
        let fields = [
            field("user.name", true, true),
            field("user.team", false, false),
        ];
        let mut stored = obj(serde_json::json!({"user":{"name":"Bob","team":"red"},"admin":"x"}));
        merge_metadata(
            &fields,
            &mut stored,
            &obj(serde_json::json!({"user":{"name":"  Al "}})),
        )
        .unwrap();
        assert_eq!(
            Value::Object(stored),
            serde_json::json!({"user":{"name":"Al","team":"red"},"admin":"x"})
        );
    }

    #[test]
    fn merge_refuses_locked_changes_non_strings_and_emptied_required_fields() {
        let fields = [
            field("a", true, true),
            field("b", false, false),
            field("c", false, true),
        ];
        let stored = obj(serde_json::json!({"a":"1","b":"2","c":"3"}));
        for bad in [
            serde_json::json!({"b":"other"}),
            serde_json::json!({"a":5}),
            serde_json::json!({"a":"  "}),
            serde_json::json!({"a":null}),
            serde_json::json!({"c":{"x":"y"}}),
        ] {
            let mut s = stored.clone();
            let err = merge_metadata(&fields, &mut s, &obj(bad.clone())).unwrap_err();
            assert_eq!(err.wire().code, 604, "{bad}");
        }
        let mut s = stored.clone();
        merge_metadata(&fields, &mut s, &obj(serde_json::json!({"b":" 2 ","c":""}))).unwrap();
        assert_eq!(Value::Object(s), serde_json::json!({"a":"1","b":"2"}));
    }
}
