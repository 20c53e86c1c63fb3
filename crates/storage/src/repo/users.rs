//! Accounts and their global roles.

use super::Page;
use crate::entity::{trash, user, user_role};
use crate::errors::db_err;
use crate::{Db, User};
use apogee_core::{Result, Timestamp};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Inserts a new account with its roles, in one transaction.
pub async fn insert(db: &Db, u: User, roles: &[String]) -> Result<()> {
    let txn = super::begin_write(db).await?;
    let id = u.id.clone();
    user::Entity::insert(u.into_active_model())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    for r in roles {
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: sea_orm::Set(id.clone()),
            role_id: sea_orm::Set(r.clone()),
        })
        .exec(&txn)
        .await
        .map_err(db_err)?;
    }
    txn.commit().await.map_err(db_err)
}

/// Writes every column of an account (the caller loaded it, changed fields, bumped `updated_at`).
pub async fn update(db: &Db, u: User) -> Result<User> {
    let saved = u
        .into_active_model()
        .reset_all()
        .update(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(saved)
}

/// Writes a user's presence (`status`, `statusConnection`) and nothing else, so that a concurrent
/// profile change is not undone.
pub async fn set_presence(
    db: &Db,
    user_id: &str,
    status: &str,
    status_connection: &str,
    now: i64,
) -> Result<()> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status))
        .col_expr(
            user::Column::StatusConnection,
            Expr::value(status_connection),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(())
}

/// Marks every user offline (no sessions exist when the server starts); the number changed.
pub async fn reset_presence(db: &Db, now: i64) -> Result<u64> {
    let res = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value("offline"))
        .col_expr(user::Column::StatusConnection, Expr::value("offline"))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(
            Condition::any()
                .add(user::Column::Status.ne("offline"))
                .add(user::Column::StatusConnection.ne("offline")),
        )
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(res.rows_affected)
}

/// Deletes an account (its roles and tokens go with it) and records it in the trash.
pub async fn delete(db: &Db, id: &str) -> Result<bool> {
    let txn = super::begin_write(db).await?;
    let res = user::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    if res.rows_affected > 0 {
        crate::entity::avatar::Entity::delete_by_id(id.to_owned())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        trash::Entity::delete_by_id(("users".to_owned(), id.to_owned()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        trash::Entity::insert(trash::ActiveModel {
            collection: sea_orm::Set("users".to_owned()),
            id: sea_orm::Set(id.to_owned()),
            deleted_at: sea_orm::Set(Timestamp::now().millis()),
        })
        .exec(&txn)
        .await
        .map_err(db_err)?;
    }
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(res.rows_affected > 0)
}

/// The account with this id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<User>> {
    user::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// The account with this username (case-insensitive).
pub async fn by_username(db: &Db, username: &str) -> Result<Option<User>> {
    user::Entity::find()
        .filter(user::Column::UsernameLower.eq(username.to_lowercase()))
        .one(db.read())
        .await
        .map_err(db_err)
}

/// The account with this email (case-insensitive).
pub async fn by_email(db: &Db, email: &str) -> Result<Option<User>> {
    user::Entity::find()
        .filter(user::Column::EmailLower.eq(email.to_lowercase()))
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Accounts with these ids, in no particular order.
pub async fn by_ids(db: &Db, ids: &[String]) -> Result<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().cloned()))
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Global roles of one account, sorted.
pub async fn roles_of(db: &Db, user_id: &str) -> Result<Vec<String>> {
    let mut roles: Vec<String> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|r| r.role_id)
        .collect();
    roles.sort();
    Ok(roles)
}

/// Global roles of many accounts at once (one query for a whole page).
pub async fn roles_of_many(db: &Db, ids: &[String]) -> Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(ids.iter().cloned()))
        .all(db.read())
        .await
        .map_err(db_err)?
    {
        out.entry(r.user_id).or_default().push(r.role_id);
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

/// Gives a role to an account; `false` if it already had it.
pub async fn add_role(db: &Db, user_id: &str, role: &str) -> Result<bool> {
    let exists = user_role::Entity::find_by_id((user_id.to_owned(), role.to_owned()))
        .one(db.write())
        .await
        .map_err(db_err)?
        .is_some();
    if exists {
        return Ok(false);
    }
    user_role::Entity::insert(user_role::ActiveModel {
        user_id: sea_orm::Set(user_id.to_owned()),
        role_id: sea_orm::Set(role.to_owned()),
    })
    .exec(db.write())
    .await
    .map_err(db_err)?;
    touch(db, user_id).await?;
    Ok(true)
}

/// Takes a role from an account; `false` if it did not have it.
pub async fn remove_role(db: &Db, user_id: &str, role: &str) -> Result<bool> {
    let res = user_role::Entity::delete_by_id((user_id.to_owned(), role.to_owned()))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    if res.rows_affected > 0 {
        touch(db, user_id).await?;
    }
    Ok(res.rows_affected > 0)
}

/// Replaces all global roles of an account.
pub async fn set_roles(db: &Db, user_id: &str, roles: &[String]) -> Result<()> {
    let txn = super::begin_write(db).await?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    for r in roles {
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: sea_orm::Set(user_id.to_owned()),
            role_id: sea_orm::Set(r.clone()),
        })
        .exec(&txn)
        .await
        .map_err(db_err)?;
    }
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(())
}

