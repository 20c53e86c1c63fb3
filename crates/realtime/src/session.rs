//! One DDP connection: the handshake, heartbeats, methods (run one at a time, in order, like
//! Meteor's) and subscriptions. Two small tasks per connection: this reader, which owns the
//! session's state, and a writer that drains the connection's queue into the socket.

use crate::Realtime;
use crate::conn::Conn;
use crate::frames::{self, Frame};
use crate::hub::{Key, Stream};
use crate::methods;
use crate::streams;
use apogee_users::{Activity, AuthUser};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use poem::Upgraded;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Heartbeat deadlines are rounded up to this grid. Idle connections' deadlines otherwise fall
/// at random moments, and each ping woke a runtime thread on its own: with 10,000 idle
/// connections the thread switches were most of the server's idle CPU. On the grid the pings due
/// in the same half second go out in one wake-up, and their pongs come back together.
const HEARTBEAT_GRID: Duration = Duration::from_millis(500);

/// The first grid point at or after `t` (the grid starts at the first call).
fn on_heartbeat_grid(t: Instant) -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let grid = HEARTBEAT_GRID.as_nanos();
    let since = t.saturating_duration_since(epoch).as_nanos();
    let up = u64::try_from(since.div_ceil(grid) * grid).unwrap_or(u64::MAX);
    epoch + Duration::from_nanos(up)
}

type Socket = WebSocketStream<Upgraded>;

/// DDP versions we speak, preferred first (Meteor's list).
const VERSIONS: [&str; 3] = ["1", "pre2", "pre1"];

/// The logged-in user of a connection.
#[derive(Clone)]
pub struct Login {
    /// Who.
    pub auth: Arc<AuthUser>,
    /// The token they logged in with (re-checked before each method, so a logout elsewhere or
    /// an expired token ends the login).
    pub token: String,
}

/// A subscription the connection holds.
pub struct Sub {
    /// What it listens to (`None` for publications that never send anything).
    pub key: Option<Key>,
    /// Whether it registered the user's rooms in the hub's `rooms-changed` index.
    pub watches_rooms: bool,
    /// Whether it is the connection's main `stream-user-presence` subscription (which owns the
    /// listeners of [`Session::presence_watch`]).
    pub presence: bool,
}

/// The state of one connection.
pub struct Session {
    /// The service.
    pub rt: Realtime,
    /// The outbound side.
    pub conn: Arc<Conn>,
    /// Client address (brute-force blocking of logins).
    pub ip: String,
    /// Whether `connect` succeeded.
    connected: bool,
    /// A session of the REST bridge, without a socket.
    detached: bool,
    /// The logged-in user.
    pub login: Option<Login>,
    /// Subscriptions by the client's id.
    pub subs: HashMap<String, Sub>,
    /// The users whose presence the main `stream-user-presence` subscription watches.
    pub presence_watch: HashSet<String>,
}

/// Runs a session on an upgraded socket until either side closes it.
pub async fn run(rt: Realtime, ws: Socket, ip: String) {
    let (conn, rx) = Conn::new(rt.next_conn_id(), rt.options().queue_frames);
    let conn = Arc::new(conn);
    let (sink, stream) = ws.split();
    let writer = tokio::spawn(write_loop(sink, rx, conn.clone()));
    conn.push(frames::server_id());
    let mut s = Session {
        rt,
        conn: conn.clone(),
        ip,
        connected: false,
        detached: false,
        login: None,
        subs: HashMap::new(),
        presence_watch: HashSet::new(),
    };
    s.read_loop(stream).await;
    s.end_login().await;
    conn.close();
    let _ = writer.await;
}

async fn write_loop(
    mut sink: SplitSink<Socket, Message>,
    mut rx: mpsc::Receiver<Frame>,
    conn: Arc<Conn>,
) {
    let closed = conn.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            biased;
            _ = &mut closed => break,
            next = rx.recv() => {
                let Some(first) = next else { break };
                // Everything already waiting goes out with one flush.
                let burst = async {
                    sink.feed(first).await?;
                    while let Ok(f) = rx.try_recv() {
                        sink.feed(f).await?;
                    }
                    sink.flush().await
                };
                tokio::select! {
                    biased;
                    _ = &mut closed => break,
                    r = burst => if r.is_err() { break },
                }
            }
        }
    }
    conn.close();
    // Frames queued before the close (a `failed`, an `error`) still go out if the client reads;
    // a client that does not is given half a second.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while let Ok(f) = rx.try_recv() {
            sink.feed(f).await?;
        }
        sink.close().await
    })
    .await;
}

