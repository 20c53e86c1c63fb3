//! Messages: posting (atomically with the room's counters) and reading history.

use crate::entity::{message, room};
use crate::errors::db_err;
use crate::{Db, Message};
use apogee_core::Result;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Posts a message: takes the room's next sequence number, bumps `msgs`, `lm`, the last message
/// and `updated_at`, and inserts the message, in one transaction. Returns the stored message.
///
/// The sequence is taken by an UPDATE first, so on PostgreSQL concurrent posts to one room queue on
/// its row lock instead of racing for the same number; SQLite has one writer anyway.
pub async fn post(db: &Db, m: Message) -> Result<Message> {
    post_as_reader(db, m, false).await
}

/// [`post`], and when `mark_read` also moves the author's read mark to the new message in the same
/// transaction (the author has read what they wrote). Concurrent posts share a transaction and its
/// fsync (group commit, see `group_commit`); each caller still gets its own outcome.
pub async fn post_as_reader(db: &Db, m: Message, mark_read: bool) -> Result<Message> {
    db.poster().post(m, mark_read, None).await
}

/// [`post_as_reader`], running `on_commit` with the stored message as soon as it is committed
/// and visible to readers, before the log flush that makes it durable (and this call return) is
/// over. For announcing a new message without adding the flush to its delivery time; the hook
/// runs on the writer, so it must be quick (a bus publish).
pub async fn post_announced(
    db: &Db,
    m: Message,
    mark_read: bool,
    on_commit: impl FnOnce(&Message) + Send + Sync + 'static,
) -> Result<Message> {
    db.poster()
        .post(m, mark_read, Some(Box::new(on_commit)))
        .await
}

/// The message with this id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Message>> {
    if let Some(d) = db.direct() {
        use rusqlite::OptionalExtension;
        return d.read(|c| {
            c.prepare_cached(concat!(
                "SELECT ",
                crate::direct::message_columns!(),
                " FROM messages WHERE id = ?1"
            ))?
            .query_row([id], crate::direct::message)
            .optional()
        });
    }
    message::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Messages with these ids.
pub async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    message::Entity::find()
        .filter(message::Column::Id.is_in(ids.iter().cloned()))
        .all(db.read())
        .await
        .map_err(db_err)
}

/// A window of a room's history, newest first: messages with `oldest < ts < latest` (`<=` both
/// when `inclusive`), skipping `offset`, at most `count`. Reads the `(rid, ts)` index only.
pub async fn history(
    db: &Db,
    rid: &str,
    latest: Option<i64>,
    oldest: Option<i64>,
    inclusive: bool,
    offset: u64,
    count: Option<u64>,
) -> Result<Vec<Message>> {
    if let Some(d) = db.direct() {
        return history_direct(d, rid, latest, oldest, inclusive, offset, count);
    }
    let mut q = message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false));
    if let Some(l) = latest {
        q = q.filter(if inclusive {
            message::Column::Ts.lte(l)
        } else {
            message::Column::Ts.lt(l)
        });
    }
    if let Some(o) = oldest {
        q = q.filter(if inclusive {
            message::Column::Ts.gte(o)
        } else {
            message::Column::Ts.gt(o)
        });
    }
    q.order_by_desc(message::Column::Ts)
        .order_by_desc(message::Column::Seq)
        .offset(offset)
        .limit(super::limit_of(count))
        .all(db.read())
        .await
        .map_err(db_err)
}

