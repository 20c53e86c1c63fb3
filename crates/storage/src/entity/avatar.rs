//! `avatars`: uploaded avatar images, one per owner.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One stored avatar image.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "avatars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub etag: String,
    pub origin: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
