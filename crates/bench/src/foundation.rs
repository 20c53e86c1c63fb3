//! The `foundation` scenario: the numbers of a server that can start, log in and answer.
//!
//! 1. Starts the Apogee binary (`PATH serve`) on a fresh data directory and waits for
//!    `GET /api/info` to answer 200, stops it with SIGTERM, starts it again on the now existing
//!    database and measures the time from spawn to the first 200 of `/api/info` (polled every
//!    millisecond).
//! 2. Idles 2 s and reads the idle RSS.
//! 3. Times sequential logins (argon2 dominates).
//! 4. Load-tests `GET /api/info` and `GET /api/v1/me` (authenticated).
//! 5. Spawns `apogee-bench bare` and load-tests its `/api/info` the same way: the yardstick.
//! 6. Reads the RSS after load; both children are stopped on every exit path.

use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Args;
use reqwest::Client;
use serde_json::{Value, json};

use crate::load::{self, LoadResult, LoadSpec, Percentiles, error_chain};
use crate::report::Report;
use crate::server::{Launch, ServerProcess, free_port};
use crate::{ClientArgs, Result, secs};

/// Name of the admin account the server creates from the environment.
pub(crate) const ADMIN_USERNAME: &str = "benchadmin";

/// How often the readiness probe polls.
pub(crate) const POLL_EVERY: Duration = Duration::from_millis(1);

/// How long a SIGTERM'd server may take to exit before it is killed.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(15);

/// Arguments of `apogee-bench foundation`.
#[derive(Debug, Clone, Args)]
pub struct FoundationArgs {
    /// The Apogee server binary (started as `PATH serve`).
    #[arg(long)]
    pub server_bin: PathBuf,
    /// Client options of the load tests.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Sequential logins to time.
    #[arg(long, default_value_t = 50)]
    pub logins: usize,
    /// Idle time before the idle RSS is read, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub idle_seconds: f64,
    /// How long a server start may take before it counts as failed, in seconds.
    #[arg(long, default_value_t = 120.0)]
    pub start_timeout: f64,
    /// Keep the temporary data directory (database and logs) instead of removing it. It is always
    /// kept when the scenario fails.
    #[arg(long)]
    pub keep_data: bool,
    /// Also write the numbers as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Runs the scenario and prints its report.
pub fn run(args: &FoundationArgs) -> Result<()> {
    let data_dir = fresh_data_dir()?;
    eprintln!("data directory: {}", data_dir.display());
    let outcome = measure(args, &data_dir);
    // every child has been stopped by now: `measure` owned them
    finish(outcome, args.json.as_deref(), args.keep_data, &data_dir)
}

/// Ends a scenario: prints the report (and writes it as JSON when asked) and removes the data
/// directory unless it is to be kept; on failure keeps it and says where it is.
pub(crate) fn finish(
    outcome: Result<Report>,
    json: Option<&Path>,
    keep_data: bool,
    data_dir: &Path,
) -> Result<()> {
    match outcome {
        Ok(report) => {
            print!("{}", report.render_text());
            if let Some(path) = json {
                report.write_json(path)?;
            }
            if !keep_data {
                std::fs::remove_dir_all(data_dir)
                    .map_err(|e| format!("removing {}: {e}", data_dir.display()))?;
            }
            Ok(())
        }
        Err(e) => {
            eprintln!("data and logs kept in {}", data_dir.display());
            Err(e)
        }
    }
}

/// All measurements; returns the report. Children are stopped when it returns.
fn measure(args: &FoundationArgs, data_dir: &Path) -> Result<Report> {
    let duration = args.client.duration()?;
    let warmup = args.client.warmup()?;
    let idle = secs(args.idle_seconds, "--idle-seconds")?;
    let start_timeout = secs(args.start_timeout, "--start-timeout")?;
    let password = random_password()?;
    let log = data_dir.join("server.log");
    let apogee = |port: u16| {
        Launch::new("apogee", &args.server_bin, localhost(port))
            .arg("serve")
            .env("APOGEE_LISTEN", localhost(port).to_string())
            .env("APOGEE_DATA_DIR", data_dir)
            .env("ADMIN_USERNAME", ADMIN_USERNAME)
            .env("ADMIN_PASS", &password)
            .env("ADMIN_EMAIL", "benchadmin@example.com")
            .env("TEST_MODE", "true")
            .log(&log)
    };

    let mut report = Report::new("apogee-bench foundation");
    report.text("server_binary", args.server_bin.display().to_string());
    report.text("client", args.client.mode().describe());
    report.count("concurrency", args.client.concurrency as u64);
    report.metric("seconds_per_load_test", duration.as_secs_f64(), "s");

    // 1. first start on a fresh database, stop, restart on the existing one
    eprintln!("starting apogee on a fresh database…");
    let mut server = ServerProcess::spawn(apogee(free_port()?))?;
    let first_start = server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    report.millis("first_start_to_first_answer", first_start);
    let stop = server.stop(STOP_GRACE)?;
    report.millis("stop_sigterm_to_exit", stop);
    drop(server);

    eprintln!("restarting apogee on the existing database…");
    let mut server = ServerProcess::spawn(apogee(free_port()?))?;
    let restart = server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    report.millis("restart_to_first_answer", restart);
    eprintln!(
        "apogee is up (pid {}) at {}",
        server.pid(),
        server.base_url()
    );
    let base = server.base_url();

    // 2. idle RSS
    std::thread::sleep(idle);
    let memory = server.memory()?;
    report.metric("idle_rss", memory.rss_mib(), "MiB");

    // 3. login latency, then one login for the load tests
    eprintln!("timing {} logins…", args.logins);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;
    let (logins, credentials) = rt.block_on(time_logins(&client, &base, &password, args.logins))?;
    report.count("logins", logins.len() as u64);
    let mut nanos: Vec<u64> = logins
        .iter()
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .collect();
    let login = Percentiles::from_nanos(&mut nanos);
    report.millis("login_p50", login.p50);
    report.millis("login_p99", login.p99);
    report.millis("login_max", login.max);

    // 4. load tests of the server
    let spec = |url: String| -> LoadSpec {
        let mut spec = LoadSpec::get(&url);
        spec.concurrency = args.client.concurrency;
        spec.duration = duration;
        spec.warmup = warmup;
        spec.mode = args.client.mode();
        spec
    };
    let info_spec = spec(format!("{base}/api/info"));
    let mut me_spec = spec(format!("{base}/api/v1/me"));
    me_spec.insert_header("X-User-Id", &credentials.user_id)?;
    me_spec.insert_header("X-Auth-Token", &credentials.auth_token)?;
    let info = load_test("apogee GET /api/info", &info_spec)?;
    let me = load_test("apogee GET /api/v1/me", &me_spec)?;
    let after = server.memory()?;
    report.metric("rss_after_load", after.rss_mib(), "MiB");
    report.metric("peak_rss", after.peak_mib(), "MiB");

    // 5. the bare yardstick, loaded the same way (apogee stays up but idle)
    eprintln!("starting the bare yardstick…");
    let bare_port = free_port()?;
    let exe = std::env::current_exe()?;
    let bare_launch = Launch::new("bare", exe, localhost(bare_port))
        .arg("bare")
        .arg("--listen")
        .arg(localhost(bare_port).to_string())
        .arg("--workers")
        .arg("2")
        .log(data_dir.join("bare.log"));
    let mut bare_server = ServerProcess::spawn(bare_launch)?;
    bare_server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    let bare = load_test(
        "bare GET /api/info",
        &spec(format!("{}/api/info", bare_server.base_url())),
    )?;
    let bare_memory = bare_server.memory()?;
    report.metric("bare_rss_after_load", bare_memory.rss_mib(), "MiB");

    let pct = |r: &LoadResult| (bare.rps > 0.0).then(|| r.rps / bare.rps * 100.0);
    report.load("apogee GET /api/info", &info, pct(&info));
    report.load("apogee GET /api/v1/me", &me, pct(&me));
    report.load("bare GET /api/info", &bare, None);

    // 6. stop both (dropping them would too, but this reports a server that ignores SIGTERM)
    bare_server.stop(STOP_GRACE)?;
    server.stop(STOP_GRACE)?;
    for (name, result) in [("/api/info", &info), ("/api/v1/me", &me), ("bare", &bare)] {
        if let Some(e) = &result.first_error {
            eprintln!("{name}: {} errors, first: {e}", result.errors);
        }
    }
    Ok(report)
}

/// Runs one load test with a progress line.
pub(crate) fn load_test(name: &str, spec: &LoadSpec) -> Result<LoadResult> {
    eprintln!(
        "load: {name}, {} connections, {:?} (+{:?} warm-up)…",
        spec.concurrency, spec.duration, spec.warmup
    );
    load::run(spec)
}

/// What a login answers with, needed for authenticated requests.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    /// `data.userId`.
    pub(crate) user_id: String,
    /// `data.authToken`.
    pub(crate) auth_token: String,
}

