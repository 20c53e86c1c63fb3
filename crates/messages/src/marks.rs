//! Reactions, pins and stars: changes to a message by readers.

use crate::Messages;
use apogee_core::{Error, Event, EventKind, Result, Timestamp, Topic, random_id};
use apogee_storage::{Message, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

fn data_of(m: &Message) -> Map<String, Value> {
    serde_json::from_str(&m.data).unwrap_or_default()
}

/// `:name:` form of an emoji (clients send `thumbsup` or `:thumbsup:`).
fn shortcode(emoji: &str) -> Result<String> {
    let name = emoji.trim().trim_matches(':');
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == ':') {
        return Err(Error::meteor(
            "error-not-allowed",
            "Invalid emoji provided.",
        ));
    }
    Ok(format!(":{name}:"))
}

impl Messages {
    /// Stores `m` with new `data`, unless the message changed since it was read (see
    /// [`Self::save_changed_from`]).
    async fn save_changed(&self, m: Message, data: Map<String, Value>) -> Result<Message> {
        self.save_changed_from(m.clone(), m, data).await
    }

    /// Stores `m` (read as `before`, other columns possibly changed since) with new `data`, unless
    /// the message changed in the meantime (then the caller's attempt is retried).
    async fn save_changed_from(
        &self,
        before: Message,
        mut m: Message,
        data: Map<String, Value>,
    ) -> Result<Message> {
        m.data = Value::Object(data).to_string();
        m.updated_at = Timestamp::now().millis().max(before.updated_at + 1);
        let m = repo::messages::update_if_unchanged(self.db(), &before, m)
            .await?
            .ok_or_else(crate::retry::lost_race)?;
        self.rooms().bus().publish(Event::new(
            Topic::Room(m.rid.clone()),
            EventKind::MessageChanged {
                room_id: m.rid.clone(),
                message_id: m.id.clone(),
            },
        ));
        Ok(m)
    }

