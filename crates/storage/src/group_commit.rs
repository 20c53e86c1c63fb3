//! Group commit for message posts: posts from concurrent requests are queued to one task that
//! writes them in batches, one transaction (and so one fsync) per batch.
//!
//! Why: a durable commit costs a disk flush (0.4 to 3.5 ms on the machines measured so far), so
//! one transaction per message caps a server at a few thousand posts per second no matter how fast
//! the rest is, and on PostgreSQL the room row's lock is held across that flush, serializing posts
//! to a room. Batching amortizes the flush, and each room's counters are bumped once per batch.
//! On a SQLite file the flush also leaves the writer's critical path (`wal_sync`).
//!
//! A batch is all-or-nothing; when it fails (a client-chosen id collides, a room vanished) the
//! posts of that batch are retried one transaction each, so each caller gets its own answer and
//! no one's message is lost because of someone else's.

use crate::Message;
use crate::direct::{Direct, lock_writer, sqlite_err, try_lock_writer};
use crate::entity::{message, room, subscription};
use crate::errors::db_err;
use crate::search_index;
use crate::wal_sync::WalSync;
use apogee_core::{Error, Result};
use rusqlite::Connection;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Most posts written in one transaction: bounds the statement size and a batch's latency.
const MAX_BATCH: usize = 256;

/// Posts waiting for the writer task; beyond this, callers wait to enqueue (backpressure).
const QUEUE: usize = 4096;

/// What the writer is asked to do.
// Not boxed: nearly every item is a post, and a box would cost each post an allocation.
#[allow(clippy::large_enum_variant)]
enum Work {
    /// Write a post.
    Post(Job),
    /// Look for messages the full-text index has not taken in yet (SQLite; see `search_index`).
    Index,
}

/// Runs on the writer once a post is committed (visible to readers), before the log flush that
/// makes it durable is over: see [`Poster::post`].
pub type OnCommit = Box<dyn FnOnce(&Message) + Send + Sync>;

/// One post waiting for the writer.
struct Job {
    message: Message,
    mark_read: bool,
    on_commit: Option<OnCommit>,
    reply: oneshot::Sender<Result<Message>>,
}

/// The handle requests use to post through the writer; cheap to clone.
#[derive(Clone)]
pub(crate) struct Poster {
    tx: mpsc::Sender<Work>,
    /// Whether durable commits flush the log on the sync threads (`wal_sync`).
    pipelined: bool,
    /// The SQLite writer's connection, for posts written on the caller's task when it is idle.
    inline: Option<Arc<Inline>>,
}

impl std::fmt::Debug for Poster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poster")
            .field("pipelined", &self.pipelined)
            .field("inline", &self.inline.is_some())
            .finish()
    }
}

/// The SQLite writer's connection, shared by its thread and by callers that find it idle.
///
/// Why: handing a post to the writer thread and the committed message on to the realtime feed
/// costs two thread wake-ups (each 50 to 100 µs on an idle virtual machine) on the path from a
/// post to its subscribers. When nobody else is writing, the posting task takes the connection
/// and commits on its own worker, where the announcement's wake-ups stay local. Under load the
/// connection is busy and posts queue for the thread, which batches them as before.
struct Inline {
    /// The connection; held while a batch is written (by the thread or by a caller), and lent to
    /// readers while idle (see `Direct::read`).
    writer: Arc<Mutex<Connection>>,
    /// The log flusher, when commits leave the flush to it.
    sync: Option<Arc<WalSync>>,
    /// Posts committed since the last checkpoint (see `checkpoint`).
    posts: Arc<std::sync::atomic::AtomicU64>,
}

