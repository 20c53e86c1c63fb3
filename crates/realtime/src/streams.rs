//! `sub` for the publications clients use: the `stream-*` streamer protocol (§8.1) with each
//! stream's read rule, and the few Meteor publications that only need a `ready`.

use crate::errors::{meteor_error, sub_not_allowed};
use crate::frames;
use crate::hub::{Key, Stream};
use crate::session::{Session, Sub};
use apogee_rooms::RoomRef;
use serde_json::{Value, json};

/// Publications that exist but never publish anything here (yet): answered with `ready`.
const QUIET: [&str; 5] = [
    "meteor.loginServiceConfiguration",
    "stream-user-presence",
    "stream-roles",
    "stream-notify-room-users",
    "meteor_autoupdate_clientVersions",
];

/// The `stream-room-messages` event name for every room the user is in (@rocket.chat/sdk's bots).
pub const MY_MESSAGES: &str = "__my_messages__";

/// Handles a `sub`: registers with the hub first, then checks access, then `ready` or `nosub`.
pub async fn subscribe(s: &mut Session, id: &str, name: &str, params: &[Value]) {
    if QUIET.contains(&name) {
        s.subs.insert(
            id.to_owned(),
            Sub {
                key: None,
                watches_rooms: false,
            },
        );
        return s.reply(frames::ready(id)).await;
    }
    let Some(stream) = Stream::from_name(name) else {
        let e = meteor_error(
            json!(404),
            &format!("Subscription '{name}' not found"),
            None,
        );
        return s.reply(frames::nosub(id, Some(&e))).await;
    };
    let event = params.first().and_then(Value::as_str).unwrap_or_default();
    if event.is_empty() {
        let e = meteor_error(json!("invalid-event-name"), "Invalid event name", None);
        return s.reply(frames::nosub(id, Some(&e))).await;
    }
    let use_collection = match params.get(1) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(o)) => o.get("useCollection").and_then(Value::as_bool) == Some(true),
        _ => false,
    };
    let key = Key::new(stream, event);
    let uid = s.login.as_ref().map(|l| l.auth.id().to_owned());
    s.rt.hub()
        .register(key.clone(), &s.conn, id, uid.as_deref());
    let allowed = match allowed(s, stream, event).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!("access check for {name} {event} failed: {e}");
            false
        }
    };
    if !allowed {
        s.rt.hub().remove(&key, s.conn.id, id);
        return s.reply(frames::nosub(id, Some(&sub_not_allowed()))).await;
    }
    let mut watches_rooms = false;
    let needs_rooms = match stream {
        Stream::NotifyUser => event.ends_with("/rooms-changed"),
        Stream::RoomMessages => event == MY_MESSAGES,
        _ => false,
    };
    if needs_rooms && let Some(l) = &s.login {
        // The index of the user's rooms, read after registering (events meanwhile are held).
        match s.rt.rooms().rooms_of_user(l.auth.id(), None).await {
            Ok((rooms, _)) => {
                s.rt.hub()
                    .watch_rooms(l.auth.id(), rooms.into_iter().map(|r| r.id).collect());
                watches_rooms = true;
            }
            Err(e) => tracing::warn!("cannot read the rooms of {}: {e}", l.auth.id()),
        }
    }
    if use_collection {
        s.reply(frames::added(name, "id", &json!({"eventName": event})))
            .await;
    }
    s.subs.insert(
        id.to_owned(),
        Sub {
            key: Some(key.clone()),
            watches_rooms,
        },
    );
    s.rt.hub().activate(&key, s.conn.id, id, frames::ready(id));
}

/// Each stream's read rule.
async fn allowed(s: &Session, stream: Stream, event: &str) -> apogee_core::Result<bool> {
    let user = s.login.as_ref().map(|l| l.auth.clone());
    match stream {
        Stream::NotifyAll => Ok(true),
        Stream::NotifyLogged => Ok(user.is_some()),
        Stream::NotifyUser => Ok(user.is_some_and(|u| {
            event
                .split_once('/')
                .is_some_and(|(uid, rest)| uid == u.id() && !rest.is_empty())
        })),
        Stream::RoomMessages | Stream::NotifyRoom => {
            let Some(user) = user else {
                return Ok(false);
            };
            let rid = match stream {
                Stream::NotifyRoom => match event.split_once('/') {
                    Some((rid, rest)) if !rest.is_empty() => rid,
                    _ => return Ok(false),
                },
                _ if event == MY_MESSAGES => return Ok(true),
                _ => event,
            };
            let found =
                s.rt.rooms()
                    .any_room(
                        &user,
                        &RoomRef {
                            id: Some(rid.to_owned()),
                            name: None,
                        },
                    )
                    .await;
            match found {
                Ok(_) => Ok(true),
                Err(apogee_core::Error::Meteor { .. }) => Ok(false),
                Err(e) => Err(e),
            }
        }
    }
}
