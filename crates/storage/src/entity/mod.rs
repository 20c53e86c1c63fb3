//! sea-orm entities, one module per table. Plain `Model` structs are what other crates see.

pub mod avatar;
pub mod login_token;
pub mod message;
pub mod message_report;
pub mod message_trash;
pub mod permission;
pub mod role;
pub mod room;
pub mod setting;
pub mod statistics;
pub mod subscription;
pub mod trash;
pub mod user;
pub mod user_role;