impl Poster {
    /// Starts the writer task over `conn` (the pool on PostgreSQL, the serialized writer of an
    /// in-memory SQLite database). The task ends when every `Poster` is dropped.
    pub(crate) fn start(conn: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(conn, rx));
        Self {
            tx,
            pipelined: false,
            inline: None,
        }
    }

    /// Starts the writer thread of a SQLite database file, on its own connection (see
    /// `direct`). The thread ends when every `Poster` is dropped.
    pub(crate) fn start_sqlite(direct: &Direct, synchronous: &str) -> Result<Self> {
        let conn = direct.open(synchronous)?;
        // Durable commits flush the log on sync threads, overlapping the next batch (`wal_sync`).
        // SQLite deletes the log when the last connection closes and creates it again at the
        // next read, so read once first: the log to open is then the one this connection,
        // open for the writer's whole life, writes to.
        let sync = if synchronous == "full" {
            let opened = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(sqlite_err)
                .and_then(|_| WalSync::start(direct.path()));
            match opened {
                Ok(sync) => {
                    conn.execute_batch("PRAGMA synchronous = normal")
                        .map_err(sqlite_err)?;
                    Some(sync)
                }
                Err(e) => {
                    tracing::warn!(error = ?e, "posts flush the log at commit instead");
                    None
                }
            }
        } else {
            None
        };
        let pipelined = sync.is_some();
        // A caller may commit on its own task only when COMMIT does not flush the disk: a flush
        // there would hold a runtime worker for milliseconds.
        let may_inline = pipelined || synchronous != "full";
        let writer = Arc::new(Mutex::new(conn));
        direct.lend_writer(&writer);
        let shared = Arc::new(Inline {
            writer,
            sync: sync.map(Arc::new),
            posts: direct.post_counter(),
        });
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread_side = shared.clone();
        std::thread::Builder::new()
            .name("apogee-post-writer".into())
            .spawn(move || run_sqlite(&thread_side, rx))
            .map_err(Error::internal)?;
        // The ticker holds only a weak sender, so the writer still stops with the last Poster.
        let weak = tx.downgrade();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(search_index::EVERY);
            loop {
                every.tick().await;
                let Some(tx) = weak.upgrade() else { break };
                // A full queue means the writer is busy with posts; it indexes after them anyway.
                let _ = tx.try_send(Work::Index);
            }
        });
        Ok(Self {
            tx,
            pipelined,
            inline: may_inline.then_some(shared),
        })
    }

    /// Whether this SQLite writer flushes the log on its sync threads.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn pipelined(&self) -> bool {
        self.pipelined
    }

    /// Posts a message (see [`crate::repo::messages::post_as_reader`]) and waits until it is
    /// durable. `on_commit` runs as soon as the post is committed and readers can see it, which
    /// is a log flush (a few ms) earlier: announcing a message then shows it to other clients no
    /// later than a history read would, while its author is still answered only once it is safe.
    pub(crate) async fn post(
        &self,
        message: Message,
        mark_read: bool,
        on_commit: Option<OnCommit>,
    ) -> Result<Message> {
        let (reply, answer) = oneshot::channel();
        let mut job = Job {
            message,
            mark_read,
            on_commit,
            reply,
        };
        if let Some(inline) = &self.inline {
            match write_inline(inline, &self.tx, job) {
                Inlined::Queue(queued) => job = queued,
                Inlined::Written(answers) => {
                    // The commit hook has just woken the realtime feed on this worker: let it
                    // deliver before the log flush takes the other core (on two cores the flush
                    // competed with the delivery; the author waits for the flush anyway).
                    tokio::task::yield_now().await;
                    deliver(answers, inline.sync.as_deref());
                    return answer
                        .await
                        .map_err(|_| Error::internal("the message writer dropped a post"))?;
                }
            }
        }
        self.tx
            .send(Work::Post(job))
            .await
            .map_err(|_| Error::internal("the message writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("the message writer dropped a post"))?
    }
}

/// Callers of a batch with their outcomes, answered when the log is durable.
type Answers = Vec<(oneshot::Sender<Result<Message>>, Result<Message>)>;

/// The answers of a committed batch: each caller with its stored message.
fn stored(jobs: Vec<Job>, stored: Vec<Message>) -> Answers {
    jobs.into_iter()
        .zip(stored)
        .map(|(job, m)| committed(job, Ok(m)))
        .collect()
}

/// A post's answer once its transaction is over; runs its commit hook when it was stored.
fn committed(
    job: Job,
    outcome: Result<Message>,
) -> (oneshot::Sender<Result<Message>>, Result<Message>) {
    if let (Some(hook), Ok(m)) = (job.on_commit, &outcome) {
        hook(m);
    }
    (job.reply, outcome)
}

/// Sends the answers once the log flush covering them is over (`flushed` is its outcome).
fn send_all(answers: Answers, flushed: &Result<()>) {
    for (reply, outcome) in answers {
        let _ = reply.send(match flushed {
            Ok(()) => outcome,
            Err(e) => Err(e.clone()),
        });
    }
}

/// Answers now, or after the next log flush when the writer commits without one.
fn deliver(answers: Answers, sync: Option<&WalSync>) {
    match sync {
        Some(sync) => sync.after_flush(Box::new(move |flushed| send_all(answers, &flushed))),
        None => send_all(answers, &Ok(())),
    }
}

/// Notes a failed batch, whose posts are retried one by one.
fn batch_failed(e: &Error, posts: usize) {
    if posts > 1 {
        tracing::debug!(error = %e, posts, "batch failed; posting one by one");
    }
}

/// Writes `job` on the caller's thread when the writer is idle (nothing queued, connection free,
/// no other connection holding the write lock): its answer, to [`deliver`]. Gives the job back
/// otherwise.
fn write_inline(inline: &Inline, queue: &mpsc::Sender<Work>, job: Job) -> Inlined {
    // Posts already queued go first: the thread is about to take the connection for them.
    if queue.capacity() < queue.max_capacity() {
        return Inlined::Queue(job);
    }
    let Some(mut conn) = try_lock_writer(&inline.writer) else {
        return Inlined::Queue(job);
    };
    // Never wait for another connection's write lock on a runtime worker: queue instead.
    let answers = match write_posts_sqlite(&mut conn, vec![job], Wait::No) {
        Written::Answers(answers) => answers,
        // A busy batch gives back the one job it was given.
        Written::Busy(mut jobs) => {
            return jobs
                .pop()
                .map_or_else(|| Inlined::Written(Vec::new()), Inlined::Queue);
        }
    };
    drop(conn);
    inline.posts.fetch_add(1, Ordering::Relaxed);
    Inlined::Written(answers)
}

/// What [`write_inline`] did with a post.
// Not boxed: the job moves back to its caller, no allocation on the queueing path.
#[allow(clippy::large_enum_variant)]
enum Inlined {
    /// Committed (or failed) here: the caller's answer, to [`deliver`].
    Written(Answers),
    /// Not written: queue it for the writer thread.
    Queue(Job),
}

/// The SQLite writer thread: takes whatever has queued up (at least one post), commits it,
/// answers, and goes again; a batch forms while the previous one is being flushed.
fn run_sqlite(inline: &Inline, mut rx: mpsc::Receiver<Work>) {
    // Posts committed since the last index step (by this thread; inline posts are few).
    let mut unindexed = 0usize;
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        let mut index = false;
        let mut take = |work: Work, jobs: &mut Vec<Job>| match work {
            Work::Post(job) => jobs.push(job),
            Work::Index => index = true,
        };
        take(first, &mut jobs);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(work) => take(work, &mut jobs),
                Err(_) => break,
            }
        }
        let mut conn = lock_writer(&inline.writer);
        if !jobs.is_empty() {
            unindexed += jobs.len();
            inline.posts.fetch_add(jobs.len() as u64, Ordering::Relaxed);
            let answers = match write_posts_sqlite(&mut conn, jobs, Wait::Yes) {
                Written::Answers(answers) => answers,
                // Waiting for the lock makes a batch busy only past the busy timeout.
                Written::Busy(jobs) => jobs
                    .into_iter()
                    .map(|job| committed(job, Err(Error::internal("the database stayed locked"))))
                    .collect(),
            };
            drop(conn);
            deliver(answers, inline.sync.as_deref());
            conn = lock_writer(&inline.writer);
        }
        if index || unindexed >= search_index::BACKLOG {
            let started = std::time::Instant::now();
            match search_index::step_direct(&mut conn) {
                Ok(rows) => {
                    unindexed = 0;
                    tracing::trace!(
                        rows,
                        micros = started.elapsed().as_micros() as u64,
                        "search index step"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "indexing new messages for search failed"),
            }
        }
    }
}

