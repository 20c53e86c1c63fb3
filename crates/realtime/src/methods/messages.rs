//! Message methods: `sendMessage`, `updateMessage`, `deleteMessage`, `getSingleMessage`,
//! `loadHistory`, `setReaction`.

use super::{Answer, Params, answer, field, required};
use crate::ejson::parse_date;
use crate::errors::match_failed;
use crate::project;
use crate::session::Session;
use apogee_core::Error;
use apogee_messages::{NewMessage, SendMode};
use apogee_rooms::RoomRef;
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
