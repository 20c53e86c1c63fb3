//! Creating rooms and changing who is in them.

use crate::access::room_roles;
use crate::{RoomKind, RoomRef, Rooms, names};
use apogee_core::names::role;
use apogee_core::{Error, Result, RoomId, random_id};
use apogee_storage::{Page, Room, Subscription, repo};
use apogee_users::{Account, AuthUser, UserSelector};
use serde_json::Value;

/// Fields of `channels.create` / `groups.create`.
#[derive(Debug, Clone, Default)]
pub struct CreateRoom {
    /// Unique name.
    pub name: String,
    /// Usernames to add besides the creator.
    pub members: Vec<String>,
    /// Read-only room.
    pub read_only: bool,
    /// Do not add the creator as a member.
    pub exclude_self: bool,
    /// Custom fields.
    pub custom_fields: Option<Value>,
    /// Topic (`extraData.topic`).
    pub topic: Option<String>,
    /// Broadcast room (`extraData.broadcast`).
    pub broadcast: bool,
    /// End-to-end encrypted (`extraData.encrypted`).
    pub encrypted: bool,
}

pub(crate) fn new_room(
    kind: RoomKind,
    name: &str,
    creator: &Account,
    c: &CreateRoom,
    now: i64,
) -> Room {
    Room {
        id: RoomId::generate().0,
        t: kind.t().into(),
        name: Some(name.to_owned()),
        fname: Some(name.to_owned()),
        creator_id: Some(creator.user.id.clone()),
        topic: c.topic.clone().filter(|t| !t.is_empty()),
        description: None,
        announcement: None,
        read_only: c.read_only,
        is_default: false,
        featured: false,
        archived: false,
        msgs: 0,
        users_count: 0,
        last_message_at: None,
        custom_fields: c.custom_fields.as_ref().map(Value::to_string),
        created_at: now,
        updated_at: now,
        creator_username: Some(creator.user.username.clone()),
        sys_mes: true,
        broadcast: c.broadcast,
        encrypted: c.encrypted,
        react_when_read_only: false,
        join_code_hash: None,
        muted: "[]".into(),
        unmuted: "[]".into(),
        group_mentions: 0,
        last_message: None,
        seq: 0,
        uids: None,
        usernames: None,
        prid: None,
        team_id: None,
        avatar_etag: None,
        mver: 0,
    }
}

impl Rooms {
    /// Creates a channel or group; the creator (unless excluded) becomes a member and owner.
    pub async fn create(&self, actor: &AuthUser, kind: RoomKind, c: CreateRoom) -> Result<Room> {
        let perm = match kind {
            RoomKind::Channel => "create-c",
            RoomKind::Group => "create-p",
            RoomKind::Direct => {
                return Err(Error::meteor(
                    "error-invalid-room-type",
                    "Use dm.create for direct messages",
                ));
            }
        };
        self.users.require(actor, perm).await?;
        let name = c.name.trim().trim_start_matches('#').to_owned();
        names::validate(&name)?;
        if repo::rooms::by_name(self.db(), &name).await?.is_some() {
            return Err(Error::meteor(
                "error-duplicate-channel-name",
                format!("A channel with name '{name}' exists"),
            ));
        }
        let mut members = Vec::new();
        for username in &c.members {
            let u = username.trim().trim_start_matches('@');
            if u.is_empty() || u.eq_ignore_ascii_case(&actor.account.user.username) {
                continue;
            }
            let acc = self
                .users
                .get(&UserSelector::Username(u.to_owned()))
                .await?;
            if !members.iter().any(|m: &Account| m.user.id == acc.user.id) {
                members.push(acc);
            }
        }
        let now = Self::now();
        let room = new_room(kind, &name, &actor.account, &c, now);
        repo::rooms::insert(self.db(), room.clone()).await?;
        if !c.exclude_self {
            self.add_member(&room, &actor.account, &[role::OWNER], now)
                .await?;
        }
        for m in &members {
            self.add_member(&room, m, &[], now).await?;
        }
        let room = self.reload(&room.id).await?;
        self.room_changed(&room);
        Ok(room)
    }

    pub(crate) async fn reload(&self, id: &str) -> Result<Room> {
        repo::rooms::by_id(self.db(), id)
            .await?
            .ok_or_else(|| Error::meteor("error-room-not-found", "Room not found"))
    }

