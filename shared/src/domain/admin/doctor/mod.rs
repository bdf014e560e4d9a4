//! `keyturn doctor`: a read-only check of the table's invariants, for operators and for the
//! tests that inject faults (a flow that fails halfway must leave nothing the checker finds).
//!
//! What is checked, item by item ([`item`]): both ends of every uniqueness claim (a user's
//! handle, username, verified phone and Apple/Google identity claims exist and name it; every
//! claim's user exists and holds what it claims), invites whose sender is gone, pending items
//! (signup, reset, invite, second-factor login, phone verification, disable code, undo link,
//! social nonce) without an expiry, code-tries counters above their ceiling, audit entries
//! about a user who neither exists nor was deleted, records the domain's types cannot decode,
//! items of a user who is gone, and keys the key design does not know.
//!
//! Paged, so a large table never holds one call past a Lambda's or API Gateway's timeout: each
//! call checks one page of a table scan ([`crate::store::Scan`]: at most `limit` items read,
//! plus a few point reads per item) and answers a cursor for the next. An app's check walks the
//! same scan and keeps the items that belong to the app (keys under `APP#<appId>`, and the
//! items of users whose record names it): the app's items are spread over partitions of their
//! own (handles, phones, identities, users) that no index lists, so finding a claim whose user
//! is gone takes a read of the table either way. Items of a user who is gone name no app; only
//! the whole-table check reports them. Every cross-item invariant is checked from both ends by
//! point reads, so no page needs another page's items and the walk keeps no state but its
//! cursor. Items written while a walk runs may be seen or not, as in any scan.

mod finding;
mod item;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

pub use self::finding::{Finding, Problem};
use self::item::Checker;
use crate::domain::ports::AppState;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::Scan;

/// Items read per call when the caller names no limit.
pub const DEFAULT_PAGE: usize = 200;
/// The most items one call reads: each may cost a few point reads, and the call must end well
/// inside API Gateway's 30 s.
pub const MAX_PAGE: usize = 1000;

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every item of the table.
    Table,
    /// One app: its record, everything under `APP#<appId>#`, its users' partitions.
    App(String),
}

/// One call's page, as the query string gives it (`?limit=&cursor=`).
#[derive(Debug, Clone, Default)]
pub struct DoctorRequest {
    /// Items to read, 1 to [`MAX_PAGE`] (default [`DEFAULT_PAGE`]).
    pub limit: Option<String>,
    /// The previous call's cursor; absent to start.
    pub cursor: Option<String>,
}

/// One page's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkup {
    /// What was found on this page, in the order checked.
    pub findings: Vec<Finding>,
    /// Items checked on this page.
    pub checked: usize,
    /// Pass back for the next page; `None` when the walk is over.
    pub cursor: Option<String>,
}

/// Where a walk stands: the scope it checks (so a cursor of another app's walk is refused, not
/// followed) and the store's scan cursor.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    /// `table`, or the app id.
    scope: String,
    /// The scan's cursor.
    after: String,
}

impl Position {
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(cursor: &str) -> Result<Self> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| Error::invalid("cursor is not valid"))
    }
}

fn page_size(raw: Option<&str>) -> Result<usize> {
    match raw.map(str::trim) {
        None | Some("") => Ok(DEFAULT_PAGE),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Error::invalid(format!("limit must be 1 to {MAX_PAGE}"))),
    }
}

fn scope_name(scope: &Scope) -> String {
    match scope {
        Scope::Table => "table".to_owned(),
        Scope::App(app_id) => format!("app:{app_id}"),
    }
}

/// Checks one page of `scope` (401 for an app that does not exist, as on every admin route; 602
/// for a bad limit or a cursor no call of this scope produced). Reads only.
pub async fn check(state: &AppState, scope: &Scope, req: DoctorRequest) -> Result<Checkup> {
    let limit = page_size(req.limit.as_deref())?;
    let after = match req.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => {
            let position = Position::decode(cursor)?;
            if position.scope != scope_name(scope) {
                return Err(Error::invalid("cursor is not valid"));
            }
            Some(position.after)
        }
        None => None,
    };
    if let (Scope::App(app_id), None) = (scope, &after) {
        state
            .store
            .get(&table_keys::app(app_id))
            .await?
            .ok_or(Error::AppNotFound)?;
    }
    let page = state
        .store
        .scan(Scan {
            pk_prefix: String::new(),
            limit,
            cursor: after,
        })
        .await?;
    let mut checker = Checker::new(state);
    for item in &page.items {
        let wanted = match scope {
            Scope::Table => true,
            Scope::App(app_id) => checker.belongs(item, app_id).await?,
        };
        if wanted {
            checker.check(item).await?;
        }
    }
    Ok(Checkup {
        findings: checker.findings,
        checked: checker.checked,
        cursor: page.cursor.map(|after| {
            Position {
                scope: scope_name(scope),
                after,
            }
            .encode()
        }),
    })
}

/// Every finding of `scope`, walking every page in pages of [`MAX_PAGE`]: for callers that want
/// the whole answer in one call (the tests, and the fault matrix after each injected failure),
/// not for a request path.
pub async fn check_to_end(state: &AppState, scope: &Scope) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut cursor = None;
    loop {
        let req = DoctorRequest {
            limit: Some(MAX_PAGE.to_string()),
            cursor,
        };
        let page = check(state, scope, req).await?;
        findings.extend(page.findings);
        cursor = page.cursor;
        if cursor.is_none() {
            return Ok(findings);
        }
    }
}
