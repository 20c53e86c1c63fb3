//! Just enough of a DDP client for the realtime bench: open `/websocket`, `connect`, log in with
//! a resume token, subscribe, call methods, answer the server's pings.
//!
//! The client reads frames only while it waits for an answer of its own; between calls, a
//! [`DdpClient::into_socket`] hands the socket to a task that reads on (see `realtime.rs`).

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Result;

/// A client websocket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any one answer may take.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// A small read buffer: the bench holds up to ~20,000 of these (tungstenite's default is 128 KiB).
pub fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
}

/// Opens a websocket to `url` (ws://host:port/path) with [`client_config`].
pub async fn open(url: &str) -> Result<Socket> {
    let (ws, _) = tokio::time::timeout(
        ANSWER_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(url, Some(client_config()), true),
    )
    .await
    .map_err(|_| format!("opening {url}: timed out"))?
    .map_err(|e| format!("opening {url}: {e}"))?;
    Ok(ws)
}

/// A connected, logged-in DDP session.
pub struct DdpClient {
    /// The socket.
    ws: Socket,
    /// The next method/sub id.
    next_id: u64,
}

/// Whether a text frame is the server's `{"msg":"ping"}` (with or without an id).
pub fn is_ping(text: &str) -> bool {
    text.starts_with(r#"{"msg":"ping""#)
}

/// The `pong` answering a server ping frame (echoing its id, if any).
pub fn pong_for(text: &str) -> Message {
    let id = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("id").cloned());
    let pong = match id {
        Some(id) => json!({"msg": "pong", "id": id}),
        None => json!({"msg": "pong"}),
    };
    Message::text(pong.to_string())
}

impl DdpClient {
    /// Opens `url`, sends `connect`, waits for `connected`, and logs in with `{resume: token}`.
    pub async fn login(url: &str, token: &str) -> Result<Self> {
        let ws = open(url).await?;
        let mut client = Self { ws, next_id: 1 };
        client
            .send(json!({"msg": "connect", "version": "1", "support": ["1"]}))
            .await?;
        client
            .wait(|v| match v["msg"].as_str() {
                Some("connected") => Some(Ok(())),
                Some("failed") => Some(Err(format!("connect failed: {v}"))),
                _ => None,
            })
            .await??;
        client.call("login", json!([{ "resume": token }])).await?;
        Ok(client)
    }

    /// Sends one frame.
    async fn send(&mut self, frame: Value) -> Result<()> {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .map_err(|e| format!("websocket send: {e}").into())
    }

    /// Reads frames (answering pings) until `pick` returns something.
    async fn wait<T>(&mut self, mut pick: impl FnMut(&Value) -> Option<T>) -> Result<T> {
        let read = async {
            loop {
                let Some(msg) = self.ws.next().await else {
                    return Err("websocket closed by the server".into());
                };
                let msg = msg.map_err(|e| format!("websocket read: {e}"))?;
                let Message::Text(text) = msg else { continue };
                if is_ping(text.as_str()) {
                    let pong = pong_for(text.as_str());
                    self.ws
                        .send(pong)
                        .await
                        .map_err(|e| format!("websocket send: {e}"))?;
                    continue;
                }
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if let Some(t) = pick(&v) {
                    return Ok(t);
                }
            }
        };
        tokio::time::timeout(ANSWER_TIMEOUT, read)
            .await
            .map_err(|_| "no answer from the server within 60 s")?
    }

    /// Calls a method and returns its `result` (a method error is an error).
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.send(json!({"msg": "method", "id": id, "method": method, "params": params}))
            .await?;
        self.wait(|v| {
            (v["msg"] == "result" && v["id"] == id.as_str()).then(|| match v.get("error") {
                Some(e) => Err(format!("method {method} failed: {e}")),
                None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
            })
        })
        .await?
        .map_err(Into::into)
    }

    /// Subscribes and waits for `ready` (`nosub` is an error).
    pub async fn sub(&mut self, name: &str, params: Value) -> Result<()> {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.send(json!({"msg": "sub", "id": id, "name": name, "params": params}))
            .await?;
        self.wait(|v| match v["msg"].as_str() {
            Some("ready") if v["subs"].as_array().is_some_and(|s| s.contains(&json!(id))) => {
                Some(Ok(()))
            }
            Some("nosub") if v["id"] == id.as_str() => {
                Some(Err(format!("sub {name} {params} refused: {v}")))
            }
            _ => None,
        })
        .await?
        .map_err(Into::into)
    }

    /// Subscribes to a `stream-*` publication's event the way Rocket.Chat's clients do.
    pub async fn stream(&mut self, name: &str, event: &str) -> Result<()> {
        self.sub(name, json!([event, {"useCollection": false, "args": []}]))
            .await
    }

    /// The socket, for a task that reads on.
    pub fn into_socket(self) -> Socket {
        self.ws
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_and_pongs() {
        assert!(is_ping(r#"{"msg":"ping"}"#));
        assert!(is_ping(r#"{"msg":"ping","id":"7"}"#));
        assert!(!is_ping(r#"{"msg":"pong"}"#));
        assert_eq!(
            pong_for(r#"{"msg":"ping","id":"7"}"#),
            Message::text(r#"{"msg":"pong","id":"7"}"#)
        );
        assert_eq!(
            pong_for(r#"{"msg":"ping"}"#),
            Message::text(r#"{"msg":"pong"}"#)
        );
    }
}
