//! Plain room reads by id or name, for callers that apply their own access rule afterwards
//! (DDP's `getRoomIdByNameOrId` tells "no such room" from "not allowed"; the realtime feed
//! hydrates events for listeners already allowed in).

use crate::Rooms;
use apogee_core::Result;
use apogee_storage::{Room, repo};

impl Rooms {
    /// A room by id.
    pub async fn by_id(&self, id: &str) -> Result<Option<Room>> {
        repo::rooms::by_id(self.db(), id).await
    }

    /// A room by id, or else by name (a leading `#` ignored).
    pub async fn by_id_or_name(&self, id_or_name: &str) -> Result<Option<Room>> {
        let s = id_or_name.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if let Some(r) = repo::rooms::by_id(self.db(), s).await? {
            return Ok(Some(r));
        }
        repo::rooms::by_name(self.db(), s.trim_start_matches('#')).await
    }
}
