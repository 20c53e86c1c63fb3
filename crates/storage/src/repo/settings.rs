//! Stored setting values.

use crate::entity::setting;
use crate::errors::db_err;
use crate::{Db, Setting};
use apogee_core::Result;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};

/// Every stored setting value.
pub async fn all(db: &Db) -> Result<Vec<Setting>> {
    setting::Entity::find().all(db.read()).await.map_err(db_err)
}

/// Writes a value (JSON text), inserting the row when missing.
pub async fn put(db: &Db, id: &str, value_json: String, now: i64) -> Result<()> {
    let row = Setting {
        id: id.to_owned(),
        value: value_json,
        updated_at: now,
    };
    let exists = setting::Entity::find_by_id(id.to_owned())
        .one(db.write())
        .await
        .map_err(db_err)?
        .is_some();
    if exists {
        row.into_active_model()
            .reset_all()
            .update(db.write())
            .await
            .map_err(db_err)?;
    } else {
        setting::Entity::insert(row.into_active_model())
            .exec(db.write())
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
