//! Changing a room: topic, description, announcement, name, read-only, archived, default, join
//! code, type; deleting it. Each change that Rocket.Chat announces gets its system message.

use crate::{RoomKind, RoomRef, Rooms, names};
use apogee_core::{Error, EventKind, Result, Topic};
use apogee_storage::{Page, Room, repo};
use apogee_users::AuthUser;

/// One change to a room.
#[derive(Debug, Clone)]
pub enum RoomChange {
    /// `setTopic`.
    Topic(String),
    /// `setDescription`.
    Description(String),
    /// `setAnnouncement`.
    Announcement(String),
    /// `rename`.
    Name(String),
    /// `setReadOnly`.
    ReadOnly(bool),
    /// `archive` / `unarchive`.
    Archived(bool),
    /// `setDefault`.
    Default(bool),
    /// `setJoinCode` (empty removes it).
    JoinCode(String),
    /// `setType` (`c` or `p`).
    Type(String),
    /// `setCustomFields` (a JSON object).
    CustomFields(serde_json::Value),
    /// `groups.setEncrypted`.
    Encrypted(bool),
}

impl Rooms {
    /// Applies one change (permission `edit-room` in the room, or the specific one Rocket.Chat
    /// uses) and posts its system message.
    pub async fn change(
        &self,
        actor: &AuthUser,
        r: &RoomRef,
        kind: RoomKind,
        change: RoomChange,
    ) -> Result<Room> {
        let mut room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        let perm = match &change {
            RoomChange::Archived(true) => "archive-room",
            RoomChange::Archived(false) => "unarchive-room",
            RoomChange::ReadOnly(_) => "set-readonly",
            RoomChange::Default(_) => "view-room-administration",
            RoomChange::Encrypted(_) => "toggle-room-e2e-encryption",
            _ => "edit-room",
        };
        if let RoomChange::Encrypted(_) = change {
            // Rocket.Chat answers both refusals with error-action-not-allowed, not a 403.
            if room.t == "c" {
                return Err(Error::meteor(
                    "error-action-not-allowed",
                    "Only groups or direct channels can enable encryption",
                ));
            }
            if !self.can_in_room(actor, &room, perm).await? {
                return Err(Error::meteor(
                    "error-action-not-allowed",
                    "You do not have permission to toggle E2E encryption",
                ));
            }
        } else {
            self.require_in_room(actor, &room, perm).await?;
        }
        let username = actor.account.user.username.clone();
        let (t, msg) = match change {
            RoomChange::Topic(v) => {
                room.topic = Some(v.clone());
                ("room_changed_topic", v)
            }
            RoomChange::Description(v) => {
                room.description = Some(v.clone());
                ("room_changed_description", v)
            }
            RoomChange::Announcement(v) => {
                room.announcement = Some(v.clone());
                ("room_changed_announcement", v)
            }
            RoomChange::Name(v) => {
                let v = v.trim().trim_start_matches('#').to_owned();
                names::validate(&v)?;
                if room.name.as_deref() == Some(v.as_str()) {
                    return Ok(room);
                }
                if repo::rooms::by_name(self.db(), &v)
                    .await?
                    .is_some_and(|o| o.id != room.id)
                {
                    return Err(Error::meteor(
                        "error-duplicate-channel-name",
                        format!("A channel with name '{v}' exists"),
                    ));
                }
                room.name = Some(v.clone());
                room.fname = Some(v.clone());
                ("r", v)
            }
            RoomChange::ReadOnly(v) => {
                room.read_only = v;
                (
                    if v {
                        "room-set-read-only"
                    } else {
                        "room-removed-read-only"
                    },
                    username,
                )
            }
            RoomChange::Archived(v) => {
                if room.archived == v {
                    let code = if v {
                        "error-room-archived"
                    } else {
                        "error-room-not-archived"
                    };
                    return Err(Error::meteor(
                        code,
                        if v {
                            "Room is already archived"
                        } else {
                            "Room is not archived"
                        },
                    ));
                }
                room.archived = v;
                (
                    if v {
                        "room-archived"
                    } else {
                        "room-unarchived"
                    },
                    username,
                )
            }
            RoomChange::Default(v) => {
                room.is_default = v;
                ("", String::new())
            }
            RoomChange::JoinCode(code) => {
                room.join_code_hash =
                    (!code.is_empty()).then(|| apogee_users::password::sha256_hex(&code));
                ("", String::new())
            }
            RoomChange::CustomFields(v) => {
                if !v.is_object() {
                    return Err(Error::meteor(
                        "error-invalid-room-custom-fields",
                        "Invalid room custom fields",
                    ));
                }
                room.custom_fields = Some(v.to_string());
                ("", String::new())
            }
            RoomChange::Encrypted(v) => {
                if room.encrypted == v {
                    return Ok(room);
                }
                room.encrypted = v;
                (
                    if v {
                        "room_e2e_enabled"
                    } else {
                        "room_e2e_disabled"
                    },
                    username,
                )
            }
            RoomChange::Type(t) => {
                if t != "c" && t != "p" {
                    return Err(Error::meteor(
                        "error-invalid-room-type",
                        format!("{t} is not a valid room type"),
                    ));
                }
                let create = if t == "c" { "create-c" } else { "create-p" };
                self.users.require(actor, create).await?;
                room.t = t.clone();
                (
                    "room_changed_privacy",
                    if t == "c" {
                        "public".into()
                    } else {
                        "private".into()
                    },
                )
            }
        };
        let now = Self::now();
        room.updated_at = now;
        let room = repo::rooms::update(self.db(), room).await?;
        let name = room.name.clone().unwrap_or_default();
        // Direct messages' subscriptions are named after the other members, not the room.
        if room.t != "d" {
            repo::subscriptions::sync_room_fields(
                self.db(),
                &room.id,
                &name,
                room.fname.as_deref().unwrap_or(&name),
                room.archived,
                now,
            )
            .await?;
        }
        if room.t != kind.t() {
            // setType: every member's subscription carries the type too.
            let (subs, _) =
                repo::subscriptions::of_room(self.db(), &room.id, &Page::default()).await?;
            for mut s in subs {
                let before = s.clone();
                s.t = room.t.clone();
                repo::subscriptions::update(self.db(), &before, s).await?;
            }
        }
        if !t.is_empty() {
            self.system_message(&room, t, &msg, &actor.account).await?;
        }
        self.room_changed(&room);
        Ok(room)
    }

