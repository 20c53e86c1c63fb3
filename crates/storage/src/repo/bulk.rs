//! Bulk filling of a room with members and messages, for the benchmark tool (`apogee-bench
//! messages`): posting a million messages through the API would measure the fill, not the server.
//!
//! Rows are cloned from real ones (the room creator's user and subscription records) so that
//! every column the server relies on holds what the server itself would have written.

use crate::entity::{message, room, subscription, user};
use crate::errors::db_err;
use crate::{Backend, Db};
use apogee_core::{Error, Result, Timestamp, random_id};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Statement};

/// Rows per INSERT statement.
const CHUNK: usize = 500;

/// Words the filler's message texts are made of.
const WORDS: [&str; 16] = [
    "deploy", "review", "coffee", "merge", "release", "build", "ticket", "lunch", "meeting",
    "latency", "schema", "rollback", "on-call", "design", "backlog", "metrics",
];

/// Adds `members` new users subscribed to room `rid` (usernames `{prefix}{n}`); returns their ids.
pub async fn add_members(db: &Db, rid: &str, prefix: &str, members: usize) -> Result<Vec<String>> {
    let r = room::Entity::find_by_id(rid.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
    let creator = r
        .creator_id
        .clone()
        .ok_or_else(|| Error::internal("the room has no creator to copy rows from"))?;
    let user_tpl = user::Entity::find_by_id(creator.clone())
        .one(db.read())
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::internal("the room's creator is gone"))?;
    let sub_tpl = subscription::Entity::find()
        .filter(subscription::Column::Rid.eq(rid))
        .filter(subscription::Column::UserId.eq(creator))
        .one(db.read())
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::internal("the room's creator is not subscribed"))?;
    let now = Timestamp::now().millis();
    let mut ids = Vec::with_capacity(members);
    let txn = super::begin_write(db).await?;
    for start in (0..members).step_by(CHUNK) {
        let end = (start + CHUNK).min(members);
        let mut users = Vec::with_capacity(end - start);
        let mut subs = Vec::with_capacity(end - start);
        for n in start..end {
            let id = random_id();
            let username = format!("{prefix}{n}");
            let mut u = user_tpl.clone();
            u.id = id.clone();
            u.username_lower = username.to_lowercase();
            u.name = format!("Bench user {n}");
            u.username = username;
            u.email = None;
            u.email_lower = None;
            u.password_hash = None;
            u.created_at = now;
            u.updated_at = now;
            let mut s = sub_tpl.clone();
            s.id = random_id();
            s.user_id = id.clone();
            s.roles = "[]".to_owned();
            s.ts = now;
            s.updated_at = now;
            users.push(u.into_active_model());
            subs.push(s.into_active_model());
            ids.push(id);
        }
        user::Entity::insert_many(users)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        subscription::Entity::insert_many(subs)
            .exec(&txn)
            .await
            .map_err(db_err)?;
    }
    room::Entity::update_many()
        .col_expr(
            room::Column::UsersCount,
            Expr::col(room::Column::UsersCount).add(members as i64),
        )
        .filter(room::Column::Id.eq(rid))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(ids)
}

