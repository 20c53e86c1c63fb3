//! Harness for Apogee's black-box tests: starts the real server on 127.0.0.1:0 with a fresh
//! database (SQLite in a temp dir, and PostgreSQL too when `APOGEE_TEST_DATABASE_URL` is set) and
//! talks to it over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use apogee::{Config, DeployEnv, Running};
use apogee_users::AdminSeed;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;

/// Admin credentials every test server is seeded with.
pub const ADMIN: &str = "admin";
/// The admin's password.
pub const ADMIN_PASS: &str = "admin-pass-1";

/// Which database a test server uses.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// The backends to run every test on.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("APOGEE_TEST_DATABASE_URL")
        && !url.is_empty()
    {
        v.push(Backend::Postgres(url));
    }
    v
}

/// Credentials for `X-User-Id` / `X-Auth-Token`.
#[derive(Debug, Clone)]
pub struct Creds {
    pub user_id: String,
    pub token: String,
}

/// An answer: status and JSON body (Null when not JSON), plus headers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// Asserts 200 with `success: true` and returns the body.
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200, got {}: {}",
            self.status,
            self.body
        );
        assert_eq!(self.body["success"], json!(true), "{}", self.body);
        self.body
    }

    /// Asserts an error status with `success: false` and returns the body.
    pub fn err(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.body
        );
        assert_eq!(self.body["success"], json!(false), "{}", self.body);
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        self.body
    }

    /// Asserts a 400 with this `errorType`.
    pub fn err_type(self, error_type: &str) -> Value {
        let b = self.err(400);
        assert_eq!(b["errorType"], json!(error_type), "{b}");
        b
    }
}

/// A running test server.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub admin: Creds,
    running: Option<Running>,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
    /// What the server was started with (for [`TestServer::restart`]).
    config: Config,
    env: DeployEnv,
}

impl TestServer {
    /// Starts a server with TEST_MODE off and the default deployment variables.
    pub async fn start(backend: &Backend) -> Self {
        Self::start_with(backend, DeployEnv::default()).await
    }

    /// Starts a server with the given deployment variables (the admin is always seeded).
    pub async fn start_with(backend: &Backend, env: DeployEnv) -> Self {
        Self::start_configured(backend, env, |_| {}).await
    }

    /// [`TestServer::start_with`], with `tweak` applied to the configuration first (e.g. short
    /// heartbeats).
    pub async fn start_configured(
        backend: &Backend,
        mut env: DeployEnv,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            log: "warn".into(),
            ..Config::default()
        };
        tweak(&mut config);
        let mut pg = None;
        if let Backend::Postgres(base) = backend {
            let name = format!("apogee_t_{}", apogee_core::random_id().to_lowercase());
            let url = apogee_storage::create_postgres_database(base, &name)
                .await
                .unwrap();
            config.database.url = Some(url);
            pg = Some((base.clone(), name));
        }
        env.admin = AdminSeed {
            username: Some(ADMIN.into()),
            password: Some(ADMIN_PASS.into()),
            email: Some("admin@example.com".into()),
        };
        let running = apogee::start(&config, &env, false).await.unwrap();
        let (config, env) = (config.clone(), env.clone());
        let base = format!("http://{}", running.addr);
        let http = reqwest::Client::new();
        let mut s = Self {
            base,
            http,
            admin: Creds {
                user_id: String::new(),
                token: String::new(),
            },
            running: Some(running),
            _dir: dir,
            pg,
            config,
            env,
        };
        s.admin = s.login(ADMIN, ADMIN_PASS).await;
        s
    }

    /// The running server (for reaching its database).
    pub fn running(&self) -> &Running {
        self.running.as_ref().unwrap()
    }

    /// Stops the server and starts it again on the same database (on a new port).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        let running = apogee::start(&self.config, &self.env, false).await.unwrap();
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    /// Stops the server and drops its PostgreSQL database.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        if let Some((base, name)) = self.pg.take() {
            apogee_storage::drop_postgres_database(&base, &name)
                .await
                .unwrap();
        }
    }

    /// Sends a request; `body` goes as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&Creds>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(c) = auth {
            req = req
                .header("X-User-Id", &c.user_id)
                .header("X-Auth-Token", &c.token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        Self::reply(resp).await
    }

    /// Sends a raw body with a content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        auth: Option<&Creds>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(c) = auth {
            req = req
                .header("X-User-Id", &c.user_id)
                .header("X-Auth-Token", &c.token);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    /// Reads an answer (for requests built on [`TestServer::http`] directly).
    pub async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
        }
    }

    /// GET with optional auth.
    pub async fn get(&self, path: &str, auth: Option<&Creds>) -> Reply {
        self.call(Method::GET, path, auth, None).await
    }

    /// POST JSON with optional auth.
    pub async fn post(&self, path: &str, auth: Option<&Creds>, body: Value) -> Reply {
        self.call(Method::POST, path, auth, Some(body)).await
    }

    /// Logs in (asserting success).
    pub async fn login(&self, user: &str, password: &str) -> Creds {
        let b = self
            .post(
                "/api/v1/login",
                None,
                json!({"user": user, "password": password}),
            )
            .await
            .ok();
        Creds {
            user_id: b["data"]["userId"].as_str().unwrap().to_owned(),
            token: b["data"]["authToken"].as_str().unwrap().to_owned(),
        }
    }

    /// Creates a regular user as the admin and logs in as them.
    pub async fn user(&self, username: &str) -> Creds {
        self.post(
            "/api/v1/users.create",
            Some(&self.admin),
            json!({"username": username, "email": format!("{username}@example.com"),
                   "name": format!("User {username}"), "password": format!("{username}-pw")}),
        )
        .await
        .ok();
        self.login(username, &format!("{username}-pw")).await
    }
}

/// A test body: gets a fresh server, returns when done.
pub type Body = fn(TestServer) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs a test body once per backend, each on a fresh server.
pub async fn each_db(body: Body) {
    for b in backends() {
        let s = TestServer::start(&b).await;
        body(s).await;
    }
}

/// Declares `#[tokio::test]` functions that run an `async fn(TestServer)` on every backend.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::each_db(|s| Box::pin(bodies::$name(s))).await;
            }
        )*
    };
}

/// Subscribes to the server's event bus (subscribe before acting, then [`events_within`]).
pub fn watch(s: &TestServer) -> Box<dyn apogee_core::event::EventStream> {
    s.running().bus().subscribe()
}

/// Events received within `ms` milliseconds.
pub async fn events_within(
    stream: &mut Box<dyn apogee_core::event::EventStream>,
    ms: u64,
) -> Vec<apogee_core::Event> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    while let Ok(Some(r)) = tokio::time::timeout_at(deadline, stream.next()).await {
        if let apogee_core::event::Received::Event(e) = r {
            out.push(e);
        }
    }
    out
}
