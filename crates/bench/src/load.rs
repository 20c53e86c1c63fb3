//! Closed-loop HTTP load generator.
//!
//! `C` connections each send a request, read the whole answer, record the latency and send the
//! next one, for a fixed duration or until `N` requests have been measured. Only answers with a
//! 2xx status count as successes; their latencies make the percentiles. Any other status or a
//! transport error counts as an error.
//!
//! The machine this runs on has 2 cores that the load generator shares with the server under
//! test, so the client must be cheap: see [`ClientMode`] and [`DEFAULT_CLIENT_THREADS`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Url};

use crate::Result;

/// Default for `--client-threads`: 2 OS threads, each with a current_thread runtime and its own
/// client.
///
/// Measured on the 2-core machine against the release build of `apogee-bench bare` (2 tokio
/// workers), 64 connections, 5 s, nothing else running, three runs each (later sessions on the
/// same VM saw 72 000 – 85 000 req/s for the default: compare numbers from one run only):
///
/// | client | bare req/s | client CPU | server CPU |
/// |---|---|---|---|
/// | `--client-threads 2`: 2 threads x current_thread runtime | 84 600 – 85 400 | 113 % | 78 % |
/// | `--client-threads 1`: 1 thread x current_thread runtime | 74 300 – 76 300 | 98 % | 69 % |
/// | `--client-threads 0`: one multi-thread runtime, 2 workers | 73 400 – 75 800 | 110 % | 71 % |
///
/// Single-threaded runtimes avoid work stealing and cross-thread wake-ups; one thread alone
/// saturates its core before the server saturates the other, so two such threads win (also at
/// 256 connections: about 72 000 against 59 000 req/s). Note the client takes more CPU than the
/// server it loads: absolute rates on this machine are a lower bound of what a server can do
/// alone, and the useful number is the ratio to the bare yardstick loaded the same way.
pub const DEFAULT_CLIENT_THREADS: usize = 2;

/// How the load generator uses threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMode {
    /// One tokio multi-thread runtime with `workers` workers and one shared client.
    MultiThread {
        /// Runtime worker threads.
        workers: usize,
    },
    /// `threads` OS threads, each with its own current_thread runtime, its own client and its
    /// share of the connections.
    CurrentThreads {
        /// OS threads.
        threads: usize,
    },
}

impl ClientMode {
    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::MultiThread { workers } => format!("multi-thread runtime, {workers} workers"),
            Self::CurrentThreads { threads } => {
                format!("{threads} thread(s) x current_thread runtime")
            }
        }
    }
}

impl Default for ClientMode {
    fn default() -> Self {
        Self::CurrentThreads {
            threads: DEFAULT_CLIENT_THREADS,
        }
    }
}

/// What to load and how hard.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// HTTP method.
    pub method: Method,
    /// Target URL (plain http).
    pub url: String,
    /// Extra headers sent with every request.
    pub headers: HeaderMap,
    /// Optional request body.
    pub body: Option<Vec<u8>>,
    /// Concurrent connections.
    pub concurrency: usize,
    /// Measured duration, used unless `requests` is set.
    pub duration: Duration,
    /// Stop after this many measured requests (successes and errors) instead.
    pub requests: Option<u64>,
    /// Unmeasured warm-up before the measurement starts.
    pub warmup: Duration,
    /// Threading of the client.
    pub mode: ClientMode,
}

impl LoadSpec {
    /// A GET of `url` with defaults: 64 connections, 5 s, 1 s warm-up, default client mode.
    pub fn get(url: &str) -> Self {
        Self {
            method: Method::GET,
            url: url.to_owned(),
            headers: HeaderMap::new(),
            body: None,
            concurrency: 64,
            duration: Duration::from_secs(5),
            requests: None,
            warmup: Duration::from_secs(1),
            mode: ClientMode::default(),
        }
    }

    /// Adds a header given as `Name: value` (as on the command line).
    pub fn add_header(&mut self, line: &str) -> Result<()> {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("header {line:?} is not `Name: value`"))?;
        self.insert_header(name.trim(), value.trim())
    }

    /// Sets the header `name` to `value`.
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<()> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("header name {name:?}: {e}"))?;
        let value =
            HeaderValue::from_str(value).map_err(|e| format!("header value {value:?}: {e}"))?;
        self.headers.insert(name, value);
        Ok(())
    }
}

/// The outcome of one load test.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Successful (2xx) answers measured.
    pub ok: u64,
    /// Errors measured: non-2xx answers and transport failures.
    pub errors: u64,
    /// Length of the measurement window: from its start to the last measured answer.
    pub elapsed: Duration,
    /// Successful answers per second.
    pub rps: f64,
    /// Mean latency of successful requests.
    pub mean: Duration,
    /// Median latency of successful requests.
    pub p50: Duration,
    /// 90th percentile latency.
    pub p90: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Largest latency.
    pub max: Duration,
    /// The first error seen, for diagnosis.
    pub first_error: Option<String>,
}

