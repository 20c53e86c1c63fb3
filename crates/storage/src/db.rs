//! Connecting to the database and applying migrations.

use crate::direct::Direct;
use crate::errors::db_err;
use crate::group_commit::Poster;
use apogee_core::{Error, Result};
use apogee_migrations::Migrator;
use apogee_migrations::MigratorTrait;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Tuning knobs for a connection, from the server config.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Largest number of pooled reading connections (PostgreSQL: all connections).
    pub max_connections: u32,
    /// SQLite `synchronous` pragma: `full` (durable across power loss) or `normal` (durable across
    /// process crashes, faster).
    pub sqlite_synchronous: String,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            sqlite_synchronous: "full".to_owned(),
        }
    }
}

/// The database handle every repository function takes.
///
/// SQLite allows one writer at a time, so writes go through `writer`, a pool of exactly one
/// connection: concurrent writers queue in the pool instead of failing with `SQLITE_BUSY`, while
/// readers use their own pool and never block on the writer (WAL). On PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Db {
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    backend: Backend,
    accounts_gen: Arc<AtomicU64>,
    poster: Poster,
    /// Direct access to a SQLite database file (not PostgreSQL, not `:memory:`).
    direct: Option<Direct>,
}

impl Db {
    /// Connects by URL (`sqlite://path?mode=rwc`, `sqlite:path`, `postgres://...`) without migrating.
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut o = ConnectOptions::new(url.to_owned());
            o.max_connections(opts.max_connections.max(2))
                .min_connections(1)
                .connect_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let conn = Database::connect(o).await.map_err(|e| {
                Error::internal(format!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact(url)
                ))
            })?;
            return Ok(Self {
                reader: conn.clone(),
                poster: Poster::start(conn.clone()),
                writer: conn,
                backend: Backend::Postgres,
                accounts_gen: Arc::default(),
                direct: None,
            });
        }
        if !url.starts_with("sqlite:") {
            // A loud error: a typo must not silently create an empty database somewhere else.
            return Err(Error::internal(format!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://...",
                redact(url)
            )));
        }
        let sync = match opts.sqlite_synchronous.as_str() {
            "normal" => SqliteSynchronous::Normal,
            "full" => SqliteSynchronous::Full,
            other => {
                return Err(Error::internal(format!(
                    "database.sqlite_synchronous must be \"full\" or \"normal\", not {other:?}"
                )));
            }
        };
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::internal(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .foreign_keys(true)
            // Another process (e.g. `apogee user add` while the server runs) may hold the write lock.
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-4000")
            .pragma("temp_store", "memory")
            // Checkpoints run on their own thread (`checkpoint`), never inside a COMMIT.
            .pragma("wal_autocheckpoint", "0");
        // No ping before handing out a connection: an embedded database cannot have gone away,
        // and on sqlx-sqlite each ping is a round trip to the connection's worker thread.
        let writer_pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.clone())
            .await
            .map_err(|e| Error::internal(format!("cannot open SQLite database {url:?}: {e}")))?;
        if url.contains(":memory:") {
            // Each connection to `:memory:` is its own database: reads must share the writer.
            let conn = SqlxSqliteConnector::from_sqlx_sqlite_pool(writer_pool);
            return Ok(Self {
                reader: conn.clone(),
                poster: Poster::start(conn.clone()),
                writer: conn,
                backend: Backend::Sqlite,
                accounts_gen: Arc::default(),
                direct: None,
            });
        }
        let direct = Direct::new(base.get_filename().to_path_buf());
        let poster = Poster::start_sqlite(&direct, &opts.sqlite_synchronous)?;
        crate::checkpoint::start(&direct, &opts.sqlite_synchronous)?;
        let reader_pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(opts.max_connections.max(1))
            .min_connections(1)
            .connect_with(base)
            .await
            .map_err(|e| Error::internal(format!("cannot open SQLite database {url:?}: {e}")))?;
        let writer = SqlxSqliteConnector::from_sqlx_sqlite_pool(writer_pool);
        Ok(Self {
            reader: SqlxSqliteConnector::from_sqlx_sqlite_pool(reader_pool),
            poster,
            writer,
            backend: Backend::Sqlite,
            accounts_gen: Arc::default(),
            direct: Some(direct),
        })
    }

    /// Connects and applies pending migrations: what `apogee serve` and `apogee migrate` do.
    pub async fn open(url: &str, opts: &DbOptions) -> Result<Self> {
        let db = Self::connect(url, opts).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.writer, None).await.map_err(db_err)
    }

    /// A counter bumped by every write that can change who a token authenticates as, or what
    /// that account looks like (users, roles, tokens): caches of authenticated callers compare it.
    pub fn accounts_generation(&self) -> u64 {
        self.accounts_gen.load(Ordering::Acquire)
    }

    /// Marks account data as changed (called by the repository functions that write it).
    pub(crate) fn accounts_changed(&self) {
        self.accounts_gen.fetch_add(1, Ordering::AcqRel);
    }

    /// The engine behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool for reads.
    pub(crate) fn read(&self) -> &DatabaseConnection {
        &self.reader
    }

    /// The connection for writes (serialized on SQLite).
    pub(crate) fn write(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// The group-commit writer of message posts.
    pub(crate) fn poster(&self) -> &Poster {
        &self.poster
    }

    /// Direct access to the SQLite file, when that is what this is (see `direct`).
    pub(crate) fn direct(&self) -> Option<&Direct> {
        self.direct.as_ref()
    }

    /// Closes the pools (at shutdown). SQLite checkpoints its WAL first: the direct connections
    /// of other threads may outlive the pools, and only the last connection to close does that.
    pub async fn close(self) {
        if self.backend == Backend::Sqlite {
            use sea_orm::ConnectionTrait;
            let _ = self
                .writer
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await;
        }
        let _ = self.reader.close().await;
        let _ = self.writer.close().await;
    }
}

/// Creates a fresh, empty PostgreSQL database next to `base_url` and returns its URL (tests only).
pub async fn create_postgres_database(base_url: &str, name: &str) -> Result<String> {
    use sea_orm::ConnectionTrait;
    let conn = Database::connect(base_url).await.map_err(db_err)?;
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(db_err)?;
    let _ = conn.close().await;
    let (prefix, _) = base_url
        .rsplit_once('/')
        .ok_or_else(|| Error::internal("database URL has no database name"))?;
    Ok(format!("{prefix}/{name}"))
}

/// A URL with its password hidden, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Drops a database made by [`create_postgres_database`] (tests only).
pub async fn drop_postgres_database(base_url: &str, name: &str) -> Result<()> {
    use sea_orm::ConnectionTrait;
    let conn = Database::connect(base_url).await.map_err(db_err)?;
    conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .map_err(db_err)?;
    let _ = conn.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Statement};

    /// `.cargo/config.toml` builds SQLite with the query planner stability guarantee; without it
    /// every re-bound LIMIT re-prepares its statement (see there).
    #[tokio::test]
    async fn sqlite_is_built_with_qpsg() {
        let db = Db::connect("sqlite::memory:", &DbOptions::default())
            .await
            .unwrap();
        let rows = db
            .read()
            .query_all_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await
            .unwrap();
        let options: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    }
}
