//! A minimal DDP client for the realtime tests (tokio-tungstenite).

use apogee_blackbox::TestServer;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// A minimal DDP client: sends frames, answers pings, keeps frames it was not waiting for.
pub struct Ddp {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub stash: VecDeque<Value>,
    pub next_id: u64,
}

impl Ddp {
    /// Opens a socket (and checks the `server_id` greeting).
    pub async fn open(s: &TestServer) -> Self {
        let url = format!("{}/websocket", s.base.replace("http://", "ws://"));
        let (ws, _) = connect_async(url).await.unwrap();
        let mut c = Self {
            ws,
            stash: VecDeque::new(),
            next_id: 0,
        };
        assert_eq!(c.recv().await, json!({"server_id": "0"}));
        c
    }

    /// Opens and completes the DDP handshake.
    pub async fn connected(s: &TestServer) -> Self {
        let mut c = Self::open(s).await;
        c.send(json!({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]}))
            .await;
        let f = c.recv().await;
        assert_eq!(f["msg"], "connected", "{f}");
        assert!(f["session"].is_string());
        c
    }

    /// Opens, connects and logs in with a plain password.
    pub async fn user(s: &TestServer, username: &str, password: &str) -> Self {
        let mut c = Self::connected(s).await;
        let r = c
            .call(
                "login",
                json!([{"user": {"username": username}, "password": password}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        c
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::text(v.to_string())).await.unwrap();
    }

    pub async fn send_raw(&mut self, s: &str) {
        self.ws.send(Message::text(s.to_owned())).await.unwrap();
    }

    /// The next frame from the socket (pings answered on the way), within five seconds.
    pub async fn read(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("no frame within 5 s");
            match next {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["msg"] == "ping" {
                        self.send(json!({"msg": "pong"})).await;
                        continue;
                    }
                    return Some(v);
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next frame (stashed ones first).
    pub async fn recv(&mut self) -> Value {
        if let Some(v) = self.stash.pop_front() {
            return v;
        }
        self.read().await.expect("socket closed")
    }

    /// Waits for a frame matching `pred`, stashing the others.
    pub async fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.stash.iter().position(&pred) {
            return self.stash.remove(i).unwrap();
        }
        loop {
            let v = self.read().await.expect("socket closed");
            if pred(&v) {
                return v;
            }
            self.stash.push_back(v);
        }
    }

    /// Frames arriving within `ms` milliseconds that match `pred` (stash included).
    pub async fn collect(&mut self, ms: u64, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut out: Vec<Value> = self.stash.drain(..).filter(|v| pred(v)).collect();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(Some(Ok(m)))) =
            tokio::time::timeout_at(deadline, async { Some(self.ws.next().await) }).await
        {
            if let Message::Text(t) = m {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if pred(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// Calls a method and returns its `result` frame (after checking the `updated` that follows).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = format!("m{}", self.next_id);
        self.send(json!({"msg": "method", "method": method, "params": params, "id": id}))
            .await;
        let r = self
            .wait_for(|v| v["msg"] == "result" && v["id"] == id.as_str())
            .await;
        let u = self.wait_for(|v| v["msg"] == "updated").await;
        assert_eq!(u["methods"], json!([id]));
        r
    }

    /// Subscribes to `[event, false]` and checks `ready`.
    pub async fn listen(&mut self, stream: &str, event: &str) {
        let r = self.sub(stream, json!([event, false])).await;
        assert_eq!(r["msg"], "ready", "{stream} {event}: {r}");
    }

    /// Subscribes and returns `ready` or `nosub`.
    pub async fn sub(&mut self, name: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = format!("s{}", self.next_id);
        self.send(json!({"msg": "sub", "id": id, "name": name, "params": params}))
            .await;
        self.wait_for(|v| {
            (v["msg"] == "ready" && v["subs"][0] == id.as_str())
                || (v["msg"] == "nosub" && v["id"] == id.as_str())
        })
        .await
    }
}

pub fn stream_event(collection: &'static str, event: String) -> impl Fn(&Value) -> bool {
    move |v: &Value| {
        v["msg"] == "changed" && v["collection"] == collection && v["fields"]["eventName"] == *event
    }
}
