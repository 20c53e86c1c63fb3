//! Requests against tiny local servers: a TcpListener that writes raw HTTP responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A local server: how many connections it accepted and the request heads it read.
#[derive(Clone, Default)]
struct Seen {
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
}

/// Serves on `bind` (`127.0.0.1:0`, ...): reads each request head, then writes what `answer`
/// makes of the request path (`None`: never answers) and closes.
async fn serve(
    bind: &str,
    answer: impl Fn(&str) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let answer = Arc::new(answer);
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            s.connections.fetch_add(1, Ordering::SeqCst);
            let (answer, heads) = (answer.clone(), s.heads.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
                heads.lock().unwrap().push(head);
                match answer(&path) {
                    Some(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (addr, seen)
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn png(body: &[u8]) -> Vec<u8> {
    response(
        "200 OK",
        &[
            ("Content-Type", "image/png"),
            ("Content-Length", &body.len().to_string()),
        ],
        body,
    )
}

fn client(allow: &str) -> Outbound {
    Outbound::new(
        OutboundPolicy::with_allow_list(allow).unwrap(),
        OutboundOptions::default(),
    )
}

#[tokio::test]
async fn fetches_from_an_allowed_local_server() {
    let (addr, seen) = serve("127.0.0.1:0", |path| {
        (path == "/a.png?size=2").then(|| png(b"picture"))
    })
    .await;
    let f = client("127.0.0.1/32")
        .get(&format!("http://{addr}/a.png?size=2#frag"), 1024)
        .await
        .unwrap();
    assert_eq!(f.status, 200);
    assert_eq!(f.content_type.as_deref(), Some("image/png"));
    assert_eq!(f.body, b"picture");
    let heads = seen.heads.lock().unwrap().clone();
    assert!(
        heads[0].starts_with("GET /a.png?size=2 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains(&format!("host: {addr}\r\n")),
        "{heads:?}"
    );
    // Allowed by host name: every address of localhost may be reached.
    let f = client("localhost")
        .get(
            &format!("http://localhost:{}/a.png?size=2", addr.port()),
            1024,
        )
        .await
        .unwrap();
    assert_eq!(f.body, b"picture");
}

#[tokio::test]
async fn private_addresses_are_refused_before_connecting() {
    let (addr, seen) = serve("127.0.0.1:0", |_| Some(png(b"x"))).await;
    let default = Outbound::default();
    for url in [
        format!("http://{addr}/a.png"),
        format!("http://localhost:{}/a.png", addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/a.png", addr.port()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://metadata.google.internal/".to_owned(),
        "gopher://8.8.8.8/".to_owned(),
    ] {
        let e = default.get(&url, 1024).await.unwrap_err();
        assert!(matches!(e, OutboundError::Refused(_)), "{url}: {e:?}");
    }
    // An allow list for another address does not open this one.
    let e = client("10.0.0.0/8")
        .get(&format!("http://{addr}/"), 1024)
        .await
        .unwrap_err();
    assert!(matches!(e, OutboundError::Refused(_)), "{e:?}");
    assert_eq!(seen.connections.load(Ordering::SeqCst), 0);
    for bad in ["", "not a url", "http://", "/relative.png"] {
        let e = default.get(bad, 1024).await.unwrap_err();
        assert!(matches!(e, OutboundError::InvalidUrl(_)), "{bad:?}: {e:?}");
    }
}

#[tokio::test]
async fn redirects_are_followed_and_checked_hop_by_hop() {
    // The target nobody may reach: 127.0.0.1, outside the allow list.
    let (inner, inner_seen) = serve("127.0.0.1:0", |_| Some(png(b"secret"))).await;
    let to_inner = format!("http://{inner}/secret");
    // The allowed first hop on 127.0.0.2.
    let (first, first_seen) = serve("127.0.0.2:0", move |path| {
        let redirect = |status: &str, to: &str| response(status, &[("Location", to)], b"");
        Some(match path {
            "/start" => redirect("302 Found", "/middle"),
            "/middle" => redirect("308 Permanent Redirect", "final.png"),
            "/final.png" => png(b"final"),
            "/loop" => redirect("301 Moved Permanently", "/loop"),
            "/escape" => redirect("307 Temporary Redirect", &to_inner),
            "/no-location" => response("302 Found", &[("Content-Length", "0")], b""),
            _ => response("404 Not Found", &[("Content-Length", "0")], b""),
        })
    })
    .await;
    let out = client("127.0.0.2/32");
    let f = out
        .get(&format!("http://{first}/start"), 1024)
        .await
        .unwrap();
    assert_eq!((f.status, f.body.as_slice()), (200, &b"final"[..]));
    assert_eq!(f.url, format!("http://{first}/final.png"));

    let e = out
        .get(&format!("http://{first}/escape"), 1024)
        .await
        .unwrap_err();
    assert!(matches!(e, OutboundError::Refused(_)), "{e:?}");
    assert_eq!(inner_seen.connections.load(Ordering::SeqCst), 0);

    let before = first_seen.connections.load(Ordering::SeqCst);
    let e = out
        .get(&format!("http://{first}/loop"), 1024)
        .await
        .unwrap_err();
    assert_eq!(e, OutboundError::TooManyRedirects { limit: 3 });
    assert_eq!(
        first_seen.connections.load(Ordering::SeqCst) - before,
        4,
        "the first request and three redirects"
    );
    let f = out
        .get(&format!("http://{first}/no-location"), 1024)
        .await
        .unwrap();
    assert_eq!(f.status, 302);
    let f = out
        .get(&format!("http://{first}/missing"), 1024)
        .await
        .unwrap();
    assert_eq!(f.status, 404);
}

#[tokio::test]
async fn bodies_past_the_limit_fail() {
    let big = vec![b'x'; 10_000];
    let declared = png(&big);
    // No Content-Length: the body runs until the connection closes.
    let undeclared = response("200 OK", &[("Content-Type", "image/png")], &big);
    let chunked = {
        let mut out = response("200 OK", &[("Transfer-Encoding", "chunked")], b"");
        for _ in 0..10 {
            out.extend_from_slice(b"3e8\r\n");
            out.extend_from_slice(&[b'y'; 1000]);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    };
    let (addr, _) = serve("127.0.0.1:0", move |path| {
        Some(match path {
            "/declared" => declared.clone(),
            "/undeclared" => undeclared.clone(),
            _ => chunked.clone(),
        })
    })
    .await;
    let out = client("127.0.0.1");
    for path in ["declared", "undeclared", "chunked"] {
        let url = format!("http://{addr}/{path}");
        let e = out.get(&url, 9_999).await.unwrap_err();
        assert_eq!(e, OutboundError::TooLarge { limit: 9_999 }, "{path}");
        let f = out.get(&url, 10_000).await.unwrap();
        assert_eq!(f.body.len(), 10_000, "{path}");
    }
}

#[tokio::test]
async fn slow_servers_time_out() {
    let (addr, seen) = serve("127.0.0.1:0", |_| None).await;
    let out = Outbound::new(
        OutboundPolicy::with_allow_list("127.0.0.1").unwrap(),
        OutboundOptions {
            timeout: Duration::from_millis(300),
            ..OutboundOptions::default()
        },
    );
    let started = std::time::Instant::now();
    let e = out.get(&format!("http://{addr}/"), 1024).await.unwrap_err();
    assert_eq!(e, OutboundError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn https_to_a_plain_server_is_a_network_error() {
    // The TLS path runs (ring provider, roots) and fails cleanly on a non-TLS answer.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock.write_all(&png(b"x")).await;
            let _ = sock.shutdown().await;
        }
    });
    let e = client("127.0.0.1")
        .get(&format!("https://{addr}/a.png"), 1024)
        .await
        .unwrap_err();
    assert!(matches!(e, OutboundError::Network(_)), "{e:?}");
}

#[test]
fn the_process_provider_installs_once() {
    install_default_crypto_provider();
    install_default_crypto_provider();
    assert!(rustls::crypto::CryptoProvider::get_default().is_some());
}
