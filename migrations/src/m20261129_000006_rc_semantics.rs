//! Rocket.Chat semantics the first schema left out:
//! - `message_reports`: `chat.reportMessage` reports (Rocket.Chat's `moderation_reports`).
//! - `message_trash`: a copy of each deleted message, so thread sync answers can list the removed
//!   messages themselves (Rocket.Chat keeps whole documents in its trash), not just their ids.
//! - `rooms.unmuted`: members allowed to post in a read-only room.
//! - `rooms.group_mentions` and `subscriptions.group_mark`: `@all`/`@here` messages counted per
//!   room; a member's `groupMentions` is the room count less their mark, so a group mention writes
//!   one room row, not every member's subscription (as `unread` derives from `seq`/`read_seq`).
//! - `subscriptions.alert`: an alert raised without new messages (marked unread by the user).
//! - `subscriptions.tunread_user` / `tunread_group`: threads with unread direct / group mentions.

use crate::schema::{index, name};
use sea_orm_migration::prelude::*;

/// Adds reports, the message trash and the mention/alert columns.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `ALTER TABLE table ADD COLUMN ...` (one column per statement: SQLite takes no more).
fn add(table: &str, col: &mut ColumnDef) -> TableAlterStatement {
    Table::alter().table(name(table)).add_column(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(name("message_reports"))
                .col(ColumnDef::new(name("id")).string().not_null().primary_key())
                .col(ColumnDef::new(name("message_id")).string().not_null())
                .col(ColumnDef::new(name("rid")).string().not_null())
                .col(ColumnDef::new(name("description")).text().not_null())
                // The reported message as it was when reported (JSON).
                .col(ColumnDef::new(name("message")).text().not_null())
                // `{_id, name, fname, t}` of its room (JSON).
                .col(ColumnDef::new(name("room")).text().not_null())
                .col(ColumnDef::new(name("reported_by_id")).string().not_null())
                // `{_id, username, name, createdAt}` of the reporter (JSON).
                .col(ColumnDef::new(name("reported_by")).text().not_null())
                .col(ColumnDef::new(name("ts")).big_integer().not_null())
                .col(ColumnDef::new(name("updated_at")).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "message_reports",
            "message_reports_message",
            &["message_id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "message_reports",
            "message_reports_ts",
            &["ts"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(name("message_trash"))
                .col(ColumnDef::new(name("id")).string().not_null().primary_key())
                .col(ColumnDef::new(name("rid")).string().not_null())
                .col(ColumnDef::new(name("tmid")).string().null())
                // Whether the message was a thread root (had replies) when deleted.
                .col(
                    ColumnDef::new(name("thread_root"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                // The message's columns as JSON.
                .col(ColumnDef::new(name("doc")).text().not_null())
                .col(ColumnDef::new(name("deleted_at")).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "message_trash",
            "message_trash_room",
            &["rid", "deleted_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "message_trash",
            "message_trash_thread",
            &["tmid", "deleted_at"],
            false,
        ))
        .await?;

        for stmt in [
            add(
                "rooms",
                ColumnDef::new(name("unmuted"))
                    .text()
                    .not_null()
                    .default("[]"),
            ),
            add(
                "rooms",
                ColumnDef::new(name("group_mentions"))
                    .big_integer()
                    .not_null()
                    .default(0),
            ),
            add(
                "subscriptions",
                ColumnDef::new(name("group_mark"))
                    .big_integer()
                    .not_null()
                    .default(0),
            ),
            add(
                "subscriptions",
                ColumnDef::new(name("alert"))
                    .boolean()
                    .not_null()
                    .default(false),
            ),
            add(
                "subscriptions",
                ColumnDef::new(name("tunread_user"))
                    .text()
                    .not_null()
                    .default("[]"),
            ),
            add(
                "subscriptions",
                ColumnDef::new(name("tunread_group"))
                    .text()
                    .not_null()
                    .default("[]"),
            ),
        ] {
            m.alter_table(stmt).await?;
        }
        Ok(())
    }
}
