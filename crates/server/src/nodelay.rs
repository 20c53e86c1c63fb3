//! The server's accepted connections, with Nagle's algorithm turned off.
//!
//! Why: a DDP method answers with two frames (`result`, then `updated`) and a stream pushes
//! frames as they come. With Nagle's algorithm on, a small write that follows one the client
//! has not acknowledged yet waits for that acknowledgement, and clients delay it by up to 40 ms:
//! the benchmark showed a p99 of 46 ms for DDP `sendMessage` and a 42 ms worst case in every
//! fan-out run. Responses and frames are already written in as few writes as possible, so
//! nothing is gained by letting the kernel hold them back.

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::net::TcpStream;

/// An acceptor whose connections have `TCP_NODELAY` set.
pub struct NoDelay<A>(pub A);

impl<A: Acceptor<Io = TcpStream>> Acceptor for NoDelay<A> {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> std::io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        if let Err(e) = io.set_nodelay(true) {
            // The connection still works, only with delayed small writes.
            tracing::debug!(error = %e, "cannot turn off Nagle's algorithm on a connection");
        }
        Ok((io, local, remote, scheme))
    }
}