/// Whether a batch may wait for another connection's write lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Up to the busy timeout (the writer thread).
    Yes,
    /// Not at all (a caller's runtime worker).
    No,
}

/// What became of a batch.
enum Written {
    /// Committed (or failed); each caller with its answer.
    Answers(Answers),
    /// Not started: another connection held the write lock ([`Wait::No`] only).
    Busy(Vec<Job>),
}

/// Writes a batch of posts (one by one when the batch fails); the callers with their outcomes.
fn write_posts_sqlite(conn: &mut Connection, jobs: Vec<Job>, wait: Wait) -> Written {
    let started = std::time::Instant::now();
    let outcome = match begin(conn, wait) {
        Ok(Some(txn)) => write_batch_sqlite(txn, &jobs),
        Ok(None) => return Written::Busy(jobs),
        Err(e) => Err(e),
    };
    tracing::trace!(
        posts = jobs.len(),
        micros = started.elapsed().as_micros() as u64,
        "post batch written"
    );
    Written::Answers(match outcome {
        Ok(done) => stored(jobs, done),
        Err(e) if jobs.len() == 1 => jobs
            .into_iter()
            .map(|job| committed(job, Err(e.clone())))
            .collect(),
        Err(e) => {
            batch_failed(&e, jobs.len());
            jobs.into_iter()
                .map(|job| {
                    let outcome = begin(conn, Wait::Yes).and_then(|txn| {
                        let txn = txn.ok_or_else(|| Error::internal("the database is locked"))?;
                        write_batch_sqlite(txn, std::slice::from_ref(&job)).map(|mut v| v.remove(0))
                    });
                    committed(job, outcome)
                })
                .collect()
        }
    })
}