/// [`history`] on SQLite's direct path: one prepared statement per combination of bounds (an
/// unused `?2`/`?3` is bound but not read).
fn history_direct(
    d: &crate::direct::Direct,
    rid: &str,
    latest: Option<i64>,
    oldest: Option<i64>,
    inclusive: bool,
    offset: u64,
    count: Option<u64>,
) -> Result<Vec<Message>> {
    use crate::direct::{message, message_columns};
    macro_rules! select {
        ($bounds:expr) => {
            concat!(
                "SELECT ",
                message_columns!(),
                " FROM messages WHERE rid = ?1 AND hidden = 0",
                $bounds,
                " ORDER BY ts DESC, seq DESC LIMIT ?4 OFFSET ?5"
            )
        };
    }
    let sql = match (latest.is_some(), oldest.is_some(), inclusive) {
        (false, false, _) => select!(""),
        (true, false, false) => select!(" AND ts < ?2"),
        (true, false, true) => select!(" AND ts <= ?2"),
        (false, true, false) => select!(" AND ts > ?3"),
        (false, true, true) => select!(" AND ts >= ?3"),
        (true, true, false) => select!(" AND ts < ?2 AND ts > ?3"),
        (true, true, true) => select!(" AND ts <= ?2 AND ts >= ?3"),
    };
    let limit = i64::try_from(super::limit_of(count)).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    d.read(|c| {
        c.prepare_cached(sql)?
            .query_map(
                rusqlite::params![rid, latest, oldest, limit, offset],
                message,
            )?
            .collect()
    })
}

/// Writes the columns of a message that differ between `before` (as it was read) and `after`,
/// provided nobody changed the message in between (same `updatedAt`, text and data); `None`
/// when somebody did: the caller reads it again and redoes its change. Reactions, pins, stars,
/// thread replies and edits all rewrite the message's `data`, so a plain write of one would undo
/// a concurrent other.
pub async fn update_if_unchanged(
    db: &Db,
    before: &Message,
    after: Message,
) -> Result<Option<Message>> {
    let Some(am) = super::changes(before, &after) else {
        return Ok(Some(after));
    };
    let done = message::Entity::update_many()
        .set(am)
        .filter(message::Column::Id.eq(&before.id))
        .filter(message::Column::UpdatedAt.eq(before.updated_at))
        .filter(message::Column::Msg.eq(&before.msg))
        .filter(message::Column::Data.eq(&before.data))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok((done.rows_affected > 0).then_some(after))
}

/// Removes a message: deleted outright, or only hidden when `keep` (history kept). Either way the
/// room counts one message less and the id is recorded for `chat.getDeletedMessages`.
pub async fn remove(db: &Db, m: &Message, keep: bool, now: i64) -> Result<()> {
    use crate::entity::trash;
    let txn = super::begin_write(db).await?;
    if keep {
        message::Entity::update_many()
            .col_expr(message::Column::Hidden, Expr::value(true))
            .col_expr(message::Column::UpdatedAt, Expr::value(now))
            .filter(message::Column::Id.eq(m.id.clone()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
    } else {
        message::Entity::delete_by_id(m.id.clone())
            .exec(&txn)
            .await
            .map_err(db_err)?;
    }
    room::Entity::update_many()
        .col_expr(room::Column::Msgs, Expr::col(room::Column::Msgs).sub(1))
        .col_expr(room::Column::UpdatedAt, Expr::value(now))
        .filter(room::Column::Id.eq(m.rid.clone()))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    super::message_marks::trash(&txn, m, now).await?;
    trash::Entity::delete_by_id(("messages".to_owned(), m.id.clone()))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    trash::Entity::insert(trash::ActiveModel {
        collection: sea_orm::Set("messages".to_owned()),
        id: sea_orm::Set(format!("{}/{}", m.rid, m.id)),
        deleted_at: sea_orm::Set(now),
    })
    .exec(&txn)
    .await
    .map_err(db_err)?;
    txn.commit().await.map_err(db_err)
}

/// A page of a room's pinned messages, newest first, with the total.
pub async fn pinned(
    db: &Db,
    rid: &str,
    offset: u64,
    count: Option<u64>,
) -> Result<(Vec<Message>, u64)> {
    use sea_orm::PaginatorTrait;
    let base = message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Pinned.eq(true))
        .filter(message::Column::Hidden.eq(false));
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let rows = base
        .order_by_desc(message::Column::Ts)
        .offset(offset)
        .limit(super::limit_of(count))
        .all(db.read())
        .await
        .map_err(db_err)?;
    Ok((rows, total))
}

/// A room's messages that carry a star (stars live in `data`), newest first.
pub async fn with_stars(db: &Db, rid: &str) -> Result<Vec<Message>> {
    use sea_orm::sea_query::LikeExpr;
    message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false))
        .filter(message::Column::Data.like(LikeExpr::new("%\"starred\"%")))
        .order_by_desc(message::Column::Ts)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Replies of a thread, oldest first, with the total.
