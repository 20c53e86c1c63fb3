//! Apogee's realtime API: Rocket.Chat's DDP over `/websocket` (and the raw-websocket SockJS paths
//! old clients use). Methods call the same domain functions as their REST twins; `stream-*`
//! publications are fed from the event bus by one task per server that reads each event's record
//! once, serializes the frame once and hands it to every listening connection.
//!
//! Memory per idle connection stays in kilobytes: a small websocket read buffer, two small tasks
//! (reader and writer), a bounded queue that allocates only as frames wait in it, and shared
//! frames (see [`frames::Frame`]).

mod conn;
pub mod ejson;
mod errors;
mod feed;
pub mod frames;
mod hub;
mod methods;
pub mod project;
mod rest_bridge;
mod session;
mod streams;
mod upgrade;

use apogee_messages::Messages;
use apogee_rooms::Rooms;
use apogee_users::Users;
use poem::{Endpoint, get};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// Tuning of the websocket side.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// Frames a connection may have waiting to be written before it is cut off as too slow.
    pub queue_frames: usize,
    /// Silence from the client after which the server sends a `ping`.
    pub ping_after: Duration,
    /// How long the server then waits for anything from the client before closing.
    pub pong_timeout: Duration,
    /// The websocket read buffer of each connection, in bytes.
    pub read_buffer_bytes: usize,
    /// The largest frame a client may send, in bytes.
    pub max_message_bytes: usize,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        Self {
            // Enough for a burst in a busy room; a client this far behind is not keeping up.
            queue_frames: 1024,
            // Meteor's defaults: ping after 15 s of silence, give up 15 s later.
            ping_after: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(15),
            // tungstenite allocates its read buffer eagerly (128 KiB by default); DDP frames
            // from clients are small, so 4 KiB keeps an idle connection cheap.
            read_buffer_bytes: 4 * 1024,
            max_message_bytes: 8 * 1024 * 1024,
        }
    }
}

struct Inner {
    users: Users,
    rooms: Rooms,
    messages: Messages,
    hub: hub::Hub,
    options: RealtimeOptions,
    next_conn: AtomicU64,
    stop: watch::Sender<bool>,
}

/// The realtime service; cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

impl Realtime {
    /// Builds the service over the domain services and starts the task that feeds the streams
    /// from the bus (it needs a running tokio runtime).
    pub fn start(messages: Messages, options: RealtimeOptions) -> Self {
        let rooms = messages.rooms().clone();
        let users = rooms.users().clone();
        let (stop, _) = watch::channel(false);
        let rt = Self {
            inner: Arc::new(Inner {
                users,
                rooms,
                messages,
                hub: hub::Hub::default(),
                options,
                next_conn: AtomicU64::new(1),
                stop,
            }),
        };
        // Subscribed here, before any connection can read state: see feed.rs.
        let events = rt.inner.rooms.bus().subscribe();
        tokio::spawn(feed::run(rt.clone(), events));
        rt
    }

    /// The endpoint of `/websocket` (and `/sockjs/<server>/<session>/websocket`): upgrades the
    /// request and runs a DDP session on the socket.
    pub fn websocket(&self) -> impl Endpoint<Output = poem::Response> + 'static {
        let rt = self.clone();
        poem::endpoint::make(move |req| upgrade::websocket(rt.clone(), req))
    }

    /// The endpoint of `POST /api/v1/method.call/<method>` (login required) or, with `anonymous`,
    /// `method.callAnon/<method>`: DDP methods over REST.
    pub fn method_call(&self, anonymous: bool) -> impl Endpoint<Output = poem::Response> + 'static {
        let rt = self.clone();
        poem::post(poem::endpoint::make(move |req| {
            rest_bridge::call(rt.clone(), req, anonymous)
        }))
    }

    /// The endpoint of `/sockjs/info`.
    pub fn sockjs_info(&self) -> impl Endpoint<Output = poem::Response> + 'static {
        get(poem::endpoint::make_sync(|_| upgrade::sockjs_info()))
    }

    /// Closes every connection and stops the feed (graceful shutdown).
    pub fn shutdown(&self) {
        self.inner.stop.send_replace(true);
    }

    pub(crate) fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.stop.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.inner.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn options(&self) -> &RealtimeOptions {
        &self.inner.options
    }

    pub(crate) fn users(&self) -> &Users {
        &self.inner.users
    }

    pub(crate) fn rooms(&self) -> &Rooms {
        &self.inner.rooms
    }

    pub(crate) fn messages(&self) -> &Messages {
        &self.inner.messages
    }

    pub(crate) fn hub(&self) -> &hub::Hub {
        &self.inner.hub
    }
}
