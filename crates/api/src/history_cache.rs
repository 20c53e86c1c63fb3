//! The newest messages of busy rooms, kept serialized: `channels.history` without bounds (what
//! clients ask when a room opens, and what bots poll) is answered by concatenating bytes instead of
//! reading and projecting the same messages again.
//!
//! A page is valid while its room row shows the same `(created_at, seq, mver)` as when the page was
//! read: every new message takes a new `seq`, and every other change of a message row bumps
//! `mver` in the same transaction (a trigger; see migration 000005). The room row is read by the
//! access check anyway, so validating costs nothing, and it holds across instances sharing a
//! database. A changed room simply refills its page on the next request.

use crate::project;
use apogee_core::Result;
use apogee_messages::Messages;
use apogee_storage::Room;
use poem_openapi::types::ToJSON;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Messages kept per room: the largest `offset + count` answered from the cache.
pub const PAGE: u64 = 100;

/// Rooms kept; beyond this, an arbitrary page is dropped for each new one.
const ROOMS: usize = 2048;

/// One room's newest messages, newest first, each serialized as `Json<MessageJson>` would.
struct CachedPage {
    created_at: i64,
    seq: i64,
    mver: i64,
    messages: Vec<Vec<u8>>,
}

impl CachedPage {
    fn is_current(&self, room: &Room) -> bool {
        self.created_at == room.created_at && self.seq == room.seq && self.mver == room.mver
    }
}

/// The cache; cheap to clone (shared).
#[derive(Clone, Default)]
pub struct HistoryCache {
    pages: Arc<Mutex<HashMap<String, Arc<CachedPage>>>>,
}

impl HistoryCache {
    /// The body of `{messages, success}` for the newest `count` messages after skipping `offset`,
    /// of a room the caller was allowed into; `None` when the window is not cacheable.
    pub async fn newest(
        &self,
        messages: &Messages,
        room: &Room,
        offset: u64,
        count: Option<u64>,
    ) -> Result<Option<Vec<u8>>> {
        let Some(count) = count.filter(|c| offset.saturating_add(*c) <= PAGE) else {
            return Ok(None);
        };
        let page = match self.current(room) {
            Some(page) => page,
            None => self.fill(messages, room).await?,
        };
        let from = usize::try_from(offset).unwrap_or(usize::MAX);
        let to = usize::try_from(offset + count).unwrap_or(usize::MAX);
        let window = page
            .messages
            .get(from.min(page.messages.len())..to.min(page.messages.len()))
            .unwrap_or_default();
        let size: usize = window.iter().map(|m| m.len() + 1).sum();
        let mut body = Vec::with_capacity(size + 32);
        body.extend_from_slice(b"{\"messages\":[");
        for (i, m) in window.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(m);
        }
        body.extend_from_slice(b"],\"success\":true}");
        Ok(Some(body))
    }

    fn current(&self, room: &Room) -> Option<Arc<CachedPage>> {
        let pages = self.pages.lock().ok()?;
        pages.get(&room.id).filter(|p| p.is_current(room)).cloned()
    }

    /// Reads and serializes a room's newest page and keeps it.
    async fn fill(&self, messages: &Messages, room: &Room) -> Result<Arc<CachedPage>> {
        let stored = messages
            .history_of(room, None, None, false, 0, Some(PAGE))
            .await?;
        let page = Arc::new(CachedPage {
            created_at: room.created_at,
            seq: room.seq,
            mver: room.mver,
            messages: stored
                .iter()
                .map(|m| serde_json::to_vec(&project::message(m).to_json()).unwrap_or_default())
                .collect(),
        });
        // The page was read after the room row, so it may already hold changes the row does not
        // show yet. Keeping it under the row's key is still right: once such a change commits, the
        // row moves on and the key never matches again; until then, a request that matches it gets
        // messages at least as new as the room it read, as the uncached path would give it.
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= ROOMS
                && !pages.contains_key(&room.id)
                && let Some(victim) = pages.keys().next().cloned()
            {
                pages.remove(&victim);
            }
            pages.insert(room.id.clone(), page.clone());
        }
        Ok(page)
    }
}
