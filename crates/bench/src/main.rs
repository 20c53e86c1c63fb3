//! `apogee-bench`: load generator and benchmark reports for Apogee.
//!
//! Subcommands, one per scenario:
//! * `bare` runs a bare poem server with one static `GET /api/info` handler: the yardstick that
//!   Apogee's own request rate is compared to.
//! * `load` is a generic closed-loop load test of one URL.
//! * `foundation` spawns an Apogee server binary and measures restart time, idle RSS, login
//!   latency, and the `/api/info` and `/api/v1/me` rates against the bare yardstick.
//!
//! * `messages` fills a room with a million messages and measures history, search,
//!   subscriptions and posting against the bare yardstick.
//! * `realtime` measures the DDP websocket: memory and idle CPU per logged-in connection,
//!   fan-out latency against a bare tokio-tungstenite broadcast, and the end-to-end
//!   `sendMessage` rate against the REST post ceiling.
//!
//! Later scenarios (webhooks) go into their own modules beside `foundation`, reusing [`load`],
//! [`server`] and [`report`].

mod bare;
mod ddp;
mod foundation;
mod http1;
mod load;
mod messages;
mod realtime;
mod report;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The error type of the whole tool: every failure ends up as a message on stderr.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Result alias with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Command line of `apogee-bench`.
#[derive(Debug, Parser)]
#[command(
    name = "apogee-bench",
    version,
    about = "Load generator and benchmarks for Apogee"
)]
struct Cli {
    /// The scenario to run.
    #[command(subcommand)]
    command: Command,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run a bare poem server answering `GET /api/info` with a static JSON body, with a bare
    /// websocket broadcast at `/websocket` (the yardsticks).
    Bare(bare::BareArgs),
    /// Closed-loop load test of one URL; prints req/s and latency percentiles.
    Load(LoadArgs),
    /// Spawn an Apogee server and measure restart time, RSS, login latency and REST rates.
    Foundation(foundation::FoundationArgs),
    /// Fill a room with a million messages and ten thousand members; measure history, search,
    /// subscriptions and posting rates against the bare yardstick.
    Messages(messages::MessagesArgs),
    /// Measure the DDP websocket: memory and idle CPU per connection, fan-out latency against a
    /// bare websocket broadcast, end-to-end `sendMessage` rate against the REST ceiling.
    Realtime(realtime::RealtimeArgs),
}

/// Client-side options shared by every load-generating scenario.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Concurrent keep-alive connections (closed loop: each sends its next request when the
    /// previous answer has been read).
    #[arg(long, short = 'c', default_value_t = 64)]
    pub concurrency: usize,
    /// Measured duration of each load test, in seconds (after the warm-up).
    #[arg(long, short = 's', default_value_t = 5.0)]
    pub seconds: f64,
    /// Warm-up before each load test, in seconds: connections are opened and requests sent, but
    /// nothing is recorded.
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Client threads. Each thread runs its own single-threaded tokio runtime and its own HTTP
    /// client with its share of the connections. 0 means one multi-threaded runtime with 2
    /// workers and one shared client. See `load::DEFAULT_CLIENT_THREADS` for the measurements
    /// behind the default.
    #[arg(long, default_value_t = load::DEFAULT_CLIENT_THREADS)]
    pub client_threads: usize,
}

impl ClientArgs {
    /// The measured duration, validated.
    pub fn duration(&self) -> Result<Duration> {
        secs(self.seconds, "--seconds")
    }

    /// The warm-up duration, validated.
    pub fn warmup(&self) -> Result<Duration> {
        secs(self.warmup, "--warmup")
    }

    /// The client threading mode.
    pub fn mode(&self) -> load::ClientMode {
        match self.client_threads {
            0 => load::ClientMode::MultiThread { workers: 2 },
            n => load::ClientMode::CurrentThreads { threads: n },
        }
    }
}

/// Turns a seconds argument into a [`Duration`], rejecting negative or non-finite values.
fn secs(value: f64, name: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value).map_err(|e| format!("{name} {value}: {e}").into())
}

/// Arguments of `apogee-bench load`.
#[derive(Debug, Args)]
struct LoadArgs {
    /// The URL to load (plain http only).
    #[arg(long)]
    url: String,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// Extra request header `Name: value`; may be repeated.
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Request body, sent with `Content-Type: application/json` unless a header overrides it.
    #[arg(long)]
    body: Option<String>,
    /// Stop after this many measured requests instead of after `--seconds`.
    #[arg(long, short = 'n')]
    requests: Option<u64>,
    /// Client options.
    #[command(flatten)]
    client: ClientArgs,
    /// Also write the numbers as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Bare(args) => bare::run(&args),
        Command::Load(args) => run_load(&args),
        Command::Foundation(args) => foundation::run(&args),
        Command::Messages(args) => messages::run(&args),
        Command::Realtime(args) => realtime::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apogee-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the generic `load` scenario.
fn run_load(args: &LoadArgs) -> Result<()> {
    let mut spec = load::LoadSpec::get(&args.url);
    spec.method = reqwest::Method::from_bytes(args.method.as_bytes())
        .map_err(|e| format!("--method {}: {e}", args.method))?;
    for header in &args.headers {
        spec.add_header(header)?;
    }
    if let Some(body) = &args.body {
        spec.body = Some(body.clone().into_bytes());
    }
    spec.concurrency = args.client.concurrency;
    spec.duration = args.client.duration()?;
    spec.requests = args.requests;
    spec.warmup = args.client.warmup()?;
    spec.mode = args.client.mode();

    let result = load::run(&spec)?;
    let mut report = report::Report::new("apogee-bench load");
    report.text("client", spec.mode.describe());
    report.count("concurrency", spec.concurrency as u64);
    report.load(&format!("{} {}", spec.method, spec.url), &result, None);
    print!("{}", report.render_text());
    if let Some(first) = &result.first_error {
        println!("first error: {first}");
    }
    if let Some(path) = &args.json {
        report.write_json(path)?;
    }
    Ok(())
}
