//! Bringing SQLite's full-text index up to the newest messages, in bulk (see migration 000007):
//! the post writer calls a step every few hundred milliseconds, or sooner when many posts are
//! waiting; searches cover the rows above the watermark themselves (`repo::messages::search`).

use crate::direct::sqlite_err;
use crate::errors::db_err;
use apogee_core::Result;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::time::Duration;

/// Most messages indexed in one transaction.
pub(crate) const STEP: i64 = 4000;

/// How many posts may wait for the index before the writer indexes right after a batch.
pub(crate) const BACKLOG: usize = 2000;

/// How often the writer looks for messages left unindexed (bulk fills, posts of a quiet minute).
pub(crate) const EVERY: Duration = Duration::from_millis(250);

/// The watermark read.
const WATERMARK: &str = "SELECT indexed_rowid FROM search_progress";

/// The highest rowid of the next step's messages (NULL when none is waiting).
const STEP_TOP: &str = "SELECT MAX(rowid) FROM \
    (SELECT rowid FROM messages WHERE rowid > ?1 ORDER BY rowid LIMIT ?2)";

/// Indexes the messages of a step.
const INDEX: &str = "INSERT INTO messages_fts(rowid, msg) \
    SELECT rowid, msg FROM messages WHERE rowid > ?1 AND rowid <= ?2";

/// Moves the watermark.
const ADVANCE: &str = "UPDATE search_progress SET indexed_rowid = ?1";

/// Indexes up to [`STEP`] messages above the watermark in one transaction, on the writer thread's
/// own connection; returns how many rowids the watermark moved (0: nothing was waiting).
pub(crate) fn step_direct(conn: &mut rusqlite::Connection) -> Result<i64> {
    use rusqlite::{OptionalExtension, TransactionBehavior};
    let txn = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    // Cached statements: a step runs every quarter second on the post writer's thread, and
    // parsing these anew each time was most of a step's work.
    let w = match txn
        .prepare_cached(WATERMARK)
        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)).optional())
    {
        Ok(Some(w)) => w,
        // Not migrated yet (the server's first tick can come before its migrations, or this is an
        // old binary's database): nothing to do.
        Ok(None) => return Ok(0),
        Err(e) if e.to_string().contains("no such table") => return Ok(0),
        Err(e) => return Err(sqlite_err(e)),
    };
    let top: Option<i64> = txn
        .prepare_cached(STEP_TOP)
        .and_then(|mut s| s.query_row([w, STEP], |r| r.get(0)))
        .map_err(sqlite_err)?;
    let Some(top) = top else { return Ok(0) };
    txn.prepare_cached(INDEX)
        .and_then(|mut s| s.execute([w, top]))
        .map_err(sqlite_err)?;
    txn.prepare_cached(ADVANCE)
        .and_then(|mut s| s.execute([top]))
        .map_err(sqlite_err)?;
    txn.commit().map_err(sqlite_err)?;
    Ok(top - w)
}

/// [`step_direct`] through sea-orm (an in-memory database, which has no writer thread).
pub(crate) async fn step_pool(conn: &DatabaseConnection) -> Result<i64> {
    let stmt = |sql: &str, values: Vec<sea_orm::Value>| {
        // sea-orm's SQLite statements take `?` placeholders in order.
        let sql = sql.replace("?1", "?").replace("?2", "?");
        Statement::from_sql_and_values(DatabaseBackend::Sqlite, sql, values)
    };
    let txn = crate::repo::begin_write_on(conn).await?;
    let w: Option<i64> = txn
        .query_one_raw(stmt(WATERMARK, vec![]))
        .await
        .map_err(db_err)?
        .and_then(|r| r.try_get_by_index(0).ok());
    let Some(w) = w else { return Ok(0) };
    let top: Option<i64> = txn
        .query_one_raw(stmt(STEP_TOP, vec![w.into(), STEP.into()]))
        .await
        .map_err(db_err)?
        .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok())
        .flatten();
    let Some(top) = top else { return Ok(0) };
    txn.execute_raw(stmt(INDEX, vec![w.into(), top.into()]))
        .await
        .map_err(db_err)?;
    txn.execute_raw(stmt(ADVANCE, vec![top.into()]))
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    Ok(top - w)
}

