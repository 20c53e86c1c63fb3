//! The HTTP side: the websocket upgrade handshake (done here rather than through poem's extractor
//! so that connections use tokio-tungstenite directly and frames can be shared between them), and
//! SockJS's `/info`.

use crate::Realtime;
use crate::session;
use poem::http::{StatusCode, header};
use poem::{Request, Response};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

fn bad_request() -> Response {
    // Meteor's answer to a plain HTTP request on its websocket path.
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .content_type("text/plain")
        .body("Can \"Upgrade\" only to \"WebSocket\".")
}

fn header_has(req: &Request, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// Upgrades `GET /websocket` and runs a DDP session on the socket.
pub async fn websocket(rt: Realtime, req: Request) -> Response {
    let valid = req.method() == poem::http::Method::GET
        && header_has(&req, header::UPGRADE, "websocket")
        && header_has(&req, header::CONNECTION, "upgrade")
        && req.header(header::SEC_WEBSOCKET_VERSION) == Some("13");
    let key = req.header(header::SEC_WEBSOCKET_KEY).map(str::to_owned);
    let (true, Some(key)) = (valid, key) else {
        return bad_request();
    };
    let Ok(on_upgrade) = req.take_upgrade() else {
        return bad_request();
    };
    let ip = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let o = rt.options();
    let config = WebSocketConfig::default()
        .read_buffer_size(o.read_buffer_bytes)
        // Frames are written as they come (the writer flushes once per burst), so no write
        // buffer needs to build up.
        .write_buffer_size(0)
        .max_message_size(Some(o.max_message_bytes))
        .max_frame_size(Some(o.max_message_bytes));
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let ws = WebSocketStream::from_raw_socket(upgraded, Role::Server, Some(config)).await;
        session::run(rt, ws, ip).await;
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

/// `GET /sockjs/info`: SockJS's capability probe (websocket only).
pub fn sockjs_info() -> Response {
    let entropy = u32::from_le_bytes(
        apogee_core::random_id().as_bytes()[..4]
            .try_into()
            .unwrap_or([0; 4]),
    );
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .header(
            header::CACHE_CONTROL,
            "no-store, no-cache, must-revalidate, max-age=0",
        )
        .body(
            serde_json::json!({
                "websocket": true,
                "origins": ["*:*"],
                "cookie_needed": false,
                "entropy": entropy,
            })
            .to_string(),
        )
}
