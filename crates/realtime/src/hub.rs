//! The stream registry: which connection listens to which `(stream, eventName)`, and the room
//! membership of users who watch their `rooms-changed` events. The feed (see `feed.rs`) asks it who
//! listens before it reads anything, and hands it frames serialized once.

use crate::conn::Conn;
use crate::frames::Frame;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Frames a subscription may collect between registering and becoming ready; a subscription
/// whose access check takes longer than this many events cuts its client off.
const PENDING_LIMIT: usize = 256;

/// The streams this server publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// `stream-room-messages`.
    RoomMessages,
    /// `stream-notify-room`.
    NotifyRoom,
    /// `stream-notify-user`.
    NotifyUser,
    /// `stream-notify-logged`.
    NotifyLogged,
    /// `stream-notify-all`.
    NotifyAll,
    /// `stream-user-presence` (event name: the watched user's id; its own protocol, see
    /// `streams::presence`).
    UserPresence,
}

impl Stream {
    /// The publication (and collection) name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RoomMessages => "stream-room-messages",
            Self::NotifyRoom => "stream-notify-room",
            Self::NotifyUser => "stream-notify-user",
            Self::NotifyLogged => "stream-notify-logged",
            Self::NotifyAll => "stream-notify-all",
            Self::UserPresence => "stream-user-presence",
        }
    }

    /// The stream of a publication name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "stream-room-messages" => Self::RoomMessages,
            "stream-notify-room" => Self::NotifyRoom,
            "stream-notify-user" => Self::NotifyUser,
            "stream-notify-logged" => Self::NotifyLogged,
            "stream-notify-all" => Self::NotifyAll,
            _ => return None,
        })
    }
}

/// A stream and an event name: what one subscription listens to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The stream.
    pub stream: Stream,
    /// The event name (`<rid>`, `<uid>/rooms-changed`, ...).
    pub name: Box<str>,
}

impl Key {
    /// A key.
    pub fn new(stream: Stream, name: &str) -> Self {
        Self {
            stream,
            name: name.into(),
        }
    }
}

struct Listener {
    conn: Arc<Conn>,
    /// The logged-in user of the connection when it subscribed.
    user: Option<Box<str>>,
    sub_id: Box<str>,
    /// Frames held back until the subscription is ready (`None` once it is).
    pending: Option<Vec<Frame>>,
}

#[derive(Default)]
struct Watch {
    /// Connections of the user watching `rooms-changed`.
    refs: usize,
    rooms: HashSet<String>,
}

#[derive(Default)]
struct Rooms {
    by_user: HashMap<String, Watch>,
    by_room: HashMap<String, HashSet<String>>,
}

/// The registry; one per server. The room index serves `<uid>/rooms-changed` and
/// `__my_messages__`: both need "which listening users are in this room" without a query per event.
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<HashMap<Key, Vec<Listener>>>,
    rooms: Mutex<Rooms>,
    /// Listeners on `stream-notify-user` (kept under the `listeners` lock).
    user_listeners: AtomicUsize,
    /// Logged-in socket connections by user, with the hash of the token each logged in with:
    /// a deleted token closes the connections that used it.
    logins: Mutex<HashMap<String, Vec<LoggedIn>>>,
}

/// A logged-in connection.
struct LoggedIn {
    conn: Arc<Conn>,
    token_hash: Box<str>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps inconsistent in a way that matters
    // more than losing every realtime client, so a poisoned lock is simply taken over.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    /// Starts listening: events from now on are held for the subscription until [`Hub::activate`].
    /// (Registering before reading any state means nothing published meanwhile is lost.)
    pub fn register(&self, key: Key, conn: &Arc<Conn>, sub_id: &str, user: Option<&str>) {
        if key.stream == Stream::NotifyUser {
            self.user_listeners.fetch_add(1, Ordering::Relaxed);
        }
        lock(&self.listeners)
            .entry(key)
            .or_default()
            .push(Listener {
                conn: conn.clone(),
                user: user.map(Into::into),
                sub_id: sub_id.into(),
                pending: Some(Vec::new()),
            });
    }

