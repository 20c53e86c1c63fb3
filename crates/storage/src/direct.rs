//! Direct SQLite access (rusqlite) for the few queries every chat request makes.
//!
//! Why not sea-orm here: sqlx-sqlite runs each connection on its own worker thread and hands every
//! statement and every result row across a channel to it. For a one-row lookup that costs more than
//! the lookup (profiles of `channels.history` showed thread hand-offs and futex wake-ups as the
//! largest item). SQLite is an in-process library, so these queries call it on the calling thread:
//!
//! * reads run on a connection owned by the current thread (tokio's workers each keep one per
//!   database), on already prepared statements; they see every committed write, like the pool;
//! * message posts are written by one OS thread with its own connection (see `group_commit`).
//!
//! Everything else keeps going through sea-orm; the statements here must stay in step with the
//! entities (the black-box tests run every endpoint on this path).

use crate::{Message, Room, Subscription};
use apogee_core::{Error, Result};
use rusqlite::{Connection, OpenFlags, Row};
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, TryLockError, Weak};
use std::time::Duration;

/// How long a connection waits for another writer's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of the database file a reading connection maps into memory (address space, not
/// memory: pages are shared with the kernel's page cache).
const READER_MMAP_BYTES: u64 = 1 << 30;

/// A SQLite database file opened for direct access; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Direct {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Posts committed since the last checkpoint (see `checkpoint`).
    posts: Arc<AtomicU64>,
    /// The post writer's connection, which reads borrow while it is idle (see [`Direct::read`]).
    writer: OnceLock<Weak<Mutex<Connection>>>,
}

/// Whether a [`Direct`] (and so its database) is still in use.
pub(crate) struct Liveness(Weak<Inner>);

impl Liveness {
    /// True while some [`Direct`] of the database is alive.
    pub(crate) fn alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

thread_local! {
    /// This thread's reading connections, one per live [`Direct`] (tests run several servers in one
    /// process); entries of dropped databases are closed on the next use.
    static READERS: RefCell<Vec<(Weak<Inner>, Connection)>> = const { RefCell::new(Vec::new()) };
}

impl Direct {
    /// Direct access to the database file at `path` (which the pools have already created).
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                posts: Arc::default(),
                writer: OnceLock::new(),
            }),
        }
    }

    /// The database file.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.inner.path
    }

    /// The count of posts committed since the last checkpoint: the post writer adds to it, the
    /// checkpoint thread takes it.
    pub(crate) fn post_counter(&self) -> Arc<AtomicU64> {
        self.inner.posts.clone()
    }

    /// A handle that tells background threads whether the database is still open.
    pub(crate) fn liveness(&self) -> Liveness {
        Liveness(Arc::downgrade(&self.inner))
    }

    /// Opens a connection for reads and writes with the server's pragmas.
    pub(crate) fn open(&self, synchronous: &str) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.inner.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_err)?;
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous}; \
             PRAGMA cache_size = -4000; PRAGMA temp_store = memory; {}",
            crate::checkpoint::NO_AUTOCHECKPOINT
        ))
        .map_err(sqlite_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Lets reads borrow the post writer's connection while it is idle (see [`Direct::read`]).
    pub(crate) fn lend_writer(&self, writer: &Arc<Mutex<Connection>>) {
        let _ = self.inner.writer.set(Arc::downgrade(writer));
    }

    /// Runs read-only statements: on the post writer's connection when it is idle, otherwise on
    /// this thread's reading connection. `f` must not write (the writer's connection would let it).
    ///
    /// Why the writer's: SQLite empties a connection's page cache whenever another connection has
    /// committed since its last read, so the first read after every post re-read and re-mapped
    /// each page it touched (munmap's TLB shootdown is an inter-processor interrupt, costly on a
    /// virtual machine); `rooms::by_id` on a post's path cost more than the post's own statements.
    /// The writer's cache survives its own commits, and while messages flow it made them.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        if let Some(writer) = self.inner.writer.get().and_then(Weak::upgrade) {
            // Never inside a transaction left open: its writes are not committed.
            if let Some(conn) = try_lock_writer(&writer).filter(|c| c.is_autocommit()) {
                return f(&conn).map_err(sqlite_err);
            }
        }
        READERS.with(|cell| {
            let Ok(mut readers) = cell.try_borrow_mut() else {
                // Only a read nested inside another read's closure gets here; give it its own.
                let conn = self.open_reader()?;
                return f(&conn).map_err(sqlite_err);
            };
            readers.retain(|(owner, _)| owner.strong_count() > 0);
            let mine = Arc::downgrade(&self.inner);
            let i = match readers.iter().position(|(o, _)| o.ptr_eq(&mine)) {
                Some(i) => i,
                None => {
                    readers.push((mine, self.open_reader()?));
                    readers.len() - 1
                }
            };
            f(&readers[i].1).map_err(sqlite_err)
        })
    }

    fn open_reader(&self) -> Result<Connection> {
        let conn = self.open("normal")?;
        // A reading connection must never write, whatever a bug asks of it. Reads go through a
        // memory map: a commit by another connection empties a reader's page cache (SQLite cannot
        // tell which pages changed), and pages come back from the map without a system call or a
        // copy. The map itself is dropped and re-made on the first read after such a commit (an
        // `munmap`, which interrupts the other cores); that is why reads on the posting path use
        // the post writer's own connection while it is idle (see `read`).
        conn.execute_batch(&format!(
            "PRAGMA query_only = 1; PRAGMA mmap_size = {READER_MMAP_BYTES}"
        ))
        .map_err(sqlite_err)?;
        Ok(conn)
    }
}

