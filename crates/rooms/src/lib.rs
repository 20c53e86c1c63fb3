//! Apogee's rooms domain: channels (`c`), private groups (`p`), subscriptions, membership and room
//! roles. Called identically by REST, DDP and webhooks; publishes domain events after each change.

pub mod access;
mod activity;
mod admin;
pub mod blocking;
mod direct;
mod discussion;
mod lookup;
mod membership;
mod names;
pub mod notifications;
mod reading;
mod room_roles;
mod settings;
mod system;
mod unread;

use apogee_core::{Error, Event, EventBus, EventKind, Result, Timestamp, Topic};
use apogee_storage::{Db, Room, Subscription, repo};
use apogee_users::Users;
use std::sync::Arc;

pub use discussion::NewDiscussion;
pub use membership::CreateRoom;
pub use notifications::DesktopPrefs;
pub use reading::Counters;
pub use settings::RoomChange;
pub use unread::Unread;

/// Which kind of room an endpoint family addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomKind {
    /// `channels.*`: public channels (`t: "c"`).
    Channel,
    /// `groups.*`: private groups (`t: "p"`).
    Group,
    /// `dm.*` / `im.*`: direct messages (`t: "d"`).
    Direct,
}

impl RoomKind {
    /// Rocket.Chat's `t`.
    pub fn t(self) -> &'static str {
        match self {
            Self::Channel => "c",
            Self::Group => "p",
            Self::Direct => "d",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Group => "group",
            Self::Direct => "direct message",
        }
    }
}

/// How a request names a room: `roomId` or `roomName`.
#[derive(Debug, Clone, Default)]
pub struct RoomRef {
    /// `roomId`.
    pub id: Option<String>,
    /// `roomName` (a leading `#` is ignored).
    pub name: Option<String>,
}

/// The rooms service; cheap to clone.
#[derive(Clone)]
pub struct Rooms {
    users: Users,
    bus: Arc<dyn EventBus>,
}

impl Rooms {
    /// Builds the service over the accounts service and the event bus.
    pub fn new(users: Users, bus: Arc<dyn EventBus>) -> Self {
        users.attach_bus(bus.clone());
        Self { users, bus }
    }

    /// The accounts service.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The event bus.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    fn db(&self) -> &Db {
        self.users.db()
    }

    fn publish(&self, topic: Topic, kind: EventKind) {
        self.bus.publish(Event::new(topic, kind));
    }

    /// Announces a changed room to its members (and everyone logged in, for public ones).
    fn room_changed(&self, room: &Room) {
        let kind = EventKind::RoomChanged {
            room_id: room.id.clone(),
        };
        self.publish(Topic::Room(room.id.clone()), kind.clone());
        if room.t == "c" {
            self.publish(Topic::Logged, kind);
        }
    }

    fn subscription_changed(&self, user_id: &str, room_id: &str) {
        self.publish(
            Topic::User(user_id.to_owned()),
            EventKind::SubscriptionChanged {
                user_id: user_id.to_owned(),
                room_id: room_id.to_owned(),
            },
        );
    }

    fn subscription_removed(&self, user_id: &str, room_id: &str) {
        self.publish(
            Topic::User(user_id.to_owned()),
            EventKind::SubscriptionRemoved {
                user_id: user_id.to_owned(),
                room_id: room_id.to_owned(),
            },
        );
    }

    /// Finds a room of a kind by `roomId` or `roomName`, with Rocket.Chat's errors.
    pub async fn find(&self, r: &RoomRef, kind: RoomKind) -> Result<Room> {
        let id = r.id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let name = r
            .name
            .as_deref()
            .map(|s| s.trim().trim_start_matches('#'))
            .filter(|s| !s.is_empty());
        let room = match (id, name) {
            (Some(id), _) => repo::rooms::by_id(self.db(), id).await?,
            (None, Some(name)) => repo::rooms::by_name(self.db(), name).await?,
            (None, None) => {
                return Err(Error::meteor(
                    "error-room-param-not-provided",
                    "The parameter \"roomId\" or \"roomName\" is required",
                ));
            }
        };
        room.filter(|r| r.t == kind.t()).ok_or_else(|| {
            Error::meteor(
                "error-room-not-found",
                format!(
                    "The required \"roomId\" or \"roomName\" param provided does not match any {}",
                    kind.noun()
                ),
            )
        })
    }

    /// A user's subscription to a room, if any.
    pub async fn subscription(&self, user_id: &str, rid: &str) -> Result<Option<Subscription>> {
        repo::subscriptions::of_user_in_room(self.db(), user_id, rid).await
    }

    /// The rooms behind subscriptions (for counters and projections).
    pub async fn rooms_of(&self, subs: &[Subscription]) -> Result<Vec<Room>> {
        let ids: Vec<String> = subs.iter().map(|s| s.rid.clone()).collect();
        repo::rooms::by_ids(self.db(), &ids).await
    }

    /// The caller's subscriptions (or those changed since a time) and ids removed since then.
    pub async fn subscriptions_of(
        &self,
        user_id: &str,
        since: Option<Timestamp>,
    ) -> Result<(Vec<Subscription>, Vec<String>)> {
        let update =
            repo::subscriptions::of_user(self.db(), user_id, since.map(Timestamp::millis)).await?;
        let remove = match since {
            Some(t) => repo::subscriptions::removed_since(self.db(), user_id, t.millis())
                .await?
                .into_iter()
                .map(|(sub, _)| sub)
                .collect(),
            None => Vec::new(),
        };
        Ok((update, remove))
    }

    fn now() -> i64 {
        Timestamp::now().millis()
    }
}

impl Rooms {
    /// The rooms a user is in (all, or changed since a time), and the ids of rooms deleted or left
    /// since then.
    pub async fn rooms_of_user(
        &self,
        user_id: &str,
        since: Option<Timestamp>,
    ) -> Result<(Vec<Room>, Vec<String>)> {
        let subs = repo::subscriptions::of_user(self.db(), user_id, None).await?;
        let mut rooms = self.rooms_of(&subs).await?;
        let mut removed = Vec::new();
        if let Some(t) = since {
            rooms.retain(|r| r.updated_at > t.millis());
            for (_, rid) in
                repo::subscriptions::removed_since(self.db(), user_id, t.millis()).await?
            {
                removed.push(rid);
            }
            removed.sort();
            removed.dedup();
        }
        rooms.sort_by_key(|r| r.created_at);
        Ok((rooms, removed))
    }

    /// Any room the caller may see, by id or name, whatever its type.
    pub async fn any_room(&self, actor: &apogee_users::AuthUser, r: &RoomRef) -> Result<Room> {
        let not_found = || {
            Error::meteor(
                "error-room-not-found",
                "The required \"roomId\" or \"roomName\" param provided does not match any room",
            )
        };
        let id = r.id.as_deref().filter(|s| !s.is_empty());
        let name = r
            .name
            .as_deref()
            .map(|s| s.trim_start_matches('#'))
            .filter(|s| !s.is_empty());
        let room = match (id, name) {
            (Some(id), _) => repo::rooms::by_id(self.db(), id).await?,
            (None, Some(n)) => repo::rooms::by_name(self.db(), n).await?,
            (None, None) => {
                return Err(Error::meteor(
                    "error-room-param-not-provided",
                    "The parameter \"roomId\" or \"roomName\" is required",
                ));
            }
        }
        .ok_or_else(not_found)?;
        if !self.can_view(actor, &room).await? {
            return Err(not_found());
        }
        Ok(room)
    }
}
