//! Presence: a user's `status` and `statusConnection`, as Rocket.Chat derives them from the user's
//! sessions (DDP connections, and REST logins) and their chosen default status.
//!
//! - `statusConnection` is the most present of the user's sessions: `online` if any session is
//!   online, `away` if all are away, `offline` without sessions.
//! - `status` is `offline` without sessions; otherwise the default status the user chose
//!   (`users.setStatus`, `UserPresence:setDefaultStatus`) unless that is `online`, in which case it
//!   follows `statusConnection`.
//!
//! Both are persisted on the user (so `users.getPresence`, `users.info` and other instances read
//! them) and every change is published on the bus as [`EventKind::PresenceChanged`].
//!
//! Sessions are tracked in memory by the instance that holds them. When this instance knows no
//! session of a user (their connections live on another instance, or a REST login predates a
//! restart), a default-status change keeps the persisted `statusConnection`.

use crate::Users;
use crate::accounts::UserSelector;
use crate::auth::{AuthUser, LoginResult};
use crate::tokens::hash_token;
use apogee_core::event::EventBus;
use apogee_core::{Event, EventKind, Result, Timestamp, Topic};
use apogee_storage::repo;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// What one session reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// In use.
    Online,
    /// Idle (`UserPresence:away`).
    Away,
}

/// The bus domain events go to, attached once the bus exists (it is built after the accounts
/// service). Until then nothing is published.
#[derive(Clone, Default)]
pub struct Publisher(Arc<OnceLock<Arc<dyn EventBus>>>);

impl Publisher {
    /// Attaches the bus (the first call wins).
    pub fn attach(&self, bus: Arc<dyn EventBus>) {
        let _ = self.0.set(bus);
    }

    /// Publishes an event, if a bus is attached.
    pub fn publish(&self, topic: Topic, kind: EventKind) {
        if let Some(bus) = self.0.get() {
            bus.publish(Event::new(topic, kind));
        }
    }
}

#[derive(Default)]
struct Entry {
    sessions: HashMap<String, Activity>,
    /// Serializes the read-compute-write of one user's presence, so writes land in order.
    lock: Arc<tokio::sync::Mutex<()>>,
}

/// The sessions this instance holds, per user.
#[derive(Default)]
pub struct Sessions {
    users: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The connection status of a set of sessions: the most present one (`None` without sessions).
fn best(sessions: &HashMap<String, Activity>) -> Option<&'static str> {
    if sessions.values().any(|a| *a == Activity::Online) {
        Some("online")
    } else if sessions.is_empty() {
        None
    } else {
        Some("away")
    }
}

/// The `status` shown for a chosen default and the connection status.
pub fn effective_status<'a>(default: &'a str, connection: &'a str) -> &'a str {
    if connection == "offline" {
        "offline"
    } else if default == "online" {
        connection
    } else {
        default
    }
}

/// Rocket.Chat's numeric status code (`user-status` events): 0 offline, 1 online, 2 away, 3 busy.
pub fn status_code(status: &str) -> u8 {
    match status {
        "online" => 1,
        "away" => 2,
        "busy" => 3,
        _ => 0,
    }
}

fn rest_session(token_hash: &str) -> String {
    format!("rest:{token_hash}")
}

impl Users {
    /// The publisher of this service's domain events.
    pub fn publisher(&self) -> &Publisher {
        self.settings().publisher()
    }

    /// Attaches the event bus (called once, when the bus is built).
    pub fn attach_bus(&self, bus: Arc<dyn EventBus>) {
        self.publisher().attach(bus);
    }

    /// Marks everyone offline at start: sessions live in the memory of the process that holds
    /// them, so none survive a restart (with several instances, presence needs sessions shared
    /// between them first; see the module doc).
    pub async fn reset_presence(&self) -> Result<u64> {
        repo::users::reset_presence(self.db(), Timestamp::now().millis()).await
    }

    /// A session of the user opened (a DDP login) or reported activity.
    pub async fn session_activity(
        &self,
        user_id: &str,
        session: &str,
        activity: Activity,
    ) -> Result<()> {
        let lock = {
            let mut map = self.inner.sessions.map();
            let e = map.entry(user_id.to_owned()).or_default();
            if e.sessions.get(session) == Some(&activity) {
                return Ok(());
            }
            let before = best(&e.sessions);
            e.sessions.insert(session.to_owned(), activity);
            if best(&e.sessions) == before {
                // Another connection of a user already present: nothing to recompute or write.
                return Ok(());
            }
            e.lock.clone()
        };
        self.refresh_presence(user_id, lock).await
    }