/// Runs `f` in one read transaction on `c`, so that its statements share one snapshot and one
/// take of SQLite's read lock. `BEGIN` and `COMMIT` are cached statements: parsed anew on every
/// call (as rusqlite's `Transaction` does), they cost about what the lock they save does.
pub(crate) fn in_read_transaction<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached("BEGIN")?.execute([])?;
    let out = f(c);
    // A read-only transaction has nothing to commit: this only ends it.
    let end = c.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
    if end.is_err() && !c.is_autocommit() {
        // Never leave a connection (perhaps the post writer's) inside a transaction.
        let _ = c.execute_batch("ROLLBACK");
    }
    let value = out?;
    end?;
    Ok(value)
}

/// Locks the post writer's connection; a panic while writing leaves the connection usable (the
/// transaction rolled back when it was dropped).
pub(crate) fn lock_writer(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`lock_writer`] without waiting: `None` while someone else holds the connection.
pub(crate) fn try_lock_writer(m: &Mutex<Connection>) -> Option<MutexGuard<'_, Connection>> {
    match m.try_lock() {
        Ok(conn) => Some(conn),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Converts a rusqlite error like `errors::db_err` does a sea-orm one.
pub(crate) fn sqlite_err(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation)
            if e.to_string().contains("UNIQUE constraint failed") =>
        {
            Error::meteor(
                "error-duplicate-key",
                "A record with this key already exists",
            )
        }
        _ => Error::internal(e),
    }
}

/// The columns of `rooms`, in the order [`room`] reads them (a macro, so that
/// statements can be `concat!`ed at compile time).
macro_rules! room_columns {
    () => {
        "id, t, name, fname, creator_id, topic, description, \
    announcement, read_only, is_default, featured, archived, msgs, users_count, last_message_at, \
    custom_fields, created_at, updated_at, creator_username, sys_mes, broadcast, encrypted, \
    react_when_read_only, join_code_hash, muted, last_message, seq, uids, usernames, prid, \
    team_id, avatar_etag, mver, unmuted, group_mentions"
    };
}
pub(crate) use room_columns;

