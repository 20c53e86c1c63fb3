//! Room and subscription methods: `readMessages`, `subscriptions/get`, `rooms/get`,
//! `getRoomRoles`, `getRoomIdByNameOrId`, `getRoomNameById`, `canAccessRoom`, `joinRoom`,
//! `leaveRoom`, `createDirectMessage`, `saveNotificationSettings`, `blockUser`/`unblockUser`, and
//! the typing relay `stream-notify-room`.

use super::{Answer, Params, answer};
use crate::ejson::{Date, parse_date};
use crate::errors::match_failed;
use crate::frames;
use crate::hub::{Key, Stream};
use crate::project;
use crate::session::Session;
use apogee_core::{Error, Result, Timestamp};
use apogee_rooms::{RoomChange, RoomKind, RoomRef};
use apogee_storage::Room;
use apogee_users::{AuthUser, UserSelector};
use serde_json::{Value, json};

fn by_id(rid: &str) -> RoomRef {
    RoomRef {
        id: Some(rid.to_owned()),
        name: None,
    }
}

fn kind_of(room: &Room) -> RoomKind {
    match room.t.as_str() {
        "c" => RoomKind::Channel,
        "d" => RoomKind::Direct,
        _ => RoomKind::Group,
    }
}

/// An optional `{$date}` "updated since" parameter.
fn since(p: Params<'_>, i: usize) -> Result<Option<Timestamp>> {
    match p.opt(i) {
        None => Ok(None),
        Some(v) => parse_date(v).map(Some).ok_or_else(match_failed),
    }
}

/// `readMessages [rid, readThreads?]` → nothing (like `subscriptions.read`).
pub async fn read_messages(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    s.rt.rooms().mark_read(actor, p.str(0)?).await?;
    Ok(None)
}

/// `subscriptions/get [since?]` → `[S]`, or `{update, remove}` with a date.
pub async fn subscriptions_get(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let since = since(p, 0)?;
    let rooms = s.rt.rooms();
    let (subs, removed) = rooms.subscriptions_of(actor.id(), since).await?;
    let list = rooms.rooms_of(&subs).await?;
    let update: Vec<_> = subs
        .iter()
        .map(|sub| {
            let room = list.iter().find(|r| r.id == sub.rid);
            project::subscription(sub, room, &actor.account)
        })
        .collect();
    if since.is_none() {
        return answer(update);
    }
    let now = Date(Timestamp::now().millis());
    let remove: Vec<_> = removed
        .into_iter()
        .map(|id| json!({"_id": id, "_deletedAt": now}))
        .collect();
    answer(json!({"update": update, "remove": remove}))
}

/// `rooms/get [since?]` → `[R]` (the caller's rooms), or `{update, remove}` with a date.
pub async fn rooms_get(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let since = since(p, 0)?;
    let (list, removed) = s.rt.rooms().rooms_of_user(actor.id(), since).await?;
    let last = s.rt.messages().last_messages(&list).await?;
    let update: Vec<_> = list
        .iter()
        .map(|r| {
            let lm = r
                .last_message
                .as_ref()
                .and_then(|id| last.iter().find(|m| &m.id == id));
            project::room(r, lm)
        })
        .collect();
    if since.is_none() {
        return answer(update);
    }
    let now = Date(Timestamp::now().millis());
    let remove: Vec<_> = removed
        .into_iter()
        .map(|id| json!({"_id": id, "_deletedAt": now}))
        .collect();
    answer(json!({"update": update, "remove": remove}))
}

/// `getRoomRoles [rid]` → members holding room roles (like `channels.roles`).
pub async fn room_roles(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    let holders =
        s.rt.rooms()
            .roles_in_room(actor, &by_id(&room.id), kind_of(&room))
            .await?;
    let list: Vec<Value> = holders
        .into_iter()
        .map(|(sub, acc)| {
            json!({
                "_id": sub.id,
                "rid": sub.rid,
                "u": {"_id": acc.user.id, "username": acc.user.username, "name": acc.user.name},
                "roles": apogee_rooms::access::room_roles(Some(&sub)),
            })
        })
        .collect();
    answer(list)
}

/// A room by id or name and whether the caller may read it.
async fn lookup(s: &Session, actor: &AuthUser, id_or_name: &str) -> Result<Option<(Room, bool)>> {
    let Some(room) = s.rt.rooms().by_id_or_name(id_or_name).await? else {
        return Ok(None);
    };
    let ok = s.rt.rooms().can_view(actor, &room).await?;
    Ok(Some((room, ok)))
}

