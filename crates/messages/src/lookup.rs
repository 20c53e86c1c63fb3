//! Plain reads for pushing records to clients that were already allowed to see them (the realtime
//! feed hydrating an event, room lists with their last message). No access checks here: callers
//! decide who receives the result.

use crate::Messages;
use apogee_core::Result;
use apogee_storage::{Message, Room, repo};

impl Messages {
    /// A message this instance has just committed, for announcing it: the writer's copy when it
    /// is still here (taken, so each announcement uses it once), else [`Messages::visible`].
    pub async fn committed(&self, id: &str) -> Result<Option<Message>> {
        match self.fresh.take(id) {
            Some(m) => Ok(Some(m)),
            None => self.visible(id).await,
        }
    }

    /// A message by id, unless it is deleted or hidden.
    pub async fn visible(&self, id: &str) -> Result<Option<Message>> {
        Ok(repo::messages::by_id(self.rooms().users().db(), id)
            .await?
            .filter(|m| !m.hidden))
    }

    /// The last messages of rooms (one query for the whole list), hidden ones left out.
    pub async fn last_messages(&self, rooms: &[Room]) -> Result<Vec<Message>> {
        let ids: Vec<String> = rooms
            .iter()
            .filter_map(|r| r.last_message.clone())
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(repo::messages::by_ids(self.rooms().users().db(), &ids)
            .await?
            .into_iter()
            .filter(|m| !m.hidden)
            .collect())
    }
}