    /// Adds a member (idempotent): a subscription, the member count, events.
    pub(crate) async fn add_member(
        &self,
        room: &Room,
        who: &Account,
        roles: &[&str],
        now: i64,
    ) -> Result<bool> {
        if self.subscription(&who.user.id, &room.id).await?.is_some() {
            return Ok(false);
        }
        let name = room.name.clone().unwrap_or_default();
        let sub = Subscription {
            id: random_id(),
            rid: room.id.clone(),
            user_id: who.user.id.clone(),
            t: room.t.clone(),
            fname: room.fname.clone().unwrap_or_else(|| name.clone()),
            name,
            roles: serde_json::to_string(roles).map_err(Error::internal)?,
            open: true,
            favorite: false,
            archived: room.archived,
            // A new member has read everything posted before they joined.
            read_seq: room.seq,
            ls: Some(now),
            lr: Some(now),
            user_mentions: 0,
            group_mentions: 0,
            tunread: "[]".into(),
            // Group mentions posted before they joined are not theirs either.
            group_mark: room.group_mentions,
            alert: false,
            tunread_user: "[]".into(),
            tunread_group: "[]".into(),
            prefs: "{}".into(),
            ignored: "[]".into(),
            ts: now,
            updated_at: now,
        };
        match repo::subscriptions::insert(self.db(), sub).await {
            Ok(()) => {}
            // A concurrent join of the same user won the race: nothing left to do.
            Err(Error::Meteor { code, .. }) if code == "error-duplicate-key" => return Ok(false),
            Err(e) => return Err(e),
        }
        repo::rooms::add_users_count(self.db(), &room.id, 1, now).await?;
        self.subscription_changed(&who.user.id, &room.id);
        Ok(true)
    }

    async fn remove_member(&self, room: &Room, user_id: &str) -> Result<bool> {
        let now = Self::now();
        if repo::subscriptions::delete(self.db(), user_id, &room.id, now)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        repo::rooms::add_users_count(self.db(), &room.id, -1, now).await?;
        self.subscription_removed(user_id, &room.id);
        Ok(true)
    }

    /// Joins every default channel (on account creation).
    pub async fn join_defaults(&self, who: &Account) -> Result<()> {
        let now = Self::now();
        for room in repo::rooms::defaults(self.db()).await? {
            if self.add_member(&room, who, &[], now).await? {
                self.room_changed(&self.reload(&room.id).await?);
            }
        }
        Ok(())
    }

    /// `channels.join`: joins a public channel (with its join code, if it has one).
    pub async fn join(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        join_code: Option<&str>,
    ) -> Result<Room> {
        let room = self.find(r, RoomKind::Channel).await?;
        self.users.require(actor, "view-c-room").await?;
        if room.archived {
            return Err(Error::meteor("error-room-archived", "The room is archived"));
        }
        if let Some(hash) = &room.join_code_hash
            && !self.users.can(actor, "join-without-join-code").await?
        {
            let given = join_code
                .map(apogee_users::password::sha256_hex)
                .unwrap_or_default();
            if !apogee_users::tokens::same(&given, hash) {
                return Err(Error::meteor("error-code-invalid", "Invalid Code"));
            }
        }
        if self
            .add_member(&room, &actor.account, &[], Self::now())
            .await?
        {
            self.system_message(&room, "uj", &actor.account.user.username, &actor.account)
                .await?;
            let room = self.reload(&room.id).await?;
            self.room_changed(&room);
            return Ok(room);
        }
        Ok(room)
    }

    /// `channels.leave` / `groups.leave`: the last owner must hand over first.
    pub async fn leave(&self, actor: &AuthUser, r: &RoomRef, kind: RoomKind) -> Result<Room> {
        let room = self.find(r, kind).await?;
        let sub = self
            .subscription(actor.id(), &room.id)
            .await?
            .ok_or_else(not_in_room)?;
        let perm = if kind == RoomKind::Channel {
            "leave-c"
        } else {
            "leave-p"
        };
        self.users.require(actor, perm).await?;
        self.ensure_not_last_owner(&sub).await?;
        self.remove_member(&room, actor.id()).await?;
        self.system_message(&room, "ul", &actor.account.user.username, &actor.account)
            .await?;
        let room = self.reload(&room.id).await?;
        self.room_changed(&room);
        Ok(room)
    }

    /// Refuses to remove the only owner of a room (they must hand over first).
    async fn ensure_not_last_owner(&self, sub: &Subscription) -> Result<()> {
        if room_roles(Some(sub)).iter().any(|r| r == role::OWNER)
            && self.holders(&sub.rid, role::OWNER).await?.len() <= 1
        {
            return Err(Error::meteor(
                "error-you-are-last-owner",
                "You are the last owner. Please set new owner before leaving the room.",
            ));
        }
        Ok(())
    }

