//! Black-box tests over real HTTP against a real server and database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod auth;
mod avatars;
mod chat;
mod contract;
mod ddp;
mod dm;
mod extras;
mod history_cache;
mod posting;
mod realtime;
mod realtime_emit;
mod realtime_heartbeat;
mod realtime_methods;
mod realtime_prefs;
mod realtime_presence;
mod roles;
mod rooms;
mod search;
mod semantics;
mod settings;
mod users;
mod wire;
