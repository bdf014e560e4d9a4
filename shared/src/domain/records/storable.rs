//! The bounds that keep the records developers and users shape (an app's settings, a user's
//! metadata) far inside what one DynamoDB item holds, checked where they are shaped so the
//! request is refused with its own code (602 for settings, 604 for metadata) on both engines,
//! instead of being accepted locally and answering 500 in AWS at the write or at every later
//! signup.
//!
//! DynamoDB's own limits ([`crate::store::storable`]: 31 levels of nesting, numbers between
//! 1e-130 and 9.9e125, non-empty names; 400 KB per item) are the ceiling; the bounds here sit
//! well below it, since the records carry more than what was sent:
//! - settings live in the app item's `settings` attribute, one level down, beside the app's
//!   keys; `appData` nests at most [`MAX_APP_DATA_NESTING`] levels, all settings together take
//!   at most [`MAX_SETTINGS_BYTES`] as JSON (each request may carry 100 KiB, but settings patched
//!   one after another would add up past 400 KB);
//! - a metadata path of `n` segments nests a user's record `n` levels deep (in the user record,
//!   a pending signup and an invite): at most [`MAX_PATH_SEGMENTS`];
//! - a user's metadata takes at most [`MAX_METADATA_BYTES`] as JSON: fields set one request at a
//!   time would otherwise outgrow the user's item (and the JWT that carries them).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::store::storable;

/// The most levels of objects and arrays `appData` may nest: about half of DynamoDB's 31, as the
/// value sits inside the item's `settings` map and a bound that leaves room is easier to keep.
pub const MAX_APP_DATA_NESTING: usize = 16;

/// The most segments a metadata path may have: each nests the records that hold a user's
/// metadata (user, pending signup, invite) one level deeper, and DynamoDB stops at 31.
pub const MAX_PATH_SEGMENTS: usize = 16;

/// The largest an app's settings may be, as JSON: one request's body, so no single patch is
/// refused for size alone, while patches one after another cannot outgrow the 400 KB item.
pub const MAX_SETTINGS_BYTES: usize = 100 * 1024;

/// The largest a user's metadata may be, as JSON: far more than names and ids need, far less
/// than the user's 400 KB item (and small enough for the JWT that carries it).
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// Refuses (602) settings DynamoDB could not store, or could not store beside the rest of the
/// app's item (see the module doc).
pub fn check_settings(settings: &impl Serialize) -> Result<()> {
    let json = serde_json::to_value(settings)
        .map_err(|e| Error::internal(format!("settings do not serialise: {e}")))?;
    if let Some(problem) = storable::unstorable_scalar(&json) {
        return Err(Error::invalid(format!("settings: {problem}")));
    }
    if json
        .get("appData")
        .is_some_and(|d| storable::nesting(d) > MAX_APP_DATA_NESTING)
    {
        return Err(Error::invalid(format!(
            "appData may nest at most {MAX_APP_DATA_NESTING} objects or arrays"
        )));
    }
    if json.to_string().len() > MAX_SETTINGS_BYTES {
        return Err(Error::invalid(format!(
            "settings may take at most {} KiB together",
            MAX_SETTINGS_BYTES / 1024
        )));
    }
    Ok(())
}

/// Refuses (602) a metadata path whose user records DynamoDB could not store.
pub fn check_path(path: &str) -> Result<()> {
    if path.split('.').count() > MAX_PATH_SEGMENTS {
        return Err(Error::invalid(format!(
            "metadata path {path:?} has more than {MAX_PATH_SEGMENTS} segments"
        )));
    }
    Ok(())
}

/// Refuses (604) a user's metadata past [`MAX_METADATA_BYTES`].
pub fn check_metadata(meta_data: &Map<String, Value>) -> Result<()> {
    let size = serde_json::to_string(meta_data).map_or(usize::MAX, |s| s.len());
    if size > MAX_METADATA_BYTES {
        return Err(Error::InvalidMetadata(format!(
            "metaData may take at most {} KiB",
            MAX_METADATA_BYTES / 1024
        )));
    }
    Ok(())
}
