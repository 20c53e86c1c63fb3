//! Queries, grouped by what they touch. Functions take the [`crate::Db`] handle and return domain
//! results; reads use the read pool, writes the (serialized) write connection.

pub mod avatars;
pub mod bulk;
pub mod message_marks;
pub mod messages;
pub mod moderation;
pub mod roles;
pub mod rooms;
pub mod settings;
pub mod stats;
pub mod subscriptions;
pub mod tokens;
pub mod trash;
pub mod users;

/// One page of a list: `offset`, `count` (`None` = no limit) and sort keys in priority order.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Items to skip.
    pub offset: u64,
    /// Items to return at most; `None` means all.
    pub count: Option<u64>,
    /// `(field, ascending)` pairs with Rocket.Chat field names (`username`, `createdAt`, ...).
    pub sort: Vec<(String, bool)>,
}

impl Page {
    /// A page of offset/count over items already in memory.
    pub fn slice<T>(offset: u64, count: Option<u64>, items: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = count.map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX));
        items.into_iter().skip(skip).take(take).collect()
    }
}

/// A case-folded `LIKE '%text%'` pattern in which the user's text matches literally (its `%`, `_`
/// and the escape character itself are escaped).
pub(crate) fn contains_pattern(text: &str) -> sea_orm::sea_query::LikeExpr {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '!' | '%' | '_') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    sea_orm::sea_query::LikeExpr::new(p).escape('!')
}

/// The LIMIT for a page: SQLite rejects OFFSET without LIMIT, so "no limit" is the largest one.
pub(crate) fn limit_of(count: Option<u64>) -> u64 {
    count.unwrap_or(i64::MAX as u64)
}

/// Begins a write transaction. On SQLite it takes the write lock at `BEGIN` (IMMEDIATE): the post
/// writer thread is a second writer, and a deferred transaction that read before writing could
/// not take the lock after that writer's commit (`SQLITE_BUSY_SNAPSHOT`, which waits for nothing).
pub(crate) async fn begin_write(
    db: &crate::Db,
) -> apogee_core::Result<sea_orm::DatabaseTransaction> {
    begin_write_on(db.write()).await
}

/// [`begin_write`] on a given connection.
pub(crate) async fn begin_write_on(
    conn: &sea_orm::DatabaseConnection,
) -> apogee_core::Result<sea_orm::DatabaseTransaction> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    conn.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
    .map_err(crate::errors::db_err)
}

/// The active model that writes exactly the columns in which `after` differs from `before` (the
/// row as it was read), or `None` when nothing changed. Writing only those leaves columns that
/// other writers own untouched.
pub(crate) fn changes<M, A>(before: &M, after: &M) -> Option<A>
where
    M: sea_orm::ModelTrait + sea_orm::IntoActiveModel<A> + Clone,
    A: sea_orm::ActiveModelTrait<Entity = <M as sea_orm::ModelTrait>::Entity>,
{
    use sea_orm::{EntityTrait, Iterable};
    let mut am = before.clone().into_active_model();
    let mut changed = false;
    for col in <<M as sea_orm::ModelTrait>::Entity as EntityTrait>::Column::iter() {
        let v = after.get(col);
        if v != before.get(col) {
            am.set(col, v);
            changed = true;
        }
    }
    changed.then_some(am)
}
