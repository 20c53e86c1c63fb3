//! What every handler needs, handed to the API structs (no global state).

use apogee_core::EventBus;
use apogee_messages::Messages;
use apogee_rooms::Rooms;
use apogee_users::Users;
use apogee_users::stats::InstanceInfo;
use std::sync::Arc;

/// Shared services and facts of one running server.
#[derive(Clone)]
pub struct AppState {
    /// Accounts, roles, permissions, settings.
    pub users: Users,
    /// Channels, groups, subscriptions.
    pub rooms: Rooms,
    /// Messages.
    pub messages: Messages,
    /// Where domain events are published (realtime subscribes here).
    pub bus: Arc<dyn EventBus>,
    /// Version and timing facts for `/api/info` and statistics.
    pub instance: InstanceInfo,
    /// Public base URL (`ROOT_URL`), without trailing slash.
    pub root_url: String,
    /// Serialized newest pages of rooms' histories.
    pub history: crate::history_cache::HistoryCache,
}
