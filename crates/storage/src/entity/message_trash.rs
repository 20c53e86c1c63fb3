//! `message_trash`: deleted messages as they were, for the `remove` half of thread sync answers.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A deleted message; `doc` holds its columns as JSON (a [`super::message::Model`]).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_trash")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rid: String,
    pub tmid: Option<String>,
    pub thread_root: bool,
    pub doc: String,
    pub deleted_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