impl Session {
    /// A session without a socket (the REST bridge): already connected, with the caller's login;
    /// anything it would send besides the method's answer is dropped.
    pub fn detached(rt: Realtime, ip: String, login: Option<Login>) -> Self {
        let (conn, _) = Conn::new(rt.next_conn_id(), 1);
        Self {
            rt,
            conn: Arc::new(conn),
            ip,
            connected: true,
            detached: true,
            login,
            subs: HashMap::new(),
            presence_watch: HashSet::new(),
        }
    }

    async fn read_loop(&mut self, mut stream: SplitStream<Socket>) {
        let closed = self.conn.closed();
        let stopped = self.rt.stopped();
        tokio::pin!(closed, stopped);
        let (ping_after, pong_timeout) = {
            let o = self.rt.options();
            (o.ping_after, o.pong_timeout)
        };
        let mut last_heard = Instant::now();
        let mut pinged: Option<Instant> = None;
        loop {
            let deadline = on_heartbeat_grid(match pinged {
                None => last_heard + ping_after,
                Some(at) => at + pong_timeout,
            });
            tokio::select! {
                _ = &mut closed => break,
                _ = &mut stopped => break,
                _ = sleep_until(deadline) => {
                    if pinged.is_some() {
                        tracing::debug!(conn = self.conn.id, "no answer to ping; closing");
                        break;
                    }
                    self.conn.push(frames::ping());
                    pinged = Some(Instant::now());
                }
                next = stream.next() => {
                    let Some(Ok(msg)) = next else { break };
                    last_heard = Instant::now();
                    pinged = None;
                    match msg {
                        Message::Text(t) => Box::pin(self.handle(t.as_str())).await,
                        Message::Binary(b) => match std::str::from_utf8(&b) {
                            Ok(t) => Box::pin(self.handle(t)).await,
                            Err(_) => self.reply(frames::error("Parse error", None)).await,
                        },
                        Message::Close(_) => break,
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                    }
                }
            }
        }
    }

    /// Queues a frame of this connection's own conversation.
    pub async fn reply(&self, f: Frame) {
        self.conn.send(f).await;
    }

