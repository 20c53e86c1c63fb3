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
use apogee_rooms::DesktopPrefs;
use apogee_users::{Account, UserSelector, status_code};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

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

/// A `stream-user-presence` event for a user: `changed` with `id` = the user's id, an extra `uid`
/// and `args: [[username, statusCode, statusText]]` (§8.7).
pub fn presence_frame(acc: &Account) -> Frame {
    let u = &acc.user;
    frames::frame(&json!({
        "msg": "changed",
        "collection": Stream::UserPresence.name(),
        "id": u.id,
        "fields": {
            "uid": u.id,
            "eventName": u.id,
            "args": [[u.username, status_code(&u.status), u.status_text]],
        },
    }))
}

/// Sends a `stream-notify-logged` event to everyone listening to it.
fn logged_event(rt: &Realtime, event: &str, args_json: &str) {
    let f = frames::stream_event(Stream::NotifyLogged.name(), event, args_json);
    rt.hub()
        .deliver(&Key::new(Stream::NotifyLogged, event), &f, None);
}

async fn account(rt: &Realtime, user_id: &str) -> Result<Option<Account>> {
    rt.users().find(&UserSelector::Id(user_id.to_owned())).await
}

/// `<uid>/userData` `[{type: "updated", id, diff, unset}]`: the user's own document changed
/// (status, names, global roles, avatar), for the user's own connections.
async fn user_data(rt: &Realtime, kind: &EventKind) -> Result<()> {
    let (user_id, fields): (&str, &[&str]) = match kind {
        EventKind::PresenceChanged { user_id } => {
            (user_id, &["status", "statusText", "statusConnection"])
        }
        EventKind::UserRenamed { user_id } => (user_id, &["name", "username"]),
        EventKind::AvatarChanged { user_id } => (user_id, &["avatarETag"]),
        EventKind::RoleChanged {
            user_id,
            scope: None,
            ..
        } => (user_id, &["roles"]),
        _ => return Ok(()),
    };
    let name = format!("{user_id}/userData");
    let key = Key::new(Stream::NotifyUser, &name);
    if !rt.hub().has(&key) {
        return Ok(());
    }
    let Some(acc) = account(rt, user_id).await? else {
        return Ok(());
    };
    let u = &acc.user;
    let mut diff = serde_json::Map::new();
    for f in fields {
        let v = match *f {
            "status" => json!(u.status),
            "statusText" => json!(u.status_text),
            "statusConnection" => json!(u.status_connection),
            "name" => json!(u.name),
            "username" => json!(u.username),
            "avatarETag" => json!(u.avatar_etag),
            _ => json!(acc.roles),
        };
        diff.insert((*f).to_owned(), v);
    }
    let args = json(&[json!({"type": "updated", "id": user_id, "diff": diff, "unset": {}})])?;
    let f = frames::stream_event(Stream::NotifyUser.name(), &name, &args);
    rt.hub().deliver(&key, &f, None);
    Ok(())
}

