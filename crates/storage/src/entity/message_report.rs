//! `message_reports`: messages reported to the moderators (`chat.reportMessage`).
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A report; `message`, `room` and `reported_by` are JSON snapshots taken when it was made.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub message_id: String,
    pub rid: String,
    pub description: String,
    pub message: String,
    pub room: String,
    pub reported_by_id: String,
    pub reported_by: String,
    pub ts: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
