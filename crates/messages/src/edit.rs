//! Editing and deleting messages, with Rocket.Chat's settings and permissions: authors may change
//! their own messages within the time limits; `edit-message` / `delete-message` (room roles
//! included) and `force-delete-message` may change anyone's.

use crate::{Messages, parse};
use apogee_core::{Error, Event, EventKind, Result, Timestamp, Topic};
use apogee_storage::{Message, Room, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

fn within_minutes(ts: i64, minutes: i64) -> bool {
    minutes <= 0 || Timestamp::now().millis() - ts <= minutes * 60_000
}

impl Messages {
    async fn message_in_room(&self, room_id: &str, msg_id: &str) -> Result<(Message, Room)> {
        let m = repo::messages::by_id(self.db(), msg_id)
            .await?
            .filter(|m| !m.hidden)
            .ok_or_else(|| Error::meteor("error-message-not-found", "Message not found"))?;
        if m.rid != room_id {
            return Err(Error::Failure(
                "The room id provided does not match where the message is from.".into(),
            ));
        }
        let room = repo::rooms::by_id(self.db(), room_id)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        Ok((m, room))
    }

    /// `chat.update`: new text for a message.
    pub async fn update(
        &self,
        actor: &AuthUser,
        room_id: &str,
        msg_id: &str,
        text: &str,
    ) -> Result<Message> {
        crate::retry::retrying(|| self.update_once(actor, room_id, msg_id, text)).await
    }

    /// One attempt of [`Self::update`].
    async fn update_once(
        &self,
        actor: &AuthUser,
        room_id: &str,
        msg_id: &str,
        text: &str,
    ) -> Result<Message> {
        let (mut m, room) = self.message_in_room(room_id, msg_id).await?;
        let settings = self.rooms().users().settings();
        let privileged = self
            .rooms()
            .can_in_room(actor, &room, "edit-message")
            .await?;
        let own = m.u_id == actor.id();
        if !privileged {
            if !settings.bool("Message_AllowEditing") {
                return Err(Error::meteor(
                    "error-action-not-allowed",
                    "Message editing not allowed",
                ));
            }
            if !own {
                return Err(Error::meteor("error-action-not-allowed", "Not allowed"));
            }
            if !within_minutes(
                m.ts,
                settings.int("Message_AllowEditing_BlockEditInMinutes"),
            ) {
                return Err(Error::meteor(
                    "error-message-editing-blocked",
                    "Message editing is blocked",
                ));
            }
        }
        if m.t.is_some() {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "System messages cannot be edited",
            ));
        }
        let max = settings.int("Message_MaxAllowedSize");
        if max > 0 && text.chars().count() as i64 > max {
            return Err(Error::meteor(
                "error-message-size-exceeded",
                "Message size exceeds the allowed maximum",
            ));
        }
        let now = Timestamp::now();
        let before = m.clone();
        let (mentions, channels) = parse::references(self.db(), text).await?;
        let mut data: Map<String, Value> = serde_json::from_str(&m.data).unwrap_or_default();
        data.insert("mentions".into(), Value::Array(mentions));
        data.insert("channels".into(), Value::Array(channels));
        data.insert("editedAt".into(), json!(now.millis()));
        data.insert(
            "editedBy".into(),
            json!({"_id": actor.id(), "username": actor.account.user.username}),
        );
        m.msg = text.to_owned();
        m.data = Value::Object(data).to_string();
        m.updated_at = now.millis().max(before.updated_at + 1);
        let m = repo::messages::update_if_unchanged(self.db(), &before, m)
            .await?
            .ok_or_else(crate::retry::lost_race)?;
        // After the edit won: a lost race must not leave a second copy behind.
        if settings.bool("Message_KeepHistory") {
            self.keep_old_version(&before, actor, now.millis()).await?;
        }
        self.rooms().bus().publish(Event::new(
            Topic::Room(m.rid.clone()),
            EventKind::MessageChanged {
                room_id: m.rid.clone(),
                message_id: m.id.clone(),
            },
        ));
        Ok(m)
    }

    /// With `Message_KeepHistory` on, an edit first stores the message as it was, as Rocket.Chat's
    /// `cloneAndSaveAsHistory` does: a hidden copy with a new id, `parent` = the message's id, and
    /// `editedAt`/`editedBy` of this edit. Hidden copies appear in no list, search or sync answer.
    async fn keep_old_version(&self, m: &Message, editor: &AuthUser, now: i64) -> Result<()> {
        let mut copy = m.clone();
        let mut data: Map<String, Value> = serde_json::from_str(&m.data).unwrap_or_default();
        data.insert("parent".into(), json!(m.id));
        data.insert("editedAt".into(), json!(now));
        data.insert(
            "editedBy".into(),
            json!({"_id": editor.id(), "username": editor.account.user.username}),
        );
        copy.id = apogee_core::random_id();
        copy.data = Value::Object(data).to_string();
        copy.updated_at = now;
        repo::message_marks::insert_copy(self.db(), copy).await?;
        Ok(())
    }

    /// `chat.delete`: removes a message (hidden instead when `Message_KeepHistory` is on).
    pub async fn delete(&self, actor: &AuthUser, room_id: &str, msg_id: &str) -> Result<Message> {
        let (m, room) = self.message_in_room(room_id, msg_id).await?;
        let settings = self.rooms().users().settings();
        let forced = self
            .rooms()
            .can_in_room(actor, &room, "force-delete-message")
            .await?;
        if !forced {
            let privileged = self
                .rooms()
                .can_in_room(actor, &room, "delete-message")
                .await?;
            let own = m.u_id == actor.id()
                && self
                    .rooms()
                    .users()
                    .can(actor, "delete-own-message")
                    .await?;
            if !settings.bool("Message_AllowDeleting") || !(privileged || own) {
                return Err(Error::meteor("error-action-not-allowed", "Not allowed"));
            }
            if !privileged
                && !within_minutes(
                    m.ts,
                    settings.int("Message_AllowDeleting_BlockDeleteInMinutes"),
                )
            {
                return Err(Error::meteor(
                    "error-message-deleting-blocked",
                    "Message deleting is blocked",
                ));
            }
        }
        let now = Timestamp::now().millis();
        repo::messages::remove(self.db(), &m, settings.bool("Message_KeepHistory"), now).await?;
        let bus = self.rooms().bus();
        bus.publish(Event::new(
            Topic::Room(m.rid.clone()),
            EventKind::MessageDeleted {
                room_id: m.rid.clone(),
                message_id: m.id.clone(),
            },
        ));
        bus.publish(Event::new(
            Topic::Room(m.rid.clone()),
            EventKind::RoomChanged {
                room_id: m.rid.clone(),
            },
        ));
        Ok(m)
    }
}
