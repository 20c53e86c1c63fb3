//! Blocking in direct messages (`blockUser` / `unblockUser`): the blocker's subscription gets
//! `blocker: true`, the other member's `blocked: true`; while either is set, neither can post
//! into the room (Rocket.Chat's `room_is_blocked`). The flags live in the subscriptions' `prefs`
//! object beside the notification preferences.

use crate::Rooms;
use crate::notifications::{flag, prefs};
use apogee_core::{Error, Result};
use apogee_storage::{Subscription, repo};
use apogee_users::AuthUser;

fn invalid_room() -> Error {
    Error::meteor("error-invalid-room", "Invalid room")
}

/// Whether a subscription is blocked either way (its owner blocked the other member, or was
/// blocked by them).
pub fn is_blocked(sub: &Subscription) -> bool {
    let p = prefs(sub);
    flag(&p, "blocked") || flag(&p, "blocker")
}

impl Rooms {
    /// `blockUser` / `unblockUser [{rid, blocked}]`: only in a one-to-one direct message both
    /// users are in. Both subscriptions are announced to their owners.
    pub async fn set_blocked(
        &self,
        actor: &AuthUser,
        rid: &str,
        blocked: &str,
        block: bool,
    ) -> Result<()> {
        let room = repo::rooms::by_id(self.db(), rid)
            .await?
            .ok_or_else(invalid_room)?;
        let uids: Vec<String> = room
            .uids
            .as_deref()
            .and_then(|u| serde_json::from_str(u).ok())
            .unwrap_or_default();
        // Rocket.Chat allows the block action only in direct messages of two (not group DMs).
        if room.t != "d" || uids.len() != 2 || blocked == actor.id() {
            return Err(invalid_room());
        }
        let (Some(mine), Some(theirs)) = (
            self.subscription(actor.id(), rid).await?,
            self.subscription(blocked, rid).await?,
        ) else {
            return Err(invalid_room());
        };
        for (sub, key) in [(mine, "blocker"), (theirs, "blocked")] {
            let mut p = prefs(&sub);
            let before = p.clone();
            if block {
                p.insert(key.to_owned(), serde_json::Value::Bool(true));
            } else {
                p.remove(key);
            }
            if p != before {
                self.write_prefs(&sub, p).await?;
            }
        }
        Ok(())
    }
}
