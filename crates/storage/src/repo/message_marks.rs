//! Message-related writes that keep Rocket.Chat's derived state without touching every member:
//! group mention counts, edit history copies, the deleted-message trash, a room's `unmuted`.

use crate::entity::{message, message_trash, room, subscription};
use crate::errors::db_err;
use crate::{Db, Message};
use apogee_core::{Error, Result};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

/// Counts a group mention (`@all`/`@here`) in a room: the room's count goes up, and so does the
/// sender's mark, so the sender's own mention is not theirs to read. Two rows, whatever the room's size.
pub async fn count_group_mention(db: &Db, rid: &str, sender_id: &str) -> Result<()> {
    let txn = super::begin_write(db).await?;
    room::Entity::update_many()
        .col_expr(
            room::Column::GroupMentions,
            Expr::col(room::Column::GroupMentions).add(1),
        )
        .filter(room::Column::Id.eq(rid))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::GroupMark,
            Expr::col(subscription::Column::GroupMark).add(1),
        )
        .filter(subscription::Column::UserId.eq(sender_id))
        .filter(subscription::Column::Rid.eq(rid))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)
}

/// Stores a hidden copy of a message (edit history): a new id, the room's counters untouched. The
/// copy's `seq` is negative (sequence numbers are unique per room, and copies are not messages
/// of the room's sequence).
pub async fn insert_copy(db: &Db, mut m: Message) -> Result<Message> {
    m.hidden = true;
    m.seq = -Ord::max(m.updated_at, 1);
    for _ in 0..8 {
        match message::Entity::insert(m.clone().into_active_model())
            .exec(db.write())
            .await
            .map_err(db_err)
        {
            Ok(_) => return Ok(m),
            Err(Error::Meteor { code, .. }) if code == "error-duplicate-key" => {
                m.seq -= 1;
                m.id = apogee_core::random_id();
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::internal(
        "could not store the message's history copy",
    ))
}

/// A message's columns as JSON (the trash keeps deleted messages so).
fn doc_of(m: &Message) -> Value {
    json!({
        "id": m.id, "rid": m.rid, "seq": m.seq, "ts": m.ts, "updated_at": m.updated_at,
        "u_id": m.u_id, "u_username": m.u_username, "u_name": m.u_name, "msg": m.msg,
        "t": m.t, "tmid": m.tmid, "pinned": m.pinned, "hidden": m.hidden, "data": m.data,
    })
}

/// The message a trash document holds.
fn message_of(doc: &str) -> Option<Message> {
    let v: Value = serde_json::from_str(doc).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let i = |k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
    Some(Message {
        id: s("id")?,
        rid: s("rid")?,
        seq: i("seq"),
        ts: i("ts"),
        updated_at: i("updated_at"),
        u_id: s("u_id").unwrap_or_default(),
        u_username: s("u_username").unwrap_or_default(),
        u_name: s("u_name"),
        msg: s("msg").unwrap_or_default(),
        t: s("t"),
        tmid: s("tmid"),
        pinned: v.get("pinned").and_then(Value::as_bool).unwrap_or(false),
        hidden: v.get("hidden").and_then(Value::as_bool).unwrap_or(false),
        data: s("data").unwrap_or_else(|| "{}".into()),
    })
}

/// Keeps a copy of a deleted message (in the caller's transaction), replacing an older copy of
/// the same id.
pub(crate) async fn trash<C: ConnectionTrait>(conn: &C, m: &Message, now: i64) -> Result<()> {
    let thread_root = serde_json::from_str::<Value>(&m.data)
        .ok()
        .is_some_and(|d| d.get("tcount").is_some());
    message_trash::Entity::delete_by_id(m.id.clone())
        .exec(conn)
        .await
        .map_err(db_err)?;
    message_trash::Entity::insert(message_trash::ActiveModel {
        id: sea_orm::Set(m.id.clone()),
        rid: sea_orm::Set(m.rid.clone()),
        tmid: sea_orm::Set(m.tmid.clone()),
        thread_root: sea_orm::Set(thread_root),
        doc: sea_orm::Set(doc_of(m).to_string()),
        deleted_at: sea_orm::Set(now),
    })
    .exec(conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Which deleted messages [`trashed_since`] reads.
#[derive(Debug, Clone, Copy)]
pub enum TrashScope<'a> {
    /// A thread's replies.
    Thread(&'a str),
    /// A room's thread roots.
    ThreadRoots(&'a str),
}

/// Messages deleted after a time, oldest deletion first, with their deletion times.
pub async fn trashed_since(
    db: &Db,
    scope: TrashScope<'_>,
    since: i64,
) -> Result<Vec<(Message, i64)>> {
    let mut q = message_trash::Entity::find().filter(message_trash::Column::DeletedAt.gt(since));
    q = match scope {
        TrashScope::Thread(tmid) => q.filter(message_trash::Column::Tmid.eq(tmid)),
        TrashScope::ThreadRoots(rid) => q
            .filter(message_trash::Column::Rid.eq(rid))
            .filter(message_trash::Column::ThreadRoot.eq(true)),
    };
    Ok(q.order_by_asc(message_trash::Column::DeletedAt)
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .filter_map(|t| message_of(&t.doc).map(|m| (m, t.deleted_at)))
        .collect())
}

/// Writes a room's `muted` and `unmuted` lists (JSON arrays of usernames) and nothing else.
pub async fn set_mutes(db: &Db, rid: &str, muted: &str, unmuted: &str, now: i64) -> Result<()> {
    room::Entity::update_many()
        .col_expr(room::Column::Muted, Expr::value(muted.to_owned()))
        .col_expr(room::Column::Unmuted, Expr::value(unmuted.to_owned()))
        .col_expr(room::Column::UpdatedAt, Expr::value(now))
        .filter(room::Column::Id.eq(rid))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}
