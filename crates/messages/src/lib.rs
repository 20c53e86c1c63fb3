//! Apogee's messages domain: sending (REST, DDP and webhooks call the same [`Messages::send`]),
//! reading history, and the mention/channel references Rocket.Chat fills in.

mod clean;
pub mod commands;
mod edit;
mod fresh;
mod lists;
mod lookup;
mod marks;
mod parse;
mod report;
mod retry;
mod thread_sync;
mod threads;

pub use clean::CleanHistory;
pub use lists::MessageFilter;

use apogee_core::{Error, Event, EventKind, Result, Timestamp, Topic, random_id};
use apogee_rooms::{RoomRef, Rooms};
use apogee_storage::{Message, Room, Subscription, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

/// A room a message is headed for and the poster's subscription to it (`None`: not a member).
#[derive(Debug, Clone)]
pub struct Target {
    /// The room.
    pub room: Room,
    /// The poster's subscription, read with the room.
    pub sub: Option<Subscription>,
}

/// How a message arrives: `chat.sendMessage` / DDP `sendMessage` require membership;
/// `chat.postMessage` (the bot and webhook path) joins public channels on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    /// Membership required.
    Send,
    /// Auto-join public channels.
    Post,
}

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// Client-chosen id (optional).
    pub id: Option<String>,
    /// Room id.
    pub rid: String,
    /// Text.
    pub msg: String,
    /// Thread root.
    pub tmid: Option<String>,
    /// Also show a thread reply in the room.
    pub tshow: bool,
    /// Display name override.
    pub alias: Option<String>,
    /// Emoji avatar override.
    pub emoji: Option<String>,
    /// Avatar URL override.
    pub avatar: Option<String>,
    /// Slack-style attachments.
    pub attachments: Option<Value>,
    /// Bot marker.
    pub bot: Option<Value>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
}

/// The messages service; cheap to clone.
#[derive(Clone)]
pub struct Messages {
    rooms: Rooms,
    /// Just-committed messages waiting for their announcement (see `fresh`).
    fresh: std::sync::Arc<fresh::Fresh>,
}

impl Messages {
    /// Builds the service over the rooms service.
    pub fn new(rooms: Rooms) -> Self {
        Self {
            rooms,
            fresh: std::sync::Arc::default(),
        }
    }

    /// The rooms service.
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    fn db(&self) -> &apogee_storage::Db {
        self.rooms.users().db()
    }