    /// The subscription is allowed: queues `ready`, then what was held back, then live events.
    pub fn activate(&self, key: &Key, conn_id: u64, sub_id: &str, ready: Frame) {
        let mut map = lock(&self.listeners);
        let Some(l) = map.get_mut(key).and_then(|v| {
            v.iter_mut()
                .find(|l| l.conn.id == conn_id && &*l.sub_id == sub_id)
        }) else {
            return;
        };
        if !l.conn.push(ready) {
            return;
        }
        for f in l.pending.take().unwrap_or_default() {
            if !l.conn.push(f) {
                return;
            }
        }
    }

    /// Like [`Hub::activate`], without a first frame of its own.
    pub fn activate_quietly(&self, key: &Key, conn_id: u64, sub_id: &str) {
        let mut map = lock(&self.listeners);
        let Some(l) = map.get_mut(key).and_then(|v| {
            v.iter_mut()
                .find(|l| l.conn.id == conn_id && &*l.sub_id == sub_id)
        }) else {
            return;
        };
        for f in l.pending.take().unwrap_or_default() {
            if !l.conn.push(f) {
                return;
            }
        }
    }

    /// Stops one subscription.
    pub fn remove(&self, key: &Key, conn_id: u64, sub_id: &str) {
        let mut map = lock(&self.listeners);
        if let Some(v) = map.get_mut(key) {
            let before = v.len();
            v.retain(|l| !(l.conn.id == conn_id && &*l.sub_id == sub_id));
            if key.stream == Stream::NotifyUser {
                self.user_listeners
                    .fetch_sub(before - v.len(), Ordering::Relaxed);
            }
            if v.is_empty() {
                map.remove(key);
            }
        }
    }

    /// Whether anyone listens to any `stream-notify-user` event.
    pub fn has_user_listeners(&self) -> bool {
        self.user_listeners.load(Ordering::Relaxed) > 0
    }

    /// Whether anyone listens to a key (the feed reads nothing for events nobody hears).
    pub fn has(&self, key: &Key) -> bool {
        lock(&self.listeners).contains_key(key)
    }

    /// Sends a frame to every listener of a key, except to connection `except` (client-emitted
    /// events are not echoed). Never waits: slow clients are cut off by [`Conn::push`].
    pub fn deliver(&self, key: &Key, frame: &Frame, except: Option<u64>) {
        self.deliver_if(key, frame, |l| Some(l.conn.id) != except);
    }

    /// Sends a frame to the listeners of a key whose connection is logged in as one of `users`.
    pub fn deliver_to_users(&self, key: &Key, frame: &Frame, users: &HashSet<String>) {
        self.deliver_if(key, frame, |l| {
            l.user.as_deref().is_some_and(|u| users.contains(u))
        });
    }

    fn deliver_if(&self, key: &Key, frame: &Frame, wanted: impl Fn(&Listener) -> bool) {
        let mut map = lock(&self.listeners);
        let Some(list) = map.get_mut(key) else {
            return;
        };
        for l in list.iter_mut() {
            if !wanted(l) {
                continue;
            }
            match &mut l.pending {
                Some(held) if held.len() < PENDING_LIMIT => held.push(frame.clone()),
                Some(_) => l.conn.close(),
                None => {
                    l.conn.push(frame.clone());
                }
            }
        }
    }

    /// Stops delivering a room to a user who lost access to it: their listeners on the room's
    /// messages and on its `stream-notify-room` events are dropped.
    pub fn revoke_room(&self, user_id: &str, room_id: &str) {
        let prefix = format!("{room_id}/");
        let mut map = lock(&self.listeners);
        map.retain(|key, list| {
            let of_room = match key.stream {
                Stream::RoomMessages => &*key.name == room_id,
                Stream::NotifyRoom => key.name.starts_with(&prefix),
                _ => false,
            };
            if of_room {
                list.retain(|l| l.user.as_deref() != Some(user_id));
            }
            !list.is_empty()
        });
    }

    /// A connection of `user_id` now watches `rooms-changed`; `rooms` are the user's rooms.
    pub fn watch_rooms(&self, user_id: &str, rooms: Vec<String>) {
        let mut idx = lock(&self.rooms);
        let idx = &mut *idx;
        let w = idx.by_user.entry(user_id.to_owned()).or_default();
        w.refs += 1;
        for r in rooms {
            idx.by_room
                .entry(r.clone())
                .or_default()
                .insert(user_id.to_owned());
            w.rooms.insert(r);
        }
    }

