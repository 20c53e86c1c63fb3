//! A per-room version of its stored messages, so that a cached page of a room's history can be
//! checked with the room row a request reads anyway.
//!
//! New messages take the room's next `seq` (the writer bumps it in the same transaction); every
//! other change of a message row (an edit, a reaction, a pin, a hide, a delete) bumps `rooms.mver`
//! through a trigger, in the same transaction as the change. A trigger rather than code, because a
//! forgotten bump would serve stale history and nothing would notice; `(seq, mver)` of the room
//! row therefore changes whenever any of its messages does.

use sea_orm_migration::prelude::*;

/// Adds `rooms.mver` and the triggers that bump it.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite statements, in order.
const SQLITE: &[&str] = &[
    "ALTER TABLE rooms ADD COLUMN mver BIGINT NOT NULL DEFAULT 0",
    "CREATE TRIGGER messages_mver_update AFTER UPDATE ON messages BEGIN \
       UPDATE rooms SET mver = mver + 1 WHERE id = new.rid; END",
    "CREATE TRIGGER messages_mver_delete AFTER DELETE ON messages BEGIN \
       UPDATE rooms SET mver = mver + 1 WHERE id = old.rid; END",
];

/// PostgreSQL statements, in order: statement-level triggers, so a bulk delete (cleanHistory)
/// bumps each room once instead of once per row.
const POSTGRES: &[&str] = &[
    "ALTER TABLE rooms ADD COLUMN mver BIGINT NOT NULL DEFAULT 0",
    "CREATE FUNCTION apogee_messages_mver_new() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       UPDATE rooms SET mver = mver + 1 WHERE id IN (SELECT DISTINCT rid FROM changed_rows); \
       RETURN NULL; \
     END $$",
    "CREATE FUNCTION apogee_messages_mver_old() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       UPDATE rooms SET mver = mver + 1 WHERE id IN (SELECT DISTINCT rid FROM gone_rows); \
       RETURN NULL; \
     END $$",
    "CREATE TRIGGER messages_mver_update AFTER UPDATE ON messages \
       REFERENCING NEW TABLE AS changed_rows \
       FOR EACH STATEMENT EXECUTE FUNCTION apogee_messages_mver_new()",
    "CREATE TRIGGER messages_mver_delete AFTER DELETE ON messages \
       REFERENCING OLD TABLE AS gone_rows \
       FOR EACH STATEMENT EXECUTE FUNCTION apogee_messages_mver_old()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::schema::run_raw(m, SQLITE, POSTGRES).await
    }
}
