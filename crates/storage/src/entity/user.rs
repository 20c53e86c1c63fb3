//! `users`: one row per account.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A stored account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub username: String,
    pub username_lower: String,
    pub name: String,
    pub email: Option<String>,
    pub email_lower: Option<String>,
    pub email_verified: bool,
    pub user_type: String,
    pub active: bool,
    pub status: String,
    pub status_default: String,
    pub status_connection: String,
    pub status_text: String,
    pub utc_offset: Option<f64>,
    pub language: Option<String>,
    pub nickname: Option<String>,
    pub bio: Option<String>,
    pub custom_fields: Option<String>,
    pub preferences: String,
    pub password_hash: Option<String>,
    pub require_password_change: bool,
    pub avatar_etag: Option<String>,
    pub last_login: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