/// Appends `count` messages of about `text_len` characters to room `rid`, written by `authors` in
/// turn, spaced `step_ms` apart and ending now; keeps the room's sequence and counters right.
pub async fn add_messages(
    db: &Db,
    rid: &str,
    authors: &[String],
    count: usize,
    text_len: usize,
    step_ms: i64,
) -> Result<()> {
    if authors.is_empty() {
        return Err(Error::invalid_params("no authors to write the messages"));
    }
    let names: Vec<(String, String, String)> = user::Entity::find()
        .filter(user::Column::Id.is_in(authors.iter().cloned()))
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|u| (u.id, u.username, u.name))
        .collect();
    if names.len() != authors.len() {
        return Err(Error::internal("some authors were not found"));
    }
    let r = room::Entity::find_by_id(rid.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
    let now = Timestamp::now().millis();
    let first_ts = now - step_ms * count as i64;
    let data = r#"{"mentions":[],"channels":[],"urls":[]}"#;
    let mut last_id = None;
    // Transactions of 100 chunks keep the WAL (and PostgreSQL's memory) bounded.
    for txn_start in (0..count).step_by(CHUNK * 100) {
        let txn = super::begin_write(db).await?;
        let txn_end = (txn_start + CHUNK * 100).min(count);
        for start in (txn_start..txn_end).step_by(CHUNK) {
            let end = (start + CHUNK).min(txn_end);
            let rows: Vec<_> = (start..end)
                .map(|n| {
                    let (uid, username, name) = &names[n % names.len()];
                    let ts = first_ts + step_ms * n as i64;
                    let id = random_id();
                    last_id = Some(id.clone());
                    message::Model {
                        id,
                        rid: rid.to_owned(),
                        seq: r.seq + 1 + n as i64,
                        ts,
                        updated_at: ts,
                        u_id: uid.clone(),
                        u_username: username.clone(),
                        u_name: Some(name.clone()),
                        msg: text(n, text_len),
                        t: None,
                        tmid: None,
                        pinned: false,
                        hidden: false,
                        data: data.to_owned(),
                    }
                    .into_active_model()
                })
                .collect();
            message::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)?;
    }
    room::Entity::update_many()
        .col_expr(
            room::Column::Seq,
            Expr::col(room::Column::Seq).add(count as i64),
        )
        .col_expr(
            room::Column::Msgs,
            Expr::col(room::Column::Msgs).add(count as i64),
        )
        .col_expr(room::Column::LastMessageAt, Expr::value(now))
        .col_expr(room::Column::LastMessage, Expr::value(last_id))
        .col_expr(room::Column::UpdatedAt, Expr::value(now))
        .filter(room::Column::Id.eq(rid))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    if db.backend() == Backend::Postgres {
        // Fresh statistics, as autovacuum would gather after a load this size: without them the
        // planner cannot tell a rare search word (use the text index) from a common one.
        db.write()
            .execute_unprepared("ANALYZE messages")
            .await
            .map_err(db_err)?;
    } else {
        // Searchable at once, as posted messages are a moment after their commit.
        crate::search_index::catch_up(db).await?;
    }
    Ok(())
}

/// A message text of about `len` characters made of words, different for every `n`.
fn text(n: usize, len: usize) -> String {
    let mut s = format!("#{n}");
    let mut k = n;
    while s.len() < len {
        s.push(' ');
        s.push_str(WORDS[k % WORDS.len()]);
        k = k / WORDS.len() + n % 7 + 1;
    }
    s.truncate(len.max(1));
    s
}

/// Bytes the database occupies (SQLite: pages in use, WAL checkpointed first; PostgreSQL:
/// `pg_database_size`, without its WAL), tables and indexes included.
pub async fn database_bytes(db: &Db) -> Result<u64> {
    let conn = db.write();
    let backend = conn.get_database_backend();
    let scalar = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let one = |row: Option<sea_orm::QueryResult>| -> Result<i64> {
        row.ok_or_else(|| Error::internal("no row"))?
            .try_get_by_index::<i64>(0)
            .map_err(db_err)
    };
    match db.backend() {
        Backend::Sqlite => {
            conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .map_err(db_err)?;
            let pages = one(conn
                .query_one_raw(scalar("PRAGMA page_count"))
                .await
                .map_err(db_err)?)?;
            let free = one(conn
                .query_one_raw(scalar("PRAGMA freelist_count"))
                .await
                .map_err(db_err)?)?;
            let size = one(conn
                .query_one_raw(scalar("PRAGMA page_size"))
                .await
                .map_err(db_err)?)?;
            Ok(u64::try_from((pages - free) * size).unwrap_or(0))
        }
        Backend::Postgres => {
            let size = one(conn
                .query_one_raw(scalar(
                    "SELECT pg_database_size(current_database())::BIGINT",
                ))
                .await
                .map_err(db_err)?)?;
            Ok(u64::try_from(size).unwrap_or(0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn texts_have_the_length_and_differ() {
        assert_eq!(text(7, 80).len(), 80);
        assert_ne!(text(1, 80), text(2, 80));
        assert!(text(3, 80).starts_with("#3 "));
    }
}
