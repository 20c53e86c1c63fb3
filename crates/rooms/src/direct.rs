//! Direct messages: 1:1 rooms whose id is the two user ids sorted and joined, and group DMs.

use crate::{RoomKind, Rooms};
use apogee_core::{Error, Result, random_id};
use apogee_storage::{Room, Subscription, repo};
use apogee_users::{Account, AuthUser, UserSelector};

/// The id of the 1:1 direct message between two users.
pub fn direct_id(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}{b}")
    } else {
        format!("{b}{a}")
    }
}

impl Rooms {
    /// `dm.create` / `im.create`: opens (creating when needed) the direct message between the
    /// caller and `usernames`. Returns the room and whether it was created.
    pub async fn create_direct(
        &self,
        actor: &AuthUser,
        usernames: &[String],
    ) -> Result<(Room, bool)> {
        self.users.require(actor, "create-d").await?;
        let mut members: Vec<Account> = vec![actor.account.clone()];
        for u in usernames {
            let u = u.trim().trim_start_matches('@');
            if u.is_empty() {
                continue;
            }
            let acc = self
                .users
                .find(&UserSelector::Username(u.to_owned()))
                .await?
                .ok_or_else(|| Error::meteor("error-invalid-user", "Invalid user"))?;
            if !members.iter().any(|m| m.user.id == acc.user.id) {
                members.push(acc);
            }
        }
        if usernames.iter().all(|u| u.trim().is_empty()) {
            return Err(Error::meteor("error-invalid-user", "Invalid user"));
        }
        let id = match members.as_slice() {
            [a, b] => direct_id(&a.user.id, &b.user.id),
            // With yourself, or with several people: a room of its own, found by its members.
            _ => match self.find_group_direct(&members).await? {
                Some(existing) => existing,
                None => random_id(),
            },
        };
        if let Some(room) = repo::rooms::by_id(self.db(), &id).await? {
            // Reopen it for the caller.
            if let Some(mut sub) = self.subscription(actor.id(), &room.id).await?
                && !sub.open
            {
                let before = sub.clone();
                sub.open = true;
                sub.updated_at = Self::now();
                repo::subscriptions::update(self.db(), &before, sub).await?;
                self.subscription_changed(actor.id(), &room.id);
            }
            return Ok((room, false));
        }
        let now = Self::now();
        let mut by_name = members.clone();
        by_name.sort_by(|a, b| a.user.username.cmp(&b.user.username));
        let mut uids: Vec<String> = members.iter().map(|m| m.user.id.clone()).collect();
        uids.sort();
        let usernames: Vec<String> = by_name.iter().map(|m| m.user.username.clone()).collect();
        let room = Room {
            id: id.clone(),
            t: "d".into(),
            name: None,
            fname: None,
            creator_id: None,
            topic: None,
            description: None,
            announcement: None,
            read_only: false,
            is_default: false,
            featured: false,
            archived: false,
            msgs: 0,
            users_count: members.len() as i64,
            last_message_at: None,
            custom_fields: None,
            created_at: now,
            updated_at: now,
            creator_username: None,
            sys_mes: true,
            broadcast: false,
            encrypted: false,
            react_when_read_only: false,
            join_code_hash: None,
            muted: "[]".into(),
            unmuted: "[]".into(),
            group_mentions: 0,
            last_message: None,
            seq: 0,
            uids: Some(serde_json::to_string(&uids).map_err(Error::internal)?),
            usernames: Some(serde_json::to_string(&usernames).map_err(Error::internal)?),
            prid: None,
            team_id: None,
            avatar_etag: None,
            mver: 0,
        };
        repo::rooms::insert(self.db(), room.clone()).await?;
        for m in &members {
            let others: Vec<&Account> = by_name.iter().filter(|o| o.user.id != m.user.id).collect();
            let (name, fname) = if others.is_empty() {
                (m.user.username.clone(), m.user.name.clone())
            } else {
                (
                    others
                        .iter()
                        .map(|o| o.user.username.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    others
                        .iter()
                        .map(|o| o.user.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            };
            repo::subscriptions::insert(
                self.db(),
                Subscription {
                    id: random_id(),
                    rid: id.clone(),
                    user_id: m.user.id.clone(),
                    t: "d".into(),
                    name,
                    fname,
                    roles: "[]".into(),
                    // The receiving side appears in the room list once a message arrives.
                    open: m.user.id == actor.id(),
                    favorite: false,
                    archived: false,
                    read_seq: 0,
                    ls: Some(now),
                    lr: Some(now),
                    user_mentions: 0,
                    group_mentions: 0,
                    tunread: "[]".into(),
                    group_mark: room.group_mentions,
                    alert: false,
                    tunread_user: "[]".into(),
                    tunread_group: "[]".into(),
                    prefs: "{}".into(),
                    ignored: "[]".into(),
                    ts: now,
                    updated_at: now,
                },
            )
            .await?;
            self.subscription_changed(&m.user.id, &id);
        }
        self.room_changed(&room);
        Ok((room, true))
    }

    async fn find_group_direct(&self, members: &[Account]) -> Result<Option<String>> {
        let mut wanted: Vec<String> = members.iter().map(|m| m.user.id.clone()).collect();
        wanted.sort();
        let subs = repo::subscriptions::of_user(self.db(), &members[0].user.id, None).await?;
        let rooms = self.rooms_of(&subs).await?;
        Ok(rooms
            .into_iter()
            .filter(|r| r.t == "d")
            .find(|r| {
                r.uids
                    .as_deref()
                    .and_then(|u| serde_json::from_str::<Vec<String>>(u).ok())
                    == Some(wanted.clone())
            })
            .map(|r| r.id))
    }

    /// The direct message a `dm.*` call names: by `roomId`, or by the other member's `username`.
    pub async fn find_direct(
        &self,
        actor: &AuthUser,
        room_id: Option<&str>,
        username: Option<&str>,
    ) -> Result<Room> {
        let not_found = || {
            Error::meteor(
                "error-room-not-found",
                "The required \"roomId\" or \"username\" param provided does not match any direct message",
            )
        };
        let id = match (
            room_id.filter(|s| !s.is_empty()),
            username.filter(|s| !s.is_empty()),
        ) {
            (Some(id), _) => id.to_owned(),
            (None, Some(u)) => {
                let other = self
                    .users
                    .find(&UserSelector::Username(
                        u.trim_start_matches('@').to_owned(),
                    ))
                    .await?
                    .ok_or_else(not_found)?;
                direct_id(actor.id(), &other.user.id)
            }
            (None, None) => {
                return Err(Error::meteor(
                    "error-room-param-not-provided",
                    "Body param \"roomId\" or \"username\" is required",
                ));
            }
        };
        let room = repo::rooms::by_id(self.db(), &id)
            .await?
            .filter(|r| r.t == "d")
            .ok_or_else(not_found)?;
        self.require_view(actor, &room, RoomKind::Direct).await?;
        Ok(room)
    }

    /// Makes a DM visible again for every member (a message arrived).
    pub async fn reopen_direct(&self, room: &Room) -> Result<()> {
        let (subs, _) =
            repo::subscriptions::of_room(self.db(), &room.id, &apogee_storage::Page::default())
                .await?;
        for mut s in subs.into_iter().filter(|s| !s.open) {
            let before = s.clone();
            s.open = true;
            s.updated_at = Self::now();
            let uid = s.user_id.clone();
            repo::subscriptions::update(self.db(), &before, s).await?;
            self.subscription_changed(&uid, &room.id);
        }
        Ok(())
    }
}
