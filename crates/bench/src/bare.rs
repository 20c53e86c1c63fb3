//! The bare yardstick: a poem server with one static handler, `GET /api/info`.
//!
//! It does what any poem server must do per request (accept, parse HTTP/1.1, route, write a
//! small JSON answer) and nothing else, so its rate is the ceiling Apogee's `/api/info` can
//! approach on the same machine with the same load generator.

use std::net::SocketAddr;

use clap::Args;
use poem::listener::TcpListener;
use poem::{IntoResponse, Response, Route, Server, get, handler};

use crate::Result;

/// The static answer, the size of a minimal `/api/info`.
pub const INFO_BODY: &str = r#"{"version":"8.5","success":true}"#;

/// Arguments of `apogee-bench bare`.
#[derive(Debug, Clone, Args)]
pub struct BareArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3900")]
    pub listen: SocketAddr,
    /// Tokio worker threads (2, like the server under test on this 2-core machine).
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

/// `GET /api/info`: the static body as JSON.
#[handler]
fn info() -> impl IntoResponse {
    Response::builder()
        .content_type("application/json")
        .body(INFO_BODY)
}

/// Runs the bare server until the process is killed.
pub fn run(args: &BareArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let app = Route::new().at("/api/info", get(info));
        eprintln!("apogee-bench bare: listening on http://{}", args.listen);
        Server::new(TcpListener::bind(args.listen)).run(app).await
    })?;
    Ok(())
}
