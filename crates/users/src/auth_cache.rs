//! A short-lived cache of authenticated callers, so that a request with a known token costs no
//! database round trip.
//!
//! An entry is used only while (a) no account, role or token write happened on this instance since
//! it was read (the database handle's accounts generation is unchanged), and (b) it is younger
//! than [`TTL`], which bounds how long a change made by *another* instance (a logout, a
//! deactivation) can go unseen here.

use crate::auth::AuthUser;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest time an entry is trusted.
pub const TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; the cache starts over when full.
const CAPACITY: usize = 100_000;

struct Entry {
    auth: Arc<AuthUser>,
    generation: u64,
    at: Instant,
}

/// Token hash → caller. A std Mutex: no `.await` happens while it is held.
#[derive(Default)]
pub struct AuthCache {
    map: Mutex<HashMap<String, Entry>>,
}

impl AuthCache {
    /// The cached caller for a token hash, if still valid at this generation.
    pub fn get(&self, token_hash: &str, generation: u64) -> Option<Arc<AuthUser>> {
        let map = self.map.lock().ok()?;
        let e = map.get(token_hash)?;
        (e.generation == generation && e.at.elapsed() < TTL).then(|| e.auth.clone())
    }

    /// Remembers a caller read from the database at `generation` (taken *before* the read).
    pub fn put(&self, auth: &Arc<AuthUser>, generation: u64) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(
                auth.token_hash.clone(),
                Entry {
                    auth: auth.clone(),
                    generation,
                    at: Instant::now(),
                },
            );
        }
    }
}
