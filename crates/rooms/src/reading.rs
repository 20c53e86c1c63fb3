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
        let before = sub.clone();
        let now = Self::now();
        sub.read_seq = room.seq;
        sub.ls = Some(now);
        sub.lr = Some(now);
        sub.user_mentions = 0;
        sub.group_mentions = 0;
        sub.group_mark = room.group_mentions;
        sub.alert = false;
        sub.tunread = "[]".into();
        sub.tunread_user = "[]".into();
        sub.tunread_group = "[]".into();
        sub.updated_at = now;
        repo::subscriptions::update(self.db(), &before, sub).await?;
        self.subscription_changed(actor.id(), rid);
        Ok(())
    }

    /// `subscriptions.unread` with `roomId`, as Rocket.Chat's `unreadMessages`: the caller's
    /// subscription gets `alert`, `open` and `ls` = the room's last visible message (counters are
    /// left as they are). A room without messages is `error-no-message-for-unread`; without a
    /// subscription nothing changes.
    pub async fn mark_room_unread(&self, actor: &AuthUser, rid: &str) -> Result<()> {
        let last = repo::messages::history(self.db(), rid, None, None, false, 0, Some(1))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::meteor(
                    "error-no-message-for-unread",
                    "There are no messages to mark unread",
                )
            })?;
        if let Some(sub) = self.subscription(actor.id(), rid).await? {
            self.set_unread_from(actor, sub, last.ts).await?;
        }
        Ok(())
    }

    /// `subscriptions.unread` with `firstUnreadMessage`: as [`Rooms::mark_room_unread`] from that
    /// message, which must exist and not be the caller's own (`error-action-not-allowed`). Nothing
    /// changes when the message is not older than the caller's last-seen mark.
    pub async fn mark_unread_from(&self, actor: &AuthUser, message_id: &str) -> Result<()> {
        let m = repo::messages::by_id(self.db(), message_id)
            .await?
            .filter(|m| m.u_id != actor.id())
            .ok_or_else(|| Error::meteor("error-action-not-allowed", "Not allowed"))?;
        let sub = self.subscription(actor.id(), &m.rid).await?;
        let Some((sub, ls)) = sub.and_then(|s| s.ls.map(|ls| (s, ls))) else {
            return Err(Error::meteor(
                "error-subscription-not-found",
                "Subscription not found",
            ));
        };
        if m.ts >= ls {
            return Ok(());
        }
        self.set_unread_from(actor, sub, m.ts).await
    }

    async fn set_unread_from(
        &self,
        actor: &AuthUser,
        mut sub: apogee_storage::Subscription,
        ts: i64,
    ) -> Result<()> {
        let before = sub.clone();
        sub.open = true;
        sub.alert = true;
        sub.ls = Some(ts);
        sub.updated_at = Self::now();
        let rid = sub.rid.clone();
        repo::subscriptions::update(self.db(), &before, sub).await?;
        self.subscription_changed(actor.id(), &rid);
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
        let before = sub.clone();
        if let Some(f) = favorite {
            sub.favorite = f;
        }
        if let Some(o) = open {
            sub.open = o;
        }
        sub.updated_at = Self::now();
        repo::subscriptions::update(self.db(), &before, sub).await?;
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
            unreads: sub
                .as_ref()
                .map_or(0, |s| crate::Unread::of(s, Some(room)).unread),
            unreads_from: sub.as_ref().and_then(|s| s.ls),
            msgs: room.msgs,
            latest: room.last_message_at,
            user_mentions: sub.as_ref().map_or(0, |s| s.user_mentions),
        })
    }
}
