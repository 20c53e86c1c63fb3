//! One connection's outbound side as the rest of the server sees it: a bounded queue of frames
//! and a kill switch. Publishers never wait on a connection: a full queue cuts the client off.

use crate::frames::Frame;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, watch};

/// A connection's handle, shared by its session, its writer and the stream registry.
#[derive(Debug)]
pub struct Conn {
    /// Process-unique connection number.
    pub id: u64,
    tx: mpsc::Sender<Frame>,
    cut: watch::Sender<bool>,
    slow: AtomicBool,
}

impl Conn {
    /// A handle and the receiving end of its queue (`capacity` frames at most).
    pub fn new(id: u64, capacity: usize) -> (Self, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let (cut, _) = watch::channel(false);
        (
            Self {
                id,
                tx,
                cut,
                slow: AtomicBool::new(false),
            },
            rx,
        )
    }

    /// Queues a frame without waiting. A full queue means the client does not keep up: it is cut
    /// off (and `false` returned) so that nobody else waits for it.
    pub fn push(&self, frame: Frame) -> bool {
        match self.tx.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.slow.swap(true, Ordering::Relaxed) {
                    tracing::info!(conn = self.id, "websocket client too slow; disconnecting");
                }
                self.close();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Queues a frame of the connection's own conversation (method results, `ready`), waiting for
    /// room: a client that does not read its own answers only holds itself up.
    pub async fn send(&self, frame: Frame) -> bool {
        self.tx.send(frame).await.is_ok()
    }

    /// Asks the connection's tasks to close the socket.
    pub fn close(&self) {
        self.cut.send_replace(true);
    }

    /// Resolves once the connection is closed.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.cut.subscribe();
        async move {
            let _ = rx.wait_for(|cut| *cut).await;
        }
    }
}
