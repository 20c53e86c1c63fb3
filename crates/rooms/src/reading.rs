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

/// What `channels.counters` reports.
#[derive(Debug, Clone)]
pub struct Counters {
    /// Whether the caller is a member.
    pub joined: bool,
    /// Members.
    pub members: i64,
    /// Unread messages for the caller.
    pub unreads: i64,
    /// The caller's last-seen time.
    pub unreads_from: Option<i64>,
    /// Messages in the room.
    pub msgs: i64,
    /// Time of the last message.
    pub latest: Option<i64>,
    /// Unread direct mentions.
    pub user_mentions: i64,
}

impl Rooms {
    /// Sets a subscription flag of the caller's: favorite (`rooms.favorite`) or open
    /// (`channels.open` / `channels.close`, `dm.open` / `dm.close`).
    pub async fn set_flag(
        &self,
        actor: &AuthUser,
        rid: &str,
        favorite: Option<bool>,
        open: Option<bool>,
    ) -> Result<()> {
        let mut sub = self
            .subscription(actor.id(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-user-not-in-room", "User is not in this room"))?;
        if let Some(f) = favorite {
            sub.favorite = f;
        }
        if let Some(o) = open {
            sub.open = o;
        }
        sub.updated_at = Self::now();
        repo::subscriptions::update(self.db(), sub).await?;
        self.subscription_changed(actor.id(), rid);
        Ok(())
    }

    /// `channels.counters` / `groups.counters` / `dm.counters`.
    pub async fn counters(
        &self,
        actor: &AuthUser,
        room: &apogee_storage::Room,
    ) -> Result<Counters> {
        let sub = self.subscription(actor.id(), &room.id).await?;
        Ok(Counters {
            joined: sub.is_some(),
            members: room.users_count,
            unreads: sub.as_ref().map_or(0, |s| (room.seq - s.read_seq).max(0)),
            unreads_from: sub.as_ref().and_then(|s| s.ls),
            msgs: room.msgs,
            latest: room.last_message_at,
            user_mentions: sub.as_ref().map_or(0, |s| s.user_mentions),
        })
    }
}
