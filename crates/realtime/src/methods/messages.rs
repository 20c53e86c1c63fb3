//! Message methods: `sendMessage`, `updateMessage`, `deleteMessage`, `getSingleMessage`,
//! `loadHistory`, `loadNextMessages`, `loadSurroundingMessages`, `loadMissedMessages`,
//! `getThreadMessages`, `setReaction`, pins, stars, follows, `slashCommand`, `cleanRoomHistory`.

use super::{Answer, Params, answer, field, required};
use crate::ejson::parse_date;
use crate::errors::match_failed;
use crate::project;
use crate::session::Session;
use apogee_core::{Error, Result, Timestamp};
use apogee_messages::{NewMessage, SendMode};
use apogee_rooms::RoomRef;
use apogee_storage::Room;
use apogee_users::AuthUser;
use serde_json::{Value, json};

/// `sendMessage [{_id?, rid, msg, tmid?, tshow?, alias?, emoji?, avatar?, attachments?, bot?,
/// customFields?}]` → the stored message (like `chat.sendMessage`).
pub async fn send(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let m = p.obj(0)?;
    let opt = |k: &str| field(m, k).map(|v| v.map(str::to_owned));
    let n = NewMessage {
        id: opt("_id")?,
        rid: required(m, "rid")?.to_owned(),
        msg: opt("msg")?.unwrap_or_default(),
        tmid: opt("tmid")?,
        tshow: m.get("tshow").and_then(Value::as_bool).unwrap_or(false),
        alias: opt("alias")?,
        emoji: opt("emoji")?,
        avatar: opt("avatar")?,
        attachments: m.get("attachments").filter(|v| !v.is_null()).cloned(),
        bot: m.get("bot").filter(|v| !v.is_null()).cloned(),
        custom_fields: m.get("customFields").filter(|v| !v.is_null()).cloned(),
    };
    let sent = s.rt.messages().send(actor, n, SendMode::Send).await?;
    answer(project::message(&sent))
}

/// `updateMessage [{_id, rid, msg}]` → nothing (like `chat.update`).
pub async fn update(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let m = p.obj(0)?;
    let id = required(m, "_id")?;
    let text = required(m, "msg")?;
    let rid = match field(m, "rid")? {
        Some(rid) => rid.to_owned(),
        None => s.rt.messages().get(actor, id).await?.rid,
    };
    s.rt.messages().update(actor, &rid, id, text).await?;
    Ok(None)
}

/// `deleteMessage [{_id}]` → nothing (like `chat.delete`).
pub async fn delete(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let id = required(p.obj(0)?, "_id")?;
    let m = s.rt.messages().get(actor, id).await?;
    s.rt.messages().delete(actor, &m.rid, id).await?;
    Ok(None)
}

/// `getSingleMessage [mid]` → the message (like `chat.getMessage`).
pub async fn get_single(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let m = s.rt.messages().get(actor, p.str(0)?).await?;
    answer(project::message(&m))
}

/// `loadHistory [rid, end, limit = 20, ls, showThreadMessages]` → `{messages}` newest first, or
/// `false` when the caller may not read the room.
pub async fn load_history(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let end = match p.opt(1) {
        None => None,
        Some(v) => Some(parse_date(v).ok_or_else(match_failed)?),
    };
    let limit = match p.opt(2) {
        None => 20,
        Some(v) => v.as_u64().ok_or_else(match_failed)?,
    };
    let room =
        s.rt.rooms()
            .any_room(
                actor,
                &RoomRef {
                    id: Some(rid.to_owned()),
                    name: None,
                },
            )
            .await;
    let room = match room {
        Ok(r) => r,
        Err(Error::Meteor { .. }) => return Ok(Some(Value::Bool(false))),
        Err(e) => return Err(e),
    };
    let list =
        s.rt.messages()
            .history_of(&room, end, None, false, 0, Some(limit))
            .await?;
    let docs: Vec<_> = list.iter().map(project::message).collect();
    answer(json!({ "messages": docs }))
}

/// `setReaction [emoji, messageId, shouldReact?]` → nothing (like `chat.react`).
pub async fn set_reaction(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let emoji = p.str(0)?;
    let mid = p.str(1)?;
    let should = p.opt_bool(2)?;
    s.rt.messages().react(actor, mid, emoji, should).await?;
    Ok(None)
}

/// The message id of `[{_id}]` or `[{mid}]` parameters.
fn message_id<'a>(p: Params<'a>, key: &str) -> apogee_core::Result<&'a str> {
    required(p.obj(0)?, key)
}

/// `pinMessage [{_id}]` → the `message_pinned` system message; `unpinMessage [{_id}]` → nothing
/// (like `chat.pinMessage` / `chat.unPinMessage`).
pub async fn pin(s: &Session, actor: &AuthUser, p: Params<'_>, pin: bool) -> Answer {
    let notice =
        s.rt.messages()
            .pin(actor, message_id(p, "_id")?, pin)
            .await?;
    match notice {
        Some(m) if pin => answer(project::message(&m)),
        _ => Ok(None),
    }
}

/// `starMessage [{_id, rid, starred}]` → nothing (like `chat.starMessage`).
pub async fn star(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let starred = match o.get("starred") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(match_failed()),
    };
    s.rt.messages()
        .star(actor, required(o, "_id")?, starred)
        .await?;
    Ok(None)
}

/// `followMessage [{mid}]` / `unfollowMessage [{mid}]` → nothing.
pub async fn follow(s: &Session, actor: &AuthUser, p: Params<'_>, follow: bool) -> Answer {
    s.rt.messages()
        .follow(actor, message_id(p, "mid")?, follow)
        .await?;
    Ok(None)
}

