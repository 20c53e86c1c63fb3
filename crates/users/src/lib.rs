//! Apogee's accounts domain: users, passwords, login/resume/personal tokens, roles and permissions,
//! presence status, workspace settings and statistics. Called identically by REST, DDP and the CLI.

pub mod access;
mod accounts;
mod auth;
mod auth_cache;
pub mod avatar;
mod avatar_url;
pub mod password;
pub mod presence;
mod seed;
pub mod settings;
pub mod stats;
pub mod throttle;
pub mod tokens;
mod validate;

pub use accounts::{Account, NewAccount, OwnUpdate, UserSelector, UserUpdate};
pub use apogee_storage::repo::users::UserFilter;
pub use auth::{AuthUser, LoginRequest, LoginResult, PasswordInput};
pub use avatar::{AvatarImage, AvatarOrigin};
pub use password::{HashCost, Passwords};
pub use presence::{Activity, Publisher, effective_status, status_code};
pub use seed::{AdminSeed, SeedOutcome};
pub use settings::{SettingValue, Settings};

use apogee_core::Result;
use apogee_storage::Db;
use std::sync::Arc;
use throttle::LoginThrottle;

/// Deployment options of the accounts domain (from the server config and Rocket.Chat's env vars).
#[derive(Debug, Clone, Default)]
pub struct UsersOptions {
    /// argon2id cost.
    pub hash_cost: HashCost,
    /// `CREATE_TOKENS_FOR_USERS=true`: enables `users.createToken`.
    pub create_tokens_for_users: bool,
    /// `CREATE_TOKENS_FOR_USERS_SECRET`: the secret `users.createToken` must present.
    pub create_tokens_secret: Option<String>,
    /// `TEST_MODE=true`: no login blocking, registration open.
    pub test_mode: bool,
    /// Public base URL, for `avatarUrl`.
    pub root_url: String,
    /// Server-initiated HTTP (avatars from a URL), behind the outbound policy.
    pub outbound: apogee_outbound::Outbound,
}

/// The accounts service; cheap to clone (shared state behind an `Arc`).
#[derive(Clone)]
pub struct Users {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    passwords: Passwords,
    settings: Settings,
    throttle: LoginThrottle,
    auth_cache: auth_cache::AuthCache,
    sessions: presence::Sessions,
    opts: UsersOptions,
}

impl Users {
    /// Builds the service over an open database and loaded settings.
    pub fn new(db: Db, settings: Settings, opts: UsersOptions) -> Result<Self> {
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        let passwords = Passwords::new(opts.hash_cost, parallel)?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                passwords,
                settings,
                throttle: LoginThrottle::default(),
                auth_cache: auth_cache::AuthCache::default(),
                sessions: presence::Sessions::default(),
                opts,
            }),
        })
    }

    /// The database handle.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Workspace settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Deployment options.
    pub fn options(&self) -> &UsersOptions {
        &self.inner.opts
    }

    /// Password hashing.
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }
}
