//! Event buses. [`LocalBus`] is the in-process broadcast every instance has; remote buses (NATS)
//! will be bridges into it, so subscribers never care where an event came from.

use apogee_core::event::{EventStream, Received};
use apogee_core::{Event, EventBus};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::broadcast;

/// Events a subscriber may fall behind by before it starts losing them (it is told how many).
pub const DEFAULT_CAPACITY: usize = 4096;

/// The in-process bus: a tokio broadcast channel. Publishing never waits for subscribers.
#[derive(Clone)]
pub struct LocalBus {
    tx: broadcast::Sender<Event>,
}

impl LocalBus {
    /// A bus that keeps `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self { tx }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl EventBus for LocalBus {
    fn publish(&self, event: Event) {
        // An error only means nobody listens right now, which is fine.
        let _ = self.tx.send(event);
    }

    fn subscribe(&self) -> Box<dyn EventStream> {
        Box::new(LocalStream {
            rx: self.tx.subscribe(),
        })
    }
}

struct LocalStream {
    rx: broadcast::Receiver<Event>,
}

impl EventStream for LocalStream {
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Option<Received>> + Send + '_>> {
        Box::pin(async move {
            match self.rx.recv().await {
                Ok(e) => Some(Received::Event(e)),
                Err(broadcast::error::RecvError::Lagged(n)) => Some(Received::Lagged(n)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apogee_core::{EventKind, Topic};

    fn ev(i: u32) -> Event {
        Event::new(
            Topic::All,
            EventKind::RoomChanged {
                room_id: i.to_string(),
            },
        )
    }

    #[tokio::test]
    async fn subscribers_see_events_published_after_they_subscribe() {
        let bus = LocalBus::new(2);
        bus.publish(ev(0));
        let mut a = bus.subscribe();
        bus.publish(ev(1));
        assert_eq!(a.next().await, Some(Received::Event(ev(1))));
        // A slow subscriber is told what it lost; the publisher never waited.
        for i in 2..6 {
            bus.publish(ev(i));
        }
        assert_eq!(a.next().await, Some(Received::Lagged(2)));
        assert_eq!(a.next().await, Some(Received::Event(ev(4))));
    }
}