/// `loadMissedMessages [rid, since]` → the messages sent after `since`, newest first.
pub async fn load_missed(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let since = parse_date(p.opt(1).ok_or_else(match_failed)?).ok_or_else(match_failed)?;
    let room =
        s.rt.rooms()
            .any_room(
                actor,
                &RoomRef {
                    id: Some(rid.to_owned()),
                    name: None,
                },
            )
            .await?;
    let list =
        s.rt.messages()
            .history_of(&room, None, Some(since), false, 0, None)
            .await?;
    answer(list.iter().map(project::message).collect::<Vec<_>>())
}

/// The room a history method reads, or `None` when the caller may not read it.
async fn readable_room(s: &Session, actor: &AuthUser, rid: &str) -> Result<Option<Room>> {
    let r = RoomRef {
        id: Some(rid.to_owned()),
        name: None,
    };
    match s.rt.rooms().any_room(actor, &r).await {
        Ok(room) => Ok(Some(room)),
        Err(Error::Meteor { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// An optional non-negative count parameter.
fn count(p: Params<'_>, i: usize, default: u64) -> Result<u64> {
    match p.opt(i) {
        None => Ok(default),
        Some(v) => v.as_u64().ok_or_else(match_failed),
    }
}

/// `loadNextMessages [rid, end?, limit = 20]` → `{messages}`: the messages after `end` (from the
/// room's start without it), oldest first; `false` when the caller may not read the room.
pub async fn load_next(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let rid = p.str(0)?;
    let end = match p.opt(1) {
        None => None,
        Some(v) => Some(parse_date(v).ok_or_else(match_failed)?),
    };
    let limit = count(p, 2, 20)?;
    let Some(room) = readable_room(s, actor, rid).await? else {
        return Ok(Some(Value::Bool(false)));
    };
    let list = s.rt.messages().newer_of(&room, end, limit).await?;
    let docs: Vec<_> = list.iter().map(project::message).collect();
    answer(json!({ "messages": docs }))
}

/// `loadSurroundingMessages [{_id, rid}, limit = 50]` → `{messages, moreBefore, moreAfter}`:
/// half the limit of older messages (newest first, as Rocket.Chat returns them), the message,
/// then half the limit of newer ones (oldest first); `false` when the message cannot be read.
pub async fn load_surrounding(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let id = required(p.obj(0)?, "_id")?;
    let limit = count(p, 1, 50)?;
    let m = match s.rt.messages().get(actor, id).await {
        Ok(m) => m,
        Err(Error::Meteor { .. }) => return Ok(Some(Value::Bool(false))),
        Err(e) => return Err(e),
    };
    let Some(room) = readable_room(s, actor, &m.rid).await? else {
        return Ok(Some(Value::Bool(false)));
    };
    let half = limit.div_ceil(2);
    let ts = Timestamp(m.ts);
    let before =
        s.rt.messages()
            .history_of(&room, Some(ts), None, false, 0, Some(half))
            .await?;
    let after = s.rt.messages().newer_of(&room, Some(ts), half).await?;
    let more_before = before.len() as u64 == half;
    let more_after = after.len() as u64 == half;
    let docs: Vec<_> = before
        .iter()
        .chain(std::iter::once(&m))
        .chain(after.iter())
        .map(project::message)
        .collect();
    answer(json!({"messages": docs, "moreBefore": more_before, "moreAfter": more_after}))
}

/// `getThreadMessages [{tmid, limit?, skip?}]` → the thread's replies (like `chat.getThreadMessages`).
pub async fn thread_messages(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let tmid = required(o, "tmid")?;
    let num = |k: &str| match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(match_failed),
    };
    let (limit, skip) = (num("limit")?, num("skip")?.unwrap_or(0));
    let (list, _) = s.rt.messages().thread(actor, tmid, skip, limit).await?;
    answer(list.iter().map(project::message).collect::<Vec<_>>())
}

/// `slashCommand [{cmd, params, msg: {rid, tmid?}}]` → nothing (like `commands.run`).
pub async fn slash_command(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let cmd = required(o, "cmd")?;
    let params = field(o, "params")?.unwrap_or_default();
    let msg = o
        .get("msg")
        .and_then(Value::as_object)
        .ok_or_else(match_failed)?;
    let rid = required(msg, "rid")?;
    let tmid = field(msg, "tmid")?.map(str::to_owned);
    s.rt.messages()
        .run_command(actor, cmd, params, rid, tmid)
        .await?;
    Ok(None)
}

/// `cleanRoomHistory [{roomId, latest, oldest, inclusive?, limit?, excludePinned?, filesOnly?,
/// ignoreThreads?, ignoreDiscussion?, fromUsers?}]` → the number of removed messages (like
/// `rooms.cleanHistory`).
pub async fn clean_history(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let rid = required(o, "roomId")?;
    let date = |k: &str| o.get(k).and_then(parse_date).ok_or_else(match_failed);
    let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    let users: Vec<String> = o
        .get("fromUsers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let c = apogee_messages::CleanHistory {
        latest: date("latest")?,
        oldest: date("oldest")?,
        inclusive: flag("inclusive"),
        exclude_pinned: flag("excludePinned"),
        files_only: flag("filesOnly"),
        ignore_threads: flag("ignoreThreads"),
        ignore_discussion: o
            .get("ignoreDiscussion")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        users,
        limit: o.get("limit").and_then(Value::as_u64).unwrap_or(0),
    };
    let Some(room) = readable_room(s, actor, rid).await? else {
        return Err(Error::meteor("error-invalid-room", "Invalid room"));
    };
    let n = s.rt.messages().clean_history(actor, &room, &c).await?;
    answer(n)
}
