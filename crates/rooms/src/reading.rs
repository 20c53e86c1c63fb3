//! Read marks: `subscriptions.read` and `subscriptions.unread` move a member's read sequence.

use crate::Rooms;
use apogee_core::{Error, Result};
use apogee_storage::repo;
use apogee_users::AuthUser;

impl Rooms {
    /// Marks everything in a room read for the caller.
    pub async fn mark_read(&self, actor: &AuthUser, rid: &str) -> Result<()> {
        let room = repo::rooms::by_id(self.db(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-subscription", "Invalid subscription"))?;
        let mut sub = self
            .subscription(actor.id(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-subscription", "Invalid subscription"))?;
        let now = Self::now();
        sub.read_seq = room.seq;
        sub.ls = Some(now);
        sub.lr = Some(now);
        sub.user_mentions = 0;
        sub.group_mentions = 0;
        sub.tunread = "[]".into();
        sub.updated_at = now;
        repo::subscriptions::update(self.db(), sub).await?;
        self.subscription_changed(actor.id(), rid);
        Ok(())
    }

    /// Marks a room unread for the caller from a message on (or just its last message).
    pub async fn mark_unread(
        &self,
        actor: &AuthUser,
        rid: &str,
        from_seq: Option<i64>,
    ) -> Result<()> {
        let room = repo::rooms::by_id(self.db(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-subscription", "Invalid subscription"))?;
        let mut sub = self
            .subscription(actor.id(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-subscription", "Invalid subscription"))?;
        sub.read_seq = from_seq.map_or(room.seq - 1, |s| s - 1).max(0);
        sub.updated_at = Self::now();
        repo::subscriptions::update(self.db(), sub).await?;
        self.subscription_changed(actor.id(), rid);
        Ok(())
    }
}
