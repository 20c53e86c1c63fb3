//! Deleted-record ids, for the `remove` half of sync answers.

use crate::Db;
use crate::entity::trash;
use crate::errors::db_err;
use apogee_core::Result;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Ids deleted from a collection after a time, oldest first, with their deletion times.
pub async fn since(db: &Db, collection: &str, since: i64) -> Result<Vec<(String, i64)>> {
    Ok(trash::Entity::find()
        .filter(trash::Column::Collection.eq(collection))
        .filter(trash::Column::DeletedAt.gt(since))
        .order_by_asc(trash::Column::DeletedAt)
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|t| (t.id, t.deleted_at))
        .collect())
}
