//! Rooms (the foundation only seeds and counts them; the rooms crate owns their behaviour).

use crate::entity::room;
use crate::errors::db_err;
use crate::{Db, Room, Subscription};
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
    if let Some(d) = db.direct() {
        return d.read(|c| by_id_on(c, id));
    }
    room::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// [`by_id`] on a SQLite connection the caller holds.
fn by_id_on(c: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Room>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached(concat!(
        "SELECT ",
        crate::direct::room_columns!(),
        " FROM rooms WHERE id = ?1"
    ))?
    .query_row([id], crate::direct::room)
    .optional()
}

/// The room with this id and `user_id`'s subscription to it (`None`: no such room).
///
/// On SQLite both rows come from one read transaction: a statement on its own takes and drops
/// SQLite's read lock (two system calls, and on a quiet server the cold path through the log
/// index), and every post begins with these two reads.
pub async fn by_id_with_subscription(
    db: &Db,
    id: &str,
    user_id: &str,
) -> Result<Option<(Room, Option<Subscription>)>> {
    if let Some(d) = db.direct() {
        return d.read(|c| {
            crate::direct::in_read_transaction(c, |c| {
                let Some(room) = by_id_on(c, id)? else {
                    return Ok(None);
                };
                let sub = super::subscriptions::of_user_in_room_on(c, user_id, id)?;
                Ok(Some((room, sub)))
            })
        });
    }
    let Some(room) = by_id(db, id).await? else {
        return Ok(None);
    };
    let sub = super::subscriptions::of_user_in_room(db, user_id, id).await?;
    Ok(Some((room, sub)))
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

/// Stores a new room.
pub async fn insert(db: &Db, r: Room) -> Result<()> {
    room::Entity::insert(r.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Writes a room's descriptive columns (everything but the counters other writers keep: `seq`,
/// `msgs`, the last message, `usersCount`, `mver`, `group_mentions`) and returns the stored row.
///
/// The counters are left out because the caller read the room earlier: writing its copy back
/// would undo posts and joins committed in between (and hand out a sequence number twice).
pub async fn update(db: &Db, r: Room) -> Result<Room> {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet};
    let mut am = r.into_active_model().reset_all();
    am.seq = NotSet;
    am.msgs = NotSet;
    am.last_message = NotSet;
    am.last_message_at = NotSet;
    am.users_count = NotSet;
    am.mver = NotSet;
    am.group_mentions = NotSet;
    am.update(db.write()).await.map_err(db_err)
}

/// The room with this name (case-insensitive).
pub async fn by_name(db: &Db, name: &str) -> Result<Option<Room>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    // Every `#word` of a new message is looked up here: on the hot path, so read directly (and
    // through the `rooms_name_lower` index).
    if let Some(d) = db.direct() {
        use rusqlite::OptionalExtension;
        let lower = name.to_lowercase();
        return d.read(|c| {
            c.prepare_cached(concat!(
                "SELECT ",
                crate::direct::room_columns!(),
                " FROM rooms WHERE lower(name) = ?1 LIMIT 1"
            ))?
            .query_row([&lower], crate::direct::room)
            .optional()
        });
    }
    room::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(room::Column::Name))).eq(name.to_lowercase()))
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Rooms with these ids.
pub async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<Room>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    room::Entity::find()
        .filter(room::Column::Id.is_in(ids.iter().cloned()))
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Channels and groups new users join.
pub async fn defaults(db: &Db) -> Result<Vec<Room>> {
    room::Entity::find()
        .filter(room::Column::IsDefault.eq(true))
        .filter(room::Column::T.is_in(["c", "p"]))
        .all(db.read())
        .await
        .map_err(db_err)
}