/// Opens a batch's transaction with the write lock (`BEGIN IMMEDIATE`); `None` when another
/// connection holds it and `wait` is [`Wait::No`].
fn begin(conn: &mut Connection, wait: Wait) -> Result<Option<Batch<'_>>> {
    let begin_immediate = |c: &Connection| {
        c.prepare_cached("BEGIN IMMEDIATE")
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
    };
    let begun = if wait == Wait::Yes {
        begin_immediate(conn)
    } else {
        conn.busy_timeout(std::time::Duration::ZERO)
            .map_err(sqlite_err)?;
        let begun = begin_immediate(conn);
        conn.busy_timeout(crate::direct::BUSY_TIMEOUT)
            .map_err(sqlite_err)?;
        begun
    };
    match begun {
        Ok(()) => Ok(Some(Batch { conn, done: false })),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if wait == Wait::No && e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(None)
        }
        Err(e) => Err(sqlite_err(e)),
    }
}

/// An open batch transaction; rolled back unless committed.
struct Batch<'c> {
    conn: &'c Connection,
    done: bool,
}

impl Batch<'_> {
    /// Commits the transaction.
    fn commit(mut self) -> Result<()> {
        self.conn
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]))
            .map_err(sqlite_err)?;
        self.done = true;
        Ok(())
    }
}

impl std::ops::Deref for Batch<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Leaves the connection ready for the next batch; a failed rollback means SQLite
            // already rolled the transaction back itself.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Rooms of a batch in first-seen order, each with the indexes of its posts.
fn by_room(messages: &[Message]) -> Vec<(String, Vec<usize>)> {
    let mut rooms: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        match rooms.iter_mut().find(|(rid, _)| *rid == m.rid) {
            Some((_, idx)) => idx.push(i),
            None => rooms.push((m.rid.clone(), vec![i])),
        }
    }
    rooms
}

/// The read mark of each (author, room) of a batch: at the author's last post there.
fn read_marks<'a>(jobs: &[Job], stored: &'a [Message]) -> HashMap<(&'a str, &'a str), &'a Message> {
    let mut marks = HashMap::new();
    for (job, m) in jobs.iter().zip(stored) {
        if job.mark_read {
            marks.insert((m.u_id.as_str(), m.rid.as_str()), m);
        }
    }
    marks
}

