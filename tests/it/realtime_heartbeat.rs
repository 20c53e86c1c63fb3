//! Server heartbeats (api.md §7.3): a silent client is pinged, then closed when it does not
//! answer; a client that answers stays.

use crate::ddp::Ddp;
use apogee_blackbox::{TestServer, backends};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Frames until the socket closes or `within` passes: (frames, closed by the server, when).
async fn drain(c: &mut Ddp, within: Duration) -> (Vec<Value>, Option<Instant>) {
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, c.ws.next()).await {
            Err(_) => return (frames, None),
            Ok(Some(Ok(Message::Text(t)))) => {
                frames.push(serde_json::from_str(t.as_str()).unwrap())
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                return (frames, Some(Instant::now()));
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Answers pings for `within`; how many came (panics if the server closes the socket).
async fn keep_alive(c: &mut Ddp, within: Duration) -> usize {
    let mut pings = 0;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, c.ws.next()).await {
            Err(_) => return pings,
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["msg"] == "ping" {
                    pings += 1;
                    c.send(json!({"msg": "pong"})).await;
                }
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                panic!("a client answering pings was closed")
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_clients_are_pinged_then_closed() {
    let b = backends().remove(0);
    let s = TestServer::start_configured(&b, apogee::DeployEnv::default(), |c| {
        c.realtime.ping_after_secs = 1;
        c.realtime.pong_timeout_secs = 1;
    })
    .await;
    let mut silent = Ddp::connected(&s).await;
    let mut lively = Ddp::connected(&s).await;
    let started = Instant::now();

    // The silent client reads but never answers: one ping, then the server hangs up. The lively
    // one answers each ping and is kept.
    let ((frames, closed), pings) = tokio::join!(
        drain(&mut silent, Duration::from_secs(6)),
        keep_alive(&mut lively, Duration::from_secs(6))
    );
    assert!(pings >= 2, "pings answered: {pings}");
    assert_eq!(frames, vec![json!({"msg": "ping"})], "{frames:?}");
    let closed = closed.expect("a client that never answers a ping is closed");
    let after = closed - started;
    // Ping after 1 s of silence, close 1 s later (both rounded up to the half-second grid).
    assert!(
        after >= Duration::from_secs(2) && after < Duration::from_secs(4),
        "closed after {after:?}"
    );

    // The lively client is still served.
    let r = lively.call("public-settings/get", json!([])).await;
    assert!(r["result"].is_array() || r["result"].is_object(), "{r}");
}
