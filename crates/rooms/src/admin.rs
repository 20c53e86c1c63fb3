//! Room administration: adding every user to a channel, listing and deleting any room, muting
//! members, and which members are online.

use crate::{RoomKind, RoomRef, Rooms};
use apogee_core::{Error, Result};
use apogee_storage::{Page, Room, repo};
use apogee_users::{AuthUser, UserSelector};

fn archived(room: &Room) -> Error {
    Error::meteor(
        "error-room-archived",
        format!(
            "The channel, {}, is archived",
            room.name.as_deref().unwrap_or_default()
        ),
    )
}

impl Rooms {
    /// `channels.addAll`: makes every user (every active one with `active_only`) a member of a
    /// channel (`add-all-to-room`), each with a `uj` system message.
    pub async fn add_all(&self, actor: &AuthUser, r: &RoomRef, active_only: bool) -> Result<Room> {
        let room = self.find(r, RoomKind::Channel).await?;
        if room.archived {
            return Err(archived(&room));
        }
        if !self.users.can(actor, "add-all-to-room").await? {
            // Rocket.Chat throws `Meteor.Error(403, 'Access to Method Forbidden')` here.
            return Err(Error::meteor("403", "Access to Method Forbidden"));
        }
        let filter = apogee_users::UserFilter {
            active_only,
            ..Default::default()
        };
        let (users, total) = self.users.list(&filter, &Page::default()).await?;
        let limit = self.users.settings().int("API_User_Limit");
        if limit > 0 && total > u64::try_from(limit).unwrap_or(u64::MAX) {
            return Err(Error::meteor(
                "error-user-limit-exceeded",
                "User Limit Exceeded",
            ));
        }
        let now = Self::now();
        let mut added = false;
        for who in users {
            if self.add_member(&room, &who, &[], now).await? {
                self.system_message(&room, "uj", &who.user.username, &who)
                    .await?;
                added = true;
            }
        }
        let room = self.reload(&room.id).await?;
        if added {
            self.room_changed(&room);
        }
        Ok(room)
    }

    /// `channels.online`: the members of a channel who are not offline (`_id` and username). The
    /// caller, being connected, counts as online.
    pub async fn online(&self, actor: &AuthUser, room_id: &str) -> Result<Vec<(String, String)>> {
        let room = repo::rooms::by_id(self.db(), room_id)
            .await?
            .filter(|r| r.t == "c")
            .ok_or_else(|| Error::Failure("Channel does not exists".into()))?;
        if !self.can_view(actor, &room).await? {
            return Err(Error::meteor("error-not-allowed", "Not Allowed"));
        }
        self.online_members(actor, &room).await
    }

    /// `groups.online`: the members of a private group who are online, the group named by a JSON
    /// `query` as Rocket.Chat reads it (`_id`, `name` or `fname` keys). A query that is not JSON is
    /// `error-invalid-query`; none or `{}` is "Invalid query"; no such group "Group does not exists".
    pub async fn group_online(
        &self,
        actor: &AuthUser,
        query: Option<&str>,
    ) -> Result<Vec<(String, String)>> {
        let q: serde_json::Map<String, serde_json::Value> = match query {
            None | Some("") => serde_json::Map::new(),
            Some(q) => serde_json::from_str(q).map_err(|_| {
                Error::meteor(
                    "error-invalid-query",
                    format!("Invalid query parameter provided: \"{q}\""),
                )
            })?,
        };
        if q.is_empty() {
            return Err(Error::Failure("Invalid query".into()));
        }
        let not_found = || Error::Failure("Group does not exists".into());
        let text = |k: &str| q.get(k).and_then(serde_json::Value::as_str);
        let mut room = match (text("_id"), text("name")) {
            (Some(id), _) => repo::rooms::by_id(self.db(), id).await?,
            (None, Some(name)) => repo::rooms::by_name(self.db(), name).await?,
            (None, None) => None,
        };
        // Every key of the query must match, as in a MongoDB filter.
        room = room.filter(|r| {
            q.iter().all(|(k, v)| match k.as_str() {
                "_id" => v.as_str() == Some(r.id.as_str()),
                "name" => v.as_str() == r.name.as_deref(),
                "fname" => v.as_str() == r.fname.as_deref(),
                "t" => v.as_str() == Some("p"),
                _ => false,
            })
        });
        let room = room.filter(|r| r.t == "p").ok_or_else(not_found)?;
        if !self.can_view(actor, &room).await? {
            return Err(Error::meteor("error-not-allowed", "Not Allowed"));
        }
        self.online_members(actor, &room).await
    }