    /// Sends a message as `actor` into a room they may post to.
    pub async fn send(&self, actor: &AuthUser, n: NewMessage, mode: SendMode) -> Result<Message> {
        let target = self
            .target(actor, &n.rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        self.send_to_target(actor, target, n, mode).await
    }

    /// The room with this id and `actor`'s subscription to it, read together (`None`: no such
    /// room), for [`Messages::send_to_target`].
    pub async fn target(&self, actor: &AuthUser, rid: &str) -> Result<Option<Target>> {
        Ok(
            repo::rooms::by_id_with_subscription(self.db(), rid, actor.id())
                .await?
                .map(|(room, sub)| Target { room, sub }),
        )
    }

    /// [`Messages::send`] into a room the caller has already looked up, with the poster's
    /// subscription read along (see [`Messages::target`]; `n.rid` is ignored): saves the lookup for
    /// callers that resolved a room name or id themselves.
    pub async fn send_to_target(
        &self,
        actor: &AuthUser,
        target: Target,
        mut n: NewMessage,
        mode: SendMode,
    ) -> Result<Message> {
        let Target { room, sub } = target;
        let room = &room;
        n.rid.clone_from(&room.id);
        self.check_can_post(actor, room, sub, mode).await?;
        let max = self.rooms.users().settings().int("Message_MaxAllowedSize");
        if max > 0 && n.msg.chars().count() as i64 > max {
            return Err(Error::meteor(
                "error-message-size-exceeded",
                "Message size exceeds the allowed maximum",
            ));
        }
        if n.msg.trim().is_empty() && n.attachments.is_none() && mode == SendMode::Send {
            return Err(Error::invalid_params("must have required property 'msg'"));
        }
        let id = match n.id.as_deref().map(str::trim) {
            Some("") => return Err(Error::invalid_params("_id must not be empty")),
            Some(id) => {
                if repo::messages::by_id(self.db(), id).await?.is_some() {
                    return Err(Error::meteor(
                        "error-message-already-exists",
                        "The message already exists",
                    ));
                }
                id.to_owned()
            }
            None => random_id(),
        };
        if let Some(tmid) = &n.tmid {
            let root = repo::messages::by_id(self.db(), tmid).await?;
            if root.is_none_or(|r| r.rid != room.id) {
                return Err(Error::meteor("error-invalid-message", "Invalid thread"));
            }
        }
        let (mentions, channels) = parse::references(self.db(), &n.msg).await?;
        let mut data = Map::new();
        data.insert("mentions".into(), Value::Array(mentions));
        data.insert("channels".into(), Value::Array(channels));
        data.insert("urls".into(), json!([]));
        let impersonates = n.alias.is_some() || n.emoji.is_some() || n.avatar.is_some();
        for (k, v) in [
            ("alias", n.alias.map(Value::String)),
            ("emoji", n.emoji.map(Value::String)),
            ("avatar", n.avatar.map(Value::String)),
            ("attachments", n.attachments),
            ("bot", n.bot),
            ("customFields", n.custom_fields),
        ] {
            if let Some(v) = v {
                data.insert(k.into(), v);
            }
        }
        if n.tmid.is_some() && n.tshow {
            data.insert("tshow".into(), Value::Bool(true));
        }
        if impersonates {
            data.insert("groupable".into(), Value::Bool(false));
        }
        let now = Timestamp::now().millis();
        let u = &actor.account.user;
        // Shown on the room's streams as soon as it is committed (see `post_announced`).
        let bus = self.rooms.bus().clone();
        let fresh = self.fresh.clone();
        let announce = move |m: &Message| {
            fresh.put(m);
            bus.publish(Event::new(
                Topic::Room(m.rid.clone()),
                EventKind::MessageCommitted {
                    room_id: m.rid.clone(),
                    message_id: m.id.clone(),
                },
            ));
        };
        let m = repo::messages::post_announced(
            self.db(),
            Message {
                id,
                rid: room.id.clone(),
                seq: 0,
                ts: now,
                updated_at: now,
                u_id: u.id.clone(),
                u_username: u.username.clone(),
                u_name: Some(u.name.clone()),
                msg: n.msg,
                t: None,
                tmid: n.tmid,
                pinned: false,
                hidden: false,
                data: Value::Object(data).to_string(),
            },
            true,
            announce,
        )
        .await
        .map_err(|e| match e {
            Error::Meteor { code, .. } if code == "error-duplicate-key" => {
                Error::meteor("error-message-already-exists", "The message already exists")
            }
            other => other,
        })?;
        if room.t == "d" {
            self.rooms.reopen_direct(room).await?;
        }
        self.note_reply(&m).await?;
        self.count_mentions(&m).await?;
        let bus = self.rooms.bus();
        bus.publish(Event::new(
            Topic::Room(room.id.clone()),
            EventKind::MessageCounted {
                room_id: room.id.clone(),
                message_id: m.id.clone(),
            },
        ));
        bus.publish(Event::new(
            Topic::Room(room.id.clone()),
            EventKind::RoomChanged {
                room_id: room.id.clone(),
            },
        ));
        Ok(m)
    }

    async fn check_can_post(
        &self,
        actor: &AuthUser,
        room: &Room,
        sub: Option<Subscription>,
        mode: SendMode,
    ) -> Result<()> {
        // Either side of a blocked direct message cannot post (Rocket.Chat's canSendMessage).
        if room.t == "d" && sub.as_ref().is_some_and(apogee_rooms::blocking::is_blocked) {
            return Err(Error::Failure("room_is_blocked".into()));
        }
        if sub.is_none() {
            let may_join =
                mode == SendMode::Post && room.t == "c" && self.rooms.can_view(actor, room).await?;
            if !may_join {
                return Err(Error::meteor("error-not-allowed", "Not allowed"));
            }
            self.rooms
                .join(
                    actor,
                    &RoomRef {
                        id: Some(room.id.clone()),
                        name: None,
                    },
                    None,
                )
                .await?;
        }
        if room.archived {
            return Err(Error::meteor("error-room-archived", "Room is archived"));
        }
        if room.read_only && !self.rooms.may_post_read_only(actor, room).await? {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "Not allowed to post in a read-only room",
            ));
        }
        let muted: Vec<String> = serde_json::from_str(&room.muted).unwrap_or_default();
        if muted.contains(&actor.account.user.username) {
            return Err(Error::meteor(
                "error-user-muted",
                "You have been muted and cannot speak in this room",
            ));
        }
        Ok(())
    }

    /// A message the caller may read.
    pub async fn get(&self, actor: &AuthUser, id: &str) -> Result<Message> {
        let m = repo::messages::by_id(self.db(), id)
            .await?
            .filter(|m| !m.hidden)
            .ok_or_else(|| Error::meteor("error-message-not-found", "Message not found"))?;
        let room = repo::rooms::by_id(self.db(), &m.rid)
            .await?
            .ok_or_else(|| Error::meteor("error-message-not-found", "Message not found"))?;
        if !self.rooms.can_view(actor, &room).await? {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        Ok(m)
    }

    /// A window of a room's messages, newest first, for a room the caller was already allowed into.
    pub async fn history_of(
        &self,
        room: &Room,
        latest: Option<Timestamp>,
        oldest: Option<Timestamp>,
        inclusive: bool,
        offset: u64,
        count: Option<u64>,
    ) -> Result<Vec<Message>> {
        repo::messages::history(
            self.db(),
            &room.id,
            latest.map(Timestamp::millis),
            oldest.map(Timestamp::millis),
            inclusive,
            offset,
            count,
        )
        .await
    }
}
