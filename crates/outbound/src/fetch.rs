//! One hop of a request: connect to the checked addresses, TLS for https, one HTTP/1.1 exchange,
//! the body read under its limit.

use crate::{Fetched, Inner, OutboundError};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{ACCEPT, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::{Host, Position, Url};

/// What one hop answered.
pub(crate) enum Hop {
    /// A final response.
    Done(Fetched),
    /// A redirect to this `Location` (relative or absolute).
    Redirect(String),
}

/// The TLS configuration: the ring provider passed explicitly (no reliance on the process-wide
/// default), safe protocol versions, Mozilla's roots, HTTP/1.1 by ALPN.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS is unavailable: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// One request to `url` over a connection to one of `addrs` (already checked by the policy).
pub(crate) async fn exchange(
    inner: &Inner,
    url: &Url,
    addrs: &[SocketAddr],
    max_bytes: usize,
) -> Result<Hop, OutboundError> {
    let tcp = connect(addrs, inner.options.connect_timeout).await?;
    if url.scheme() == "https" {
        let config = inner.tls.clone().map_err(OutboundError::Network)?;
        let name = match url.host() {
            Some(Host::Domain(d)) => ServerName::try_from(d.to_owned())
                .map_err(|e| OutboundError::InvalidUrl(format!("{d}: {e}")))?,
            Some(Host::Ipv4(ip)) => ServerName::IpAddress(std::net::IpAddr::V4(ip).into()),
            Some(Host::Ipv6(ip)) => ServerName::IpAddress(std::net::IpAddr::V6(ip).into()),
            None => return Err(OutboundError::InvalidUrl(format!("{url}: no host"))),
        };
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| OutboundError::Network(format!("TLS with {url}: {e}")))?;
        http1(tls, url, &inner.options.user_agent, max_bytes).await
    } else {
        http1(tcp, url, &inner.options.user_agent, max_bytes).await
    }
}

/// The first address that accepts a connection within `timeout`.
async fn connect(
    addrs: &[SocketAddr],
    timeout: std::time::Duration,
) -> Result<TcpStream, OutboundError> {
    let mut last = String::from("no address");
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) => last = format!("cannot connect to {addr}: {e}"),
            Err(_) => last = format!("connecting to {addr} timed out"),
        }
    }
    Err(OutboundError::Network(last))
}

/// Aborts the task driving a connection when the exchange ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn network(e: impl std::fmt::Display) -> OutboundError {
    OutboundError::Network(e.to_string())
}

/// `GET` over an open connection, then the head, then the body up to `max_bytes`.
async fn http1<S>(
    io: S,
    url: &Url,
    user_agent: &str,
    max_bytes: usize,
) -> Result<Hop, OutboundError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(io))
            .await
            .map_err(network)?;
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    // Origin form (`/path?query`), and the Host header with the port when it is not the
    // scheme's default; credentials in the URL are never sent.
    let request = Request::get(&url[Position::BeforePath..Position::AfterQuery])
        .header(HOST, &url[Position::BeforeHost..Position::AfterPort])
        .header(USER_AGENT, user_agent)
        .header(ACCEPT, "*/*")
        .header(CONNECTION, "close")
        .body(Empty::new())
        .map_err(|e| OutboundError::InvalidUrl(format!("{url}: {e}")))?;
    let response = sender.send_request(request).await.map_err(network)?;
    let status = response.status();
    let headers = response.headers();
    if matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) && let Some(location) = headers.get(LOCATION)
    {
        let location = location.to_str().map_err(|_| {
            OutboundError::InvalidUrl("a redirect to an unreadable Location".into())
        })?;
        return Ok(Hop::Redirect(location.to_owned()));
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(OutboundError::TooLarge { limit: max_bytes });
    }
    // The declared length is at most max_bytes here, so the reservation is bounded too.
    let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(max_bytes));
    let mut body = Vec::with_capacity(capacity.min(max_bytes));
    let mut incoming = response.into_body();
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(network)?;
        if let Ok(data) = frame.into_data() {
            if data.len() > max_bytes - body.len() {
                return Err(OutboundError::TooLarge { limit: max_bytes });
            }
            body.extend_from_slice(&data);
        }
    }
    Ok(Hop::Done(Fetched {
        url: url.to_string(),
        status: status.as_u16(),
        content_type,
        body,
    }))
}