/// The watermark: every message with a rowid at or below it is in the full-text index.
pub(crate) async fn watermark(db: &crate::Db) -> Result<i64> {
    let row = db
        .read()
        .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, WATERMARK))
        .await
        .map_err(db_err)?;
    Ok(row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or(0))
}

/// Indexes everything waiting (after a bulk fill), step by step; returns how many rowids the
/// watermark moved.
pub(crate) async fn catch_up(db: &crate::Db) -> Result<i64> {
    let mut total = 0;
    loop {
        let n = step_pool(db.write()).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::{Db, DbOptions, Message, Room, repo};

    pub(crate) fn room(id: &str) -> Room {
        Room {
            id: id.into(),
            t: "c".into(),
            name: Some(id.into()),
            fname: Some(id.into()),
            creator_id: None,
            topic: None,
            description: None,
            announcement: None,
            read_only: false,
            is_default: false,
            featured: false,
            archived: false,
            msgs: 0,
            users_count: 0,
            last_message_at: None,
            custom_fields: None,
            created_at: 1,
            updated_at: 1,
            creator_username: None,
            sys_mes: true,
            broadcast: false,
            encrypted: false,
            react_when_read_only: false,
            join_code_hash: None,
            muted: "[]".into(),
            unmuted: "[]".into(),
            group_mentions: 0,
            last_message: None,
            seq: 0,
            uids: None,
            usernames: None,
            prid: None,
            team_id: None,
            avatar_etag: None,
            mver: 0,
        }
    }

    pub(crate) fn message(id: &str, text: &str) -> Message {
        Message {
            id: id.into(),
            rid: "r1".into(),
            seq: 0,
            ts: 1,
            updated_at: 1,
            u_id: "u".into(),
            u_username: "u".into(),
            u_name: None,
            msg: text.into(),
            t: None,
            tmid: None,
            pinned: false,
            hidden: false,
            data: "{}".into(),
        }
    }

    /// Posts on a database file reach the full-text index through the writer's periodic steps,
    /// on an in-memory one right after their batch; either way the watermark ends at the newest.
    #[tokio::test]
    async fn the_writer_indexes_new_messages() {
        let dir = tempfile::tempdir().unwrap();
        let file = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        for url in [file.as_str(), "sqlite::memory:"] {
            let db = Db::open(url, &DbOptions::default()).await.unwrap();
            repo::rooms::insert(&db, room("r1")).await.unwrap();
            let before = super::watermark(&db).await.unwrap();
            for i in 0..5 {
                repo::messages::post(&db, message(&format!("m{i}"), "quick brown fox"))
                    .await
                    .unwrap();
            }
            tokio::time::sleep(super::EVERY * 3).await;
            let after = super::watermark(&db).await.unwrap();
            assert_eq!(after - before, 5, "{url}");
            let found = repo::messages::search(&db, "r1", "fox", 0, Some(10))
                .await
                .unwrap();
            assert_eq!(found.len(), 5, "{url}");
            // Rows written around the writer (a bulk fill) are indexed by a catch-up.
            use sea_orm::ConnectionTrait;
            db.write()
                .execute_unprepared(
                    "INSERT INTO messages (id, rid, seq, ts, updated_at, u_id, u_username, msg) \
                     VALUES ('b1', 'r1', 100, 1, 1, 'u', 'u', 'lazy dog'), \
                            ('b2', 'r1', 101, 1, 1, 'u', 'u', 'lazy cat')",
                )
                .await
                .unwrap();
            let moved = super::catch_up(&db).await.unwrap();
            let now = super::watermark(&db).await.unwrap();
            assert_eq!((moved, now), (2, after + 2), "{url}");
        }
    }
}
