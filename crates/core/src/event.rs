//! Domain events: what changed, published on the bus after the change is committed.
//!
//! Events carry ids (and the few facts a deletion loses), not wire shapes: each instance's realtime
//! layer reads the current record once per event, serializes it once, and fans the frame out to its
//! subscribers. That keeps the domain free of wire formats and makes a bridged event (NATS) as
//! useful on another instance as on the one that published it.

use std::future::Future;
use std::pin::Pin;

/// Who may hear an event: a room's members, one user, every logged-in user, or everyone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Members of one room.
    Room(String),
    /// One user (all their connections).
    User(String),
    /// Every logged-in user.
    Logged,
    /// Everyone, anonymous included.
    All,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A user's profile, roles, status or activity changed (or the user was created).
    UserChanged {
        /// The user.
        user_id: String,
    },
    /// A user was deleted.
    UserDeleted {
        /// The user.
        user_id: String,
        /// Their username (gone from the database).
        username: String,
    },
    /// A user's presence (`status`, `statusConnection`) or status message changed.
    PresenceChanged {
        /// The user.
        user_id: String,
    },
    /// Login tokens of a user were deleted (logout, `users.removeOtherTokens`, `users.logout`,
    /// deactivation, a removed personal access token): every realtime connection that logged in
    /// with one of them gets `<uid>/force_logout` and is closed, on every instance.
    LoginTokensRemoved {
        /// The user.
        user_id: String,
        /// The SHA-256 hashes of the deleted tokens (as stored; never the tokens).
        token_hashes: Vec<String>,
    },
    /// A user's name or username changed (Rocket.Chat's `Users:NameChanged`).
    UserRenamed {
        /// The user.
        user_id: String,
    },
    /// A user's avatar changed (Rocket.Chat's `updateAvatar`).
    AvatarChanged {
        /// The user.
        user_id: String,
    },
    /// A user was given or lost a role, globally or in one room (Rocket.Chat's `roles-change`).
    RoleChanged {
        /// The user.
        user_id: String,
        /// The role id.
        role: String,
        /// The room, for room-scoped roles (owner, moderator, leader).
        scope: Option<String>,
        /// Given (`true`) or taken away.
        added: bool,
    },
    /// A workspace setting changed (`public-settings-changed` when it is public).
    SettingChanged {
        /// The setting id.
        id: String,
    },
    /// A room was created or changed (name, topic, flags, counters).
    RoomChanged {
        /// The room.
        room_id: String,
    },
    /// A room was deleted.
    RoomDeleted {
        /// The room.
        room_id: String,
    },
    /// A user's subscription to a room was created or changed (joined, roles, read marks, ...).
    SubscriptionChanged {
        /// The member.
        user_id: String,
        /// The room.
        room_id: String,
    },
    /// A user's subscription was removed (left, kicked, room deleted).
    SubscriptionRemoved {
        /// The former member.
        user_id: String,
        /// The room.
        room_id: String,
    },
    /// A message was posted (system messages): [`EventKind::MessageCommitted`] and
    /// [`EventKind::MessageCounted`] in one.
    MessageCreated {
        /// The room.
        room_id: String,
        /// The message.
        message_id: String,
    },
    /// A user's new message is committed and readable; the log flush that makes it durable may
    /// still be running (its author is answered after it). Enough to show the message on its
    /// room's message streams; [`EventKind::MessageCounted`] follows.
    MessageCommitted {
        /// The room.
        room_id: String,
        /// The message.
        message_id: String,
    },
    /// The counters a user's new message changes (unread, mentions, thread replies, a reopened
    /// direct message) are written: the members' subscription updates and notifications are
    /// due. Follows [`EventKind::MessageCommitted`].
    MessageCounted {
        /// The room.
        room_id: String,
        /// The message.
        message_id: String,
    },
    /// A message was edited, reacted to, pinned, starred, or got thread replies.
    MessageChanged {
        /// The room.
        room_id: String,
        /// The message.
        message_id: String,
    },
    /// A message was deleted.
    MessageDeleted {
        /// The room.
        room_id: String,
        /// The message.
        message_id: String,
    },
    /// Many of a room's messages were deleted at once (`rooms.cleanHistory`; Rocket.Chat's
    /// `deleteMessageBulk`).
    MessagesBulkDeleted {
        /// The room.
        room_id: String,
        /// The deleted messages.
        message_ids: Vec<String>,
    },
}

/// An event with its audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Who may hear it.
    pub topic: Topic,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event for a topic.
    pub fn new(topic: Topic, kind: EventKind) -> Self {
        Self { topic, kind }
    }
}

/// A stream of events from a bus; `None` when the bus is gone.
pub trait EventStream: Send {
    /// The next event. Slow receivers may miss events; they are told how many with `Lagged`.
    fn next(&mut self) -> Pin<Box<dyn Future<Output = Option<Received>> + Send + '_>>;
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An event.
    Event(Event),
    /// This many events were dropped because the subscriber fell behind.
    Lagged(u64),
}

/// Publishes events after commit and hands out subscriptions. Implementations: the in-process
/// broadcast (default) and bridges that also carry events between instances.
pub trait EventBus: Send + Sync {
    /// Publishes an event to every current subscriber; never blocks on slow ones.
    fn publish(&self, event: Event);
    /// A new subscription that sees every event published from now on.
    fn subscribe(&self) -> Box<dyn EventStream>;
}
