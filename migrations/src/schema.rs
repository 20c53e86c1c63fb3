//! Small builders the migrations share. They only spell sea-query statements; they know nothing
//! of today's entities, so history stays frozen.

use sea_orm_migration::prelude::*;

/// An identifier.
pub(crate) fn name(s: &str) -> Alias {
    Alias::new(s)
}

/// `CREATE [UNIQUE] INDEX idx ON table (cols...)`.
pub(crate) fn index(table: &str, idx: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut s = Index::create();
    s.name(idx).table(name(table));
    for c in cols {
        s.col(name(c));
    }
    if unique {
        s.unique();
    }
    s.to_owned()
}

/// Runs raw statements in order, those of the connected backend (for what sea-query cannot say:
/// triggers, virtual tables, expression indexes).
pub(crate) async fn run_raw(
    m: &SchemaManager<'_>,
    sqlite: &[&str],
    postgres: &[&str],
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::DatabaseBackend;
    let statements = match m.get_database_backend() {
        DatabaseBackend::Sqlite => sqlite,
        DatabaseBackend::Postgres => postgres,
        other => {
            return Err(DbErr::Migration(format!(
                "unsupported database backend {other:?}"
            )));
        }
    };
    let db = m.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
