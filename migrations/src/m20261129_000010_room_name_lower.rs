//! An index on `lower(rooms.name)`: rooms are found by name case-insensitively (every `#name`
//! in a new message, `channels.info?roomName=`, ...), which without it scans every room.

use sea_orm_migration::prelude::*;

/// Adds the case-insensitive room name index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The same statement works on SQLite and PostgreSQL (both index expressions).
        crate::schema::run_raw(
            m,
            &["CREATE INDEX rooms_name_lower ON rooms (lower(name))"],
            &["CREATE INDEX rooms_name_lower ON rooms (lower(name))"],
        )
        .await
    }
}
