//! The pending password reset, written once for the two flows that issue one: `forgotPassword`,
//! and the completion of a contested signup (whose account is created without a usable password
//! and gets a reset code in the same transaction).
//!
//! A reset code follows the one-time-code rules (six CSPRNG digits, keyed hash, 30 minutes, five
//! tries, single use). There is at most one per handle: a new one replaces the record and its
//! tries, so an older (possibly leaked) code dies.

use serde::{Deserialize, Serialize};

use crate::domain::common::one_time_code;
use crate::domain::common::repo;
use crate::domain::common::templates::{self, TemplateName, Values};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::table_keys;
use crate::error::Result;
use crate::store::{Condition, Item, WriteOp};

/// Reset codes live this long.
pub const CODE_TTL_SECS: i64 = 30 * 60;
/// How long an expired reset record is kept, so a late try still answers 411 rather than 602.
const KEEP_AFTER_EXPIRY_SECS: i64 = 24 * 3600;

/// A pending password reset, in its handle's partition. An empty `user_id` marks a decoy: the
/// record `forgotPassword` writes for a handle without an account, whose code is never sent, so
/// `resetPassword` walks the same path (tries, 614, 411) for every handle.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingReset {
    /// The account the code resets; empty for a decoy.
    pub user_id: String,
    /// Keyed hash of the code.
    pub code_hash: String,
    /// When the code stops working (epoch s).
    pub code_expires_at: i64,
}

/// The keyed-hash context of a handle's reset code.
pub fn context(app_id: &str, handle: &str) -> String {
    format!("{app_id}/reset/{handle}")
}

/// A fresh reset for `user_id` (empty for a decoy): the writes that store it and restart its
/// tries, and the code to send (never stored, never logged).
pub fn issue(
    state: &AppState,
    app_id: &str,
    handle: &str,
    user_id: &str,
) -> Result<(Vec<WriteOp>, String)> {
    let issued = one_time_code::issue(state, &context(app_id, handle));
    let now = state.clock.now_secs();
    let pending = PendingReset {
        user_id: user_id.to_owned(),
        code_hash: issued.hash,
        code_expires_at: now + CODE_TTL_SECS,
    };
    let item: Item = repo::item(table_keys::reset(app_id, handle), &pending, 1)?
        .expiring_at(now + CODE_TTL_SECS + KEEP_AFTER_EXPIRY_SECS);
    Ok((
        vec![
            WriteOp::Put(item, Condition::Any),
            WriteOp::Delete(table_keys::reset_tries(app_id, handle), Condition::Any),
        ],
        issued.code,
    ))
}

/// Mails a reset code to `handle` in its locale.
pub async fn mail(
    state: &AppState,
    app: &App,
    locale: &str,
    handle: &str,
    code: &str,
) -> Result<()> {
    let values = Values {
        handle,
        code,
        link: "",
    };
    templates::send(
        state,
        app,
        locale,
        TemplateName::ResetPassword,
        handle,
        values,
    )
    .await
}
