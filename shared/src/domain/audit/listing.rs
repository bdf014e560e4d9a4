//! The audit listing: one page of a user's entries, or of the app's shards merged newest first,
//! with a cursor that holds one store position per shard.

use std::collections::VecDeque;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{AuditEntry, SHARDS};
use crate::domain::common::paging::{Page, PageRequest};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{self, Index, Item, Query};

/// `GET /admin/apps/{appId}/audit` query parameters.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Which page (`limit` 1 to 100, default 50; `cursor`).
    pub page: PageRequest,
    /// Only this user's entries.
    pub user_id: Option<String>,
}

/// `GET /admin/apps/{appId}/audit?limit=&cursor=&userId=`: one page of entries, newest first.
/// A cursor this listing did not issue is 602.
pub async fn list(state: &AppState, app_id: &str, req: ListRequest) -> Result<Page<AuditEntry>> {
    repo::existing_app(state, app_id).await?;
    let limit = req.page.limit()?;
    let cursor = req.page.cursor.filter(|c| !c.is_empty());
    match req
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(user_id) => {
            if user_id.len() > repo::MAX_ID_BYTES {
                return Err(Error::invalid("userId is not a valid id"));
            }
            let page = state
                .store
                .query(Query {
                    index: Index::Primary,
                    pk: table_keys::audit_of_user(app_id, user_id, "").pk,
                    sk_prefix: String::new(),
                    limit,
                    cursor,
                })
                .await?;
            Ok(Page {
                items: entries(&page.items)?,
                cursor: page.cursor,
            })
        }
        None => merged(state, app_id, limit, cursor.as_deref()).await,
    }
}

fn entries(items: &[Item]) -> Result<Vec<AuditEntry>> {
    items.iter().map(repo::record::<AuditEntry>).collect()
}

/// Where the app listing stands in one shard: at the start, after a store position, or done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Position {
    Start,
    After(String),
    Done,
}

impl Position {
    fn store_cursor(&self) -> Option<String> {
        match self {
            Position::After(c) => Some(c.clone()),
            _ => None,
        }
    }
}

const CURSOR_TAG: &str = "audit1.";

fn encode_cursor(positions: &[Position]) -> Result<String> {
    let json = serde_json::to_vec(positions).map_err(|e| Error::internal(e.to_string()))?;
    Ok(format!(
        "{CURSOR_TAG}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    ))
}

fn decode_cursor(cursor: Option<&str>) -> Result<Vec<Position>> {
    let Some(cursor) = cursor else {
        return Ok(vec![Position::Start; SHARDS as usize]);
    };
    let bad = || Error::invalid("cursor is not valid");
    let body = cursor.strip_prefix(CURSOR_TAG).ok_or_else(bad)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| bad())?;
    let positions: Vec<Position> = serde_json::from_slice(&json).map_err(|_| bad())?;
    if positions.len() != SHARDS as usize {
        return Err(bad());
    }
    Ok(positions)
}

/// One shard being read for the merge: what is buffered, where its store page started and how
/// many of that page's items this listing has used.
struct Shard {
    pk: String,
    base: Position,
    used: usize,
    buffer: VecDeque<Item>,
    next: Option<String>,
}

impl Shard {
    /// Reads from `base` when the buffer is empty and more may follow.
    async fn refill(&mut self, state: &AppState, want: usize) -> Result<()> {
        while self.buffer.is_empty() && self.base != Position::Done {
            if self.used > 0 {
                // The buffered page is used up: continue after it.
                self.base = self.next.take().map_or(Position::Done, Position::After);
                self.used = 0;
                continue;
            }
            let page = self.read(state, &self.base, want).await?;
            if page.items.is_empty() {
                self.base = page.cursor.map_or(Position::Done, Position::After);
                continue;
            }
            self.buffer = page.items.into();
            self.next = page.cursor;
            return Ok(());
        }
        Ok(())
    }

    /// Up to `limit` of this shard's entries after `from`, from the index both reads use.
    async fn read(&self, state: &AppState, from: &Position, limit: usize) -> Result<store::Page> {
        Ok(state
            .store
            .query(Query {
                index: Index::Secondary,
                pk: self.pk.clone(),
                sk_prefix: String::new(),
                limit,
                cursor: from.store_cursor(),
            })
            .await?)
    }

    fn head(&self) -> Option<&str> {
        // Main and index sort keys are the same `<inverted time>#<id>`.
        self.buffer.front().map(|i| i.key.sk.as_str())
    }

    /// The position after the items used, for the next page's cursor: the page's own cursor
    /// when all were used, else a store position found by re-reading exactly `used` items.
    async fn position(&self, state: &AppState) -> Result<Position> {
        if self.used == 0 {
            return Ok(self.base.clone());
        }
        if self.buffer.is_empty() {
            return Ok(self.next.clone().map_or(Position::Done, Position::After));
        }
        let (mut base, mut left) = (self.base.clone(), self.used);
        while left > 0 {
            let page = self.read(state, &base, left).await?;
            left = left.saturating_sub(page.items.len());
            base = page.cursor.map_or(Position::Done, Position::After);
            if base == Position::Done {
                break;
            }
        }
        Ok(base)
    }
}

/// The app listing: the shards merged newest first.
async fn merged(
    state: &AppState,
    app_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<AuditEntry>> {
    let mut shards: Vec<Shard> = decode_cursor(cursor)?
        .into_iter()
        .zip(0..SHARDS)
        .map(|(base, shard)| Shard {
            pk: table_keys::audit_listing(app_id, shard, "").pk,
            base,
            used: 0,
            buffer: VecDeque::new(),
            next: None,
        })
        .collect();
    let mut out = Vec::with_capacity(limit);
    while out.len() < limit {
        for shard in &mut shards {
            shard.refill(state, limit - out.len()).await?;
        }
        let newest = shards
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.head().map(|h| (h, i)))
            .min()
            .map(|(_, i)| i);
        let Some(i) = newest else { break };
        let shard = &mut shards[i];
        if let Some(item) = shard.buffer.pop_front() {
            shard.used += 1;
            out.push(item);
        }
    }
    let mut positions = Vec::with_capacity(shards.len());
    for shard in &mut shards {
        shard.refill(state, 1).await?;
        positions.push(shard.position(state).await?);
    }
    let cursor = if positions.iter().all(|p| *p == Position::Done) {
        None
    } else {
        Some(encode_cursor(&positions)?)
    };
    Ok(Page {
        items: entries(&out)?,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let positions = vec![Position::Done; SHARDS as usize];
        let c = encode_cursor(&positions).unwrap();
        assert_eq!(decode_cursor(Some(&c)).unwrap(), positions);
        assert!(decode_cursor(Some("garbage")).is_err());
        assert!(decode_cursor(Some("audit1.!!")).is_err());
        let short = encode_cursor(&[Position::Start]).unwrap();
        assert!(decode_cursor(Some(&short)).is_err());
    }
}
