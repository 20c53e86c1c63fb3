//! Who may see and do what in a room: global roles plus the caller's room roles.

use crate::Rooms;
use apogee_core::{Error, Result};
use apogee_storage::{Room, Subscription};
use apogee_users::AuthUser;

/// Room roles of a subscription.
pub fn room_roles(sub: Option<&Subscription>) -> Vec<String> {
    sub.and_then(|s| serde_json::from_str(&s.roles).ok())
        .unwrap_or_default()
}

impl Rooms {
    /// Whether the caller holds a permission in a room, through a global or a room role.
    pub async fn can_in_room(
        &self,
        actor: &AuthUser,
        room: &Room,
        permission: &str,
    ) -> Result<bool> {
        let sub = self.subscription(actor.id(), &room.id).await?;
        let mut roles = actor.account.roles.clone();
        roles.extend(room_roles(sub.as_ref()));
        self.users.roles_have(&roles, permission).await
    }

    /// Whether the caller may post although the room is read-only: `post-readonly` in the room,
    /// or, as Rocket.Chat allows, being on the room's `unmuted` list (`rooms.unmuteUser` in a
    /// read-only room puts a member there).
    pub async fn may_post_read_only(&self, actor: &AuthUser, room: &Room) -> Result<bool> {
        let unmuted: Vec<String> = serde_json::from_str(&room.unmuted).unwrap_or_default();
        Ok(unmuted.contains(&actor.account.user.username)
            || self.can_in_room(actor, room, "post-readonly").await?)
    }

    /// Fails with 403 unless the caller holds the permission in the room.
    pub async fn require_in_room(
        &self,
        actor: &AuthUser,
        room: &Room,
        permission: &str,
    ) -> Result<()> {
        if self.can_in_room(actor, room, permission).await? {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Whether the caller may read a room: members always; public channels with `view-c-room`.
    pub async fn can_view(&self, actor: &AuthUser, room: &Room) -> Result<bool> {
        if self.subscription(actor.id(), &room.id).await?.is_some() {
            return Ok(true);
        }
        match room.t.as_str() {
            "c" => self.users.can(actor, "view-c-room").await,
            _ => Ok(false),
        }
    }

    /// Fails unless the caller may read the room. Private rooms answer as if they did not exist,
    /// so that their names cannot be probed.
    pub async fn require_view(
        &self,
        actor: &AuthUser,
        room: &Room,
        kind: crate::RoomKind,
    ) -> Result<()> {
        if self.can_view(actor, room).await? {
            return Ok(());
        }
        match kind {
            crate::RoomKind::Channel => Err(Error::Forbidden),
            crate::RoomKind::Group | crate::RoomKind::Direct => Err(Error::meteor(
                "error-room-not-found",
                format!(
                    "The required \"roomId\" or \"roomName\" param provided does not match any {}",
                    kind.noun()
                ),
            )),
        }
    }
}
