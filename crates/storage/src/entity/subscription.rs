//! `subscriptions`: one per member per room.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A membership with its per-user state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rid: String,
    pub user_id: String,
    pub t: String,
    pub name: String,
    pub fname: String,
    pub roles: String,
    pub open: bool,
    pub favorite: bool,
    pub archived: bool,
    pub read_seq: i64,
    pub ls: Option<i64>,
    pub lr: Option<i64>,
    pub user_mentions: i64,
    pub group_mentions: i64,
    pub tunread: String,
    pub prefs: String,
    pub ignored: String,
    pub group_mark: i64,
    pub alert: bool,
    pub tunread_user: String,
    pub tunread_group: String,
    pub ts: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
