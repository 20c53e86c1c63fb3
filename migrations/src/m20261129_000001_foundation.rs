//! The foundation schema: accounts, tokens, roles, permissions, settings, rooms, trash, statistics.

use crate::schema::{index, name};
use sea_orm_migration::prelude::*;

/// Creates the foundation tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn id_col(col: &str) -> ColumnDef {
    ColumnDef::new(name(col))
        .string()
        .not_null()
        .primary_key()
        .to_owned()
}

fn text(col: &str) -> ColumnDef {
    ColumnDef::new(name(col)).text().null().to_owned()
}

fn text_nn(col: &str, default: &str) -> ColumnDef {
    ColumnDef::new(name(col))
        .text()
        .not_null()
        .default(default)
        .to_owned()
}

fn flag(col: &str, default: bool) -> ColumnDef {
    ColumnDef::new(name(col))
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

fn millis(col: &str) -> ColumnDef {
    ColumnDef::new(name(col))
        .big_integer()
        .not_null()
        .to_owned()
}

fn millis_null(col: &str) -> ColumnDef {
    ColumnDef::new(name(col)).big_integer().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(name("users"))
                .col(id_col("id"))
                .col(ColumnDef::new(name("username")).string().not_null())
                // Rocket.Chat usernames and emails are unique case-insensitively.
                .col(ColumnDef::new(name("username_lower")).string().not_null())
                .col(text_nn("name", ""))
                .col(ColumnDef::new(name("email")).string().null())
                .col(ColumnDef::new(name("email_lower")).string().null())
                .col(flag("email_verified", false))
                .col(
                    ColumnDef::new(name("user_type"))
                        .string()
                        .not_null()
                        .default("user"),
                )
                .col(flag("active", true))
                .col(
                    ColumnDef::new(name("status"))
                        .string()
                        .not_null()
                        .default("offline"),
                )
                .col(
                    ColumnDef::new(name("status_default"))
                        .string()
                        .not_null()
                        .default("online"),
                )
                .col(
                    ColumnDef::new(name("status_connection"))
                        .string()
                        .not_null()
                        .default("offline"),
                )
                .col(text_nn("status_text", ""))
                .col(ColumnDef::new(name("utc_offset")).double().null())
                .col(text("language"))
                .col(text("nickname"))
                .col(text("bio"))
                .col(text("custom_fields"))
                .col(text_nn("preferences", "{}"))
                .col(text("password_hash"))
                .col(flag("require_password_change", false))
                .col(text("avatar_etag"))
                .col(millis_null("last_login"))
                .col(millis("created_at"))
                .col(millis("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "users",
            "users_username_lower",
            &["username_lower"],
            true,
        ))
        .await?;
        m.create_index(index("users", "users_email_lower", &["email_lower"], true))
            .await?;
        m.create_index(index("users", "users_updated_at", &["updated_at"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(name("user_roles"))
                .col(ColumnDef::new(name("user_id")).string().not_null())
                .col(ColumnDef::new(name("role_id")).string().not_null())
                .primary_key(Index::create().col(name("user_id")).col(name("role_id")))
                .foreign_key(
                    ForeignKey::create()
                        .from(name("user_roles"), name("user_id"))
                        .to(name("users"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "user_roles",
            "user_roles_role",
            &["role_id", "user_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(name("login_tokens"))
                // base64(sha256(token)): the token itself is never stored.
                .col(id_col("hashed_token"))
                .col(ColumnDef::new(name("user_id")).string().not_null())
                // `login` or `personalAccessToken`
                .col(ColumnDef::new(name("kind")).string().not_null())
                .col(text("name"))
                .col(text("last_token_part"))
                .col(flag("bypass_two_factor", false))
                .col(millis("created_at"))
                .col(millis_null("expires_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from(name("login_tokens"), name("user_id"))
                        .to(name("users"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "login_tokens",
            "login_tokens_user",
            &["user_id", "kind"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(name("roles"))
                .col(id_col("id"))
                .col(ColumnDef::new(name("name")).string().not_null())
                .col(text_nn("description", ""))
                .col(flag("protected", false))
                .col(
                    ColumnDef::new(name("scope"))
                        .string()
                        .not_null()
                        .default("Users"),
                )
                .col(flag("mandatory_2fa", false))
                .col(millis("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("roles", "roles_name", &["name"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(name("permissions"))
                .col(id_col("id"))
                // JSON array of role ids.
                .col(text_nn("roles", "[]"))
                .col(millis("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(name("settings"))
                .col(id_col("id"))
                // JSON value; defaults and metadata live in the code's registry.
                .col(ColumnDef::new(name("value")).text().not_null())
                .col(millis("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(name("rooms"))
                .col(id_col("id"))
                .col(ColumnDef::new(name("t")).string().not_null())
                .col(ColumnDef::new(name("name")).string().null())
                .col(text("fname"))
                .col(ColumnDef::new(name("creator_id")).string().null())
                .col(text("topic"))
                .col(text("description"))
                .col(text("announcement"))
                .col(flag("read_only", false))
                .col(flag("is_default", false))
                .col(flag("featured", false))
                .col(flag("archived", false))
                .col(
                    ColumnDef::new(name("msgs"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(name("users_count"))
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(millis_null("last_message_at"))
                .col(text("custom_fields"))
                .col(millis("created_at"))
                .col(millis("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("rooms", "rooms_name", &["name"], true))
            .await?;
        m.create_index(index(
            "rooms",
            "rooms_t_default",
            &["t", "is_default"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(name("trash"))
                .col(ColumnDef::new(name("collection")).string().not_null())
                .col(ColumnDef::new(name("id")).string().not_null())
                .col(millis("deleted_at"))
                .primary_key(Index::create().col(name("collection")).col(name("id")))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "trash",
            "trash_collection_time",
            &["collection", "deleted_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(name("statistics"))
                .col(id_col("id"))
                .col(ColumnDef::new(name("data")).text().not_null())
                .col(millis("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "statistics",
            "statistics_created",
            &["created_at"],
            false,
        ))
        .await?;
        Ok(())
    }
}
