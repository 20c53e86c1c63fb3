//! Uploaded avatars and the `avatarETag` of their owners, changed together.

use crate::entity::{avatar, user};
use crate::errors::db_err;
use crate::{Avatar, Db};
use apogee_core::Result;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};

/// The stored avatar of this owner (a user id), if any.
pub async fn get(db: &Db, owner: &str) -> Result<Option<Avatar>> {
    avatar::Entity::find_by_id(owner.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Stores `a` as the avatar of user `a.owner` (replacing any earlier one) and sets the user's
/// `avatarETag` to `a.etag`, in one transaction; `false` when the user does not exist.
pub async fn set_for_user(db: &Db, a: Avatar) -> Result<bool> {
    let txn = super::begin_write(db).await?;
    let updated = user::Entity::update_many()
        .col_expr(user::Column::AvatarEtag, Expr::value(a.etag.clone()))
        .col_expr(user::Column::UpdatedAt, Expr::value(a.updated_at))
        .filter(user::Column::Id.eq(a.owner.clone()))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    avatar::Entity::insert(a.into_active_model())
        .on_conflict(
            OnConflict::column(avatar::Column::Owner)
                .update_columns([
                    avatar::Column::ContentType,
                    avatar::Column::Data,
                    avatar::Column::Etag,
                    avatar::Column::Origin,
                    avatar::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(true)
}

/// Removes a user's uploaded avatar and clears their `avatarETag` (back to initials); `false`
/// when the user does not exist.
pub async fn reset_for_user(db: &Db, user_id: &str, now: i64) -> Result<bool> {
    let txn = super::begin_write(db).await?;
    let updated = user::Entity::update_many()
        .col_expr(
            user::Column::AvatarEtag,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    avatar::Entity::delete_by_id(user_id.to_owned())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    db.accounts_changed();
    Ok(updated.rows_affected > 0)
}