    /// A session of the user ended (the socket closed, the user logged out).
    pub async fn session_closed(&self, user_id: &str, session: &str) -> Result<()> {
        let lock = {
            let mut map = self.inner.sessions.map();
            let Some(e) = map.get_mut(user_id) else {
                return Ok(());
            };
            let before = best(&e.sessions);
            if e.sessions.remove(session).is_none() {
                return Ok(());
            }
            if best(&e.sessions) == before {
                return Ok(());
            }
            e.lock.clone()
        };
        self.refresh_presence(user_id, lock).await
    }

    /// A REST login counts as a session until its token is logged out (as in Rocket.Chat, where
    /// bots that only use REST show as online).
    pub async fn rest_login(&self, res: &LoginResult) -> Result<()> {
        let key = rest_session(&hash_token(&res.token));
        self.session_activity(&res.account.user.id, &key, Activity::Online)
            .await
    }

    /// Ends the REST session of a token (its logout).
    pub(crate) async fn rest_logout(&self, auth: &AuthUser) -> Result<()> {
        self.rest_logout_token(auth.id(), &auth.token_hash).await
    }

    /// Ends the REST session of one of a user's tokens (the token was removed).
    pub(crate) async fn rest_logout_token(&self, user_id: &str, token_hash: &str) -> Result<()> {
        self.session_closed(user_id, &rest_session(token_hash))
            .await
    }

    /// Ends every REST session of a user (logged out everywhere, deactivated).
    pub(crate) async fn rest_logout_all(&self, user_id: &str) -> Result<()> {
        let lock = {
            let mut map = self.inner.sessions.map();
            let Some(e) = map.get_mut(user_id) else {
                return Ok(());
            };
            let before = e.sessions.len();
            e.sessions.retain(|k, _| !k.starts_with("rest:"));
            if e.sessions.len() == before {
                return Ok(());
            }
            e.lock.clone()
        };
        self.refresh_presence(user_id, lock).await
    }

    /// The user's presence lock (for a default-status change).
    pub(crate) fn presence_lock(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.inner
            .sessions
            .map()
            .entry(user_id.to_owned())
            .or_default()
            .lock
            .clone()
    }

    /// The connection status from this instance's sessions (`None` without any).
    pub(crate) fn local_connection_status(&self, user_id: &str) -> Option<&'static str> {
        best(&self.inner.sessions.map().get(user_id)?.sessions)
    }

    /// Recomputes, persists and publishes a user's presence after one of this instance's
    /// sessions changed.
    async fn refresh_presence(
        &self,
        user_id: &str,
        lock: Arc<tokio::sync::Mutex<()>>,
    ) -> Result<()> {
        let guard = lock.lock().await;
        let result = async {
            let Some(acc) = self.find(&UserSelector::Id(user_id.to_owned())).await? else {
                return Ok(());
            };
            let u = &acc.user;
            // A session of this instance changed: without local sessions the user is offline.
            let connection = self
                .local_connection_status(user_id)
                .unwrap_or("offline")
                .to_owned();
            let status = effective_status(&u.status_default, &connection).to_owned();
            if status != u.status || connection != u.status_connection {
                repo::users::set_presence(
                    self.db(),
                    user_id,
                    &status,
                    &connection,
                    Timestamp::now().millis(),
                )
                .await?;
                self.publisher().publish(
                    Topic::Logged,
                    EventKind::PresenceChanged {
                        user_id: user_id.to_owned(),
                    },
                );
            }
            Ok(())
        }
        .await;
        drop(guard);
        self.forget_idle(user_id);
        result
    }

    /// Forgets a user without sessions once nobody else holds their lock (the caller's clone and
    /// the map's own are the two expected).
    pub(crate) fn forget_idle(&self, user_id: &str) {
        let mut map = self.inner.sessions.map();
        if map
            .get(user_id)
            .is_some_and(|e| e.sessions.is_empty() && Arc::strong_count(&e.lock) <= 2)
        {
            map.remove(user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_rocket_chat() {
        assert_eq!(effective_status("online", "online"), "online");
        assert_eq!(effective_status("online", "away"), "away");
        assert_eq!(effective_status("busy", "away"), "busy");
        assert_eq!(effective_status("busy", "offline"), "offline");
        assert_eq!(effective_status("offline", "online"), "offline");
        assert_eq!(effective_status("away", "online"), "away");
        assert_eq!(status_code("busy"), 3);
        assert_eq!(status_code("offline"), 0);
    }
}
