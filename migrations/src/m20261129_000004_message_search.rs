//! A full-text index over message texts, so that `chat.search` reads an index instead of every
//! message of the room. Searches are word-based (every word of the query), which is what
//! Rocket.Chat's default (MongoDB `$text`) search does too.
//!
//! SQLite: an FTS5 table with external content (`messages` itself), kept in step by triggers and
//! keyed by the messages' rowid. A later migration that rebuilds `messages` (which renumbers
//! rowids) must end with `INSERT INTO messages_fts(messages_fts) VALUES('rebuild')`.
//! PostgreSQL: a GIN index over `to_tsvector('simple', msg)`.

use sea_orm_migration::prelude::*;

/// Creates the message search index.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite statements, in order.
const SQLITE: &[&str] = &[
    "CREATE VIRTUAL TABLE messages_fts USING fts5(msg, content='messages', content_rowid='rowid')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN \
       INSERT INTO messages_fts(rowid, msg) VALUES (new.rowid, new.msg); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN \
       INSERT INTO messages_fts(messages_fts, rowid, msg) VALUES ('delete', old.rowid, old.msg); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF msg ON messages BEGIN \
       INSERT INTO messages_fts(messages_fts, rowid, msg) VALUES ('delete', old.rowid, old.msg); \
       INSERT INTO messages_fts(rowid, msg) VALUES (new.rowid, new.msg); END",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
];

/// PostgreSQL statements, in order.
const POSTGRES: &[&str] =
    &["CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', msg))"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::schema::run_raw(m, SQLITE, POSTGRES).await
    }
}