pub async fn thread(
    db: &Db,
    tmid: &str,
    offset: u64,
    count: Option<u64>,
) -> Result<(Vec<Message>, u64)> {
    use sea_orm::PaginatorTrait;
    let base = message::Entity::find()
        .filter(message::Column::Tmid.eq(tmid))
        .filter(message::Column::Hidden.eq(false));
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let rows = base
        .order_by_asc(message::Column::Ts)
        .offset(offset)
        .limit(super::limit_of(count))
        .all(db.read())
        .await
        .map_err(db_err)?;
    Ok((rows, total))
}

/// Ids of the thread roots of a room (messages that have replies).
pub async fn thread_roots(db: &Db, rid: &str) -> Result<Vec<String>> {
    let ids: Vec<Option<String>> = message::Entity::find()
        .select_only()
        .column(message::Column::Tmid)
        .distinct()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Tmid.is_not_null())
        .into_tuple()
        .all(db.read())
        .await
        .map_err(db_err)?;
    Ok(ids.into_iter().flatten().collect())
}

/// A room's messages that contain every word of `text` (whole words, case-insensitive, like
/// Rocket.Chat's default `$text` search), newest first. Reads the full-text index (migration 000004), never the room's whole history.
pub async fn search(
    db: &Db,
    rid: &str,
    text: &str,
    offset: u64,
    count: Option<u64>,
) -> Result<Vec<Message>> {
    use sea_orm::{DatabaseBackend, Statement};
    let words = search_words(text);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let limit = super::limit_of(count);
    let stmt = match db.backend() {
        crate::Backend::Sqlite => return search_sqlite(db, rid, &words, offset, limit).await,
        crate::Backend::Postgres => {
            let query = words
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" & ");
            // `ts + 0` keeps the planner off the (rid, ts) index: walking it newest-first and
            // computing to_tsvector per row looks cheap to it, and took 15 s per search for a
            // word in none of 100k messages. The text index finds the matches; they are sorted.
            Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT * FROM messages WHERE rid = $1 AND hidden = false AND t IS NULL \
                 AND to_tsvector('simple', msg) @@ to_tsquery('simple', $2) \
                 ORDER BY ts + 0 DESC LIMIT $3 OFFSET $4",
                [
                    rid.into(),
                    query.into(),
                    (limit as i64).into(),
                    (offset as i64).into(),
                ],
            )
        }
    };
    message::Entity::find()
        .from_raw_sql(stmt)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// [`search`] on SQLite: the newest messages, not yet in the full-text index (see
/// `search_index`), are matched here; the index answers for everything at or below its watermark.
/// Both parts use the same watermark, so a message is found exactly once, whenever the indexer
/// runs.
async fn search_sqlite(
    db: &Db,
    rid: &str,
    words: &[String],
    offset: u64,
    limit: u64,
) -> Result<Vec<Message>> {
    use sea_orm::{DatabaseBackend, Statement};
    let w = crate::search_index::watermark(db).await?;
    // `+rid` keeps the room's indexes out of the plan: the tail is a short rowid range, while a
    // room index would walk every message of the room (seconds on a 1M-message room).
    let recent: Vec<Message> = message::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "SELECT * FROM messages WHERE rowid > ? AND +rid = ? AND hidden = 0 AND t IS NULL \
             ORDER BY rowid DESC",
            [w.into(), rid.into()],
        ))
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .filter(|m| has_words(&m.msg, words))
        .collect();
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let want = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out: Vec<Message> = recent.iter().skip(skip).take(want).cloned().collect();
    if out.len() >= want {
        return Ok(out);
    }
    // Each word quoted, so no FTS5 syntax survives. Whole words, not prefixes: a prefix merges
    // the doclists of every matching term before the newest match can be found (measured: 655 ms
    // against 1M messages, where a whole word takes milliseconds).
    let query = words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ");
    let fts_offset = offset.saturating_sub(recent.len() as u64);
    let fts_limit = (want - out.len()) as u64;
    // CROSS JOIN pins the join order: the index drives, newest match first, and the room filter
    // is checked per match. The other order (every message of the room, each probed against
    // MATCH) is what the planner picked on a 1M-message room.
    let indexed = message::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "SELECT m.* FROM messages_fts f CROSS JOIN messages m ON m.rowid = f.rowid \
             WHERE messages_fts MATCH ? AND f.rowid <= ? AND m.rid = ? AND m.hidden = 0 \
             AND m.t IS NULL ORDER BY f.rowid DESC LIMIT ? OFFSET ?",
            [
                query.into(),
                w.into(),
                rid.into(),
                i64::try_from(fts_limit).unwrap_or(i64::MAX).into(),
                i64::try_from(fts_offset).unwrap_or(i64::MAX).into(),
            ],
        ))
        .all(db.read())
        .await
        .map_err(db_err)?;
    out.extend(indexed);
    Ok(out)
}