    /// `channels.delete` / `groups.delete` (`delete-c` / `delete-p` in the room).
    pub async fn delete_room(&self, actor: &AuthUser, r: &RoomRef, kind: RoomKind) -> Result<Room> {
        let room = self.find(r, kind).await?;
        self.require_view(actor, &room, kind).await?;
        let perm = if kind == RoomKind::Channel {
            "delete-c"
        } else {
            "delete-p"
        };
        self.require_in_room(actor, &room, perm).await?;
        if room.id == "GENERAL" {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "The default channel cannot be deleted",
            ));
        }
        self.erase(&room).await?;
        Ok(room)
    }

    /// Deletes a room with its subscriptions and messages, and tells its members.
    pub(crate) async fn erase(&self, room: &Room) -> Result<()> {
        let (members, _) =
            repo::subscriptions::of_room(self.db(), &room.id, &Page::default()).await?;
        let now = Self::now();
        // One by one, so that each member's sync sees the removal.
        for s in &members {
            repo::subscriptions::delete(self.db(), &s.user_id, &room.id, now).await?;
        }
        repo::rooms::delete(self.db(), &room.id, now).await?;
        for s in members {
            self.subscription_removed(&s.user_id, &room.id);
        }
        self.publish(
            Topic::Room(room.id.clone()),
            EventKind::RoomDeleted {
                room_id: room.id.clone(),
            },
        );
        if room.t == "c" {
            self.publish(
                Topic::Logged,
                EventKind::RoomDeleted {
                    room_id: room.id.clone(),
                },
            );
        }
        Ok(())
    }
}