/// A page of rooms of one type, by name, with the total.
pub async fn list_by_type(db: &Db, t: &str, page: &crate::Page) -> Result<(Vec<Room>, u64)> {
    use sea_orm::{Order, QueryOrder, QuerySelect};
    let base = room::Entity::find().filter(room::Column::T.eq(t));
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let mut q = base;
    for (field, asc) in &page.sort {
        let col = match field.as_str() {
            "name" => room::Column::Name,
            "ts" => room::Column::CreatedAt,
            "_updatedAt" => room::Column::UpdatedAt,
            "usersCount" => room::Column::UsersCount,
            "msgs" => room::Column::Msgs,
            "lm" => room::Column::LastMessageAt,
            _ => continue,
        };
        q = q.order_by(col, if *asc { Order::Asc } else { Order::Desc });
    }
    q = q
        .order_by_asc(room::Column::Name)
        .order_by_asc(room::Column::Id)
        .offset(page.offset);
    q = q.limit(super::limit_of(page.count));
    Ok((q.all(db.read()).await.map_err(db_err)?, total))
}

/// Adds `delta` to a room's member count and bumps its `updated_at`.
pub async fn add_users_count(db: &Db, id: &str, delta: i64, now: i64) -> Result<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    room::Entity::update_many()
        .col_expr(
            room::Column::UsersCount,
            Expr::col(room::Column::UsersCount).add(delta),
        )
        .col_expr(room::Column::UpdatedAt, Expr::value(now))
        .filter(room::Column::Id.eq(id))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Deletes a room (its subscriptions and messages go with it) and records it for sync.
pub async fn delete(db: &Db, id: &str, now: i64) -> Result<()> {
    use crate::entity::trash;

    let txn = super::begin_write(db).await?;
    room::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    trash::Entity::delete_by_id(("rooms".to_owned(), id.to_owned()))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    trash::Entity::insert(trash::ActiveModel {
        collection: sea_orm::Set("rooms".to_owned()),
        id: sea_orm::Set(id.to_owned()),
        deleted_at: sea_orm::Set(now),
    })
    .exec(&txn)
    .await
    .map_err(db_err)?;
    txn.commit().await.map_err(db_err)
}

/// A page of rooms for administrators: of the given types (all when empty) whose name or display
/// name contains `text` (case-insensitive), sorted by `page.sort` then name, with the total.
pub async fn admin_search(
    db: &Db,
    types: &[String],
    text: &str,
    page: &crate::Page,
) -> Result<(Vec<Room>, u64)> {
    use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
    use sea_orm::{Order, QueryOrder, QuerySelect};
    let mut base = room::Entity::find();
    if !types.is_empty() {
        base = base.filter(room::Column::T.is_in(types.iter().cloned()));
    }
    if !text.is_empty() {
        let lower = |c: room::Column| Expr::expr(Func::lower(Expr::col(c)));
        base = base.filter(
            Condition::any()
                .add(lower(room::Column::Name).like(super::contains_pattern(text)))
                .add(lower(room::Column::Fname).like(super::contains_pattern(text))),
        );
    }
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let mut q = base;
    for (field, asc) in &page.sort {
        let col = match field.as_str() {
            "name" => room::Column::Name,
            "fname" => room::Column::Fname,
            "t" => room::Column::T,
            "ts" => room::Column::CreatedAt,
            "_updatedAt" => room::Column::UpdatedAt,
            "usersCount" => room::Column::UsersCount,
            "msgs" => room::Column::Msgs,
            "lm" => room::Column::LastMessageAt,
            "default" => room::Column::IsDefault,
            "featured" => room::Column::Featured,
            _ => continue,
        };
        q = q.order_by(col, if *asc { Order::Asc } else { Order::Desc });
    }
    q = q
        .order_by_asc(room::Column::Name)
        .order_by_asc(room::Column::Id)
        .offset(page.offset)
        .limit(super::limit_of(page.count));
    Ok((q.all(db.read()).await.map_err(db_err)?, total))
}

/// Discussions of a room (rooms whose `prid` is it).
pub async fn discussions_of(db: &Db, prid: &str) -> Result<Vec<Room>> {
    room::Entity::find()
        .filter(room::Column::Prid.eq(prid))
        .all(db.read())
        .await
        .map_err(db_err)
}