/// Whether a text holds every word (as [`search_words`] splits and folds them, which is what
/// FTS5's default tokenizer does, diacritics aside).
fn has_words(text: &str, words: &[String]) -> bool {
    let mine: std::collections::HashSet<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.iter().all(|w| mine.contains(w))
}

/// The words of a search text, lower-cased: runs of letters and digits (what both full-text
/// tokenizers index), so no query syntax can reach the database.
fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect()
}

/// A room's messages changed after a time (sync), oldest change first.
pub async fn changed_since(db: &Db, rid: &str, since: i64) -> Result<Vec<Message>> {
    message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::UpdatedAt.gt(since))
        .filter(message::Column::Hidden.eq(false))
        .order_by_asc(message::Column::UpdatedAt)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// `(message id, deletion time)` of a room's messages deleted after a time.
pub async fn deleted_since(db: &Db, rid: &str, since: i64) -> Result<Vec<(String, i64)>> {
    let prefix = format!("{rid}/");
    Ok(super::trash::since(db, "messages", since)
        .await?
        .into_iter()
        .filter_map(|(id, at)| id.strip_prefix(&prefix).map(|m| (m.to_owned(), at)))
        .collect())
}

/// A `LIKE` pattern matching `needle` literally anywhere in a column (case kept).
fn literal_contains(needle: &str) -> sea_orm::sea_query::LikeExpr {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '!' | '%' | '_') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    sea_orm::sea_query::LikeExpr::new(p).escape('!')
}

/// A room's visible messages whose optional fields mention `needle` (a quoted id or key),
/// newest first. Callers check the parsed field: this only narrows the scan.
pub async fn data_containing(db: &Db, rid: &str, needle: &str) -> Result<Vec<Message>> {
    message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false))
        .filter(message::Column::Data.like(literal_contains(needle)))
        .order_by_desc(message::Column::Ts)
        .order_by_desc(message::Column::Seq)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Replies of a thread changed after a time, oldest change first.
pub async fn thread_changed_since(db: &Db, tmid: &str, since: i64) -> Result<Vec<Message>> {
    message::Entity::find()
        .filter(message::Column::Tmid.eq(tmid))
        .filter(message::Column::UpdatedAt.gt(since))
        .filter(message::Column::Hidden.eq(false))
        .order_by_asc(message::Column::UpdatedAt)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// A page of a room's visible messages (optionally pinned ones only) by time, with the total.
pub async fn room_page(
    db: &Db,
    rid: &str,
    pinned_only: bool,
    ascending: bool,
    offset: u64,
    count: Option<u64>,
) -> Result<(Vec<Message>, u64)> {
    use sea_orm::{Order, PaginatorTrait};
    let mut base = message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false));
    if pinned_only {
        base = base.filter(message::Column::Pinned.eq(true));
    }
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let order = if ascending { Order::Asc } else { Order::Desc };
    let rows = base
        .order_by(message::Column::Ts, order.clone())
        .order_by(message::Column::Seq, order)
        .offset(offset)
        .limit(super::limit_of(count))
        .all(db.read())
        .await
        .map_err(db_err)?;
    Ok((rows, total))
}

