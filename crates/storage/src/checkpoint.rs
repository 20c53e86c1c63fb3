//! Write-ahead log checkpoints of a SQLite database file, on a thread of their own.
//!
//! SQLite's automatic checkpoint runs inside whichever COMMIT pushes the log past 1,000 pages. On
//! a database of a million messages that copy (random pages of the message id index) plus its two
//! flushes took up to 250 ms, and it landed on the post writer's thread, stalling every post
//! queued behind it. Every connection therefore opens with `wal_autocheckpoint = 0`, and this
//! thread runs a PASSIVE checkpoint every [`EVERY`]: PASSIVE never takes the write lock, so posts
//! keep committing while the log is copied, and the log restarts from its beginning as soon as
//! a checkpoint has caught up, as it would with automatic checkpoints.

use crate::direct::Direct;
use std::time::Duration;

/// Pause between checkpoints.
pub(crate) const EVERY: Duration = Duration::from_millis(200);

/// `PRAGMA` that turns automatic checkpoints off on a connection.
pub(crate) const NO_AUTOCHECKPOINT: &str = "PRAGMA wal_autocheckpoint = 0;";

/// Starts the checkpoint thread of `direct`'s database; it stops once the database is dropped.
pub(crate) fn start(direct: &Direct, synchronous: &str) -> apogee_core::Result<()> {
    let conn = direct.open(synchronous)?;
    let db = direct.liveness();
    std::thread::Builder::new()
        .name("apogee-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                if !db.alive() {
                    break;
                }
                let started = std::time::Instant::now();
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