/// `getRoomIdByNameOrId [nameOrId]` → the room id.
pub async fn room_id_by_name_or_id(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    match lookup(s, actor, p.str(0)?).await? {
        None => Ok(Some(Value::Null)),
        Some((room, true)) => answer(room.id),
        Some((_, false)) => Err(Error::meteor("error-not-allowed", "Not allowed")),
    }
}

/// `getRoomNameById [rid]` → the room name.
pub async fn room_name_by_id(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    match s.rt.rooms().by_id(rid).await? {
        None => Err(Error::meteor("error-not-found", "Not found")),
        Some(room) if s.rt.rooms().can_view(actor, &room).await? => answer(room.name),
        Some(_) => Err(Error::meteor("error-not-allowed", "Not allowed")),
    }
}

/// `canAccessRoom [rid, userId]` → the room (with `username`) when that user may read it, else
/// `false`.
pub async fn can_access_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let uid = p.opt_str(1)?.unwrap_or(actor.id());
    let who = if uid == actor.id() {
        actor.clone()
    } else {
        let account =
            s.rt.users()
                .find(&UserSelector::Id(uid.to_owned()))
                .await?
                .ok_or_else(|| Error::meteor("error-invalid-user", "Invalid user"))?;
        AuthUser {
            account,
            token_hash: String::new(),
        }
    };
    let room =
        s.rt.rooms()
            .by_id(rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
    if !s.rt.rooms().can_view(&who, &room).await? {
        return Ok(Some(Value::Bool(false)));
    }
    let mut doc = serde_json::to_value(project::room(&room, None)).map_err(Error::internal)?;
    if let Some(o) = doc.as_object_mut() {
        o.insert("username".into(), json!(who.account.user.username));
    }
    Ok(Some(doc))
}

/// `joinRoom [rid, joinCode?]` → `true` (like `channels.join`).
pub async fn join_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let code = p.opt_str(1)?;
    s.rt.rooms().join(actor, &by_id(rid), code).await?;
    Ok(Some(Value::Bool(true)))
}

/// `leaveRoom [rid]` → nothing (like `rooms.leave`).
pub async fn leave_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    s.rt.rooms()
        .leave(actor, &by_id(&room.id), kind_of(&room))
        .await?;
    Ok(None)
}

/// `createDirectMessage [...usernames]` → `{_id, rid, t, usernames, inserted}` (like `im.create`).
pub async fn create_direct(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let usernames: Vec<String> = p
        .all()
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(match_failed))
        .collect::<Result<_>>()?;
    let (room, inserted) = s.rt.rooms().create_direct(actor, &usernames).await?;
    let names: Vec<String> = room
        .usernames
        .as_deref()
        .and_then(|u| serde_json::from_str(u).ok())
        .unwrap_or_default();
    answer(
        json!({"_id": room.id, "rid": room.id, "t": "d", "usernames": names, "inserted": inserted}),
    )
}

/// `stream-notify-room ["<rid>/user-activity", username, activities, extra?]` or the legacy
/// `["<rid>/typing", username, bool]`: relays typing to the room's other listeners in both forms
/// (never back to the sender). Other events are accepted silently.
pub async fn notify_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let event = p.str(0)?;
    let Some((rid, kind)) = event.rsplit_once('/') else {
        return Err(Error::meteor("error-not-allowed", "Not allowed"));
    };
    let typing = match kind {
        "user-activity" => match p.opt(2) {
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some("user-typing")),
            None => false,
            Some(_) => return Err(match_failed()),
        },
        "typing" => p.opt_bool(2)?.unwrap_or(false),
        _ => return Ok(None),
    };
    let username = p.str(1)?;
    s.rt.rooms().check_activity(actor, rid, username).await?;
    let extra = p.opt(3).cloned().unwrap_or_else(|| json!({}));
    let activity = if typing {
        json!(["user-typing"])
    } else {
        json!([])
    };
    let forms = [
        ("user-activity", json!([username, activity, extra])),
        ("typing", json!([username, typing])),
    ];
    for (name, args) in forms {
        let name = format!("{rid}/{name}");
        let f = frames::stream_event(Stream::NotifyRoom.name(), &name, &args.to_string());
        s.rt.hub()
            .deliver(&Key::new(Stream::NotifyRoom, &name), &f, Some(s.conn.id));
    }
    Ok(None)
}

/// `toggleFavorite [rid, favorite]` → nothing (like `rooms.favorite`).
pub async fn toggle_favorite(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let fav = p.opt_bool(1)?.ok_or_else(match_failed)?;
    s.rt.rooms().set_flag(actor, rid, Some(fav), None).await?;
    Ok(None)
}

