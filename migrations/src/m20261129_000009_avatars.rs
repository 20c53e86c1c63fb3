//! `avatars`: uploaded avatar images (`users.setAvatar`), one per owner, served by
//! `GET /avatar/:username`. Users without a row get generated initials (nothing is stored).
//!
//! The image lives in the database rather than in files so that every instance of a scaled-out
//! workspace serves the same picture and a backup of the database is a backup of everything.

use crate::schema::name;
use sea_orm_migration::prelude::*;

/// Adds the avatar table.
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
                .table(name("avatars"))
                // The owner: a user id.
                .col(
                    ColumnDef::new(name("owner"))
                        .string()
                        .not_null()
                        .primary_key(),
                )
                // `image/png`, `image/jpeg`, ... as sniffed from the bytes.
                .col(ColumnDef::new(name("content_type")).string().not_null())
                .col(ColumnDef::new(name("data")).blob().not_null())
                // Rocket.Chat's `avatarETag`, also the HTTP ETag.
                .col(ColumnDef::new(name("etag")).string().not_null())
                // Rocket.Chat's `avatarOrigin`: `upload`, `url`, `rest`.
                .col(ColumnDef::new(name("origin")).string().not_null())
                .col(ColumnDef::new(name("updated_at")).big_integer().not_null())
                .to_owned(),
        )
        .await
    }
}
