//! `sub` for the publications clients use: the `stream-*` streamer protocol (§8.1) with each
//! stream's read rule, and the few Meteor publications that only need a `ready`.

use crate::errors::{meteor_error, sub_not_allowed};
use crate::frames;
use crate::hub::{Key, Stream};
use crate::session::{Session, Sub};
use apogee_rooms::RoomRef;
use apogee_users::UserSelector;
use serde_json::{Value, json};

/// Publications that exist but never publish anything here (yet): answered with `ready`.
/// (`meteor.loginServiceConfiguration` would send an `added` per configured OAuth service; there
/// are none.)
const QUIET: [&str; 4] = [
    "meteor.loginServiceConfiguration",
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
                presence: false,
            },
        );
        return s.reply(frames::ready(id)).await;
    }
    if name == Stream::UserPresence.name() {
        return presence(s, id, params).await;
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
        Stream::NotifyUser => {
            event.ends_with("/rooms-changed") || event.ends_with("/subscriptions-changed")
        }
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
            presence: false,
        },
    );
    s.rt.hub().activate(&key, s.conn.id, id, frames::ready(id));
}

/// Users one connection may watch on `stream-user-presence`.
const PRESENCE_WATCH_LIMIT: usize = 10_000;

/// `stream-user-presence` (§8.7), logged-in only: `["", {added: [uid], removed: [uid]}]`. The first
/// such subscription of a connection is its main one (`ready`); later ones only change the set of
/// watched users and end at once (`nosub`). Each newly watched user's current status is sent
/// right away, after the listener is registered (so no change in between is lost).
async fn presence(s: &mut Session, id: &str, params: &[Value]) {
    let Some(login) = s.login.clone() else {
        return s.reply(frames::nosub(id, Some(&sub_not_allowed()))).await;
    };
    let ids = |k: &str| -> Vec<String> {
        params
            .get(1)
            .and_then(|o| o.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (added, removed) = (ids("added"), ids("removed"));
    let main = s
        .subs
        .iter()
        .find(|(_, sub)| sub.presence)
        .map(|(k, _)| k.clone());
    let main_id = match &main {
        Some(m) => m.clone(),
        None => {
            s.subs.insert(
                id.to_owned(),
                Sub {
                    key: None,
                    watches_rooms: false,
                    presence: true,
                },
            );
            s.reply(frames::ready(id)).await;
            id.to_owned()
        }
    };
    let hub = s.rt.hub();
    for uid in removed {
        if s.presence_watch.remove(&uid) {
            hub.remove(&Key::new(Stream::UserPresence, &uid), s.conn.id, &main_id);
        }
    }
    let mut fresh = Vec::new();
    for uid in added {
        if s.presence_watch.len() >= PRESENCE_WATCH_LIMIT || s.presence_watch.contains(&uid) {
            continue;
        }
        let key = Key::new(Stream::UserPresence, &uid);
        hub.register(key.clone(), &s.conn, &main_id, Some(login.auth.id()));
        s.presence_watch.insert(uid.clone());
        fresh.push((key, uid));
    }
    for (key, uid) in fresh {
        let current = match s.rt.users().find(&UserSelector::Id(uid.clone())).await {
            Ok(Some(acc)) => Some(crate::feed::presence_frame(&acc)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("cannot read the presence of {uid}: {e}");
                None
            }
        };
        // The current status goes out first; changes held meanwhile follow it.
        match current {
            Some(f) => hub.activate(&key, s.conn.id, &main_id, f),
            None => hub.activate_quietly(&key, s.conn.id, &main_id),
        }
    }
    if main.is_some() {
        s.reply(frames::nosub(id, None)).await;
    }
}

/// Each stream's read rule.
async fn allowed(s: &Session, stream: Stream, event: &str) -> apogee_core::Result<bool> {
    let user = s.login.as_ref().map(|l| l.auth.clone());
    match stream {
        Stream::NotifyAll => Ok(true),
        Stream::UserPresence => Ok(user.is_some()),
        Stream::NotifyLogged => match user {
            None => Ok(false),
            // Every setting's value, as in Rocket.Chat: for those who may read them.
            Some(u) if event == "private-settings-changed" => {
                s.rt.users()
                    .can(&u, apogee_core::names::perm::VIEW_PRIVILEGED_SETTING)
                    .await
            }
            Some(_) => Ok(true),
        },
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
