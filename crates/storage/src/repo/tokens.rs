//! Login tokens and personal access tokens (hashes only).

use crate::entity::login_token;
use crate::errors::db_err;
use crate::{Db, LoginToken};
use apogee_core::Result;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};

/// Token kind of a login (resume) token.
pub const KIND_LOGIN: &str = "login";
/// Token kind of a personal access token.
pub const KIND_PAT: &str = "personalAccessToken";

/// Stores a new token.
pub async fn insert(db: &Db, t: LoginToken) -> Result<()> {
    login_token::Entity::insert(t.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The token with this hash.
pub async fn by_hash(db: &Db, hashed: &str) -> Result<Option<LoginToken>> {
    login_token::Entity::find_by_id(hashed.to_owned())
        .one(db.read())
        .await
        .map_err(db_err)
}

/// Deletes one token; `true` when it existed.
pub async fn delete(db: &Db, hashed: &str) -> Result<bool> {
    let r = login_token::Entity::delete_by_id(hashed.to_owned())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(r.rows_affected > 0)
}

/// Deletes all tokens of a user of one kind (or of every kind when `kind` is `None`), except
/// the one hashed `keep`; returns the hashes deleted (so the connections that used them can be
/// closed).
pub async fn delete_all(
    db: &Db,
    user_id: &str,
    kind: Option<&str>,
    keep: Option<&str>,
) -> Result<Vec<String>> {
    let mut q = login_token::Entity::find().filter(login_token::Column::UserId.eq(user_id));
    if let Some(k) = kind {
        q = q.filter(login_token::Column::Kind.eq(k));
    }
    if let Some(h) = keep {
        q = q.filter(login_token::Column::HashedToken.ne(h));
    }
    delete_found(db, q).await
}

/// Deletes the tokens `q` finds and returns their hashes. By hash, so that a token issued
/// between the read and the delete is not removed unannounced.
async fn delete_found(db: &Db, q: sea_orm::Select<login_token::Entity>) -> Result<Vec<String>> {
    let hashes: Vec<String> = q
        .all(db.read())
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|t| t.hashed_token)
        .collect();
    if hashes.is_empty() {
        return Ok(hashes);
    }
    login_token::Entity::delete_many()
        .filter(login_token::Column::HashedToken.is_in(hashes.clone()))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(hashes)
}

/// A user's personal access tokens, oldest first.
pub async fn personal(db: &Db, user_id: &str) -> Result<Vec<LoginToken>> {
    login_token::Entity::find()
        .filter(login_token::Column::UserId.eq(user_id))
        .filter(login_token::Column::Kind.eq(KIND_PAT))
        .order_by_asc(login_token::Column::CreatedAt)
        .all(db.read())
        .await
        .map_err(db_err)
}

/// Deletes a user's personal access token by name; the hashes deleted (empty when there was
/// none).
pub async fn delete_personal(db: &Db, user_id: &str, name: &str) -> Result<Vec<String>> {
    let q = login_token::Entity::find()
        .filter(login_token::Column::UserId.eq(user_id))
        .filter(login_token::Column::Kind.eq(KIND_PAT))
        .filter(login_token::Column::Name.eq(name));
    delete_found(db, q).await
}

/// Removes expired login tokens (housekeeping).
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64> {
    let r = login_token::Entity::delete_many()
        .filter(login_token::Column::ExpiresAt.lt(now))
        .exec(db.write())
        .await
        .map_err(db_err)?;
    db.accounts_changed();
    Ok(r.rows_affected)
}
