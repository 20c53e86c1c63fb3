//! Rooms as Rocket.Chat clients see them, and subscriptions (one per member per room).
//!
//! A room keeps a message sequence (`seq`); a subscription keeps the sequence its user has read
//! (`read_seq`). Unread counts derive from the two, so a message never writes every member's
//! subscription (DESIGN.md: a message's cost does not grow with its room).

use crate::schema::{index, name};
use sea_orm_migration::prelude::*;

/// Adds room columns and the subscriptions table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let cols = [
            ColumnDef::new(name("creator_username"))
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(name("sys_mes"))
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new(name("broadcast"))
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(name("encrypted"))
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(name("react_when_read_only"))
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            // SHA-256 hex of the join code: the code itself is never returned, so never kept.
            ColumnDef::new(name("join_code_hash"))
                .string()
                .null()
                .to_owned(),
            // JSON array of muted usernames.
            ColumnDef::new(name("muted"))
                .text()
                .not_null()
                .default("[]")
                .to_owned(),
            // Id of the last message (room lists show it, loaded in batch).
            ColumnDef::new(name("last_message"))
                .text()
                .null()
                .to_owned(),
            // Message sequence: +1 per message, never reused.
            ColumnDef::new(name("seq"))
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
            // Direct messages: JSON arrays of member ids and usernames.
            ColumnDef::new(name("uids")).text().null().to_owned(),
            ColumnDef::new(name("usernames")).text().null().to_owned(),
            ColumnDef::new(name("prid")).string().null().to_owned(),
            ColumnDef::new(name("team_id")).string().null().to_owned(),
            ColumnDef::new(name("avatar_etag"))
                .string()
                .null()
                .to_owned(),
        ];
        // SQLite adds one column per ALTER TABLE.
        for c in cols {
            m.alter_table(Table::alter().table(name("rooms")).add_column(c).to_owned())
                .await?;
        }

        m.create_table(
            Table::create()
                .table(name("subscriptions"))
                .col(ColumnDef::new(name("id")).string().not_null().primary_key())
                .col(ColumnDef::new(name("rid")).string().not_null())
                .col(ColumnDef::new(name("user_id")).string().not_null())
                .col(ColumnDef::new(name("t")).string().not_null())
                // Room name for channels; the other member's username for DMs.
                .col(ColumnDef::new(name("name")).text().not_null())
                .col(ColumnDef::new(name("fname")).text().not_null())
                // JSON array of room roles: owner, moderator, leader.
                .col(
                    ColumnDef::new(name("roles"))
                        .text()
                        .not_null()
                        .default("[]"),
                )
                .col(
                    ColumnDef::new(name("open"))
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(
                    ColumnDef::new(name("favorite"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(name("archived"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                // The room `seq` this member has read up to.
                .col(
                    ColumnDef::new(name("read_seq"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(name("ls")).big_integer().null())
                .col(ColumnDef::new(name("lr")).big_integer().null())
                .col(
                    ColumnDef::new(name("user_mentions"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(name("group_mentions"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                // JSON array of thread ids with unread replies.
                .col(
                    ColumnDef::new(name("tunread"))
                        .text()
                        .not_null()
                        .default("[]"),
                )
                // JSON object of notification preferences.
                .col(
                    ColumnDef::new(name("prefs"))
                        .text()
                        .not_null()
                        .default("{}"),
                )
                // JSON array of ignored user ids.
                .col(
                    ColumnDef::new(name("ignored"))
                        .text()
                        .not_null()
                        .default("[]"),
                )
                .col(ColumnDef::new(name("ts")).big_integer().not_null())
                .col(ColumnDef::new(name("updated_at")).big_integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(name("subscriptions"), name("rid"))
                        .to(name("rooms"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(name("subscriptions"), name("user_id"))
                        .to(name("users"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "subscriptions",
            "subscriptions_user_room",
            &["user_id", "rid"],
            true,
        ))
        .await?;
        m.create_index(index(
            "subscriptions",
            "subscriptions_room_user",
            &["rid", "user_id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "subscriptions",
            "subscriptions_user_updated",
            &["user_id", "updated_at"],
            false,
        ))
        .await?;
        m.create_index(index("rooms", "rooms_updated_at", &["updated_at"], false))
            .await?;
        Ok(())
    }
}