    /// `channels.invite` / `groups.invite`: adds a user (`add-user-to-joined-room` in the room, or
    /// `add-user-to-any-c-room` / `add-user-to-any-p-room`).
    pub async fn invite(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
        who: &UserSelector,
    ) -> Result<Room> {
        let room = self.find(r, kind).await?;
        let member = self.subscription(actor.id(), &room.id).await?.is_some();
        let any = if kind == RoomKind::Channel {
            "add-user-to-any-c-room"
        } else {
            "add-user-to-any-p-room"
        };
        let allowed = (member
            && self
                .can_in_room(actor, &room, "add-user-to-joined-room")
                .await?)
            || self.users.can(actor, any).await?;
        if !allowed {
            return match kind {
                RoomKind::Group if !member => {
                    self.require_view(actor, &room, kind).await.map(|_| room)
                }
                _ => Err(Error::Forbidden),
            };
        }
        let target = self.users.get(who).await?;
        if self.add_member(&room, &target, &[], Self::now()).await? {
            self.system_message(&room, "au", &target.user.username, &actor.account)
                .await?;
            let room = self.reload(&room.id).await?;
            self.room_changed(&room);
            return Ok(room);
        }
        Ok(room)
    }

    /// `channels.kick` / `groups.kick`: removes a member (`remove-user` in the room).
    pub async fn kick(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
        who: &UserSelector,
    ) -> Result<Room> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        self.require_in_room(actor, &room, "remove-user").await?;
        let target = self.users.get(who).await?;
        let sub = self
            .subscription(&target.user.id, &room.id)
            .await?
            .ok_or_else(not_in_room)?;
        self.ensure_not_last_owner(&sub).await?;
        self.remove_member(&room, &target.user.id).await?;
        self.system_message(&room, "ru", &target.user.username, &actor.account)
            .await?;
        let room = self.reload(&room.id).await?;
        self.room_changed(&room);
        Ok(room)
    }

    /// `channels.members` / `groups.members`: a page of members with their accounts, and the total.
    pub async fn members(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
        page: &Page,
    ) -> Result<(Vec<Account>, u64)> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        let (subs, total) = repo::subscriptions::of_room(self.db(), &room.id, page).await?;
        let ids: Vec<String> = subs.iter().map(|s| s.user_id.clone()).collect();
        let mut users = self
            .users
            .with_roles(repo::users::by_ids(self.db(), &ids).await?)
            .await?;
        // Keep the subscription order (join order), which paging relies on.
        users.sort_by_key(|a| ids.iter().position(|id| *id == a.user.id));
        Ok((users, total))
    }

    /// `channels.info` / `groups.info`.
    pub async fn info(&self, actor: &AuthUser, r: &RoomRef, kind: RoomKind) -> Result<Room> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        Ok(room)
    }

    /// `channels.list`: every public channel (`view-c-room`).
    pub async fn list_channels(&self, actor: &AuthUser, page: &Page) -> Result<(Vec<Room>, u64)> {
        self.users.require(actor, "view-c-room").await?;
        repo::rooms::list_by_type(self.db(), "c", page).await
    }

    /// `groups.listAll`: every private group (`view-room-administration`).
    pub async fn list_all_groups(&self, actor: &AuthUser, page: &Page) -> Result<(Vec<Room>, u64)> {
        self.users
            .require(actor, "view-room-administration")
            .await?;
        repo::rooms::list_by_type(self.db(), "p", page).await
    }

    /// `channels.list.joined` / `groups.list`: rooms of a kind the caller is in, by name.
    pub async fn joined(
        &self,
        actor: &AuthUser,
        kind: RoomKind,
        page: &Page,
    ) -> Result<(Vec<Room>, u64)> {
        let subs = repo::subscriptions::of_user(self.db(), actor.id(), None).await?;
        let mut rooms: Vec<Room> = self
            .rooms_of(&subs)
            .await?
            .into_iter()
            .filter(|r| r.t == kind.t())
            .collect();
        rooms.sort_by(|a, b| a.name.cmp(&b.name));
        let total = rooms.len() as u64;
        let rooms = apogee_storage::Page::slice(page.offset, page.count, rooms);
        Ok((rooms, total))
    }
}

fn not_in_room() -> Error {
    Error::meteor("error-user-not-in-room", "User is not in this room")
}
