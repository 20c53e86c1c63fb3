//! Pruning a room's history (`rooms.cleanHistory`) and opening discussions with a first reply.

use crate::{Messages, NewMessage, SendMode};
use apogee_core::{Error, Event, EventKind, Result, Timestamp, Topic};
use apogee_rooms::NewDiscussion;
use apogee_storage::{Message, Page, Room, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value};

/// What `rooms.cleanHistory` removes.
#[derive(Debug, Clone)]
pub struct CleanHistory {
    /// Newest message time in the window.
    pub latest: Timestamp,
    /// Oldest message time in the window.
    pub oldest: Timestamp,
    /// Whether the window's bounds are included.
    pub inclusive: bool,
    /// Keep pinned messages.
    pub exclude_pinned: bool,
    /// Only remove files (there are no uploads yet, so nothing is removed).
    pub files_only: bool,
    /// Keep thread roots and replies.
    pub ignore_threads: bool,
    /// Keep `discussion-created` messages (and their discussions).
    pub ignore_discussion: bool,
    /// Only messages of these usernames (all when empty).
    pub users: Vec<String>,
    /// At most this many messages, oldest first (0 = no limit).
    pub limit: u64,
}

fn data_of(m: &Message) -> Map<String, Value> {
    serde_json::from_str(&m.data).unwrap_or_default()
}

impl Messages {
    /// `rooms.cleanHistory`: deletes a room's messages in a time window (`clean-channel-history`
    /// in the room), announces it as one bulk deletion, and returns how many went.
    pub async fn clean_history(
        &self,
        actor: &AuthUser,
        room: &Room,
        c: &CleanHistory,
    ) -> Result<u64> {
        if !self
            .rooms()
            .can_in_room(actor, room, "clean-channel-history")
            .await?
        {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        if c.files_only {
            return Ok(0);
        }
        let window = repo::messages::in_window(
            self.db(),
            &room.id,
            c.oldest.millis(),
            c.latest.millis(),
            c.inclusive,
        )
        .await?;
        let mut doomed: Vec<Message> = window
            .into_iter()
            .filter(|m| !(c.exclude_pinned && m.pinned))
            .filter(|m| c.users.is_empty() || c.users.contains(&m.u_username))
            .filter(|m| {
                let d = data_of(m);
                let threaded = m.tmid.is_some() || d.contains_key("tcount");
                let kept_thread = c.ignore_threads && threaded;
                let kept_discussion = c.ignore_discussion && d.contains_key("drid");
                !(kept_thread || kept_discussion)
            })
            .collect();
        if c.limit > 0 {
            doomed.truncate(usize::try_from(c.limit).unwrap_or(usize::MAX));
        }
        if !c.ignore_discussion {
            for m in &doomed {
                if let Some(drid) = data_of(m).get("drid").and_then(Value::as_str) {
                    self.rooms().erase_discussion(drid).await?;
                }
            }
        }
        let ids: Vec<String> = doomed.iter().map(|m| m.id.clone()).collect();
        let now = Timestamp::now().millis();
        let count = repo::messages::remove_many(self.db(), &room.id, &ids, now).await?;
        if count == 0 {
            return Ok(0);
        }
        // Threads whose roots went are no longer unread for anyone.
        let (subs, _) = repo::subscriptions::of_room(self.db(), &room.id, &Page::default()).await?;
        for mut s in subs {
            let before = s.clone();
            let tunread: Vec<String> = serde_json::from_str(&s.tunread).unwrap_or_default();
            let kept: Vec<String> = tunread
                .iter()
                .filter(|t| !ids.contains(t))
                .cloned()
                .collect();
            if kept.len() != tunread.len() {
                s.tunread = serde_json::to_string(&kept).map_err(Error::internal)?;
                s.updated_at = now;
                let uid = s.user_id.clone();
                repo::subscriptions::update(self.db(), &before, s).await?;
                self.rooms().bus().publish(Event::new(
                    Topic::User(uid.clone()),
                    EventKind::SubscriptionChanged {
                        user_id: uid,
                        room_id: room.id.clone(),
                    },
                ));
            }
        }
        let bus = self.rooms().bus();
        bus.publish(Event::new(
            Topic::Room(room.id.clone()),
            EventKind::MessagesBulkDeleted {
                room_id: room.id.clone(),
                message_ids: ids,
            },
        ));
        bus.publish(Event::new(
            Topic::Room(room.id.clone()),
            EventKind::RoomChanged {
                room_id: room.id.clone(),
            },
        ));
        Ok(count)
    }

    /// `rooms.createDiscussion`: opens a discussion and posts `reply` in it as the caller.
    pub async fn create_discussion(
        &self,
        actor: &AuthUser,
        mut d: NewDiscussion,
        reply: Option<String>,
    ) -> Result<Room> {
        let reply = reply.filter(|r| !r.trim().is_empty());
        d.has_reply = reply.is_some();
        let room = self.rooms().create_discussion(actor, &d).await?;
        if let Some(text) = reply {
            self.send(
                actor,
                NewMessage {
                    rid: room.id.clone(),
                    msg: text,
                    ..NewMessage::default()
                },
                SendMode::Send,
            )
            .await?;
        }
        repo::rooms::by_id(self.db(), &room.id)
            .await?
            .ok_or_else(|| Error::meteor("error-room-not-found", "Room not found"))
    }
}