/// A `rooms` row selected with [`room_columns`].
pub(crate) fn room(r: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: r.get(0)?,
        t: r.get(1)?,
        name: r.get(2)?,
        fname: r.get(3)?,
        creator_id: r.get(4)?,
        topic: r.get(5)?,
        description: r.get(6)?,
        announcement: r.get(7)?,
        read_only: r.get(8)?,
        is_default: r.get(9)?,
        featured: r.get(10)?,
        archived: r.get(11)?,
        msgs: r.get(12)?,
        users_count: r.get(13)?,
        last_message_at: r.get(14)?,
        custom_fields: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
        creator_username: r.get(18)?,
        sys_mes: r.get(19)?,
        broadcast: r.get(20)?,
        encrypted: r.get(21)?,
        react_when_read_only: r.get(22)?,
        join_code_hash: r.get(23)?,
        muted: r.get(24)?,
        last_message: r.get(25)?,
        seq: r.get(26)?,
        uids: r.get(27)?,
        usernames: r.get(28)?,
        prid: r.get(29)?,
        team_id: r.get(30)?,
        avatar_etag: r.get(31)?,
        mver: r.get(32)?,
        unmuted: r.get(33)?,
        group_mentions: r.get(34)?,
    })
}

/// The columns of `subscriptions`, in the order [`subscription`] reads them (a macro, so that
/// statements can be `concat!`ed at compile time).
macro_rules! subscription_columns {
    () => {
        "id, rid, user_id, t, name, fname, roles, open, \
    favorite, archived, read_seq, ls, lr, user_mentions, group_mentions, tunread, prefs, ignored, \
    ts, updated_at, group_mark, alert, tunread_user, tunread_group"
    };
}
pub(crate) use subscription_columns;

/// A `subscriptions` row selected with [`subscription_columns`].
pub(crate) fn subscription(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: r.get(0)?,
        rid: r.get(1)?,
        user_id: r.get(2)?,
        t: r.get(3)?,
        name: r.get(4)?,
        fname: r.get(5)?,
        roles: r.get(6)?,
        open: r.get(7)?,
        favorite: r.get(8)?,
        archived: r.get(9)?,
        read_seq: r.get(10)?,
        ls: r.get(11)?,
        lr: r.get(12)?,
        user_mentions: r.get(13)?,
        group_mentions: r.get(14)?,
        tunread: r.get(15)?,
        prefs: r.get(16)?,
        ignored: r.get(17)?,
        ts: r.get(18)?,
        updated_at: r.get(19)?,
        group_mark: r.get(20)?,
        alert: r.get(21)?,
        tunread_user: r.get(22)?,
        tunread_group: r.get(23)?,
    })
}

/// The columns of `messages`, in the order [`message`] reads them (a macro, so that
/// statements can be `concat!`ed at compile time).
macro_rules! message_columns {
    () => {
        "id, rid, seq, ts, updated_at, u_id, u_username, u_name, msg, t, tmid, pinned, hidden, data"
    };
}
pub(crate) use message_columns;

