//! Subscriptions: one per member per room.

use super::Page;
use crate::entity::{subscription, trash};
use crate::errors::db_err;
use crate::{Db, Subscription};
use apogee_core::Result;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// Trash ids of subscriptions are `<user id>/<subscription id>/<room id>`, so a user's removals
/// can be found, and both ids reported.
fn trash_id(s: &Subscription) -> String {
    format!("{}/{}/{}", s.user_id, s.id, s.rid)
}

/// Stores a new subscription.
pub async fn insert(db: &Db, s: Subscription) -> Result<()> {
    subscription::Entity::insert(s.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Writes the columns of a subscription that differ between `before` (as it was read) and
/// `after`, and returns the stored row. Columns the caller did not change are left alone, so a
/// concurrent write to another column (the post writer's read mark, a mention count, a role) is
/// not undone by this one.
pub async fn update(db: &Db, before: &Subscription, after: Subscription) -> Result<Subscription> {
    match super::changes(before, &after) {
        Some(am) => am.update(db.write()).await.map_err(db_err),
        None => Ok(after),
    }
}

/// Counts a mention of the user in a room and opens the room for them, in one statement (a
/// read-modify-write of the row could lose a concurrent mention or read mark). Returns whether
/// the user has a subscription there.
pub async fn add_user_mention(db: &Db, user_id: &str, rid: &str, now: i64) -> Result<bool> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let res = subscription::Entity::update_many()
        .col_expr(
            subscription::Column::UserMentions,
            Expr::col(subscription::Column::UserMentions).add(1),
        )
        .col_expr(subscription::Column::Open, Expr::value(true))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Rid.eq(rid))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(res.rows_affected > 0)
}

/// A user's subscription to a room.
pub async fn of_user_in_room(db: &Db, user_id: &str, rid: &str) -> Result<Option<Subscription>> {
    if let Some(d) = db.direct() {
        return d.read(|c| of_user_in_room_on(c, user_id, rid));
    }
    subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Rid.eq(rid))
        .one(db.read())
        .await
        .map_err(db_err)
}

/// [`of_user_in_room`] on a SQLite connection the caller holds.
pub(crate) fn of_user_in_room_on(
    c: &rusqlite::Connection,
    user_id: &str,
    rid: &str,
) -> rusqlite::Result<Option<Subscription>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached(concat!(
        "SELECT ",
        crate::direct::subscription_columns!(),
        " FROM subscriptions WHERE user_id = ?1 AND rid = ?2"
    ))?
    .query_row([user_id, rid], crate::direct::subscription)
    .optional()
}

/// A user's subscriptions (all, or those changed after `since`), oldest first.
pub async fn of_user(db: &Db, user_id: &str, since: Option<i64>) -> Result<Vec<Subscription>> {
    if let Some(d) = db.direct() {
        use crate::direct::{subscription, subscription_columns};
        return d.read(|c| {
            c.prepare_cached(concat!(
                "SELECT ",
                subscription_columns!(),
                " FROM subscriptions WHERE user_id = ?1 AND updated_at > ?2 ORDER BY ts"
            ))?
            .query_map(
                rusqlite::params![user_id, since.unwrap_or(i64::MIN)],
                subscription,
            )?
            .collect()
        });
    }
    let mut q = subscription::Entity::find().filter(subscription::Column::UserId.eq(user_id));
    if let Some(t) = since {
        q = q.filter(subscription::Column::UpdatedAt.gt(t));
    }
    q.order_by_asc(subscription::Column::Ts)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// `(subscription id, room id)` of a user's subscriptions removed after `since`.
pub async fn removed_since(db: &Db, user_id: &str, since: i64) -> Result<Vec<(String, String)>> {
    let prefix = format!("{user_id}/");
    Ok(super::trash::since(db, "subscriptions", since)
        .await?
        .into_iter()
        .filter_map(|(id, _)| {
            let rest = id.strip_prefix(&prefix)?;
            let (sub, rid) = rest.split_once('/')?;
            Some((sub.to_owned(), rid.to_owned()))
        })
        .collect())
}

/// A page of a room's members' subscriptions (by name), with the total.
pub async fn of_room(db: &Db, rid: &str, page: &Page) -> Result<(Vec<Subscription>, u64)> {
    let base = subscription::Entity::find().filter(subscription::Column::Rid.eq(rid));
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let rows = base
        .order_by_asc(subscription::Column::Ts)
        .order_by_asc(subscription::Column::Id)
        .offset(page.offset)
        .limit(super::limit_of(page.count))
        .all(db.read())
        .await
        .map_err(db_err)?;
    Ok((rows, total))
}

/// Removes a user's subscription to a room (recording it for sync); `None` when there was none.
pub async fn delete(db: &Db, user_id: &str, rid: &str, now: i64) -> Result<Option<Subscription>> {
    let txn = super::begin_write(db).await?;
    let Some(s) = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Rid.eq(rid))
        .one(&txn)
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    subscription::Entity::delete_by_id(s.id.clone())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    trash::Entity::insert(trash::ActiveModel {
        collection: sea_orm::Set("subscriptions".to_owned()),
        id: sea_orm::Set(trash_id(&s)),
        deleted_at: sea_orm::Set(now),
    })
    .exec(&txn)
    .await
    .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    Ok(Some(s))
}

/// Copies a room's name and archived flag into all its subscriptions (rename, archive).
pub async fn sync_room_fields(
    db: &Db,
    rid: &str,
    name: &str,
    fname: &str,
    archived: bool,
    now: i64,
) -> Result<()> {
    use sea_orm::sea_query::Expr;
    subscription::Entity::update_many()
        .col_expr(subscription::Column::Name, Expr::value(name.to_owned()))
        .col_expr(subscription::Column::Fname, Expr::value(fname.to_owned()))
        .col_expr(subscription::Column::Archived, Expr::value(archived))
        .col_expr(subscription::Column::UpdatedAt, Expr::value(now))
        .filter(subscription::Column::Rid.eq(rid))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}