/// Bumps `updated_at` of an account (its projection changed, e.g. roles).
async fn touch(db: &Db, user_id: &str) -> Result<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::UpdatedAt,
            Expr::value(Timestamp::now().millis()),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(())
}

/// Number of accounts holding a role.
pub async fn count_in_role(db: &Db, role: &str) -> Result<u64> {
    user_role::Entity::find()
        .filter(user_role::Column::RoleId.eq(role))
        .count(db.read())
        .await
        .map_err(db_err)
}

/// A page of the accounts holding a role, by username, with the total.
pub async fn in_role(db: &Db, role: &str, page: &Page) -> Result<(Vec<User>, u64)> {
    let total = count_in_role(db, role).await?;
    let mut q = user_role::Entity::find()
        .filter(user_role::Column::RoleId.eq(role))
        .order_by_asc(user_role::Column::UserId)
        .offset(page.offset);
    q = q.limit(super::limit_of(page.count));
    let ids: Vec<String> = q
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    let mut users = by_ids(db, &ids).await?;
    users.sort_by(|a, b| a.username_lower.cmp(&b.username_lower));
    Ok((users, total))
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Case-insensitive text matched against username (prefix and substring) and name.
    pub text: Option<String>,
    /// Only active accounts.
    pub active_only: bool,
    /// Leave out these user ids.
    pub exclude: Vec<String>,
}

/// A page of accounts matching a filter, with the total count.
pub async fn list(db: &Db, filter: &UserFilter, page: &Page) -> Result<(Vec<User>, u64)> {
    let mut cond = Condition::all();
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        let pattern = super::contains_pattern(text);
        cond = cond.add(
            Condition::any()
                .add(user::Column::UsernameLower.like(pattern.clone()))
                .add(Expr::expr(Func::lower(Expr::col(user::Column::Name))).like(pattern)),
        );
    }
    if filter.active_only {
        cond = cond.add(user::Column::Active.eq(true));
    }
    if !filter.exclude.is_empty() {
        cond = cond.add(user::Column::Id.is_not_in(filter.exclude.iter().cloned()));
    }
    let base = user::Entity::find().filter(cond);
    let total = base.clone().count(db.read()).await.map_err(db_err)?;
    let mut q = base;
    for (field, asc) in &page.sort {
        let col = match field.as_str() {
            "username" => user::Column::UsernameLower,
            "name" => user::Column::Name,
            "createdAt" => user::Column::CreatedAt,
            "_updatedAt" => user::Column::UpdatedAt,
            "status" => user::Column::Status,
            "active" => user::Column::Active,
            "lastLogin" => user::Column::LastLogin,
            "type" => user::Column::UserType,
            _ => continue,
        };
        q = q.order_by(col, if *asc { Order::Asc } else { Order::Desc });
    }
    // A stable tie-breaker, so that offset paging never repeats or skips rows.
    q = q
        .order_by_asc(user::Column::UsernameLower)
        .offset(page.offset);
    q = q.limit(super::limit_of(page.count));
    Ok((q.all(db.read()).await.map_err(db_err)?, total))
}

/// Counts for statistics: (all, active, by type user/bot/app, online, away, busy, offline).
pub async fn counts(db: &Db) -> Result<HashMap<&'static str, u64>> {
    let mut out = HashMap::new();
    let conn = db.read();
    out.insert(
        "total",
        user::Entity::find().count(conn).await.map_err(db_err)?,
    );
    out.insert(
        "active",
        user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .count(conn)
            .await
            .map_err(db_err)?,
    );
    for (key, ty) in [("users", "user"), ("bots", "bot"), ("apps", "app")] {
        out.insert(
            key,
            user::Entity::find()
                .filter(user::Column::UserType.eq(ty))
                .count(conn)
                .await
                .map_err(db_err)?,
        );
    }
    for s in ["online", "away", "busy", "offline"] {
        out.insert(
            s,
            user::Entity::find()
                .filter(user::Column::Status.eq(s))
                .count(conn)
                .await
                .map_err(db_err)?,
        );
    }
    Ok(out)
}
