//! Pipelined durability for the SQLite post writer.
//!
//! With `synchronous = full`, SQLite flushes the write-ahead log inside every COMMIT, so the
//! writer thread sits idle for the whole disk flush (about 3 ms on the reference VM) and the next
//! batch cannot start until it returns: with 64 clients that capped posting near 7,000/s, while
//! the writer's CPU was 28 % busy.
//!
//! Instead the writer commits with `synchronous = normal` (SQLite then writes the log but does not
//! flush it) and hands each committed batch to a [`WalSync`]: one of its threads flushes the log
//! file with `fdatasync` and only then answers the batch's callers. The writer meanwhile commits
//! the next batch, and two sync threads let a flush start while another is still in flight, so
//! a post waits for one flush, not for the one in progress before it.
//!
//! Why this is as durable as `full`: a caller is answered only after an `fdatasync` of the log
//! that started after its COMMIT had written the log frames, and SQLite's recovery replays every
//! complete, checksummed commit found in the log. Checkpoints are unaffected: under `normal`
//! SQLite still flushes the log before copying it into the database and flushes the database
//! after. A committed post is visible to readers for the length of a flush before it is durable;
//! its author is answered only after. Its realtime announcement goes out at commit (the
//! writer's `OnCommit` hook), no earlier than a reader could see it anyway; the rest of its
//! events follow the answer.

use apogee_core::{Error, Result};
use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

/// Sync threads: two let a flush begin while another is in flight.
const THREADS: usize = 2;

/// Something to finish once the log is on disk: typically answering a batch's callers with
/// `Ok(durable)`, or with the flush's error when `durable` is false.
pub(crate) type Completion = Box<dyn FnOnce(Result<()>) + Send>;

/// Committed batches waiting for a flush.
#[derive(Default)]
struct Queue {
    waiting: VecDeque<Completion>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The flushing side of a SQLite writer; closing it (drop) lets the sync threads finish what is
/// queued and stop.
pub(crate) struct WalSync {
    shared: Arc<Shared>,
}

impl WalSync {
    /// Starts the sync threads over the write-ahead log of the database at `db_path`. Fails when
    /// the log file cannot be opened (the database is not in WAL mode, or it has not been opened
    /// yet); the caller then keeps SQLite's own flush at commit.
    pub(crate) fn start(db_path: &Path) -> Result<Self> {
        let mut wal = db_path.as_os_str().to_owned();
        wal.push("-wal");
        let file = Arc::new(
            File::options()
                .read(true)
                .write(true)
                .open(&wal)
                .map_err(|e| Error::internal(format!("cannot open {wal:?}: {e}")))?,
        );
        let shared = Arc::new(Shared::default());
        for n in 0..THREADS {
            let shared = shared.clone();
            let file = file.clone();
            std::thread::Builder::new()
                .name(format!("apogee-wal-sync-{n}"))
                .spawn(move || run(&shared, &file))
                .map_err(Error::internal)?;
        }
        Ok(Self { shared })
    }

    /// Queues `done` to run after the next flush of the log that starts from now on. Call it
    /// after COMMIT has returned.
    pub(crate) fn after_flush(&self, done: Completion) {
        let mut q = lock(&self.shared.queue);
        q.waiting.push_back(done);
        drop(q);
        self.shared.ready.notify_one();
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.ready.notify_all();
    }
}

fn lock(m: &Mutex<Queue>) -> std::sync::MutexGuard<'_, Queue> {
    // A completion that panicked must not stop the others from being answered.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A sync thread: takes everything queued, flushes, completes it; until closed and drained.
fn run(shared: &Shared, file: &File) {
    loop {
        let batch: Vec<Completion> = {
            let mut q = lock(&shared.queue);
            while q.waiting.is_empty() && !q.closed {
                q = shared
                    .ready
                    .wait(q)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if q.waiting.is_empty() {
                return;
            }
            q.waiting.drain(..).collect()
        };
        // Taken before the flush starts, so the flush covers every commit behind these entries.
        let outcome = file.sync_data().map_err(|e| {
            tracing::error!(error = %e, "flushing the SQLite write-ahead log failed");
            Error::internal(format!("flushing the write-ahead log failed: {e}"))
        });
        for done in batch {
            done(outcome.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn completes_after_a_flush_and_drains_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        assert!(WalSync::start(&db).is_err(), "no log file yet");
        std::fs::write(dir.path().join("x.db-wal"), b"").unwrap();
        let sync = WalSync::start(&db).unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..100 {
            let tx = tx.clone();
            sync.after_flush(Box::new(move |r| tx.send((i, r.is_ok())).unwrap()));
        }
        drop(sync);
        drop(tx);
        let mut got: Vec<(i32, bool)> = rx.iter().collect();
        got.sort();
        assert_eq!(got, (0..100).map(|i| (i, true)).collect::<Vec<_>>());
        // The threads have stopped: nothing is left to wait on.
        std::thread::sleep(Duration::from_millis(10));
    }
}