/// A `messages` row selected with [`message_columns`].
pub(crate) fn message(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        rid: r.get(1)?,
        seq: r.get(2)?,
        ts: r.get(3)?,
        updated_at: r.get(4)?,
        u_id: r.get(5)?,
        u_username: r.get(6)?,
        u_name: r.get(7)?,
        msg: r.get(8)?,
        t: r.get(9)?,
        tmid: r.get(10)?,
        pinned: r.get(11)?,
        hidden: r.get(12)?,
        data: r.get(13)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::search_index::tests::{message, room};
    use crate::{Db, DbOptions, repo};
    use std::sync::Weak;

    /// A migrated SQLite database file in a temporary directory (kept while the guard lives).
    async fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::open(&url, &DbOptions::default()).await.unwrap();
        (dir, db)
    }

    /// Whether a read ran on the writer's connection: reading connections are `query_only`.
    fn read_on_writer(db: &Db) -> bool {
        let direct = db.direct().unwrap();
        let query_only = direct
            .read(|c| c.query_row("PRAGMA query_only", [], |r| r.get::<_, i64>(0)))
            .unwrap();
        query_only == 0
    }

    /// [`read_on_writer`] once the writer is idle (its thread indexes now and then).
    async fn reads_on_idle_writer(db: &Db) -> bool {
        for _ in 0..100 {
            if read_on_writer(db) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    }

    /// The room's message count, as a read sees it.
    fn msgs(db: &Db) -> i64 {
        let direct = db.direct().unwrap();
        direct
            .read(|c| c.query_row("SELECT msgs FROM rooms WHERE id = 'r1'", [], |r| r.get(0)))
            .unwrap()
    }

    /// Reads borrow the post writer's connection while it is idle, use the thread's own while the
    /// writer is busy, and never read through a transaction left open on the writer.
    #[tokio::test]
    async fn reads_borrow_the_idle_writer_and_fall_back_while_it_writes() {
        let (_dir, db) = temp_db().await;
        repo::rooms::insert(&db, room("r1")).await.unwrap();
        assert!(reads_on_idle_writer(&db).await);
        repo::messages::post_announced(&db, message("m1", "a"), false, |_| {})
            .await
            .unwrap();
        assert_eq!(msgs(&db), 1);

        let writer = db
            .direct()
            .unwrap()
            .inner
            .writer
            .get()
            .and_then(Weak::upgrade)
            .unwrap();
        {
            let _busy = writer.lock().unwrap();
            assert!(!read_on_writer(&db));
            assert_eq!(msgs(&db), 1, "the thread's reader missed a commit");
        }

        writer
            .lock()
            .unwrap()
            .execute_batch("BEGIN IMMEDIATE; UPDATE rooms SET msgs = 99 WHERE id = 'r1'")
            .unwrap();
        assert!(!read_on_writer(&db));
        assert_eq!(msgs(&db), 1, "a read saw an uncommitted write");
        writer.lock().unwrap().execute_batch("ROLLBACK").unwrap();
        assert!(reads_on_idle_writer(&db).await);
        db.close().await;
    }

    /// The room-and-subscription read answers from one transaction and leaves the connection it
    /// borrowed out of any transaction, whether it found the room or not.
    #[tokio::test]
    async fn room_with_subscription_reads_leave_no_transaction_open() {
        let (_dir, db) = temp_db().await;
        repo::rooms::insert(&db, room("r1")).await.unwrap();
        assert!(reads_on_idle_writer(&db).await);
        let (found, sub) = repo::rooms::by_id_with_subscription(&db, "r1", "nobody")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, "r1");
        assert!(sub.is_none());
        assert!(
            repo::rooms::by_id_with_subscription(&db, "missing", "nobody")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            reads_on_idle_writer(&db).await,
            "the writer was left inside a transaction"
        );
        repo::messages::post_announced(&db, message("m1", "a"), false, |_| {})
            .await
            .unwrap();
        assert_eq!(msgs(&db), 1);
        db.close().await;
    }

    /// Thread replies are found through `messages_thread_ts`, which holds only replies.
    #[tokio::test]
    async fn thread_lookups_use_the_partial_thread_index() {
        let (_dir, db) = temp_db().await;
        let (sql, plan) = db
            .direct()
            .unwrap()
            .read(|c| {
                let sql: String = c.query_row(
                    "SELECT sql FROM sqlite_master WHERE name = 'messages_thread_ts'",
                    [],
                    |r| r.get(0),
                )?;
                let plan = c
                    .prepare(
                        "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE tmid = ?1 ORDER BY ts",
                    )?
                    .query_map(["m1"], |r| r.get::<_, String>(3))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((sql, plan.join("; ")))
            })
            .unwrap();
        assert!(sql.contains("WHERE tmid IS NOT NULL"), "{sql}");
        assert!(plan.contains("messages_thread_ts"), "{plan}");
        db.close().await;
    }
}