/// [`write_batch`] on the SQLite writer's own connection, in the transaction [`begin`] opened
/// (committed on success, rolled back otherwise): the same statements, run without a hand-off
/// per statement.
fn write_batch_sqlite(txn: Batch<'_>, jobs: &[Job]) -> Result<Vec<Message>> {
    use rusqlite::{OptionalExtension, params};
    let mut out: Vec<Message> = jobs.iter().map(|j| j.message.clone()).collect();
    {
        let mut bump = txn
            .prepare_cached(
                "UPDATE rooms SET seq = seq + ?1, msgs = msgs + ?1, last_message_at = ?2, \
                 last_message = ?3, updated_at = ?4 WHERE id = ?5 RETURNING seq",
            )
            .map_err(sqlite_err)?;
        for (rid, idx) in by_room(&out) {
            let n = idx.len() as i64;
            let Some(&last_i) = idx.last() else { continue };
            let last = &out[last_i];
            let top: i64 = bump
                .query_row(params![n, last.ts, last.id, last.updated_at, rid], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sqlite_err)?
                .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
            for (k, &i) in idx.iter().enumerate() {
                out[i].seq = top - n + 1 + k as i64;
            }
        }
    }
    {
        let mut insert = txn
            .prepare_cached(
                "INSERT INTO messages (id, rid, seq, ts, updated_at, u_id, u_username, u_name, \
                 msg, t, tmid, pinned, hidden, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(sqlite_err)?;
        for m in &out {
            insert
                .execute(params![
                    m.id,
                    m.rid,
                    m.seq,
                    m.ts,
                    m.updated_at,
                    m.u_id,
                    m.u_username,
                    m.u_name,
                    m.msg,
                    m.t,
                    m.tmid,
                    m.pinned,
                    m.hidden,
                    m.data
                ])
                .map_err(sqlite_err)?;
        }
    }
    {
        let mut mark = txn
            .prepare_cached(
                "UPDATE subscriptions SET read_seq = ?1, ls = ?2, lr = ?2, open = 1, \
                 updated_at = ?2 WHERE user_id = ?3 AND rid = ?4",
            )
            .map_err(sqlite_err)?;
        for ((uid, rid), m) in read_marks(jobs, &out) {
            mark.execute(params![m.seq, m.ts, uid, rid])
                .map_err(sqlite_err)?;
        }
    }
    txn.commit()?;
    Ok(out)
}

/// The writer task: takes whatever has queued up (at least one post), commits it, answers.
///
/// On PostgreSQL a batch commits with `synchronous_commit = off`, which releases the room row's
/// lock without waiting for the disk, and its callers are answered by a flusher once a later
/// synchronous commit has flushed the log past it (see [`flusher`]); the writer goes on with the
/// next batch meanwhile. An in-memory SQLite database answers at once.
async fn run(conn: DatabaseConnection, mut rx: mpsc::Receiver<Work>) {
    // An in-memory SQLite database has no writer thread: index right after each batch.
    let sqlite = conn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    let flush = (!sqlite).then(|| start_flushers(&conn));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs: Vec<Job> = std::mem::take(&mut batch)
            .into_iter()
            .filter_map(|w| match w {
                Work::Post(job) => Some(job),
                Work::Index => None,
            })
            .collect();
        if jobs.is_empty() {
            continue;
        }
        let deferred = flush.is_some();
        let answers: Answers = match write_batch(&conn, &jobs, deferred).await {
            Ok(done) => stored(jobs, done),
            Err(e) => {
                batch_failed(&e, jobs.len());
                let mut answers = Vec::with_capacity(jobs.len());
                for job in jobs {
                    let outcome = write_batch(&conn, std::slice::from_ref(&job), deferred)
                        .await
                        .map(|mut v| v.remove(0));
                    answers.push(committed(job, outcome));
                }
                answers
            }
        };
        match &flush {
            // The flushers only stop when this sender is dropped, so the send cannot fail.
            Some(tx) => {
                let _ = tx.send(answers);
            }
            None => send_all(answers, &Ok(())),
        }
        if sqlite && let Err(e) = search_index::step_pool(&conn).await {
            tracing::warn!(error = %e, "indexing new messages for search failed");
        }
    }
}

