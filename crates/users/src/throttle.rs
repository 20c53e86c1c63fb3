//! Login brute-force protection, as Rocket.Chat's `Block_Multiple_Failed_Logins_*` settings describe:
//! after N failures for a username (or an IP) further attempts are refused for some minutes; a
//! success resets the counter. Kept in memory per instance (DESIGN.md: limits are per instance).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failure counters for one key.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    blocked_until: Option<Instant>,
    last: Instant,
}

/// The limits in force (read from settings at each attempt, so admins can change them live).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures before a username is blocked (0 = never).
    pub per_user: u32,
    /// Failures before an IP is blocked (0 = never).
    pub per_ip: u32,
    /// How long a username stays blocked.
    pub user_block: Duration,
    /// How long an IP stays blocked.
    pub ip_block: Duration,
}

/// Which key is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// The username.
    User,
    /// The client address.
    Ip,
}

/// The counters. A std Mutex is right here: no `.await` happens while it is held.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    users: Mutex<HashMap<String, Entry>>,
    ips: Mutex<HashMap<String, Entry>>,
}

impl LoginThrottle {
    /// Whether an attempt for this username from this IP must be refused now.
    pub fn check(&self, user: &str, ip: &str) -> Option<Blocked> {
        let now = Instant::now();
        let blocked = |m: &Mutex<HashMap<String, Entry>>, k: &str| {
            m.lock()
                .ok()
                .and_then(|m| m.get(k).and_then(|e| e.blocked_until))
                .is_some_and(|t| t > now)
        };
        if !ip.is_empty() && blocked(&self.ips, ip) {
            return Some(Blocked::Ip);
        }
        if blocked(&self.users, &user.to_lowercase()) {
            return Some(Blocked::User);
        }
        None
    }

    /// Records a failed attempt.
    pub fn failure(&self, user: &str, ip: &str, limits: Limits) {
        let now = Instant::now();
        let bump = |m: &Mutex<HashMap<String, Entry>>, k: String, max: u32, block: Duration| {
            if max == 0 {
                return;
            }
            if let Ok(mut m) = m.lock() {
                // Forget stale entries so the map cannot grow without bound.
                if m.len() > 100_000 {
                    m.retain(|_, e| now.duration_since(e.last) < Duration::from_secs(3600));
                }
                let e = m.entry(k).or_insert(Entry {
                    failures: 0,
                    blocked_until: None,
                    last: now,
                });
                if e.blocked_until.is_some_and(|t| t <= now) {
                    e.failures = 0;
                    e.blocked_until = None;
                }
                e.failures += 1;
                e.last = now;
                if e.failures >= max {
                    e.blocked_until = Some(now + block);
                }
            }
        };
        bump(
            &self.users,
            user.to_lowercase(),
            limits.per_user,
            limits.user_block,
        );
        if !ip.is_empty() {
            bump(&self.ips, ip.to_owned(), limits.per_ip, limits.ip_block);
        }
    }

    /// Records a success: both counters start over.
    pub fn success(&self, user: &str, ip: &str) {
        if let Ok(mut m) = self.users.lock() {
            m.remove(&user.to_lowercase());
        }
        if let Ok(mut m) = self.ips.lock() {
            m.remove(ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_and_resets_on_success() {
        let t = LoginThrottle::default();
        let l = Limits {
            per_user: 3,
            per_ip: 5,
            user_block: Duration::from_secs(60),
            ip_block: Duration::from_secs(60),
        };
        for _ in 0..2 {
            t.failure("Bob", "1.2.3.4", l);
        }
        assert_eq!(t.check("bob", "1.2.3.4"), None);
        t.failure("bob", "1.2.3.4", l);
        assert_eq!(t.check("bob", "9.9.9.9"), Some(Blocked::User));
        t.failure("carol", "1.2.3.4", l);
        t.failure("dave", "1.2.3.4", l);
        assert_eq!(t.check("erin", "1.2.3.4"), Some(Blocked::Ip));
        t.success("erin", "1.2.3.4");
        assert_eq!(t.check("erin", "1.2.3.4"), None);
    }
}
