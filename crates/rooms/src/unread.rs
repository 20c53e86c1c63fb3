//! A member's counters, derived from their subscription's marks and the room's counts (see
//! DESIGN.md: a message writes no member rows). REST and DDP projections both read them here.

use apogee_storage::{Room, Subscription};

/// What a subscription shows a client besides its stored columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// Messages after the member's read mark.
    pub unread: i64,
    /// `@all`/`@here` since the member's mark, plus those counted on the row itself.
    pub group_mentions: i64,
    /// Whether the room shows as having news for the member.
    pub alert: bool,
    /// `_updatedAt`: the later of the row's own change and the room's last message.
    pub updated_at: i64,
}

impl Unread {
    /// The counters of `s`, in `room` when it is known.
    pub fn of(s: &Subscription, room: Option<&Room>) -> Self {
        let unread = room.map_or(0, |r| (r.seq - s.read_seq).max(0));
        let group_mentions =
            s.group_mentions + room.map_or(0, |r| (r.group_mentions - s.group_mark).max(0));
        let threads = serde_json::from_str::<Vec<String>>(&s.tunread).is_ok_and(|t| !t.is_empty());
        Self {
            unread,
            group_mentions,
            alert: s.alert || unread > 0 || s.user_mentions > 0 || group_mentions > 0 || threads,
            updated_at: room
                .and_then(|r| r.last_message_at)
                .map_or(s.updated_at, |lm| lm.max(s.updated_at)),
        }
    }
}