/// PostgreSQL flushers: two tasks, so that a flush can start while another is in flight.
const FLUSHERS: usize = 2;

/// Starts the flushers of a PostgreSQL writer; they stop when the returned sender is dropped.
fn start_flushers(conn: &DatabaseConnection) -> mpsc::UnboundedSender<Answers> {
    let (tx, rx) = mpsc::unbounded_channel();
    let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
    for _ in 0..FLUSHERS {
        tokio::spawn(flusher(conn.clone(), rx.clone()));
    }
    tx
}

/// Takes every batch committed so far, commits a transaction synchronously (which flushes the
/// log up to its own commit record, and so past every batch taken), then answers those batches.
///
/// `pg_current_xact_id()` gives the transaction an id, so its commit writes a commit record and
/// waits for the flush; it writes no row.
async fn flusher(
    conn: DatabaseConnection,
    rx: std::sync::Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Answers>>>,
) {
    use sea_orm::ConnectionTrait;
    let mut taken: Vec<Answers> = Vec::new();
    loop {
        {
            let mut rx = rx.lock().await;
            if rx.recv_many(&mut taken, usize::MAX).await == 0 {
                return;
            }
        }
        let flushed = conn
            .execute_unprepared("SELECT pg_current_xact_id()")
            .await
            .map(|_| ())
            .map_err(|e| {
                tracing::error!(error = %e, "flushing committed posts failed");
                db_err(e)
            });
        for answers in taken.drain(..) {
            send_all(answers, &flushed);
        }
    }
}

/// Writes a batch in one transaction and returns the stored messages (with their sequence
/// numbers) in the batch's order. Fails as a whole.
///
/// `deferred` (PostgreSQL): commit without waiting for the log flush; the caller arranges one.
async fn write_batch(
    conn: &DatabaseConnection,
    jobs: &[Job],
    deferred: bool,
) -> Result<Vec<Message>> {
    use sea_orm::ConnectionTrait;
    let txn = crate::repo::begin_write_on(conn).await?;
    if deferred {
        txn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
            .await
            .map_err(db_err)?;
    }
    let mut out: Vec<Message> = jobs.iter().map(|j| j.message.clone()).collect();
    for (rid, idx) in by_room(&out) {
        let n = idx.len() as i64;
        let Some(&last_i) = idx.last() else { continue };
        let last = &out[last_i];
        let top = bump_room(&txn, &rid, n, last.ts, &last.id, last.updated_at).await?;
        for (k, &i) in idx.iter().enumerate() {
            out[i].seq = top - n + 1 + k as i64;
        }
    }
    message::Entity::insert_many(out.iter().cloned().map(IntoActiveModel::into_active_model))
        .exec(&txn)
        .await
        .map_err(db_err)?;
    for ((uid, rid), m) in read_marks(jobs, &out) {
        subscription::Entity::update_many()
            .col_expr(subscription::Column::ReadSeq, Expr::value(m.seq))
            .col_expr(subscription::Column::Ls, Expr::value(m.ts))
            .col_expr(subscription::Column::Lr, Expr::value(m.ts))
            .col_expr(subscription::Column::Open, Expr::value(true))
            .col_expr(subscription::Column::UpdatedAt, Expr::value(m.ts))
            .filter(subscription::Column::UserId.eq(uid))
            .filter(subscription::Column::Rid.eq(rid))
            .exec(&txn)
            .await
            .map_err(db_err)?;
    }
    txn.commit().await.map_err(db_err)?;
    Ok(out)
}

