//! Roles and the permission table.

use crate::entity::{permission, role, trash, user_role};
use crate::errors::db_err;
use crate::{Db, Permission, Role};
use apogee_core::{Result, Timestamp};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

/// All roles, by name.
pub async fn all(db: &Db) -> Result<Vec<Role>> {
    role::Entity::find()
        .order_by_asc(role::Column::Name)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Roles changed after a time (`roles.sync`).
pub async fn updated_since(db: &Db, since: i64) -> Result<Vec<Role>> {
    role::Entity::find()
        .filter(role::Column::UpdatedAt.gt(since))
        .order_by_asc(role::Column::Name)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// The role with this id.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Role>> {
    role::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// The role with this name.
pub async fn by_name(db: &Db, name: &str) -> Result<Option<Role>> {
    role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Inserts a role, or does nothing when one with its id exists (seeding).
pub async fn insert_if_missing(db: &Db, r: Role) -> Result<bool> {
    if role::Entity::find_by_id(r.id.clone())
        .one(db.write())
        .await
        .map_err(db_err)?
        .is_some()
    {
        return Ok(false);
    }
    role::Entity::insert(r.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(true)
}

/// Writes a role's columns.
pub async fn update(db: &Db, r: Role) -> Result<Role> {
    r.into_active_model()
        .reset_all()
        .update(db.write())
        .await
        .map_err(db_err)
}

/// Deletes a role, takes it from every user and every permission, and records it in the trash.
pub async fn delete(db: &Db, id: &str) -> Result<()> {
    let now = Timestamp::now().millis();
    let txn = super::begin_write(db).await?;
    role::Entity::delete_by_id(id.to_owned())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::RoleId.eq(id))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    for p in permission::Entity::find().all(&txn).await.map_err(db_err)? {
        let mut roles: Vec<String> = serde_json::from_str(&p.roles).unwrap_or_default();
        if roles.iter().any(|r| r == id) {
            roles.retain(|r| r != id);
            let mut am = p.into_active_model();
            am.roles = sea_orm::Set(serde_json::to_string(&roles).unwrap_or_else(|_| "[]".into()));
            am.updated_at = sea_orm::Set(now);
            am.update(&txn).await.map_err(db_err)?;
        }
    }
    trash::Entity::delete_by_id(("roles".to_owned(), id.to_owned()))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    trash::Entity::insert(trash::ActiveModel {
        collection: sea_orm::Set("roles".to_owned()),
        id: sea_orm::Set(id.to_owned()),
        deleted_at: sea_orm::Set(now),
    })
    .exec(&txn)
    .await
    .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(())
}

/// The whole permission table, by id.
pub async fn permissions(db: &Db) -> Result<Vec<Permission>> {
    permission::Entity::find()
        .order_by_asc(permission::Column::Id)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Permissions changed after a time (`permissions.listAll?updatedSince`).
pub async fn permissions_since(db: &Db, since: i64) -> Result<Vec<Permission>> {
    permission::Entity::find()
        .filter(permission::Column::UpdatedAt.gt(since))
        .order_by_asc(permission::Column::Id)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// One permission.
pub async fn permission(db: &Db, id: &str) -> Result<Option<Permission>> {
    permission::Entity::find_by_id(id.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Sets the roles of a permission, creating the row when missing.
pub async fn set_permission(db: &Db, id: &str, roles: &[String], now: i64) -> Result<Permission> {
    let row = Permission {
        id: id.to_owned(),
        roles: serde_json::to_string(roles).map_err(apogee_core::Error::internal)?,
        updated_at: now,
    };
    let existing = permission::Entity::find_by_id(id.to_owned())
        .one(db.write())
        .await
        .map_err(db_err)?;
    if existing.is_some() {
        row.clone()
            .into_active_model()
            .reset_all()
            .update(db.write())
            .await
            .map_err(db_err)?;
    } else {
        permission::Entity::insert(row.clone().into_active_model())
            .exec(db.write())
            .await
            .map_err(db_err)?;
    }
    Ok(row)
}

/// Inserts a permission with its default roles unless it exists (seeding).
pub async fn seed_permission(db: &Db, id: &str, roles: &[String], now: i64) -> Result<bool> {
    if permission::Entity::find_by_id(id.to_owned())
        .one(db.write())
        .await
        .map_err(db_err)?
        .is_some()
    {
        return Ok(false);
    }
    set_permission(db, id, roles, now).await?;
    Ok(true)
}
