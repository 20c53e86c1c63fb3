//! Messages this instance has just committed, kept until the realtime feed announces them.
//!
//! A new message is announced (`MessageCommitted`) by the writer the moment it commits, and the
//! feed would read it straight back from the database to build the stream frame. The writer
//! has the stored message in hand, so it leaves a copy here and the feed takes it: one read less
//! on the path from a post to its subscribers. Other instances read the database as before.

use apogee_storage::Message;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Copies kept at most; beyond that the oldest go (the feed then reads the database).
const CAPACITY: usize = 256;

/// Just-committed messages by id, oldest first.
#[derive(Default)]
pub(crate) struct Fresh {
    queue: Mutex<VecDeque<Message>>,
}

impl Fresh {
    /// Keeps a copy of a message that was just committed.
    pub(crate) fn put(&self, m: &Message) {
        let mut q = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.len() >= CAPACITY {
            q.pop_front();
        }
        q.push_back(m.clone());
    }

    /// Takes the copy of message `id`, if it is still here.
    pub(crate) fn take(&self, id: &str) -> Option<Message> {
        let mut q = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = q.iter().position(|m| m.id == id)?;
        q.remove(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str) -> Message {
        Message {
            id: id.into(),
            rid: "r".into(),
            seq: 1,
            ts: 1,
            updated_at: 1,
            u_id: "u".into(),
            u_username: "u".into(),
            u_name: None,
            msg: "hi".into(),
            t: None,
            tmid: None,
            pinned: false,
            hidden: false,
            data: "{}".into(),
        }
    }

    #[test]
    fn taken_once_and_bounded() {
        let f = Fresh::default();
        f.put(&msg("a"));
        assert_eq!(f.take("a").map(|m| m.id), Some("a".to_owned()));
        assert!(f.take("a").is_none());
        for i in 0..CAPACITY + 1 {
            f.put(&msg(&format!("m{i}")));
        }
        assert!(f.take("m0").is_none(), "the oldest was dropped");
        assert!(f.take(&format!("m{CAPACITY}")).is_some());
    }
}
