//! Paged listings through the sparse secondary index (one query per page, never a scan), for the
//! admin API's users and invites.

use serde::de::DeserializeOwned;

use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::error::{Error, Result};
use crate::store::{Index, Query};

/// Page size when the caller names none.
const DEFAULT_PAGE: usize = 50;
/// Largest page a caller may ask for.
const MAX_PAGE: usize = 100;

/// Which page to read, as the query string gives it.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Page size, 1 to 100 (default 50).
    pub limit: Option<String>,
    /// The `cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of a listing, and the cursor of the next (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in sort-key order.
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The page size asked for: 1 to 100 (602 otherwise), 50 when absent.
    pub fn limit(&self) -> Result<usize> {
        match self.limit.as_deref().map(str::trim) {
            None | Some("") => Ok(DEFAULT_PAGE),
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| Error::invalid(format!("limit must be 1 to {MAX_PAGE}"))),
        }
    }
}

/// One page of the records listed in the secondary partition `pk` whose sort key starts with
/// `prefix`, each shown through `view`. A cursor this listing did not issue is 602.
pub async fn page<R: DeserializeOwned, T>(
    state: &AppState,
    pk: String,
    prefix: String,
    req: PageRequest,
    view: impl Fn(R) -> T,
) -> Result<Page<T>> {
    let page = state
        .store
        .query(Query {
            index: Index::Secondary,
            pk,
            sk_prefix: prefix,
            limit: req.limit()?,
            cursor: req.cursor.filter(|c| !c.is_empty()),
        })
        .await?;
    let items = page
        .items
        .iter()
        .map(|item| repo::record::<R>(item).map(&view))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        cursor: page.cursor,
    })
}
