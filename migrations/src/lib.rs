//! Apogee's schema migrations. This is frozen history: a migration, once released, never changes and
//! never imports today's entities (that would silently rewrite the past). New needs get new migrations.
//!
//! Conventions for the whole schema: ids are TEXT (Meteor 17-char ids, or Rocket.Chat's fixed names);
//! times are BIGINT milliseconds since the epoch; every table of client-visible records has
//! `updated_at` (Rocket.Chat's `_updatedAt`), and deletions that sync endpoints must report are
//! recorded in `trash`.

use sea_orm_migration::prelude::*;

pub use sea_orm_migration::MigratorTrait;

mod m20261129_000001_foundation;
mod m20261129_000002_rooms;
mod m20261129_000003_messages;
mod m20261129_000004_message_search;
mod m20261129_000005_room_message_version;
mod m20261129_000006_rc_semantics;
mod m20261129_000007_deferred_search_index;
mod m20261129_000009_avatars;
mod m20261129_000010_room_name_lower;
mod m20261130_000011_partial_thread_index;
mod schema;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_foundation::Migration),
            Box::new(m20261129_000002_rooms::Migration),
            Box::new(m20261129_000003_messages::Migration),
            Box::new(m20261129_000004_message_search::Migration),
            Box::new(m20261129_000005_room_message_version::Migration),
            Box::new(m20261129_000006_rc_semantics::Migration),
            Box::new(m20261129_000007_deferred_search_index::Migration),
            Box::new(m20261129_000009_avatars::Migration),
            Box::new(m20261129_000010_room_name_lower::Migration),
            Box::new(m20261130_000011_partial_thread_index::Migration),
        ]
    }
}
