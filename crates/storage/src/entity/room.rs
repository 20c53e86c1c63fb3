//! `rooms`: channels, private groups and direct messages.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A room.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rooms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub t: String,
    pub name: Option<String>,
    pub fname: Option<String>,
    pub creator_id: Option<String>,
    pub topic: Option<String>,
    pub description: Option<String>,
    pub announcement: Option<String>,
    pub read_only: bool,
    pub is_default: bool,
    pub featured: bool,
    pub archived: bool,
    pub msgs: i64,
    pub users_count: i64,
    pub last_message_at: Option<i64>,
    pub custom_fields: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub creator_username: Option<String>,
    pub sys_mes: bool,
    pub broadcast: bool,
    pub encrypted: bool,
    pub react_when_read_only: bool,
    pub join_code_hash: Option<String>,
    pub muted: String,
    pub unmuted: String,
    pub group_mentions: i64,
    pub last_message: Option<String>,
    pub seq: i64,
    pub uids: Option<String>,
    pub usernames: Option<String>,
    pub prid: Option<String>,
    pub team_id: Option<String>,
    pub avatar_etag: Option<String>,
    pub mver: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
