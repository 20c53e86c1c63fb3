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
