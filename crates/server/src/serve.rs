//! Wiring and serving.

use crate::{Config, DeployEnv};
use apogee_api::AppState;
use apogee_bus::LocalBus;
use apogee_core::EventBus;
use apogee_core::names::setting;
use apogee_core::{Error, Result, Timestamp};
use apogee_messages::Messages;
use apogee_outbound::{Outbound, OutboundOptions, OutboundPolicy};
use apogee_realtime::{Realtime, RealtimeOptions};
use apogee_rooms::Rooms;
use apogee_storage::{Db, DbOptions};
use apogee_users::stats::InstanceInfo;
use apogee_users::{HashCost, Settings, UserSelector, Users, UsersOptions};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Route, Server};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Opens the database (migrating it) and builds the accounts service.
pub async fn open_services(config: &Config, env: &DeployEnv) -> Result<Users> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::internal(format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            ))
        })?;
    }
    let db = Db::open(
        &url,
        &DbOptions {
            max_connections: config.database.max_connections,
            sqlite_synchronous: config.database.sqlite_synchronous.clone(),
        },
    )
    .await?;
    let outbound = outbound(config)?;
    let root_url = config.root_url();
    let settings = Settings::load(
        db.clone(),
        &[(setting::SITE_URL, Value::String(root_url.clone()))],
    )
    .await?;
    Users::new(
        db,
        settings,
        UsersOptions {
            hash_cost: HashCost {
                memory_kib: config.security.argon2_memory_kib,
                iterations: config.security.argon2_iterations,
            },
            create_tokens_for_users: env.create_tokens_for_users,
            create_tokens_secret: env.create_tokens_secret.clone(),
            test_mode: env.test_mode,
            root_url,
            outbound,
        },
    )
}

/// The client for server-initiated HTTP, with the `[outbound]` allow list and timeout.
fn outbound(config: &Config) -> Result<Outbound> {
    let policy = OutboundPolicy::with_allow_list(&config.outbound.allow)
        .map_err(|e| Error::internal(format!("outbound.allow: {e}")))?;
    let timeout = Duration::from_secs(config.outbound.timeout_secs.max(1));
    let defaults = OutboundOptions::default();
    Ok(Outbound::new(
        policy,
        OutboundOptions {
            timeout,
            connect_timeout: defaults.connect_timeout.min(timeout),
            ..defaults
        },
    ))
}

/// Seeds the database and builds the state every handler shares.
pub async fn build_state(config: &Config, env: &DeployEnv, users: Users) -> Result<AppState> {
    let outcome = users.seed(&env.admin, &env.overwrite_settings).await?;
    // Nobody is connected yet: statuses left from the previous run would show ghosts as online.
    let stale = users.reset_presence().await?;
    if stale > 0 {
        tracing::info!("{stale} users marked offline (presence of the previous run)");
    }
    let bus: Arc<dyn EventBus> = Arc::new(LocalBus::default());
    let rooms = Rooms::new(users.clone(), bus.clone());
    if let Some((name, generated)) = outcome.admin_created {
        if let Some(admin) = users.find(&UserSelector::Username(name.clone())).await? {
            rooms.join_defaults(&admin).await?;
        }
        match generated {
            Some(password) => tracing::warn!(
                "created the admin account: username {name:?}, password {password:?} \
                 (shown only now; change it with `apogee user passwd {name}`)"
            ),
            None => tracing::info!("admin account {name:?} is ready (password from ADMIN_PASS)"),
        }
    }
    let installed_at = users
        .settings()
        .one(setting::UNIQUE_ID)
        .map_or(0, |s| s.updated_at);
    Ok(AppState {
        users,
        messages: Messages::new(rooms.clone()),
        rooms,
        bus,
        instance: InstanceInfo {
            version: apogee_api::RC_VERSION.into(),
            started_at: Timestamp::now().millis(),
            installed_at,
        },
        root_url: config.root_url(),
        history: apogee_api::HistoryCache::default(),
    })
}

/// A server running in the background (tests, and `main` which waits on it).
pub struct Running {
    /// The address it listens on (the real port when the config said `:0`).
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    users: Users,
    bus: Arc<dyn EventBus>,
    realtime: Realtime,
}

impl Running {
    /// The accounts service (tests use it to reach the database directly).
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The event bus (tests watch the events a request caused).
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// Stops accepting, lets in-flight requests finish, closes the database.
    pub async fn shutdown(mut self) {
        // Websocket sessions outlive HTTP requests: close them so the server can stop.
        self.realtime.shutdown();
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.users.db().clone().close().await;
    }

    /// Waits until the server stops (after a signal).
    pub async fn wait(self) -> std::io::Result<()> {
        let r = self.task.await.map_err(std::io::Error::other)?;
        self.users.db().clone().close().await;
        r
    }
}

/// Opens everything, binds the listener and serves in the background. With `signals`, SIGINT and
/// SIGTERM stop the server gracefully.
pub async fn start(config: &Config, env: &DeployEnv, signals: bool) -> Result<Running> {
    let users = open_services(config, env).await?;
    let state = build_state(config, env, users.clone()).await?;
    let bus = state.bus.clone();
    let acceptor = TcpListener::bind(config.listen.clone())
        .into_acceptor()
        .await
        .map(crate::nodelay::NoDelay)
        .map_err(|e| Error::internal(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| Error::internal("listener has no address"))?;
    let realtime = Realtime::start(state.messages.clone(), realtime_options(config));
    let app = Route::new()
        .at("/websocket", realtime.websocket())
        .at("/sockjs/:server/:session/websocket", realtime.websocket())
        .at("/sockjs/info", realtime.sockjs_info())
        .at("/api/v1/method.call/:method", realtime.method_call(false))
        .at(
            "/api/v1/method.callAnon/:method",
            realtime.method_call(true),
        )
        .nest("/", apogee_api::routes(state))
        .map_to_response();
    let on_stop = realtime.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            if signals {
                tokio::select! {
                    _ = rx => {}
                    _ = shutdown_signal() => {}
                }
            } else {
                let _ = rx.await;
            }
            on_stop.shutdown();
        };
        Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, stop, Some(Duration::from_secs(10)))
            .await
    });
    Ok(Running {
        addr,
        stop: Some(tx),
        task,
        users,
        bus,
        realtime,
    })
}

fn realtime_options(config: &Config) -> RealtimeOptions {
    let r = &config.realtime;
    RealtimeOptions {
        queue_frames: r.queue_frames,
        ping_after: Duration::from_secs(r.ping_after_secs.max(1)),
        pong_timeout: Duration::from_secs(r.pong_timeout_secs.max(1)),
        read_buffer_bytes: r.read_buffer_bytes.max(256),
        ..RealtimeOptions::default()
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}
