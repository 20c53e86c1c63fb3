//! Reported messages (`chat.reportMessage`).

use crate::Db;
use crate::entity::message_report;
use crate::errors::db_err;
use apogee_core::Result;
use sea_orm::{EntityTrait, IntoActiveModel};

/// A stored report.
pub type Report = message_report::Model;

/// Stores a report.
pub async fn insert(db: &Db, r: Report) -> Result<()> {
    message_report::Entity::insert(r.into_active_model())
        .exec(db.write())
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The reports of a message, oldest first.
pub async fn of_message(db: &Db, message_id: &str) -> Result<Vec<Report>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    message_report::Entity::find()
        .filter(message_report::Column::MessageId.eq(message_id))
        .order_by_asc(message_report::Column::Ts)
        .all(db.read())
        .await
        .map_err(db_err)
}
