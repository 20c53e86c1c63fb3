//! Write-ahead log checkpoints of a SQLite database file, on a thread of their own.
//!
//! SQLite's automatic checkpoint runs inside whichever COMMIT pushes the log past 1,000 pages. On
//! a database of a million messages that copy (random pages of the message id index) plus its two
//! flushes took up to 250 ms, and it landed on the post writer's thread, stalling every post
//! queued behind it. Every connection therefore opens with `wal_autocheckpoint = 0`, and this
//! thread runs a PASSIVE checkpoint instead: PASSIVE never takes the write lock, so posts keep
//! committing while the log is copied.
//!
//! How often: once the log has caught up, the next write starts it again from its beginning, and
//! SQLite flushes the new log header to disk inside that write's COMMIT (so that a power loss
//! cannot replay old transactions). That flush (0.5 to 2 ms) lands on a post. Checkpointing
//! every 200 ms made it land on every other post at 10 posts per second; so the thread looks every
//! [`EVERY`] but checkpoints only after [`POSTS`] posts (about as many log pages as SQLite's
//! own 1,000-page trigger) or [`AT_LEAST_EVERY`] (other writes grow the log too).

use crate::direct::Direct;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Pause between looks at the log.
pub(crate) const EVERY: Duration = Duration::from_millis(200);

/// Posts after which the log is checkpointed (each writes about ten pages to it).
pub(crate) const POSTS: u64 = 100;

/// Longest time between checkpoints while anything is written.
pub(crate) const AT_LEAST_EVERY: Duration = Duration::from_secs(10);

/// `PRAGMA` that turns automatic checkpoints off on a connection.
pub(crate) const NO_AUTOCHECKPOINT: &str = "PRAGMA wal_autocheckpoint = 0;";

/// Starts the checkpoint thread of `direct`'s database; it stops once the database is dropped.
pub(crate) fn start(direct: &Direct, synchronous: &str) -> apogee_core::Result<()> {
    let conn = direct.open(synchronous)?;
    let db = direct.liveness();
    let posts = direct.post_counter();
    std::thread::Builder::new()
        .name("apogee-checkpoint".into())
        .spawn(move || {
            let mut last = Instant::now();
            loop {
                std::thread::sleep(EVERY);
                if !db.alive() {
                    break;
                }
                if posts.load(Ordering::Relaxed) < POSTS && last.elapsed() < AT_LEAST_EVERY {
                    continue;
                }
                posts.store(0, Ordering::Relaxed);
                last = Instant::now();
                let started = Instant::now();
                // (busy, frames in the log, frames copied into the database)
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                match done {
                    Ok((log, copied)) => tracing::trace!(
                        log,
                        copied,
                        micros = started.elapsed().as_micros() as u64,
                        "checkpoint"
                    ),
                    Err(e) => tracing::warn!(error = %e, "checkpoint of the SQLite log failed"),
                }
            }
        })
        .map_err(apogee_core::Error::internal)?;
    Ok(())
}
