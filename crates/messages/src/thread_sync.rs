//! Thread lookups with Rocket.Chat's errors, the deleted half of thread sync answers, and
//! clearing a member's unread marks of a thread.

use crate::Messages;
use apogee_core::{Error, Result, Timestamp};
use apogee_storage::repo::message_marks::{self, TrashScope};
use apogee_storage::{Message, repo};
use apogee_users::AuthUser;
use serde_json::json;

impl Messages {
    /// The root of a thread the caller may read, as Rocket.Chat's thread endpoints find it:
    /// threads must be enabled (`error-not-allowed` "Threads Disabled"), an unknown root is
    /// `error-invalid-message`, an unreadable room `error-not-allowed`.
    pub(crate) async fn thread_root(&self, actor: &AuthUser, tmid: &str) -> Result<Message> {
        if !self.rooms().users().settings().bool("Threads_enabled") {
            return Err(Error::meteor("error-not-allowed", "Threads Disabled"));
        }
        let root = repo::messages::by_id(self.db(), tmid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-message", "Invalid Message"))?;
        match repo::rooms::by_id(self.db(), &root.rid).await? {
            Some(r) if self.rooms().can_view(actor, &r).await? => Ok(root),
            _ => Err(Error::meteor("error-not-allowed", "Not Allowed")),
        }
    }

    /// Replies of a thread deleted after a time (the `remove` of `chat.syncThreadMessages`), as
    /// they were, oldest deletion first. The caller checked access to the thread.
    pub(crate) async fn thread_removed_since(
        &self,
        tmid: &str,
        since: Timestamp,
    ) -> Result<Vec<Message>> {
        Ok(
            message_marks::trashed_since(self.db(), TrashScope::Thread(tmid), since.millis())
                .await?
                .into_iter()
                .map(|(m, _)| m)
                .collect(),
        )
    }

    /// Thread roots of a room deleted after a time (the `remove` of `chat.syncThreadsList`), as
    /// they were. The caller checked access to the room.
    pub(crate) async fn thread_roots_removed_since(
        &self,
        rid: &str,
        since: Timestamp,
    ) -> Result<Vec<Message>> {
        Ok(
            message_marks::trashed_since(self.db(), TrashScope::ThreadRoots(rid), since.millis())
                .await?
                .into_iter()
                .map(|(m, _)| m)
                .collect(),
        )
    }

    /// Takes a thread off a member's unread threads (`tunread`, `tunreadUser`, `tunreadGroup`), as
    /// Rocket.Chat does when they unfollow it.
    pub(crate) async fn clear_thread_unread(&self, uid: &str, rid: &str, tmid: &str) -> Result<()> {
        let Some(mut sub) = self.rooms().subscription(uid, rid).await? else {
            return Ok(());
        };
        let original = sub.clone();
        let drop = |list: &str| -> Option<String> {
            let mut ids: Vec<String> = serde_json::from_str(list).unwrap_or_default();
            let before = ids.len();
            ids.retain(|i| i != tmid);
            (ids.len() != before).then(|| json!(ids).to_string())
        };
        let mut changed = false;
        for list in [
            &mut sub.tunread,
            &mut sub.tunread_user,
            &mut sub.tunread_group,
        ] {
            if let Some(l) = drop(list) {
                *list = l;
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
        sub.updated_at = Timestamp::now().millis();
        repo::subscriptions::update(self.db(), &original, sub).await?;
        self.rooms().bus().publish(apogee_core::Event::new(
            apogee_core::Topic::User(uid.to_owned()),
            apogee_core::EventKind::SubscriptionChanged {
                user_id: uid.to_owned(),
                room_id: rid.to_owned(),
            },
        ));
        Ok(())
    }
}
