//! Apogee's domain vocabulary, shared by every other crate: typed ids, time, the domain error with
//! Rocket.Chat's error codes, and the names of roles, permissions and settings. No framework lives here.

pub mod error;
pub mod event;
pub mod id;
pub mod names;
pub mod time;

pub use error::{Error, Result};
pub use event::{Event, EventBus, EventKind, Topic};
pub use id::{RoomId, UserId, random_id, random_secret};
pub use time::Timestamp;
