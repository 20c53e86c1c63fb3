//! Redoing a read-modify-write of a message that lost a race with another change of the same
//! message (see `repo::messages::update_if_unchanged`): reactions, pins, stars, follows, thread
//! replies and edits all rewrite the message's `data`.

use apogee_core::{Error, Result};
use std::future::Future;

/// Attempts before giving up; each lost race means another writer got through, so even a
/// message that dozens of people react to at once gets through well before this.
const TRIES: u32 = 100;

/// The error code of a lost race (seen by a client only after [`TRIES`] of them).
const CHANGED: &str = "error-message-changed-concurrently";

/// The error a write returns when the message changed after it was read.
pub(crate) fn lost_race() -> Error {
    Error::meteor(CHANGED, "The message changed meanwhile, try again")
}

/// Runs `op` until it does not lose a race (at most [`TRIES`] times).
pub(crate) async fn retrying<T, Fut>(mut op: impl FnMut() -> Fut) -> Result<T>
where
    Fut: Future<Output = Result<T>>,
{
    let mut last = None;
    for attempt in 0..TRIES {
        match op().await {
            Err(e) if matches!(&e, Error::Meteor { code, .. } if code == CHANGED) => {
                last = Some(e);
                // Jittered back-off, so the losers of a race do not meet again at once.
                let max_micros = 100 * u64::from(attempt.min(20) + 1);
                let pause = rand::random_range(0..max_micros);
                tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
            }
            other => return other,
        }
    }
    Err(last.unwrap_or_else(lost_race))
}
