//! `login_tokens`: login (resume) tokens and personal access tokens, stored only as hashes.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

/// One token of one user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hashed_token: String,
    pub user_id: String,
    pub kind: String,
    pub name: Option<String>,
    pub last_token_part: Option<String>,
    pub bypass_two_factor: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