/// Latency summary of a set of samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    /// Mean.
    pub mean: Duration,
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Maximum.
    pub max: Duration,
}

impl Percentiles {
    /// Summarises latencies in nanoseconds (sorts them in place). Nearest-rank percentiles.
    pub fn from_nanos(samples: &mut [u64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        let rank = |p: f64| -> Duration {
            // nearest rank: the smallest sample with at least p of the samples at or below it
            let idx = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            Duration::from_nanos(samples.get(idx).copied().unwrap_or_default())
        };
        let sum: u128 = samples.iter().map(|&s| u128::from(s)).sum();
        let mean = u64::try_from(sum / n as u128).unwrap_or(u64::MAX);
        Self {
            mean: Duration::from_nanos(mean),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: Duration::from_nanos(samples.last().copied().unwrap_or_default()),
        }
    }
}

/// The request, prepared once and shared by every connection.
#[derive(Debug)]
struct Prepared {
    /// Method.
    method: Method,
    /// Parsed URL.
    url: Url,
    /// Headers.
    headers: HeaderMap,
    /// Body.
    body: Option<Vec<u8>>,
}

/// Phase boundaries and the shared request counter.
#[derive(Debug)]
struct Clock {
    /// Requests starting at or after this instant are measured.
    measure_start: Instant,
    /// No request is started at or after this instant (duration mode).
    deadline: Instant,
    /// Measured-request budget (request-count mode).
    budget: Option<u64>,
    /// Measured requests issued so far (request-count mode).
    issued: AtomicU64,
}

/// What one connection measured.
#[derive(Debug, Default)]
struct Tally {
    /// Latencies of successful measured requests, in nanoseconds.
    latencies: Vec<u64>,
    /// Measured errors.
    errors: u64,
    /// When the last measured request completed.
    last_end: Option<Instant>,
    /// The first error message.
    first_error: Option<String>,
}

/// Runs a load test, blocking the calling thread until it is over.
///
/// The client runtimes are built on threads of their own, so this may be called from anywhere
/// outside an async context (from async code, call it in `spawn_blocking`).
pub fn run(spec: &LoadSpec) -> Result<LoadResult> {
    if spec.concurrency == 0 {
        return Err("concurrency must be at least 1".into());
    }
    let url = Url::parse(&spec.url).map_err(|e| format!("url {:?}: {e}", spec.url))?;
    let mut headers = spec.headers.clone();
    if spec.body.is_some() && !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let prepared = Arc::new(Prepared {
        method: spec.method.clone(),
        url,
        headers,
        body: spec.body.clone(),
    });
    let measure_start = Instant::now() + spec.warmup;
    let clock = Arc::new(Clock {
        measure_start,
        deadline: measure_start + spec.duration,
        budget: spec.requests,
        issued: AtomicU64::new(0),
    });

    let tallies = match spec.mode {
        ClientMode::MultiThread { workers } => {
            let prepared = Arc::clone(&prepared);
            let clock = Arc::clone(&clock);
            let concurrency = spec.concurrency;
            let workers = workers.max(1);
            join_thread(std::thread::spawn(move || -> Result<Vec<Tally>> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()?;
                rt.block_on(drive(concurrency, prepared, clock))
            }))?
        }
        ClientMode::CurrentThreads { threads } => {
            let threads = threads.clamp(1, spec.concurrency);
            let mut handles = Vec::with_capacity(threads);
            for t in 0..threads {
                // spread the connections as evenly as possible
                let share =
                    spec.concurrency / threads + usize::from(t < spec.concurrency % threads);
                let prepared = Arc::clone(&prepared);
                let clock = Arc::clone(&clock);
                handles.push(std::thread::spawn(move || -> Result<Vec<Tally>> {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(drive(share, prepared, clock))
                }));
            }
            let mut all = Vec::with_capacity(spec.concurrency);
            for handle in handles {
                all.extend(join_thread(handle)?);
            }
            all
        }
    };
    Ok(summarise(tallies, &clock))
}

/// Joins a client thread, turning a panic into an error.
fn join_thread(handle: std::thread::JoinHandle<Result<Vec<Tally>>>) -> Result<Vec<Tally>> {
    handle
        .join()
        .map_err(|_| crate::Error::from("a load generator thread panicked"))?
}

