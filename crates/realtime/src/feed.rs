//! The one task per server that turns bus events into stream frames. It was subscribed to the bus
//! when the service started, before any connection could read state. For each event it first asks
//! the hub whether anyone listens, reads the record once, serializes it once and hands the frame
//! to the hub, which queues it on every listening connection without waiting.

use crate::Realtime;
use crate::frames::{self, Frame};
use crate::hub::{Key, Stream};
use crate::project;
use crate::streams::MY_MESSAGES;
use apogee_core::event::{EventStream, Received};
use apogee_core::{Event, EventKind, Result, Topic};
use apogee_users::UserSelector;
use serde_json::json;
use std::collections::HashSet;

/// Runs until the bus closes or the service stops.
pub async fn run(rt: Realtime, mut events: Box<dyn EventStream>) {
    let stopped = rt.stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            next = events.next() => match next {
                None => break,
                Some(Received::Lagged(n)) => {
                    tracing::warn!("realtime feed fell behind the bus; {n} events lost");
                }
                Some(Received::Event(e)) => {
                    if let Err(err) = handle(&rt, e).await {
                        tracing::warn!("realtime feed: {err}");
                    }
                }
            }
        }
    }
}

fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(apogee_core::Error::internal)
}

fn user_event(user_id: &str, event: &str, args_json: &str) -> (Key, Frame) {
    let name = format!("{user_id}/{event}");
    let f = frames::stream_event(Stream::NotifyUser.name(), &name, args_json);
    (Key::new(Stream::NotifyUser, &name), f)
}

async fn handle(rt: &Realtime, e: Event) -> Result<()> {
    let hub = rt.hub();
    match e.kind {
        EventKind::MessageCreated {
            room_id,
            message_id,
        }
        | EventKind::MessageChanged {
            room_id,
            message_id,
        } => {
            let key = Key::new(Stream::RoomMessages, &room_id);
            let mine = Key::new(Stream::RoomMessages, MY_MESSAGES);
            let members = if hub.has(&mine) {
                hub.room_watchers(&room_id)
            } else {
                HashSet::new()
            };
            let wanted = hub.has(&key);
            if !wanted && members.is_empty() {
                return Ok(());
            }
            let Some(m) = rt.messages().visible(&message_id).await? else {
                return Ok(());
            };
            let doc = project::message(&m);
            if wanted {
                let args = json(&[&doc])?;
                let f = frames::stream_event(Stream::RoomMessages.name(), &room_id, &args);
                hub.deliver(&key, &f, None);
            }
            if !members.is_empty()
                && let Some(room) = rt.rooms().by_id(&room_id).await?
            {
                // `[message, meta]`: bots tell direct messages from rooms by `roomType`.
                let mut meta = serde_json::Map::new();
                meta.insert("roomParticipant".into(), json!(true));
                meta.insert("roomType".into(), json!(room.t));
                if room.t != "d"
                    && let Some(name) = &room.name
                {
                    meta.insert("roomName".into(), json!(name));
                }
                let args = json(&(&doc, meta))?;
                let f = frames::stream_event(Stream::RoomMessages.name(), MY_MESSAGES, &args);
                hub.deliver_to_users(&mine, &f, &members);
            }
        }
        EventKind::MessageDeleted {
            room_id,
            message_id,
        } => {
            let name = format!("{room_id}/deleteMessage");
            let args = json(&[json!({"_id": message_id})])?;
            let f = frames::stream_event(Stream::NotifyRoom.name(), &name, &args);
            hub.deliver(&Key::new(Stream::NotifyRoom, &name), &f, None);
        }
        EventKind::MessagesBulkDeleted {
            room_id,
            message_ids,
        } => {
            let name = format!("{room_id}/deleteMessageBulk");
            let args = json(&[json!({
                "rid": room_id,
                "excludePinned": false,
                "ignoreDiscussion": true,
                "ids": message_ids,
            })])?;
            let f = frames::stream_event(Stream::NotifyRoom.name(), &name, &args);
            hub.deliver(&Key::new(Stream::NotifyRoom, &name), &f, None);
        }
        EventKind::SubscriptionChanged { user_id, room_id } => {
            let joined = hub.room_joined(&user_id, &room_id)
                && hub.has(&Key::new(
                    Stream::NotifyUser,
                    &format!("{user_id}/rooms-changed"),
                ));
            let subs_key = Key::new(
                Stream::NotifyUser,
                &format!("{user_id}/subscriptions-changed"),
            );
            let wants_sub = hub.has(&subs_key);
            if !joined && !wants_sub {
                return Ok(());
            }
            let room = rt.rooms().by_id(&room_id).await?;
            if wants_sub
                && let Some(sub) = rt.rooms().subscription(&user_id, &room_id).await?
                && let Some(member) = rt.users().find(&UserSelector::Id(user_id.clone())).await?
            {
                let action = if sub.ts == sub.updated_at {
                    "inserted"
                } else {
                    "updated"
                };
                let doc = project::subscription(&sub, room.as_ref(), &member);
                let (key, f) =
                    user_event(&user_id, "subscriptions-changed", &json(&(action, doc))?);
                hub.deliver(&key, &f, None);
            }
            if joined && let Some(room) = room {
                let last = rt
                    .messages()
                    .last_messages(std::slice::from_ref(&room))
                    .await?;
                let doc = project::room(&room, last.first());
                let (key, f) = user_event(&user_id, "rooms-changed", &json(&("inserted", doc))?);
                hub.deliver(&key, &f, None);
            }
        }
        EventKind::SubscriptionRemoved { user_id, room_id } => {
            let public = rt
                .rooms()
                .by_id(&room_id)
                .await?
                .is_some_and(|r| r.t == "c");
            if !public {
                hub.revoke_room(&user_id, &room_id);
            }
            let removed = json!({"u": {"_id": user_id}, "rid": room_id});
            let (key, f) = user_event(
                &user_id,
                "subscriptions-changed",
                &json(&("removed", removed))?,
            );
            hub.deliver(&key, &f, None);
            if hub.room_left(&user_id, &room_id) {
                let (key, f) = user_event(
                    &user_id,
                    "rooms-changed",
                    &json(&("removed", json!({"_id": room_id})))?,
                );
                hub.deliver(&key, &f, None);
            }
        }
        // Public rooms' changes are published twice (members, and everyone logged in); the
        // members' copy is the one that feeds `rooms-changed`.
        EventKind::RoomChanged { room_id } if matches!(e.topic, Topic::Room(_)) => {
            let watchers = hub.room_watchers(&room_id);
            if watchers.is_empty() {
                return Ok(());
            }
            let Some(room) = rt.rooms().by_id(&room_id).await? else {
                return Ok(());
            };
            let last = rt
                .messages()
                .last_messages(std::slice::from_ref(&room))
                .await?;
            let args = json(&("updated", project::room(&room, last.first())))?;
            for uid in watchers {
                let (key, f) = user_event(&uid, "rooms-changed", &args);
                hub.deliver(&key, &f, None);
            }
        }
        EventKind::RoomDeleted { room_id } => {
            let args = json(&("removed", json!({"_id": room_id})))?;
            for uid in hub.room_gone(&room_id) {
                let (key, f) = user_event(&uid, "rooms-changed", &args);
                hub.deliver(&key, &f, None);
            }
        }
        _ => {}
    }
    Ok(())
}