/// `count` sequential logins (at least one); returns their latencies and the last credentials.
pub(crate) async fn time_logins(
    client: &Client,
    base: &str,
    password: &str,
    count: usize,
) -> Result<(Vec<Duration>, Credentials)> {
    let url = format!("{base}/api/v1/login");
    let body = json!({ "user": ADMIN_USERNAME, "password": password });
    let mut latencies = Vec::with_capacity(count);
    let mut credentials = None;
    for _ in 0..count.max(1) {
        let start = Instant::now();
        let response = client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {}", error_chain(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("POST {url}: {}", error_chain(&e)))?;
        latencies.push(start.elapsed());
        if !status.is_success() {
            return Err(format!("POST {url} answered {status}: {text}").into());
        }
        credentials = Some(parse_login(&text).map_err(|e| format!("POST {url}: {e}: {text}"))?);
    }
    let credentials = credentials.ok_or("no login was made")?;
    Ok((latencies, credentials))
}

/// Reads `data.userId` and `data.authToken` from a login answer.
pub(crate) fn parse_login(text: &str) -> Result<Credentials> {
    let value: Value = serde_json::from_str(text)?;
    let field = |name: &str| -> Result<String> {
        value["data"][name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no data.{name} in the login answer").into())
    };
    Ok(Credentials {
        user_id: field("userId")?,
        auth_token: field("authToken")?,
    })
}

/// `127.0.0.1:port`.
pub(crate) fn localhost(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// Creates a fresh, empty directory under the system temp dir.
pub(crate) fn fresh_data_dir() -> Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("apogee-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}

/// A random admin password: 24 hex digits from /dev/urandom, with a fixed prefix that
/// satisfies the usual password policies (letters of both cases, a digit, a symbol).
pub(crate) fn random_password() -> Result<String> {
    let mut bytes = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("reading /dev/urandom: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("Bench-1{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_answer() {
        let text = r#"{"status":"success","data":{"userId":"u1","authToken":"t1","me":{}}}"#;
        let c = parse_login(text).unwrap();
        assert_eq!((c.user_id.as_str(), c.auth_token.as_str()), ("u1", "t1"));
        assert!(parse_login(r#"{"status":"error"}"#).is_err());
    }

    #[test]
    fn passwords_differ() {
        let (a, b) = (random_password().unwrap(), random_password().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), "Bench-1".len() + 24);
    }
}
