//! Mapping database errors onto the domain error.

use apogee_core::Error;
use sea_orm::{DbErr, SqlErr};

/// Converts a database error: unique-key conflicts become a Meteor error clients can read,
/// everything else is internal (logged, never shown).
pub(crate) fn db_err(e: DbErr) -> Error {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Error::meteor(
            "error-duplicate-key",
            "A record with this key already exists",
        ),
        _ => Error::internal(e),
    }
}
