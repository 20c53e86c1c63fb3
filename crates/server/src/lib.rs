//! The Apogee server: configuration, wiring of the services into an [`apogee_api::AppState`], and
//! serving with graceful shutdown. The binary (`main.rs`) is a thin CLI over this library, and the
//! black-box tests start servers through [`start`].

pub mod config;
pub mod deploy_env;
mod nodelay;
mod serve;

pub use config::Config;
pub use deploy_env::DeployEnv;
pub use serve::{Running, build_state, open_services, start};
