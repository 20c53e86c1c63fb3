//! Rooms (the foundation only seeds and counts them; the rooms crate owns their behaviour).

use crate::entity::room;
use crate::errors::db_err;
use crate::{Db, Room};
use apogee_core::Result;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter};

/// Inserts a room unless one with its id exists (seeding `GENERAL`).
pub async fn insert_if_missing(db: &Db, r: Room) -> Result<bool> {
    if room::Entity::find_by_id(r.id.clone())
        .one(db.write())
        .await
        .map_err(db_err)?
        .is_some()
    {
        return Ok(false);
    }
    room::Entity::insert(r.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(true)
}

/// The room with this id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Room>> {
    room::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Number of rooms of a type (`c`, `p`, `d`), or of all types.
pub async fn count(db: &Db, t: Option<&str>) -> Result<u64> {
    let mut q = room::Entity::find();
    if let Some(t) = t {
        q = q.filter(room::Column::T.eq(t));
    }
    q.count(db.read()).await.map_err(db_err)
}

/// Sum of `msgs` over all rooms (statistics).
pub async fn total_messages(db: &Db) -> Result<i64> {
    let rooms = room::Entity::find().all(db.read()).await.map_err(db_err)?;
    Ok(rooms.iter().map(|r| r.msgs).sum())
}

/// A page of public channels whose name contains `text` (case-insensitive), by name, with the total.
pub async fn search_public(db: &Db, text: &str, page: &crate::Page) -> Result<(Vec<Room>, u64)> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    use sea_orm::{QueryOrder, QuerySelect};
    let pattern = super::contains_pattern(text);
    let base = room::Entity::find()
        .filter(room::Column::T.eq("c"))
        .filter(Expr::expr(Func::lower(Expr::col(room::Column::Name))).like(pattern));
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let mut q = base.order_by_asc(room::Column::Name).offset(page.offset);
    q = q.limit(super::limit_of(page.count));
    Ok((q.all(db.read()).await.map_err(db_err)?, total))
}