    /// `(id, username)` of a room's members who are not offline (the caller counts as online).
    async fn online_members(&self, actor: &AuthUser, room: &Room) -> Result<Vec<(String, String)>> {
        let (subs, _) = repo::subscriptions::of_room(self.db(), &room.id, &Page::default()).await?;
        let ids: Vec<String> = subs.iter().map(|s| s.user_id.clone()).collect();
        let users = repo::users::by_ids(self.db(), &ids).await?;
        Ok(users
            .into_iter()
            .filter(|u| u.status != "offline" || u.id == actor.id())
            .map(|u| (u.id, u.username))
            .collect())
    }

    /// `rooms.adminRooms`: any room of the given types (all when empty) whose name contains
    /// `filter`, paged (`view-room-administration`).
    pub async fn admin_rooms(
        &self,
        actor: &AuthUser,
        types: &[String],
        filter: &str,
        page: &Page,
    ) -> Result<(Vec<Room>, u64)> {
        self.users
            .require(actor, "view-room-administration")
            .await?;
        repo::rooms::admin_search(self.db(), types, filter.trim(), page).await
    }

    /// `dm.list.everyone`: every direct message on the server (`view-room-administration`).
    pub async fn list_all_direct(&self, actor: &AuthUser, page: &Page) -> Result<(Vec<Room>, u64)> {
        self.users
            .require(actor, "view-room-administration")
            .await?;
        repo::rooms::list_by_type(self.db(), "d", page).await
    }

