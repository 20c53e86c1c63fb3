//! Messages. The columns hold what queries filter or sort on; everything else a client may attach
//! (alias, attachments, mentions, reactions, edit marks, thread counters...) lives in `data`, a JSON
//! object merged into the message when it is projected.

use crate::schema::{index, name};
use sea_orm_migration::prelude::*;

/// Creates the messages table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(name("messages"))
                // Clients may choose ids ("42", 12 hex chars, Random.id()).
                .col(ColumnDef::new(name("id")).string().not_null().primary_key())
                .col(ColumnDef::new(name("rid")).string().not_null())
                // The room's message sequence number at posting time.
                .col(ColumnDef::new(name("seq")).big_integer().not_null())
                .col(ColumnDef::new(name("ts")).big_integer().not_null())
                .col(ColumnDef::new(name("updated_at")).big_integer().not_null())
                .col(ColumnDef::new(name("u_id")).string().not_null())
                .col(ColumnDef::new(name("u_username")).string().not_null())
                .col(ColumnDef::new(name("u_name")).string().null())
                .col(ColumnDef::new(name("msg")).text().not_null())
                // System message type (`uj`, `ul`, ...), null for ordinary messages.
                .col(ColumnDef::new(name("t")).string().null())
                // Thread root id for replies.
                .col(ColumnDef::new(name("tmid")).string().null())
                .col(
                    ColumnDef::new(name("pinned"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                // Hidden (deleted with history kept, or an old version of an edited message).
                .col(
                    ColumnDef::new(name("hidden"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(name("data")).text().not_null().default("{}"))
                .foreign_key(
                    ForeignKey::create()
                        .from(name("messages"), name("rid"))
                        .to(name("rooms"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "messages",
            "messages_room_seq",
            &["rid", "seq"],
            true,
        ))
        .await?;
        m.create_index(index("messages", "messages_room_ts", &["rid", "ts"], false))
            .await?;
        m.create_index(index(
            "messages",
            "messages_room_updated",
            &["rid", "updated_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "messages",
            "messages_thread_ts",
            &["tmid", "ts"],
            false,
        ))
        .await?;
        Ok(())
    }
}
