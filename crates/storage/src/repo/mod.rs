//! Queries, grouped by what they touch. Functions take the [`crate::Db`] handle and return domain
//! results; reads use the read pool, writes the (serialized) write connection.

pub mod roles;
pub mod rooms;
pub mod settings;
pub mod stats;
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