/// Takes `n` sequence numbers of a room and records its last message; returns the new top
/// sequence number. The UPDATE comes first so that on PostgreSQL concurrent writers (other
/// instances) queue on the row lock instead of racing for the same numbers.
async fn bump_room(
    txn: &DatabaseTransaction,
    rid: &str,
    n: i64,
    ts: i64,
    last_id: &str,
    updated_at: i64,
) -> Result<i64> {
    // RETURNING hands back the new sequence number with the update itself (SQLite >= 3.35, PG).
    let updated = room::Entity::update_many()
        .col_expr(room::Column::Seq, Expr::col(room::Column::Seq).add(n))
        .col_expr(room::Column::Msgs, Expr::col(room::Column::Msgs).add(n))
        .col_expr(room::Column::LastMessageAt, Expr::value(ts))
        .col_expr(room::Column::LastMessage, Expr::value(last_id.to_owned()))
        .col_expr(room::Column::UpdatedAt, Expr::value(updated_at))
        .filter(room::Column::Id.eq(rid))
        .exec_with_returning(txn)
        .await
        .map_err(db_err)?;
    updated
        .first()
        .map(|r| r.seq)
        .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))
}

#[cfg(test)]
mod tests {
    use crate::search_index::tests::{message, room};
    use crate::{Db, DbOptions, repo};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Where each commit hook ran: the name of its thread.
    fn hook_thread(
        seen: &Arc<Mutex<Vec<Option<String>>>>,
    ) -> impl FnOnce(&crate::Message) + Send + Sync + 'static {
        let seen = seen.clone();
        move |_| {
            let name = std::thread::current().name().map(str::to_owned);
            seen.lock().unwrap().push(name);
        }
    }

    /// With nobody else writing, a post commits on the posting task's own thread (no hand-off to
    /// the writer thread); while another connection holds the write lock it queues for the
    /// writer thread, which waits for the lock, instead of failing or blocking the caller's thread.
    #[tokio::test]
    async fn idle_posts_commit_on_the_posting_thread_and_busy_ones_queue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = Db::open(&url, &DbOptions::default()).await.unwrap();
        repo::rooms::insert(&db, room("r1")).await.unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let here = std::thread::current().name().map(str::to_owned);
        // The writer thread indexes once at start: let it finish, or the first post would
        // rightly queue behind it.
        let poster = db.poster();
        let inline = poster.inline.as_ref().unwrap();
        for _ in 0..100 {
            let idle = poster.tx.capacity() == poster.tx.max_capacity()
                && super::try_lock_writer(&inline.writer).is_some();
            if idle {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let first =
            repo::messages::post_announced(&db, message("m1", "a"), false, hook_thread(&seen))
                .await
                .unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(seen.lock().unwrap().clone(), vec![here.clone()]);

        // Another connection takes the write lock: the post must wait for it, on the writer.
        let other = rusqlite::Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let posting = tokio::spawn({
            let (db, hook) = (db.clone(), hook_thread(&seen));
            async move { repo::messages::post_announced(&db, message("m2", "b"), false, hook).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !posting.is_finished(),
            "a post went through another writer's lock"
        );
        other.execute_batch("COMMIT").unwrap();
        let second = posting.await.unwrap().unwrap();
        assert_eq!(second.seq, 2);
        assert_eq!(
            seen.lock().unwrap().clone(),
            vec![here.clone(), Some("apogee-post-writer".to_owned())]
        );

        // Idle again: back on the posting thread.
        let third =
            repo::messages::post_announced(&db, message("m3", "c"), false, hook_thread(&seen))
                .await
                .unwrap();
        assert_eq!(third.seq, 3);
        assert_eq!(seen.lock().unwrap().last().cloned(), Some(here));
        db.close().await;
    }

    /// The log flush leaves the writer's path on a new database file and again after a
    /// restart: SQLite deletes the log when the last connection closes, so the writer must
    /// not expect it to be there before it has read.
    #[tokio::test]
    async fn file_databases_flush_the_log_off_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let wal = dir.path().join("t.db-wal");
        for _start in 0..2 {
            let db = Db::open(&url, &DbOptions::default()).await.unwrap();
            assert!(db.poster().pipelined());
            db.close().await;
            // Once every connection is closed SQLite removes the log: the next start has none.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while wal.exists() && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(!wal.exists(), "the log outlived the database's connections");
        }
    }
}
