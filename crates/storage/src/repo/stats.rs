//! Statistics snapshots.

use crate::entity::statistics;
use crate::errors::db_err;
use crate::{Db, StatisticsRow};
use apogee_core::Result;
use sea_orm::{EntityTrait, IntoActiveModel, PaginatorTrait, QueryOrder, QuerySelect};

/// Stores a snapshot.
pub async fn insert(db: &Db, row: StatisticsRow) -> Result<()> {
    statistics::Entity::insert(row.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The newest snapshot.
pub async fn latest(db: &Db) -> Result<Option<StatisticsRow>> {
    statistics::Entity::find()
        .order_by_desc(statistics::Column::CreatedAt)
        .one(db.read())
        .await
        .map_err(db_err)
}

/// A page of snapshots, newest first, with the total.
pub async fn list(db: &Db, offset: u64, count: Option<u64>) -> Result<(Vec<StatisticsRow>, u64)> {
    let total = statistics::Entity::find()
        .count(db.read())
        .await
        .map_err(db_err)?;
    let mut q = statistics::Entity::find()
        .order_by_desc(statistics::Column::CreatedAt)
        .offset(offset);
    q = q.limit(super::limit_of(count));
    Ok((q.all(db.read()).await.map_err(db_err)?, total))
}
