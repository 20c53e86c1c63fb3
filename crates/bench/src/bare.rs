//! The bare yardsticks: a poem server with one static handler, `GET /api/info`, and a bare
//! tokio-tungstenite broadcast at `GET /websocket`.
//!
//! `/api/info` does what any poem server must do per request (accept, parse HTTP/1.1, route,
//! write a small JSON answer) and nothing else, so its rate is the ceiling Apogee's `/api/info`
//! can approach on the same machine with the same load generator.
//!
//! `/websocket` is the fan-out yardstick: the upgrade is done the way Apogee's realtime crate does
//! it (poem's raw upgrade, then tokio-tungstenite), each connection gets a bounded queue drained
//! by a writer task that flushes once per burst, and a text frame `BROADCAST <payload>` from any
//! client is queued, as one shared frame, on every other connection. No parsing, no database, no
//! access checks: the ceiling a realtime fan-out of the same frame can approach.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use clap::Args;
use futures::{SinkExt as _, StreamExt as _};
use poem::http::{StatusCode, header};
use poem::listener::TcpListener;
use poem::{IntoResponse, Request, Response, Route, Server, get, handler};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::Result;

/// The prefix of a client frame that asks the bare websocket server to broadcast the rest.
pub const BROADCAST_PREFIX: &str = "BROADCAST ";

/// Frames a bare websocket connection may have waiting (Apogee's default queue length).
const QUEUE_FRAMES: usize = 1024;

/// The static answer, the size of a minimal `/api/info`.
pub const INFO_BODY: &str = r#"{"version":"8.5","success":true}"#;

/// Arguments of `apogee-bench bare`.
#[derive(Debug, Clone, Args)]
pub struct BareArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3900")]
    pub listen: SocketAddr,
    /// Tokio worker threads (2, like the server under test on this 2-core machine).
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

/// `GET /api/info`: the static body as JSON.
#[handler]
fn info() -> impl IntoResponse {
    Response::builder()
        .content_type("application/json")
        .body(INFO_BODY)
}

/// Runs the bare server until the process is killed.
pub fn run(args: &BareArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let hub = Arc::new(Hub::default());
        let app = Route::new().at("/api/info", get(info)).at(
            "/websocket",
            poem::endpoint::make(move |req| websocket(hub.clone(), req)),
        );
        eprintln!("apogee-bench bare: listening on http://{}", args.listen);
        Server::new(TcpListener::bind(args.listen)).run(app).await
    })?;
    Ok(())
}

/// The bare broadcast's registry: every open connection's queue.
#[derive(Default)]
struct Hub {
    /// Connection number to queue.
    conns: Mutex<HashMap<u64, mpsc::Sender<Message>>>,
    /// The next connection number.
    next: AtomicU64,
}

impl Hub {
    /// Queues `frame` on every connection but `from`, without waiting; a full queue drops the
    /// frame for that connection (Apogee would cut it off; the bench's clients keep up).
    fn broadcast(&self, from: u64, frame: &Message) {
        let conns = match self.conns.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (id, tx) in conns.iter() {
            if *id != from {
                let _ = tx.try_send(frame.clone());
            }
        }
    }

    /// Registers a connection's queue; returns its number.
    fn add(&self, tx: mpsc::Sender<Message>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        match self.conns.lock() {
            Ok(mut c) => c.insert(id, tx),
            Err(poisoned) => poisoned.into_inner().insert(id, tx),
        };
        id
    }

    /// Forgets a connection.
    fn remove(&self, id: u64) {
        match self.conns.lock() {
            Ok(mut c) => c.remove(&id),
            Err(poisoned) => poisoned.into_inner().remove(&id),
        };
    }
}

/// `GET /websocket`: the upgrade handshake (as Apogee does it), then [`broadcast_session`].
async fn websocket(hub: Arc<Hub>, req: Request) -> Response {
    let key = req.header(header::SEC_WEBSOCKET_KEY).map(str::to_owned);
    let (Some(key), Ok(on_upgrade)) = (key, req.take_upgrade()) else {
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body("websocket upgrade expected");
    };
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(upgraded, Role::Server, Some(config)).await;
        broadcast_session(hub, ws).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            derive_accept_key(key.as_bytes()),
        )
        .finish()
}

/// One bare connection: a writer task draining its queue, and this reader broadcasting.
async fn broadcast_session(hub: Arc<Hub>, ws: WebSocketStream<poem::Upgraded>) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Message>(QUEUE_FRAMES);
    let id = hub.add(tx);
    let writer = tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let burst = async {
                sink.feed(first).await?;
                while let Ok(f) = rx.try_recv() {
                    sink.feed(f).await?;
                }
                sink.flush().await
            };
            if burst.await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        match msg {
            Message::Text(text) => {
                if let Some(payload) = text.as_str().strip_prefix(BROADCAST_PREFIX) {
                    hub.broadcast(id, &Message::text(payload.to_owned()));
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    hub.remove(id);
    writer.abort();
}
