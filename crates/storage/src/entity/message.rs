//! `messages`.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// A message; `data` holds the optional fields as a JSON object.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub rid: String,
    pub seq: i64,
    pub ts: i64,
    pub updated_at: i64,
    pub u_id: String,
    pub u_username: String,
    pub u_name: Option<String>,
    pub msg: String,
    pub t: Option<String>,
    pub tmid: Option<String>,
    pub pinned: bool,
    pub hidden: bool,
    pub data: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