    async fn handle(&mut self, text: &str) {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            return self.reply(frames::error("Parse error", None)).await;
        };
        let Some(obj) = v.as_object() else {
            return self.reply(frames::error("Bad request", Some(&v))).await;
        };
        let msg = obj.get("msg").and_then(Value::as_str).unwrap_or_default();
        if !self.connected {
            return match msg {
                "connect" => self.connect(obj).await,
                _ => {
                    self.reply(frames::error("Must connect first", Some(&v)))
                        .await
                }
            };
        }
        match msg {
            "ping" => self.reply(frames::pong(obj.get("id"))).await,
            "pong" => {}
            "method" => self.method(obj, &v).await,
            "sub" => self.sub(obj, &v).await,
            "unsub" => self.unsub(obj, &v).await,
            _ => self.reply(frames::error("Bad request", Some(&v))).await,
        }
    }

    /// `connect`: Meteor's version negotiation. The client proposes `version` and lists what it
    /// supports; we pick the first of its list we speak and accept only if that is its proposal.
    async fn connect(&mut self, obj: &Map<String, Value>) {
        let version = obj.get("version").and_then(Value::as_str);
        let support: Option<Vec<&str>> = obj
            .get("support")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_str).collect());
        let chosen = support
            .as_ref()
            .and_then(|s| s.iter().find(|v| VERSIONS.contains(v)).copied())
            .unwrap_or(VERSIONS[0]);
        let ok = match (version, &support) {
            (Some(v), Some(s)) => s.contains(&v) && v == chosen,
            _ => false,
        };
        if ok {
            self.connected = true;
            self.reply(frames::connected(&apogee_core::random_id()))
                .await;
        } else {
            self.reply(frames::failed(chosen)).await;
            self.conn.close();
        }
    }

    async fn method(&mut self, obj: &Map<String, Value>, raw: &Value) {
        let id = obj.get("id").filter(|i| i.is_string()).cloned();
        let name = obj.get("method").and_then(Value::as_str);
        let params = match obj.get("params") {
            None => Some(Vec::new()),
            Some(Value::Array(a)) => Some(a.clone()),
            Some(_) => None,
        };
        let (Some(id), Some(name), Some(params)) = (id, name, params) else {
            return self
                .reply(frames::error("Malformed method invocation", Some(raw)))
                .await;
        };
        let outcome = methods::call(self, name, &params).await;
        let f = match outcome {
            Ok(v) => frames::result(&id, v.as_ref()),
            Err(e) => frames::result_error(&id, &crate::errors::method_error(&e, name)),
        };
        self.reply(f).await;
        self.reply(frames::updated(&id)).await;
    }

    async fn sub(&mut self, obj: &Map<String, Value>, raw: &Value) {
        let id = obj.get("id").and_then(Value::as_str);
        let name = obj.get("name").and_then(Value::as_str);
        let params = match obj.get("params") {
            None => Some(Vec::new()),
            Some(Value::Array(a)) => Some(a.clone()),
            Some(_) => None,
        };
        let (Some(id), Some(name), Some(params)) = (id, name, params) else {
            return self
                .reply(frames::error("Malformed subscription", Some(raw)))
                .await;
        };
        if self.subs.contains_key(id) {
            // Meteor ignores a second `sub` with an id already in use.
            return;
        }
        streams::subscribe(self, id, name, &params).await;
    }

    async fn unsub(&mut self, obj: &Map<String, Value>, raw: &Value) {
        let Some(id) = obj.get("id").and_then(Value::as_str) else {
            return self.reply(frames::error("Bad request", Some(raw))).await;
        };
        if let Some(sub) = self.subs.remove(id) {
            self.release(id, sub);
        }
        self.reply(frames::nosub(id, None)).await;
    }

    /// This connection's key among its user's presence sessions.
    fn presence_session(&self) -> String {
        format!("ddp:{}", self.conn.id)
    }

    /// The connection is now logged in: it counts towards the user's presence.
    pub async fn start_login(&mut self, login: Login) {
        self.end_login().await;
        let uid = login.auth.id().to_owned();
        if self.is_socket() {
            self.rt
                .hub()
                .logged_in(&uid, &self.conn, &login.auth.token_hash);
        }
        self.login = Some(login);
        if self.is_socket() {
            let key = self.presence_session();
            if let Err(e) = self
                .rt
                .users()
                .session_activity(&uid, &key, Activity::Online)
                .await
            {
                tracing::warn!("cannot record the presence of {uid}: {e}");
            }
        }
    }

    /// The connection's login ends (logout, token gone, socket closed): its subscriptions end and
    /// it no longer counts towards the user's presence.
    pub async fn end_login(&mut self) {
        self.drop_subs();
        let Some(l) = self.login.take() else {
            return;
        };
        if self.is_socket() {
            self.rt.hub().logged_out(l.auth.id(), self.conn.id);
            let key = self.presence_session();
            if let Err(e) = self.rt.users().session_closed(l.auth.id(), &key).await {
                tracing::warn!("cannot record the presence of {}: {e}", l.auth.id());
            }
        }
    }

    /// `UserPresence:online` / `UserPresence:away` from this connection.
    pub async fn report_activity(&self, activity: Activity) -> apogee_core::Result<()> {
        match &self.login {
            Some(l) if self.is_socket() => {
                self.rt
                    .users()
                    .session_activity(l.auth.id(), &self.presence_session(), activity)
                    .await
            }
            _ => Ok(()),
        }
    }

    /// Whether this session has a socket (the REST bridge's sessions do not count as presence).
    fn is_socket(&self) -> bool {
        !self.detached
    }

    /// Unregisters a subscription from the hub.
    pub fn release(&mut self, id: &str, sub: Sub) {
        if let Some(key) = &sub.key {
            self.rt.hub().remove(key, self.conn.id, id);
        }
        if sub.presence {
            for uid in std::mem::take(&mut self.presence_watch) {
                self.rt
                    .hub()
                    .remove(&Key::new(Stream::UserPresence, &uid), self.conn.id, id);
            }
        }
        if sub.watches_rooms
            && let Some(l) = &self.login
        {
            self.rt.hub().unwatch_rooms(l.auth.id());
        }
    }

    /// Ends every subscription (the socket closed, or the user logged out).
    pub fn drop_subs(&mut self) {
        for (id, sub) in std::mem::take(&mut self.subs) {
            self.release(&id, sub);
        }
    }
}