    async fn readable_as_member(
        &self,
        actor: &AuthUser,
        id: &str,
    ) -> Result<(Message, apogee_storage::Room)> {
        let m = self.get(actor, id).await?;
        let room = repo::rooms::by_id(self.db(), &m.rid)
            .await?
            .ok_or_else(|| Error::meteor("error-message-not-found", "Message not found"))?;
        if self
            .rooms()
            .subscription(actor.id(), &room.id)
            .await?
            .is_none()
        {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        Ok((m, room))
    }

    /// `chat.react`: adds or removes the caller's reaction (`should_react` forces one way).
    pub async fn react(
        &self,
        actor: &AuthUser,
        id: &str,
        emoji: &str,
        should_react: Option<bool>,
    ) -> Result<Message> {
        crate::retry::retrying(|| self.react_once(actor, id, emoji, should_react)).await
    }

    /// One attempt of [`Self::react`].
    async fn react_once(
        &self,
        actor: &AuthUser,
        id: &str,
        emoji: &str,
        should_react: Option<bool>,
    ) -> Result<Message> {
        let (m, room) = self.readable_as_member(actor, id).await?;
        if room.archived {
            return Err(Error::meteor("error-room-archived", "Room is archived"));
        }
        if room.read_only
            && !room.react_when_read_only
            && !self
                .rooms()
                .can_in_room(actor, &room, "post-readonly")
                .await?
        {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        let key = shortcode(emoji)?;
        let mut data = data_of(&m);
        let mut reactions = data
            .remove("reactions")
            .and_then(|r| r.as_object().cloned())
            .unwrap_or_default();
        let entry = reactions
            .remove(&key)
            .and_then(|e| e.as_object().cloned())
            .unwrap_or_default();
        let list = |k: &str| -> Vec<String> {
            entry
                .get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let (mut usernames, mut names) = (list("usernames"), list("names"));
        let me = &actor.account.user;
        let has = usernames.contains(&me.username);
        let react = should_react.unwrap_or(!has);
        if react && !has {
            usernames.push(me.username.clone());
            names.push(me.name.clone());
        } else if !react
            && has
            && let Some(i) = usernames.iter().position(|u| *u == me.username)
        {
            usernames.remove(i);
            if i < names.len() {
                names.remove(i);
            }
        }
        if !usernames.is_empty() {
            reactions.insert(key, json!({"usernames": usernames, "names": names}));
        }
        if !reactions.is_empty() {
            data.insert("reactions".into(), Value::Object(reactions));
        }
        self.save_changed(m, data).await
    }

    /// `chat.pinMessage` / `chat.unPinMessage` (`pin-message` in the room). Pinning posts a
    /// `message_pinned` system message quoting the pinned one, which is returned.
    pub async fn pin(&self, actor: &AuthUser, id: &str, pin: bool) -> Result<Option<Message>> {
        crate::retry::retrying(|| self.pin_once(actor, id, pin)).await
    }

    /// One attempt of [`Self::pin`].
    async fn pin_once(&self, actor: &AuthUser, id: &str, pin: bool) -> Result<Option<Message>> {
        let (mut m, room) = self.readable_as_member(actor, id).await?;
        if !self.rooms().users().settings().bool("Message_AllowPinning") {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "Message pinning not allowed",
            ));
        }
        self.rooms()
            .require_in_room(actor, &room, "pin-message")
            .await?;
        let mut data = data_of(&m);
        let now = Timestamp::now().millis();
        let before = m.clone();
        m.pinned = pin;
        if pin {
            data.insert("pinnedAt".into(), json!(now));
            data.insert(
                "pinnedBy".into(),
                json!({"_id": actor.id(), "username": actor.account.user.username}),
            );
        } else {
            data.remove("pinnedAt");
            data.remove("pinnedBy");
        }
        let pinned = self.save_changed_from(before, m, data).await?;
        if !pin {
            return Ok(None);
        }
        let quote = json!([{
            "text": pinned.msg,
            "author_name": pinned.u_username,
            "author_icon": format!("/avatar/{}", pinned.u_username),
            "ts": Timestamp(pinned.ts).to_iso(),
            "message_link": format!("{}/{}?msg={}", self.rooms().users().options().root_url, room.id, pinned.id),
        }]);
        let sys = repo::messages::post(
            self.db(),
            Message {
                id: random_id(),
                rid: room.id.clone(),
                seq: 0,
                ts: now,
                updated_at: now,
                u_id: actor.id().to_owned(),
                u_username: actor.account.user.username.clone(),
                u_name: Some(actor.account.user.name.clone()),
                // RC saves the pin notice with an empty text: the quote attachment carries it.
                msg: String::new(),
                t: Some("message_pinned".into()),
                tmid: None,
                pinned: false,
                hidden: false,
                data: json!({"groupable": false, "attachments": quote}).to_string(),
            },
        )
        .await?;
        self.rooms().bus().publish(Event::new(
            Topic::Room(room.id.clone()),
            EventKind::MessageCreated {
                room_id: room.id.clone(),
                message_id: sys.id.clone(),
            },
        ));
        Ok(Some(sys))
    }

    /// `chat.starMessage` / `chat.unStarMessage`: the caller's star on a message.
    pub async fn star(&self, actor: &AuthUser, id: &str, star: bool) -> Result<()> {
        crate::retry::retrying(|| self.star_once(actor, id, star)).await
    }

    /// One attempt of [`Self::star`].
    async fn star_once(&self, actor: &AuthUser, id: &str, star: bool) -> Result<()> {
        let (m, _) = self.readable_as_member(actor, id).await?;
        if !self
            .rooms()
            .users()
            .settings()
            .bool("Message_AllowStarring")
        {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "Message starring not allowed",
            ));
        }
        let mut data = data_of(&m);
        let mut starred: Vec<Value> = data
            .remove("starred")
            .and_then(|s| s.as_array().cloned())
            .unwrap_or_default();
        starred.retain(|s| s.get("_id").and_then(Value::as_str) != Some(actor.id()));
        if star {
            starred.push(json!({"_id": actor.id()}));
        }
        if !starred.is_empty() {
            data.insert("starred".into(), Value::Array(starred));
        }
        self.save_changed(m, data).await?;
        Ok(())
    }

    /// `chat.getPinnedMessages`: a page of a room's pinned messages and the total.
    pub async fn pinned(
        &self,
        actor: &AuthUser,
        rid: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        self.readable_room(actor, rid).await?;
        repo::messages::pinned(self.db(), rid, offset, count).await
    }

    /// `chat.getStarredMessages`: the caller's starred messages in a room (page and total).
    pub async fn starred(
        &self,
        actor: &AuthUser,
        rid: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        self.readable_room(actor, rid).await?;
        let mine: Vec<Message> = repo::messages::with_stars(self.db(), rid)
            .await?
            .into_iter()
            .filter(|m| {
                data_of(m)
                    .get("starred")
                    .and_then(Value::as_array)
                    .is_some_and(|a| {
                        a.iter()
                            .any(|s| s.get("_id").and_then(Value::as_str) == Some(actor.id()))
                    })
            })
            .collect();
        let total = mine.len() as u64;
        let page = apogee_storage::Page::slice(offset, count, mine);
        Ok((page, total))
    }

    /// The room, if the caller may read it.
    pub(crate) async fn readable_room(
        &self,
        actor: &AuthUser,
        rid: &str,
    ) -> Result<apogee_storage::Room> {
        let room = repo::rooms::by_id(self.db(), rid).await?.ok_or_else(|| {
            Error::meteor(
                "error-room-not-found",
                "The required \"roomId\" param provided does not match any room",
            )
        })?;
        if !self.rooms().can_view(actor, &room).await? {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        Ok(room)
    }
}