/// `hideRoom [rid]` / `openRoom [rid]` → the number of subscriptions changed (like
/// `rooms.hide` / `rooms.open`).
pub async fn set_open(s: &Session, actor: &AuthUser, p: Params<'_>, open: bool) -> Answer {
    s.rt.rooms()
        .set_flag(actor, p.str(0)?, None, Some(open))
        .await?;
    Ok(Some(json!(1)))
}

/// `createChannel` / `createPrivateGroup [name, members, readOnly?, customFields?, extraData?]`
/// → the room with `rid` (like `channels.create` / `groups.create`).
pub async fn create(s: &Session, actor: &AuthUser, p: Params<'_>, kind: RoomKind) -> Answer {
    let name = p.str(0)?.to_owned();
    let members: Vec<String> = match p.opt(1) {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(match_failed))
            .collect::<Result<_>>()?,
        Some(_) => return Err(match_failed()),
    };
    let extra = p.opt(4).and_then(Value::as_object);
    let flag = |k: &str| extra.and_then(|e| e.get(k)).and_then(Value::as_bool);
    let room =
        s.rt.rooms()
            .create(
                actor,
                kind,
                apogee_rooms::CreateRoom {
                    name,
                    members,
                    read_only: p.opt_bool(2)?.unwrap_or(false),
                    custom_fields: p.opt(3).cloned(),
                    topic: extra
                        .and_then(|e| e.get("topic"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    broadcast: flag("broadcast").unwrap_or(false),
                    encrypted: flag("encrypted").unwrap_or(false),
                    ..apogee_rooms::CreateRoom::default()
                },
            )
            .await?;
    let mut doc = serde_json::to_value(project::room(&room, None)).map_err(Error::internal)?;
    if let Some(o) = doc.as_object_mut() {
        o.insert("rid".into(), json!(room.id));
        o.insert("inserted".into(), json!(true));
    }
    Ok(Some(doc))
}

/// `getUsersOfRoom [rid, showAll, {limit, skip}?, filter?]` → `{total, records}` (like
/// `channels.members`); without `showAll` only members who are not offline.
pub async fn users_of_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let show_all = p.opt_bool(1)?.unwrap_or(false);
    let opts = p.opt(2).and_then(Value::as_object);
    let num = |k: &str| opts.and_then(|o| o.get(k)).and_then(Value::as_u64);
    let (limit, skip) = (num("limit"), num("skip").unwrap_or(0));
    let filter = p.opt_str(3)?.unwrap_or_default().trim().to_lowercase();
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    let page = apogee_storage::Page {
        offset: 0,
        count: None,
        sort: Vec::new(),
    };
    let (members, _) =
        s.rt.rooms()
            .members(actor, &by_id(&room.id), kind_of(&room), &page)
            .await?;
    let kept: Vec<Value> = members
        .into_iter()
        .filter(|a| show_all || a.user.status != "offline")
        .filter(|a| {
            filter.is_empty()
                || a.user.username.to_lowercase().contains(&filter)
                || a.user.name.to_lowercase().contains(&filter)
        })
        .map(|a| {
            let u = a.user;
            json!({"_id": u.id, "username": u.username, "name": u.name, "status": u.status,
                   "statusText": u.status_text, "utcOffset": u.utc_offset, "roles": a.roles})
        })
        .collect();
    let total = kept.len();
    let records = apogee_storage::Page::slice(skip, limit, kept);
    answer(json!({"total": total, "records": records}))
}

/// `unreadMessages [firstUnreadMessage {_id}?, rid?]` → nothing (like `subscriptions.unread`).
pub async fn unread_messages(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let first = match p.opt(0) {
        None => None,
        Some(Value::Object(o)) => Some(super::required(o, "_id")?),
        Some(_) => return Err(match_failed()),
    };
    match (first, p.opt_str(1)?) {
        (Some(mid), _) => s.rt.rooms().mark_unread_from(actor, mid).await?,
        (None, Some(rid)) => s.rt.rooms().mark_room_unread(actor, rid).await?,
        (None, None) => return Err(match_failed()),
    }
    Ok(None)
}

/// `getRoomByTypeAndName [t, name]` → the room (like `channels.info` / `groups.info`).
pub async fn room_by_type_and_name(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let kind = match p.str(0)? {
        "c" => RoomKind::Channel,
        "p" => RoomKind::Group,
        "d" => RoomKind::Direct,
        _ => return Err(Error::meteor("error-invalid-room", "Invalid room")),
    };
    let r = RoomRef {
        id: None,
        name: Some(p.str(1)?.to_owned()),
    };
    let room = s.rt.rooms().info(actor, &r, kind).await?;
    let last =
        s.rt.messages()
            .last_messages(std::slice::from_ref(&room))
            .await?;
    answer(project::room(&room, last.first()))
}