/// The events of the accounts domain: presence, names, roles, deletions, settings.
async fn handle_user_event(rt: &Realtime, kind: EventKind) -> Result<()> {
    user_data(rt, &kind).await?;
    let hub = rt.hub();
    let logged = |event: &str| hub.has(&Key::new(Stream::NotifyLogged, event));
    match kind {
        EventKind::PresenceChanged { user_id } => {
            if rt
                .users()
                .settings()
                .bool(apogee_core::names::setting::PRESENCE_BROADCAST_DISABLED)
            {
                return Ok(());
            }
            let watched = Key::new(Stream::UserPresence, &user_id);
            let (status, presence) = (logged("user-status"), hub.has(&watched));
            if !status && !presence {
                return Ok(());
            }
            let Some(acc) = account(rt, &user_id).await? else {
                return Ok(());
            };
            if status {
                let u = &acc.user;
                let args = json(&[(
                    &u.id,
                    &u.username,
                    status_code(&u.status),
                    &u.status_text,
                    &u.name,
                    &acc.roles,
                )])?;
                logged_event(rt, "user-status", &args);
            }
            if presence {
                hub.deliver(&watched, &presence_frame(&acc), None);
            }
        }
        EventKind::UserRenamed { user_id } => {
            if !logged("Users:NameChanged") {
                return Ok(());
            }
            if let Some(acc) = account(rt, &user_id).await? {
                let u = &acc.user;
                let args = json(&[json!({"_id": u.id, "name": u.name, "username": u.username})])?;
                logged_event(rt, "Users:NameChanged", &args);
            }
        }
        EventKind::AvatarChanged { user_id } => {
            if !logged("updateAvatar") {
                return Ok(());
            }
            if let Some(acc) = account(rt, &user_id).await? {
                let u = &acc.user;
                let args = json(&[json!({"username": u.username, "etag": u.avatar_etag})])?;
                logged_event(rt, "updateAvatar", &args);
            }
        }
        EventKind::RoleChanged {
            user_id,
            role,
            scope,
            added,
        } => {
            if !logged("roles-change") {
                return Ok(());
            }
            let Some(acc) = account(rt, &user_id).await? else {
                return Ok(());
            };
            let u = &acc.user;
            let mut ev = json!({
                "type": if added { "added" } else { "removed" },
                "_id": role,
                "u": {"_id": u.id, "username": u.username, "name": u.name},
            });
            if let (Some(scope), Some(o)) = (scope, ev.as_object_mut()) {
                o.insert("scope".into(), json!(scope));
            }
            logged_event(rt, "roles-change", &json(&[ev])?);
        }
        EventKind::LoginTokensRemoved {
            user_id,
            token_hashes,
        } => {
            // `force_logout` goes only to the connections that used a deleted token (a client
            // hearing it logs itself out), just before they are closed; a closing connection
            // still writes what was queued before.
            let (key, f) = user_event(&user_id, "force_logout", "[]");
            hub.end_logins(&user_id, Some(&token_hashes), Some((&key, &f)));
        }
        EventKind::UserDeleted { user_id, .. } => {
            // Meteor closes the connections of a user whose document (and tokens) went away.
            hub.end_logins(&user_id, None, None);
            if logged("Users:Deleted") {
                let args = json(&[json!({"userId": user_id, "messageErasureType": "Unlink"})])?;
                logged_event(rt, "Users:Deleted", &args);
            }
        }
        EventKind::SettingChanged { id } => {
            let key = Key::new(Stream::NotifyAll, "public-settings-changed");
            let private = logged("private-settings-changed");
            if !hub.has(&key) && !private {
                return Ok(());
            }
            let Some(v) = rt.users().settings().one(&id) else {
                return Ok(());
            };
            if private {
                // Listeners were checked for `view-privileged-setting` when they subscribed.
                let args = json(&("updated", json!({"_id": v.id, "value": v.value})))?;
                logged_event(rt, "private-settings-changed", &args);
            }
            if !v.public || !hub.has(&key) {
                return Ok(());
            }
            let args = json(&("updated", json!({"_id": v.id, "value": v.value})))?;
            let f =
                frames::stream_event(Stream::NotifyAll.name(), "public-settings-changed", &args);
            hub.deliver(&key, &f, None);
        }
        _ => {}
    }
    Ok(())
}

/// Rocket.Chat's `Notifications_Max_Room_Members` default: larger rooms get no `@all` / `@here`
/// notifications.
const MAX_ROOM_MEMBERS_NOTIFIED: i64 = 100;

/// A member of a room as the notification rules need it: subscription and account.
type Member = Option<(apogee_storage::Subscription, Account)>;

async fn load_member(rt: &Realtime, uid: &str, rid: &str) -> Result<Member> {
    let Some(sub) = rt.rooms().subscription(uid, rid).await? else {
        return Ok(None);
    };
    Ok(account(rt, uid).await?.map(|a| (sub, a)))
}

