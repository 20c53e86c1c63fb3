//! A keep-alive HTTP/1.1 connection that sends requests built before the clock starts: the
//! fan-out's REST sender. The bare run's sender writes a frame it formatted beforehand; with this
//! one the REST run's timed section also holds only a socket write and the server's work, not a
//! client library's request building, connection pool and JSON encoding.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::Result;
use crate::server::parse_status;

/// One HTTP/1.1 connection to a server.
pub struct Http1 {
    /// The socket, buffered for reading the answers.
    stream: BufReader<TcpStream>,
    /// `host:port`, for the `Host` header.
    host: String,
}

impl Http1 {
    /// Connects to `addr` (with `TCP_NODELAY`, as any HTTP client sets it).
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting to {addr}: {e}"))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    /// The bytes of a `POST path` with a JSON body and extra `headers`.
    pub fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }

    /// Sends a request built by [`Http1::post_json`] and reads the whole answer; returns its
    /// status code and body.
    pub async fn send(&mut self, request: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.stream.get_mut().write_all(request).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status = parse_status(line.as_bytes())
            .ok_or_else(|| format!("not an HTTP status line: {line:?}"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err("the server closed the connection mid-answer".into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                return Err(format!("not an HTTP header: {header:?}").into());
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>()?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim_end(), 16)
                    .map_err(|_| format!("not a chunk size: {line:?}"))?;
                let start = body.len();
                // The chunk and the CRLF after it.
                body.resize(start + size + 2, 0);
                self.stream.read_exact(&mut body[start..]).await?;
                body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await?;
        }
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A server that answers each request with `answer`, read up to the end of its body.
    async fn serve(
        answer: &'static str,
        requests: usize,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut socket = BufReader::new(socket);
            let mut seen = Vec::new();
            for _ in 0..requests {
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    socket.read_line(&mut line).await.unwrap();
                    if let Some(v) = line.strip_prefix("content-length: ") {
                        length = v.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                socket.read_exact(&mut body).await.unwrap();
                seen.push(format!("{head}{}", String::from_utf8(body).unwrap()));
                socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
            }
            seen
        });
        (addr, task)
    }

    #[tokio::test]
    async fn sends_prebuilt_requests_and_reads_sized_answers_on_one_connection() {
        let (addr, server) = serve("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", 2).await;
        let mut c = Http1::connect(addr).await.unwrap();
        let req = c.post_json("/api/v1/x", &[("X-User-Id", "u")], r#"{"a":1}"#);
        assert_eq!(c.send(&req).await.unwrap(), (200, b"{}".to_vec()));
        assert_eq!(c.send(&req).await.unwrap(), (200, b"{}".to_vec()));
        let seen = server.await.unwrap();
        assert_eq!(seen.len(), 2);
        assert!(
            seen[0].starts_with("POST /api/v1/x HTTP/1.1\r\n"),
            "{}",
            seen[0]
        );
        assert!(seen[0].contains("X-User-Id: u\r\n"));
        assert!(seen[0].ends_with("\r\n\r\n{\"a\":1}"));
    }

    #[tokio::test]
    async fn reads_chunked_answers() {
        let (addr, server) = serve(
            "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            1,
        )
        .await;
        let mut c = Http1::connect(addr).await.unwrap();
        let req = c.post_json("/", &[], "{}");
        assert_eq!(c.send(&req).await.unwrap(), (400, b"abcde".to_vec()));
        server.await.unwrap();
    }
}