/// One `saveRoomSettings` key as a room change.
fn room_change(key: &str, v: &Value) -> Result<RoomChange> {
    let text = || v.as_str().map(str::to_owned).ok_or_else(match_failed);
    let flag = || v.as_bool().ok_or_else(match_failed);
    Ok(match key {
        "roomName" => RoomChange::Name(text()?),
        "roomTopic" => RoomChange::Topic(text()?),
        "roomDescription" => RoomChange::Description(text()?),
        "roomAnnouncement" => RoomChange::Announcement(text()?),
        "roomType" => RoomChange::Type(text()?),
        "readOnly" => RoomChange::ReadOnly(flag()?),
        "default" => RoomChange::Default(flag()?),
        "joinCode" => RoomChange::JoinCode(text()?),
        "encrypted" => RoomChange::Encrypted(flag()?),
        "roomCustomFields" => RoomChange::CustomFields(v.clone()),
        _ => {
            return Err(Error::meteor(
                "error-invalid-settings",
                "Invalid settings provided",
            ));
        }
    })
}

/// `saveRoomSettings [rid, setting, value]` or `[rid, {setting: value, ...}]` → `{result, rid}`:
/// each change through the same function as `channels.setTopic`, `channels.rename`, ...
pub async fn save_room_settings(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let changes: Vec<RoomChange> = match p.opt(1) {
        Some(Value::String(k)) => vec![room_change(k, p.opt(2).unwrap_or(&Value::Null))?],
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| room_change(k, v))
            .collect::<Result<_>>()?,
        _ => return Err(match_failed()),
    };
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    let kind = kind_of(&room);
    for c in changes {
        s.rt.rooms().change(actor, &by_id(rid), kind, c).await?;
    }
    answer(json!({"result": true, "rid": rid}))
}

/// `addUsersToRoom [{rid, users: [username]}]` → `true` (like `channels.invite` for each).
pub async fn add_users(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let rid = super::required(o, "rid")?;
    let users: Vec<&str> = o
        .get("users")
        .and_then(Value::as_array)
        .ok_or_else(match_failed)?
        .iter()
        .map(|u| u.as_str().ok_or_else(match_failed))
        .collect::<Result<_>>()?;
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    let kind = kind_of(&room);
    for u in users {
        let who = UserSelector::Username(u.trim_start_matches('@').to_owned());
        s.rt.rooms().invite(actor, &by_id(rid), kind, &who).await?;
    }
    Ok(Some(Value::Bool(true)))
}

/// `muteUserInRoom` / `unmuteUserInRoom [{rid, username}]` → `true` (like `rooms.muteUser`).
pub async fn mute(s: &Session, actor: &AuthUser, p: Params<'_>, mute: bool) -> Answer {
    let o = p.obj(0)?;
    let rid = super::required(o, "rid")?;
    let who = UserSelector::Username(super::required(o, "username")?.to_owned());
    s.rt.rooms().set_muted(actor, rid, &who, mute).await?;
    Ok(Some(Value::Bool(true)))
}

/// `eraseRoom [rid]` → `true` (like `channels.delete` / `groups.delete`).
pub async fn erase_room(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let room = s.rt.rooms().any_room(actor, &by_id(rid)).await?;
    s.rt.rooms()
        .delete_room(actor, &by_id(rid), kind_of(&room))
        .await?;
    Ok(Some(Value::Bool(true)))
}

/// `saveNotificationSettings [rid, field, value]` → `true` (like `rooms.saveNotification`).
pub async fn save_notification(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let field = p.str(1)?;
    let value = p.opt(2).ok_or_else(match_failed)?;
    s.rt.rooms()
        .save_notifications(actor, rid, &[(field.to_owned(), value.clone())])
        .await?;
    Ok(Some(Value::Bool(true)))
}

/// `blockUser` / `unblockUser [{rid, blocked}]` → `true`: blocking in a direct message.
pub async fn block(s: &Session, actor: &AuthUser, p: Params<'_>, block: bool) -> Answer {
    let o = p.obj(0)?;
    let rid = super::required(o, "rid")?;
    let blocked = super::required(o, "blocked")?;
    s.rt.rooms().set_blocked(actor, rid, blocked, block).await?;
    Ok(Some(Value::Bool(true)))
}