/// What a message is to one member, for the desktop notification rules.
struct Reach {
    /// The room is a direct message.
    direct: bool,
    /// The member is mentioned by name.
    to_user: bool,
    /// The message says `@all` or `@here`.
    to_group: bool,
    /// The room has more members than `@all`/`@here` (and a user-wide `all`) may notify.
    large_room: bool,
}

/// Rocket.Chat's desktop rule for one member: `disableNotifications` silences the room;
/// `muteGroupMentions` silences `@all`/`@here` unless the member is also named; `nothing` never
/// notifies, `all` notifies every message (a user-wide `all` not in large rooms); otherwise
/// (`mentions`, `default`, unset) direct messages and mentions do.
fn desktop_wanted(p: &DesktopPrefs, r: &Reach) -> bool {
    if p.disabled || (p.mute_group_mentions && r.to_group && !r.to_user) {
        return false;
    }
    match p.level.as_deref() {
        Some("nothing") => false,
        Some("all") if !(p.from_user && r.large_room) => true,
        _ => r.direct || r.to_user || (r.to_group && !r.large_room),
    }
}

/// After a new message: every other member's subscription changed (unread, alert, mentions), and
/// the members the message notifies (per their room and user preferences: the other side of a
/// DM, mentioned users, everyone who asked for every message) get `notification`.
async fn after_new_message(
    rt: &Realtime,
    room: &apogee_storage::Room,
    doc: &project::MessageDoc,
) -> Result<()> {
    let hub = rt.hub();
    let sender = doc.u.id.as_str();
    let watchers = hub.room_watchers(&room.id);
    let mut members: HashMap<String, Member> = HashMap::new();
    for uid in &watchers {
        let key = Key::new(Stream::NotifyUser, &format!("{uid}/subscriptions-changed"));
        if uid == sender || !hub.has(&key) {
            continue;
        }
        let member = load_member(rt, uid, &room.id).await?;
        if let Some((sub, acc)) = &member {
            let doc = project::subscription(sub, Some(room), acc);
            let (key, f) = user_event(uid, "subscriptions-changed", &json(&("updated", doc))?);
            hub.deliver(&key, &f, None);
        }
        members.insert(uid.clone(), member);
    }
    if doc.t.is_some() {
        return Ok(());
    }
    // Who might be notified: the other side of a DM, mentioned users, and the connected members
    // (any of them may want every message). Only those listening to their `notification`
    // events are looked at further.
    let mut candidates: Vec<String> = Vec::new();
    if room.t == "d" {
        let uids: Vec<String> = room
            .uids
            .as_deref()
            .and_then(|u| serde_json::from_str(u).ok())
            .unwrap_or_default();
        candidates.extend(uids);
    }
    let mut mentioned: HashSet<String> = HashSet::new();
    let mut to_group = false;
    if let Some(Value::Array(mentions)) = doc.extra.get("mentions") {
        for m in mentions {
            match m.get("_id").and_then(Value::as_str) {
                Some("all" | "here") => to_group = true,
                Some(id) => {
                    mentioned.insert(id.to_owned());
                    candidates.push(id.to_owned());
                }
                None => {}
            }
        }
    }
    candidates.extend(watchers);
    let mut seen = HashSet::new();
    candidates.retain(|u| u != sender && seen.insert(u.clone()));
    // `@all` / `@here` notify the members only in rooms of at most
    // `Notifications_Max_Room_Members` (100 by default), as in Rocket.Chat.
    let large_room = room.users_count > MAX_ROOM_MEMBERS_NOTIFIED;
    for uid in candidates {
        let key = Key::new(Stream::NotifyUser, &format!("{uid}/notification"));
        if !hub.has(&key) {
            continue;
        }
        let member = match members.remove(&uid) {
            Some(m) => m,
            None => load_member(rt, &uid, &room.id).await?,
        };
        let Some((sub, acc)) = member else {
            continue;
        };
        let prefs = DesktopPrefs::of(&sub, &apogee_users::Users::preferences(&acc.user));
        let reach = Reach {
            direct: room.t == "d",
            to_user: mentioned.contains(&uid),
            to_group,
            large_room,
        };
        if !desktop_wanted(&prefs, &reach) {
            continue;
        }
        let sender_name = doc.u.name.clone().unwrap_or_else(|| doc.u.username.clone());
        let (title, text) = if room.t == "d" {
            (doc.u.username.clone(), doc.msg.clone())
        } else {
            (
                room.fname
                    .clone()
                    .or_else(|| room.name.clone())
                    .unwrap_or_default(),
                format!("{}: {}", doc.u.username, doc.msg),
            )
        };
        let mut payload = json!({
            "_id": doc.id,
            "rid": room.id,
            "sender": {"_id": sender, "username": doc.u.username, "name": sender_name},
            "type": room.t,
            "message": {"msg": doc.msg},
        });
        if let Some(o) = payload.as_object_mut() {
            if let Some(tmid) = &doc.tmid {
                o.insert("tmid".into(), json!(tmid));
            }
            if room.t != "d"
                && let Some(name) = &room.name
            {
                o.insert("name".into(), json!(name));
            }
            if let Some(sound) = &prefs.audio {
                o.insert("audioNotificationValue".into(), json!(sound));
            }
        }
        let args = json(&[json!({"title": title, "text": text, "payload": payload})])?;
        let (key, f) = user_event(&uid, "notification", &args);
        hub.deliver(&key, &f, None);
    }
    Ok(())
}

