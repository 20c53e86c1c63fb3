//! Apogee's storage: sea-orm entities, the queries the domain crates need, and the database
//! connection. SQLite (bundled, WAL, one serialized writer) by default; PostgreSQL when the URL says
//! `postgres://`. Only this crate and `apogee-migrations` touch sea-orm.

mod checkpoint;
mod db;
mod direct;
pub mod entity;
mod errors;
mod group_commit;
pub mod repo;
mod search_index;
mod wal_sync;

pub use db::{Backend, Db, DbOptions, create_postgres_database, drop_postgres_database};
pub use entity::{
    avatar::Model as Avatar, login_token::Model as LoginToken, message::Model as Message,
    permission::Model as Permission, role::Model as Role, room::Model as Room,
    setting::Model as Setting, statistics::Model as StatisticsRow,
    subscription::Model as Subscription, user::Model as User,
};
pub use repo::Page;
