//! Room roles (owner, moderator, leader): held on subscriptions, granted with `set-owner`,
//! `set-moderator` and `set-leader`, announced with `subscription-role-added/-removed`.

use crate::access::room_roles;
use crate::{RoomKind, RoomRef, Rooms};
use apogee_core::names::role;
use apogee_core::{Error, Result};
use apogee_storage::{Page, Room, Subscription, repo};
use apogee_users::{Account, AuthUser, UserSelector};

impl Rooms {
    /// Grants (`add`) or revokes a room role to a member of a room.
    pub async fn set_room_role(
        &self,
        actor: &AuthUser,
        room: &Room,
        who: &UserSelector,
        role_id: &str,
        add: bool,
    ) -> Result<()> {
        let perm = match role_id {
            role::OWNER => "set-owner",
            role::MODERATOR => "set-moderator",
            role::LEADER => "set-leader",
            _ => "access-permissions",
        };
        self.require_in_room(actor, room, perm).await?;
        let target = self.users.get(who).await?;
        let mut sub = self
            .subscription(&target.user.id, &room.id)
            .await?
            .ok_or_else(|| Error::meteor("error-user-not-in-room", "User is not in this room"))?;
        let before = sub.clone();
        let mut roles = room_roles(Some(&sub));
        let has = roles.iter().any(|r| r == role_id);
        match (add, has) {
            (true, true) => {
                return Err(Error::meteor(
                    format!("error-user-already-{role_id}"),
                    format!("User is already {role_id}"),
                ));
            }
            (false, false) => {
                return Err(Error::meteor(
                    format!("error-user-not-{role_id}"),
                    format!("User is not {role_id}"),
                ));
            }
            _ => {}
        }
        if !add && role_id == role::OWNER && self.holders(&room.id, role::OWNER).await?.len() <= 1 {
            return Err(Error::meteor(
                "error-remove-last-owner",
                "This is the last owner. Please set a new owner before removing this one.",
            ));
        }
        if add {
            roles.push(role_id.to_owned());
        } else {
            roles.retain(|r| r != role_id);
        }
        sub.roles = serde_json::to_string(&roles).map_err(Error::internal)?;
        sub.updated_at = Self::now();
        repo::subscriptions::update(self.db(), &before, sub).await?;
        self.subscription_changed(&target.user.id, &room.id);
        self.publish(
            apogee_core::Topic::Logged,
            apogee_core::EventKind::RoleChanged {
                user_id: target.user.id.clone(),
                role: role_id.to_owned(),
                scope: Some(room.id.clone()),
                added: add,
            },
        );
        let t = if add {
            "subscription-role-added"
        } else {
            "subscription-role-removed"
        };
        self.system_message(room, t, &target.user.username, &actor.account)
            .await?;
        Ok(())
    }

    /// `channels.addOwner` and friends, by room reference.
    pub async fn set_room_role_by_ref(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
        who: &UserSelector,
        role_id: &str,
        add: bool,
    ) -> Result<()> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        self.set_room_role(actor, &room, who, role_id, add).await
    }

    /// Subscriptions holding a room role.
    pub async fn holders(&self, rid: &str, role_id: &str) -> Result<Vec<Subscription>> {
        let (subs, _) = repo::subscriptions::of_room(self.db(), rid, &Page::default()).await?;
        Ok(subs
            .into_iter()
            .filter(|s| room_roles(Some(s)).iter().any(|r| r == role_id))
            .collect())
    }

    /// `channels.roles`: members with any room role, with their accounts.
    pub async fn roles_in_room(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
    ) -> Result<Vec<(Subscription, Account)>> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        let (subs, _) = repo::subscriptions::of_room(self.db(), &room.id, &Page::default()).await?;
        let subs: Vec<Subscription> = subs
            .into_iter()
            .filter(|s| !room_roles(Some(s)).is_empty())
            .collect();
        let ids: Vec<String> = subs.iter().map(|s| s.user_id.clone()).collect();
        let users = self
            .users
            .with_roles(repo::users::by_ids(self.db(), &ids).await?)
            .await?;
        Ok(subs
            .into_iter()
            .filter_map(|s| {
                users
                    .iter()
                    .find(|u| u.user.id == s.user_id)
                    .cloned()
                    .map(|u| (s, u))
            })
            .collect())
    }
}
