//! The thread index covers only thread replies: most messages are not in a thread, and every post
//! paid a page write in an index entry that no query reads (threads are found by `tmid = ?`,
//! which both databases match against a partial index on `tmid IS NOT NULL`).

use sea_orm_migration::prelude::*;

/// Replaces `messages_thread_ts` by its partial form.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The same statements work on SQLite and PostgreSQL (both have partial indexes).
        let statements = [
            "DROP INDEX messages_thread_ts",
            "CREATE INDEX messages_thread_ts ON messages (tmid, ts) WHERE tmid IS NOT NULL",
        ];
        crate::schema::run_raw(m, &statements, &statements).await
    }
}