async fn handle(rt: &Realtime, e: Event) -> Result<()> {
    let hub = rt.hub();
    // What a message event asks for: showing the message on its room's streams, and (for new
    // messages) the other members' subscription updates and notifications.
    let committed = matches!(e.kind, EventKind::MessageCommitted { .. });
    let (show, count) = match &e.kind {
        EventKind::MessageCreated { .. } => (true, true),
        EventKind::MessageCommitted { .. } | EventKind::MessageChanged { .. } => (true, false),
        EventKind::MessageCounted { .. } => (false, true),
        _ => (false, false),
    };
    match e.kind {
        EventKind::MessageCreated {
            room_id,
            message_id,
        }
        | EventKind::MessageCommitted {
            room_id,
            message_id,
        }
        | EventKind::MessageCounted {
            room_id,
            message_id,
        }
        | EventKind::MessageChanged {
            room_id,
            message_id,
        } => {
            let key = Key::new(Stream::RoomMessages, &room_id);
            let mine = Key::new(Stream::RoomMessages, MY_MESSAGES);
            let members = if show && hub.has(&mine) {
                hub.room_watchers(&room_id)
            } else {
                HashSet::new()
            };
            let wanted = show && hub.has(&key);
            // Subscriptions and notifications only matter to users who listen to their own
            // streams.
            let user_side = count && hub.has_user_listeners();
            if !wanted && members.is_empty() && !user_side {
                return Ok(());
            }
            let m = if committed {
                rt.messages().committed(&message_id).await?
            } else {
                rt.messages().visible(&message_id).await?
            };
            let Some(m) = m else {
                return Ok(());
            };
            let doc = project::message(&m);
            if wanted {
                let args = json(&[&doc])?;
                let f = frames::stream_event(Stream::RoomMessages.name(), &room_id, &args);
                hub.deliver(&key, &f, None);
            }
            let room = if !members.is_empty() || user_side {
                rt.rooms().by_id(&room_id).await?
            } else {
                None
            };
            if user_side && let Some(room) = &room {
                after_new_message(rt, room, &doc).await?;
            }
            if !members.is_empty()
                && let Some(room) = room
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
            // Only members listening to their `rooms-changed`: every post changes its room, and
            // reading and projecting it for nobody would compete with the post's fan-out.
            let watchers: Vec<String> = hub
                .room_watchers(&room_id)
                .into_iter()
                .filter(|uid| {
                    hub.has(&Key::new(
                        Stream::NotifyUser,
                        &format!("{uid}/rooms-changed"),
                    ))
                })
                .collect();
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
        other => handle_user_event(rt, other).await?,
    }
    Ok(())
}
