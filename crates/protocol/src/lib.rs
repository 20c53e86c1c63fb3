//! The wire shapes Rocket.Chat clients see, as poem-openapi objects so that the REST API and its
//! OpenAPI document come from one definition. Field names and order follow Rocket.Chat; REST dates
//! are ISO-8601 strings. (DDP's EJSON projection joins these in the realtime work.)

pub mod common;
pub mod flag;
pub mod room;
pub mod user;

pub use common::{ErrorBody, OkBody, UnauthorizedBody};
pub use flag::Flag;