    /// One of `user_id`'s `rooms-changed` watchers went away.
    pub fn unwatch_rooms(&self, user_id: &str) {
        let mut idx = lock(&self.rooms);
        let idx = &mut *idx;
        let Some(w) = idx.by_user.get_mut(user_id) else {
            return;
        };
        w.refs = w.refs.saturating_sub(1);
        if w.refs > 0 {
            return;
        }
        if let Some(w) = idx.by_user.remove(user_id) {
            for r in w.rooms {
                if let Some(users) = idx.by_room.get_mut(&r) {
                    users.remove(user_id);
                    if users.is_empty() {
                        idx.by_room.remove(&r);
                    }
                }
            }
        }
    }

    /// Records that a watched user is in a room; `true` when that is news (the room is new to them).
    pub fn room_joined(&self, user_id: &str, room_id: &str) -> bool {
        let mut idx = lock(&self.rooms);
        let idx = &mut *idx;
        let Some(w) = idx.by_user.get_mut(user_id) else {
            return false;
        };
        if !w.rooms.insert(room_id.to_owned()) {
            return false;
        }
        idx.by_room
            .entry(room_id.to_owned())
            .or_default()
            .insert(user_id.to_owned());
        true
    }

    /// Records that a watched user left a room; `true` when they were known to be in it.
    pub fn room_left(&self, user_id: &str, room_id: &str) -> bool {
        let mut idx = lock(&self.rooms);
        let idx = &mut *idx;
        let Some(w) = idx.by_user.get_mut(user_id) else {
            return false;
        };
        if !w.rooms.remove(room_id) {
            return false;
        }
        if let Some(users) = idx.by_room.get_mut(room_id) {
            users.remove(user_id);
            if users.is_empty() {
                idx.by_room.remove(room_id);
            }
        }
        true
    }

    /// A connection logged in as `user_id` with the token hashed `token_hash`.
    pub fn logged_in(&self, user_id: &str, conn: &Arc<Conn>, token_hash: &str) {
        lock(&self.logins)
            .entry(user_id.to_owned())
            .or_default()
            .push(LoggedIn {
                conn: conn.clone(),
                token_hash: token_hash.into(),
            });
    }

    /// A connection's login ended.
    pub fn logged_out(&self, user_id: &str, conn_id: u64) {
        let mut map = lock(&self.logins);
        if let Some(list) = map.get_mut(user_id) {
            list.retain(|l| l.conn.id != conn_id);
            if list.is_empty() {
                map.remove(user_id);
            }
        }
    }

    /// Ends the logins of a user made with one of these tokens (all of the user's logins when
    /// `token_hashes` is `None`): `farewell` (the `<uid>/force_logout` event, on the key it is
    /// listened to) goes to those connections only, then they are closed, which ends their
    /// subscriptions as their sockets go. Returns how many were closed.
    pub fn end_logins(
        &self,
        user_id: &str,
        token_hashes: Option<&[String]>,
        farewell: Option<(&Key, &Frame)>,
    ) -> usize {
        let revoked: Vec<Arc<Conn>> = {
            let mut map = lock(&self.logins);
            let Some(list) = map.get_mut(user_id) else {
                return 0;
            };
            let mut out = Vec::new();
            list.retain(|l| {
                let hit = token_hashes.is_none_or(|h| h.iter().any(|t| **t == *l.token_hash));
                if hit {
                    out.push(l.conn.clone());
                }
                !hit
            });
            if list.is_empty() {
                map.remove(user_id);
            }
            out
        };
        if let Some((key, frame)) = farewell {
            let ids: HashSet<u64> = revoked.iter().map(|c| c.id).collect();
            self.deliver_if(key, frame, |l| ids.contains(&l.conn.id));
        }
        for c in &revoked {
            c.close();
        }
        revoked.len()
    }

    /// The watched users who are in a room.
    pub fn room_watchers(&self, room_id: &str) -> HashSet<String> {
        lock(&self.rooms)
            .by_room
            .get(room_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Forgets a room (deleted): the watched users who were in it.
    pub fn room_gone(&self, room_id: &str) -> Vec<String> {
        let mut idx = lock(&self.rooms);
        let users = idx.by_room.remove(room_id).unwrap_or_default();
        for u in &users {
            if let Some(w) = idx.by_user.get_mut(u) {
                w.rooms.remove(room_id);
            }
        }
        users.into_iter().collect()
    }
}