/// A room's visible messages posted after `after` (all of them without a bound), oldest first, at
/// most `count`.
pub async fn newer(db: &Db, rid: &str, after: Option<i64>, count: u64) -> Result<Vec<Message>> {
    let mut q = message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false));
    if let Some(a) = after {
        q = q.filter(message::Column::Ts.gt(a));
    }
    q.order_by_asc(message::Column::Ts)
        .order_by_asc(message::Column::Seq)
        .limit(count)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// A room's messages (hidden ones too) posted in a time window, oldest first: `oldest < ts <
/// latest`, or `<=` both when `inclusive`.
pub async fn in_window(
    db: &Db,
    rid: &str,
    oldest: i64,
    latest: i64,
    inclusive: bool,
) -> Result<Vec<Message>> {
    let mut q = message::Entity::find().filter(message::Column::Rid.eq(rid));
    q = if inclusive {
        q.filter(message::Column::Ts.gte(oldest))
            .filter(message::Column::Ts.lte(latest))
    } else {
        q.filter(message::Column::Ts.gt(oldest))
            .filter(message::Column::Ts.lt(latest))
    };
    q.order_by_asc(message::Column::Ts)
        .order_by_asc(message::Column::Seq)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Deletes many messages of one room in one transaction: records each for sync, lowers the
/// room's `msgs` by the visible ones, and points `lastMessage`/`lm` at the newest visible message
/// left. Returns how many rows were deleted.
pub async fn remove_many(db: &Db, rid: &str, ids: &[String], now: i64) -> Result<u64> {
    use crate::entity::trash;
    if ids.is_empty() {
        return Ok(0);
    }
    let txn = super::begin_write(db).await?;
    let mut removed = 0u64;
    let mut visible = 0i64;
    for chunk in ids.chunks(500) {
        let rows = message::Entity::find()
            .filter(message::Column::Rid.eq(rid))
            .filter(message::Column::Id.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await
            .map_err(db_err)?;
        visible += rows.iter().filter(|m| !m.hidden).count() as i64;
        let res = message::Entity::delete_many()
            .filter(message::Column::Rid.eq(rid))
            .filter(message::Column::Id.is_in(chunk.iter().cloned()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        removed += res.rows_affected;
        for m in rows {
            super::message_marks::trash(&txn, &m, now).await?;
            let tid = format!("{}/{}", m.rid, m.id);
            trash::Entity::delete_by_id(("messages".to_owned(), tid.clone()))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            trash::Entity::insert(trash::ActiveModel {
                collection: sea_orm::Set("messages".to_owned()),
                id: sea_orm::Set(tid),
                deleted_at: sea_orm::Set(now),
            })
            .exec(&txn)
            .await
            .map_err(db_err)?;
        }
    }
    let last = message::Entity::find()
        .filter(message::Column::Rid.eq(rid))
        .filter(message::Column::Hidden.eq(false))
        .order_by_desc(message::Column::Ts)
        .order_by_desc(message::Column::Seq)
        .one(&txn)
        .await
        .map_err(db_err)?;
    room::Entity::update_many()
        .col_expr(
            room::Column::Msgs,
            Expr::col(room::Column::Msgs).sub(visible),
        )
        .col_expr(
            room::Column::LastMessage,
            Expr::value(last.as_ref().map(|m| m.id.clone())),
        )
        .col_expr(
            room::Column::LastMessageAt,
            Expr::value(last.as_ref().map(|m| m.ts)),
        )
        .col_expr(room::Column::UpdatedAt, Expr::value(now))
        .filter(room::Column::Id.eq(rid))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::search_words;

    #[test]
    fn search_words_drop_query_syntax() {
        assert_eq!(
            search_words("Hello, \"world\"* OR 100%"),
            ["hello", "world", "or", "100"]
        );
        assert!(search_words(" *:& ").is_empty());
    }
}