/// Runs `connections` closed-loop connections on the current runtime with one client.
async fn drive(connections: usize, req: Arc<Prepared>, clock: Arc<Clock>) -> Result<Vec<Tally>> {
    let client = Client::builder()
        .pool_max_idle_per_host(connections)
        .no_proxy()
        .tcp_nodelay(true)
        .http1_only()
        .timeout(Duration::from_secs(30))
        .build()?;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            tokio::spawn(connection(
                client.clone(),
                Arc::clone(&req),
                Arc::clone(&clock),
            ))
        })
        .collect();
    let mut tallies = Vec::with_capacity(connections);
    for task in futures::future::join_all(tasks).await {
        tallies.push(task?);
    }
    Ok(tallies)
}

/// One closed-loop connection: request, read the whole answer, record, repeat.
async fn connection(client: Client, req: Arc<Prepared>, clock: Arc<Clock>) -> Tally {
    let mut tally = Tally::default();
    loop {
        let start = Instant::now();
        let measured = start >= clock.measure_start;
        match clock.budget {
            Some(budget) => {
                if measured && clock.issued.fetch_add(1, Ordering::Relaxed) >= budget {
                    break;
                }
            }
            None => {
                if start >= clock.deadline {
                    break;
                }
            }
        }
        let outcome = send(&client, &req).await;
        if !measured {
            continue;
        }
        let end = Instant::now();
        tally.last_end = Some(end);
        match outcome {
            Ok(()) => {
                let nanos = u64::try_from(end.duration_since(start).as_nanos()).unwrap_or(u64::MAX);
                tally.latencies.push(nanos);
            }
            Err(e) => {
                tally.errors += 1;
                if tally.first_error.is_none() {
                    tally.first_error = Some(e);
                }
            }
        }
    }
    tally
}

/// Sends one request and reads the whole answer. `Err` for transport errors and non-2xx.
async fn send(client: &Client, req: &Prepared) -> std::result::Result<(), String> {
    let mut builder = client
        .request(req.method.clone(), req.url.clone())
        .headers(req.headers.clone());
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let response = builder.send().await.map_err(|e| error_chain(&e))?;
    let status = response.status();
    // always drain the body so the connection goes back to the pool
    let body = response.bytes().await.map_err(|e| error_chain(&e))?;
    if status.is_success() {
        Ok(())
    } else {
        let snippet = String::from_utf8_lossy(body.get(..200).unwrap_or(&body));
        Err(format!("HTTP {status}: {snippet}"))
    }
}

/// An error with its sources, `a: b: c` (reqwest's own message alone is vague).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Merges the connections' tallies into a [`LoadResult`].
fn summarise(tallies: Vec<Tally>, clock: &Clock) -> LoadResult {
    let mut latencies = Vec::with_capacity(tallies.iter().map(|t| t.latencies.len()).sum());
    let mut errors = 0;
    let mut last_end: Option<Instant> = None;
    let mut first_error = None;
    for tally in tallies {
        latencies.extend_from_slice(&tally.latencies);
        errors += tally.errors;
        last_end = last_end.max(tally.last_end);
        if first_error.is_none() {
            first_error = tally.first_error;
        }
    }
    let elapsed = match last_end {
        Some(end) => end.saturating_duration_since(clock.measure_start),
        None => clock
            .deadline
            .saturating_duration_since(clock.measure_start),
    };
    let ok = latencies.len() as u64;
    let rps = if elapsed.is_zero() {
        0.0
    } else {
        ok as f64 / elapsed.as_secs_f64()
    };
    let p = Percentiles::from_nanos(&mut latencies);
    LoadResult {
        ok,
        errors,
        elapsed,
        rps,
        mean: p.mean,
        p50: p.p50,
        p90: p.p90,
        p99: p.p99,
        max: p.max,
        first_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<u64> = (1..=100).rev().collect();
        let p = Percentiles::from_nanos(&mut samples);
        assert_eq!(p.p50, Duration::from_nanos(50));
        assert_eq!(p.p90, Duration::from_nanos(90));
        assert_eq!(p.p99, Duration::from_nanos(99));
        assert_eq!(p.max, Duration::from_nanos(100));
        assert_eq!(p.mean, Duration::from_nanos(50));
        let mut one = vec![7];
        assert_eq!(
            Percentiles::from_nanos(&mut one).p99,
            Duration::from_nanos(7)
        );
        assert_eq!(Percentiles::from_nanos(&mut []).p50, Duration::ZERO);
    }

    #[test]
    fn header_lines() {
        let mut spec = LoadSpec::get("http://127.0.0.1:1/");
        spec.add_header("X-User-Id: abc").unwrap();
        assert_eq!(spec.headers["x-user-id"], "abc");
        assert!(spec.add_header("nocolon").is_err());
    }
}