    /// `dm.delete`: deletes a direct message with its messages (`delete-d`). The caller must be
    /// able to see it, or hold `view-room-administration`.
    pub async fn delete_direct(&self, actor: &AuthUser, room: &Room) -> Result<()> {
        let visible = self.can_view(actor, room).await?
            || self.users.can(actor, "view-room-administration").await?;
        if !visible || !self.can_in_room(actor, room, "delete-d").await? {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        self.erase(room).await
    }

    /// `rooms.muteUser` / `rooms.unmuteUser`: (un)mutes a member (`mute-user` in the room) and
    /// posts `user-muted` / `user-unmuted`. Muted members cannot post; in a read-only room the
    /// lists work the other way (see [`Rooms::may_post_read_only`]).
    pub async fn set_muted(
        &self,
        actor: &AuthUser,
        room_id: &str,
        who: &UserSelector,
        mute: bool,
    ) -> Result<Room> {
        let room = repo::rooms::by_id(self.db(), room_id).await?;
        let allowed = match &room {
            Some(room) => self.can_in_room(actor, room, "mute-user").await?,
            None => self.users.can(actor, "mute-user").await?,
        };
        if !allowed {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        let mut room = room.ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        if room.t == "d" {
            return Err(Error::meteor(
                "error-invalid-room-type",
                format!("{} is not a valid room type", room.t),
            ));
        }
        let target = self.users.get(who).await?;
        if self
            .subscription(&target.user.id, &room.id)
            .await?
            .is_none()
        {
            return Err(Error::meteor(
                "error-user-not-in-room",
                "User is not in this room",
            ));
        }
        let username = target.user.username.clone();
        let list = |v: &str| serde_json::from_str::<Vec<String>>(v).unwrap_or_default();
        let (mut muted, mut unmuted) = (list(&room.muted), list(&room.unmuted));
        // As Rocket.Chat: in a read-only room, muting takes a member off `unmuted` (the list of
        // those who may post anyway) and unmuting puts them on it; elsewhere `muted` is the list.
        let add = |l: &mut Vec<String>| {
            if !l.contains(&username) {
                l.push(username.clone());
            }
        };
        match (mute, room.read_only) {
            (true, true) => unmuted.retain(|u| *u != username),
            (true, false) => {
                add(&mut muted);
                unmuted.retain(|u| *u != username);
            }
            (false, true) => {
                muted.retain(|u| *u != username);
                add(&mut unmuted);
            }
            (false, false) => muted.retain(|u| *u != username),
        }
        let to_json = |l: &Vec<String>| serde_json::to_string(l).map_err(Error::internal);
        let (muted, unmuted) = (to_json(&muted)?, to_json(&unmuted)?);
        if muted != room.muted || unmuted != room.unmuted {
            repo::message_marks::set_mutes(self.db(), &room.id, &muted, &unmuted, Self::now())
                .await?;
            room = self.reload(&room.id).await?;
        }
        let t = if mute { "user-muted" } else { "user-unmuted" };
        self.system_message(&room, t, &username, &actor.account)
            .await?;
        self.room_changed(&room);
        Ok(room)
    }

    /// `chat.ignoreUser`: adds a member to (or removes them from) the caller's ignore list of a
    /// room. Their messages are still delivered; clients hide them.
    pub async fn ignore_user(
        &self,
        actor: &AuthUser,
        rid: &str,
        user_id: &str,
        ignore: bool,
    ) -> Result<()> {
        let invalid = || Error::meteor("error-invalid-subscription", "Invalid subscription");
        let mut sub = self
            .subscription(actor.id(), rid)
            .await?
            .ok_or_else(invalid)?;
        let before = sub.clone();
        if self.subscription(user_id, rid).await?.is_none() {
            return Err(invalid());
        }
        let mut ignored: Vec<String> = serde_json::from_str(&sub.ignored).unwrap_or_default();
        let had = ignored.iter().any(|u| u == user_id);
        if ignore && !had {
            ignored.push(user_id.to_owned());
        } else if !ignore {
            ignored.retain(|u| u != user_id);
        }
        if had == ignore {
            return Ok(());
        }
        sub.ignored = serde_json::to_string(&ignored).map_err(Error::internal)?;
        sub.updated_at = Self::now();
        repo::subscriptions::update(self.db(), &before, sub).await?;
        self.subscription_changed(actor.id(), rid);
        Ok(())
    }

    /// The rooms a user belongs to, for `users.info?includeUserRooms=true` (self, or with
    /// `view-other-user-channels`), with their subscriptions.
    /// `None` when the caller may not see them (Rocket.Chat then just leaves `rooms` out).
    pub async fn rooms_of_member(
        &self,
        actor: &AuthUser,
        user_id: &str,
    ) -> Result<Option<Vec<(apogee_storage::Subscription, Room)>>> {
        if actor.id() != user_id && !self.users.can(actor, "view-other-user-channels").await? {
            return Ok(None);
        }
        let subs = repo::subscriptions::of_user(self.db(), user_id, None).await?;
        let rooms = self.rooms_of(&subs).await?;
        let mut out: Vec<(apogee_storage::Subscription, Room)> = subs
            .into_iter()
            .filter_map(|s| {
                let room = rooms.iter().find(|r| r.id == s.rid)?.clone();
                Some((s, room))
            })
            .collect();
        out.sort_by(|a, b| (&a.0.t, &a.0.name).cmp(&(&b.0.t, &b.0.name)));
        Ok(Some(out))
    }

    /// The direct message `dm.delete` names: by `roomId` (any, so that administrators can
    /// delete others'), or by the other member's `username`.
    pub async fn direct_to_delete(
        &self,
        actor: &AuthUser,
        room_id: Option<&str>,
        username: Option<&str>,
    ) -> Result<Room> {
        match room_id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => repo::rooms::by_id(self.db(), id)
                .await?
                .filter(|r| r.t == "d")
                .ok_or_else(|| {
                    Error::meteor(
                        "error-room-not-found",
                        "The required \"roomId\" param provided does not match any direct message",
                    )
                }),
            None => self.find_direct(actor, None, username).await,
        }
    }

    /// Rooms whose name contains `text` that the caller may find: public channels, and private
    /// rooms they are a member of (never others' private rooms). By name, at most `limit`.
    pub async fn searchable(
        &self,
        actor: &AuthUser,
        text: &str,
        limit: Option<usize>,
    ) -> Result<Vec<Room>> {
        let needle = text.trim().to_lowercase();
        let matches = |r: &Room| {
            [r.name.as_deref(), r.fname.as_deref()]
                .into_iter()
                .flatten()
                .any(|n| n.to_lowercase().contains(&needle))
        };
        let mut out: Vec<Room> = Vec::new();
        let all = Page {
            offset: 0,
            count: limit.map(|l| u64::try_from(l).unwrap_or(u64::MAX)),
            sort: Vec::new(),
        };
        if self.users.can(actor, "view-c-room").await? {
            let (public, _) = repo::rooms::search_public(self.db(), &needle, &all).await?;
            out.extend(public);
        }
        let subs = repo::subscriptions::of_user(self.db(), actor.id(), None).await?;
        for r in self.rooms_of(&subs).await? {
            if r.t != "d" && matches(&r) && !out.iter().any(|o| o.id == r.id) {
                out.push(r);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(l) = limit {
            out.truncate(l);
        }
        Ok(out)
    }
}
