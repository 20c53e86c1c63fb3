//! The `realtime` scenario: the DDP websocket's numbers.
//!
//! 1. Starts the Apogee binary on a fresh SQLite database and the bare yardstick (`apogee-bench
//!    bare`, whose `/websocket` is a bare tokio-tungstenite broadcast). Creates `--users` users
//!    (each connection logs in as one of them with `{resume: token}`) and two channels they are
//!    all in: one for fan-out and idle connections, one for the end-to-end rate.
//! 2. Memory and idle CPU: opens idle, logged-in DDP connections with five stream subscriptions
//!    each (the room's messages, its typing and deleteMessage events, the user's notifications and
//!    rooms-changed) up to each of `--memory-conns`, reading the server's `VmRSS` at each level;
//!    at `--idle-conns` it also reads the server's CPU time (utime + stime) over
//!    `--idle-seconds`, heartbeats included (the clients answer the server's pings).
//! 3. Fan-out, for each N of `--fanout`: N logged-in connections subscribed to the room's
//!    `stream-room-messages` and N connections to the bare broadcast, all open throughout. Three
//!    senders take turns, in a rotating order, at `--rate` messages per second in all, each
//!    sending `--posts` messages: the admin posting over REST (one keep-alive connection, each
//!    request built before its clock starts, as the bare run's frames are; see `http1`), the admin
//!    calling DDP `sendMessage` on one logged-in websocket (the sender's transport as in the bare
//!    run), and a client sending the bare broadcast the same frame (the first one Apogee
//!    delivered, from an unmeasured first post, with its sequence number changed). Interleaved,
//!    the three meet the same machine: run one after another they did not (the bare run alone
//!    moved by a quarter between runs). Measured: the delivery latency from just before the send
//!    to each subscriber's read, and the time to the last subscriber per message.
//! 4. End-to-end rate: `--senders` DDP connections calling `sendMessage` in a closed loop for
//!    `--seconds`, one subscriber counting what the room's stream delivers; then
//!    `chat.postMessage` over REST with as many connections: the REST ceiling.
//!
//! Every message carries a marker `~rt:<seq>~` that receivers find without parsing the JSON. (Not
//! `#…`: the server looks every `#word` up as a channel reference, a read most messages do not
//! cost.)

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use futures::{SinkExt as _, StreamExt as _};
use reqwest::Client;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::bare::BROADCAST_PREFIX;
use crate::ddp::{self, DdpClient, Socket};
use crate::foundation::{
    Credentials, POLL_EVERY, STOP_GRACE, fresh_data_dir, load_test, localhost, parse_login,
    random_password, time_logins,
};
use crate::http1::Http1;
use crate::load::{LoadSpec, Percentiles};
use crate::report::{Report, ms};
use crate::server::{Launch, ServerProcess, cpu_time, free_port, nofile_limits, raise_nofile};
use crate::{Result, secs};

/// Arguments of `apogee-bench realtime`.
#[derive(Debug, Clone, Args)]
pub struct RealtimeArgs {
    /// The Apogee server binary (started as `PATH serve`).
    #[arg(long)]
    pub server_bin: PathBuf,
    /// Subscriber counts of the fan-out runs.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000, 5_000])]
    pub fanout: Vec<usize>,
    /// Messages each sender sends in a fan-out run. 200, so that the p99 is not simply the
    /// slowest message (it is with 50) and one stall moves the p50 less.
    #[arg(long, default_value_t = 200)]
    pub posts: usize,
    /// Messages per second in the fan-out runs, the three senders' together (each message's
    /// fan-out is over long before the next at 10/s, even to 5,000 subscribers).
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Idle connection counts at which the server's RSS is read (ascending).
    #[arg(long, value_delimiter = ',', default_values_t = [1_000, 10_000, 19_000])]
    pub memory_conns: Vec<usize>,
    /// The idle connection count at which the server's idle CPU is measured (one of
    /// `--memory-conns`; 0 skips the measurement).
    #[arg(long, default_value_t = 10_000)]
    pub idle_conns: usize,
    /// How long the idle CPU is measured, in seconds (the server pings a silent client after
    /// 15 s, so 30 s holds two rounds of heartbeats).
    #[arg(long, default_value_t = 30.0)]
    pub idle_seconds: f64,
    /// Concurrent DDP `sendMessage` callers (and REST connections) of the end-to-end run.
    #[arg(long, default_value_t = 64)]
    pub senders: usize,
    /// Measured duration of the end-to-end and REST runs, in seconds.
    #[arg(long, short = 's', default_value_t = 5.0)]
    pub seconds: f64,
    /// Users the connections log in as (round robin).
    #[arg(long, default_value_t = 20)]
    pub users: usize,
    /// Worker threads of the bench's websocket clients.
    #[arg(long, default_value_t = 2)]
    pub client_workers: usize,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 128)]
    pub connect_parallelism: usize,
    /// How long a server start may take before it counts as failed, in seconds.
    #[arg(long, default_value_t = 120.0)]
    pub start_timeout: f64,
    /// Keep the temporary data directory instead of removing it (always kept on failure).
    #[arg(long)]
    pub keep_data: bool,
    /// Also write the numbers as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Runs the scenario and prints its report.
pub fn run(args: &RealtimeArgs) -> Result<()> {
    let data_dir = fresh_data_dir()?;
    eprintln!("data directory: {}", data_dir.display());
    let outcome = measure(args, &data_dir);
    crate::foundation::finish(outcome, args.json.as_deref(), args.keep_data, &data_dir)
}

/// The marker a message text starts with.
fn marker(seq: usize) -> String {
    format!("~rt:{seq}~")
}

/// The sequence number in a frame's marker, if it has one.
fn find_marker(text: &str) -> Option<usize> {
    let at = text.find("~rt:")? + 4;
    let rest = text.get(at..)?;
    let end = rest.find('~')?;
    rest.get(..end)?.parse().ok()
}

/// What senders and receivers of one run share: when each message was sent, when its last copy
/// arrived and how many copies did, all as nanoseconds since `origin` (0 = not yet).
struct Board {
    /// The run's clock.
    origin: Instant,
    /// Per message: sent at (+1 so that 0 means unset).
    sent: Vec<AtomicU64>,
    /// Per message: the latest arrival.
    last: Vec<AtomicU64>,
    /// Per message: copies delivered.
    count: Vec<AtomicU32>,
    /// Copies delivered in all.
    delivered: AtomicU64,
    /// The first message frame a receiver saw (the bare run sends the same frame).
    sample: Mutex<Option<String>>,
}

impl Board {
    /// A board for `messages` messages.
    fn new(messages: usize) -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            sent: (0..messages).map(|_| AtomicU64::new(0)).collect(),
            last: (0..messages).map(|_| AtomicU64::new(0)).collect(),
            count: (0..messages).map(|_| AtomicU32::new(0)).collect(),
            delivered: AtomicU64::new(0),
            sample: Mutex::new(None),
        })
    }

    /// Nanoseconds since the origin.
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Marks message `seq` as sent now.
    fn mark_sent(&self, seq: usize) {
        if let Some(s) = self.sent.get(seq) {
            s.store(self.now() + 1, Ordering::Release);
        }
    }

    /// Records a copy of `seq` arriving now; returns its latency in nanoseconds.
    fn arrived(&self, seq: usize, frame: &str) -> Option<u64> {
        let now = self.now();
        let sent = self.sent.get(seq)?.load(Ordering::Acquire);
        if sent == 0 {
            return None;
        }
        self.last.get(seq)?.fetch_max(now, Ordering::Relaxed);
        self.count.get(seq)?.fetch_add(1, Ordering::Relaxed);
        self.delivered.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sample) = self.sample.lock()
            && sample.is_none()
        {
            *sample = Some(frame.to_owned());
        }
        Some(now.saturating_sub(sent - 1))
    }

    /// Copies of the messages of `seqs` delivered.
    fn copies(&self, seqs: std::ops::Range<usize>) -> u64 {
        self.count
            .get(seqs)
            .unwrap_or_default()
            .iter()
            .map(|c| u64::from(c.load(Ordering::Relaxed)))
            .sum()
    }

    /// Per message of `seqs`: time from its send to its last copy, for messages every receiver
    /// got.
    fn to_last(&self, seqs: std::ops::Range<usize>, receivers: u32) -> Vec<u64> {
        let (sent, last, count) = (
            self.sent.get(seqs.clone()).unwrap_or_default(),
            self.last.get(seqs.clone()).unwrap_or_default(),
            self.count.get(seqs).unwrap_or_default(),
        );
        sent.iter()
            .zip(last)
            .zip(count)
            .filter(|((s, _), c)| {
                s.load(Ordering::Relaxed) > 0 && c.load(Ordering::Relaxed) >= receivers
            })
            .map(|((s, l), _)| {
                l.load(Ordering::Relaxed)
                    .saturating_sub(s.load(Ordering::Relaxed) - 1)
            })
            .collect()
    }
}

/// One receiving connection: reads until told to stop, answering pings, recording the copies of
/// marked messages; returns their sequence numbers and latencies. Counts a connection the server
/// closed.
async fn receive(
    mut ws: Socket,
    board: Option<Arc<Board>>,
    mut stop: watch::Receiver<bool>,
    pings: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
) -> Vec<(usize, u64)> {
    let mut latencies = Vec::new();
    loop {
        // Err(whether the sender is gone) when the stop signal changed.
        let next = tokio::select! {
            changed = stop.changed() => Err(changed.is_err()),
            next = ws.next() => Ok(next),
        };
        let next = match next {
            Ok(next) => next,
            Err(gone) => {
                if gone || *stop.borrow() {
                    break;
                }
                continue;
            }
        };
        let Some(Ok(msg)) = next else {
            dropped.fetch_add(1, Ordering::Relaxed);
            return latencies;
        };
        let Message::Text(text) = msg else { continue };
        let text = text.as_str();
        if ddp::is_ping(text) {
            pings.fetch_add(1, Ordering::Relaxed);
            if ws.send(ddp::pong_for(text)).await.is_err() {
                dropped.fetch_add(1, Ordering::Relaxed);
                return latencies;
            }
        } else if let (Some(board), Some(seq)) = (&board, find_marker(text))
            && let Some(latency) = board.arrived(seq, text)
        {
            latencies.push((seq, latency));
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    latencies
}

/// How a group of connections is opened.
#[derive(Clone)]
enum Dial {
    /// DDP at `url`: log in as `users[i % len]` and subscribe to each `(publication, event)`
    /// (`{uid}` in an event stands for the user's id).
    Ddp {
        /// ws://…/websocket
        url: String,
        /// Logins to use.
        users: Arc<Vec<Credentials>>,
        /// Subscriptions per connection.
        subs: Arc<Vec<(String, String)>>,
    },
    /// A plain websocket (the bare broadcast).
    Plain {
        /// ws://…/websocket
        url: String,
    },
}

impl Dial {
    /// Opens connection number `i`.
    async fn open(&self, i: usize) -> Result<Socket> {
        match self {
            Dial::Plain { url } => ddp::open(url).await,
            Dial::Ddp { url, users, subs } => {
                let user = users.get(i % users.len().max(1)).ok_or("no users")?;
                let mut client = DdpClient::login(url, &user.auth_token).await?;
                for (name, event) in subs.iter() {
                    client
                        .stream(name, &event.replace("{uid}", &user.user_id))
                        .await?;
                }
                Ok(client.into_socket())
            }
        }
    }
}

/// A group of open connections, each read by a [`receive`] task.
struct Group {
    /// Tells the receivers to close.
    stop: watch::Sender<bool>,
    /// The receivers.
    tasks: Vec<JoinHandle<Vec<(usize, u64)>>>,
    /// Pings the server sent them.
    pings: Arc<AtomicU64>,
    /// Connections the server closed.
    dropped: Arc<AtomicU64>,
}

impl Group {
    /// An empty group.
    fn new() -> Self {
        Self {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
            pings: Arc::new(AtomicU64::new(0)),
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Opens connections until the group has `total`, `parallelism` at a time.
    async fn grow(
        &mut self,
        dial: &Dial,
        total: usize,
        parallelism: usize,
        board: Option<Arc<Board>>,
    ) -> Result<()> {
        let from = self.tasks.len();
        if total <= from {
            return Ok(());
        }
        let gate = Arc::new(Semaphore::new(parallelism.max(1)));
        let failed = Arc::new(AtomicBool::new(false));
        let mut opening = Vec::with_capacity(total - from);
        for i in from..total {
            let (dial, gate, failed) = (dial.clone(), gate.clone(), failed.clone());
            opening.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.ok()?;
                if failed.load(Ordering::Relaxed) {
                    return None;
                }
                let opened = dial.open(i).await;
                if opened.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                Some(opened)
            }));
        }
        let mut first_error = None;
        for handle in opening {
            match handle.await {
                Ok(Some(Ok(ws))) => {
                    let task = tokio::spawn(receive(
                        ws,
                        board.clone(),
                        self.stop.subscribe(),
                        self.pings.clone(),
                        self.dropped.clone(),
                    ));
                    self.tasks.push(task);
                }
                Ok(Some(Err(e))) => {
                    first_error.get_or_insert(e);
                }
                Ok(None) => {}
                Err(e) => {
                    first_error.get_or_insert(e.to_string().into());
                }
            }
        }
        match first_error {
            Some(e) => Err(format!(
                "opening connection {} of {total}: {e}",
                self.tasks.len() + 1
            )
            .into()),
            None => Ok(()),
        }
    }

    /// Closes every connection; returns all the copies the receivers recorded (sequence number,
    /// latency).
    async fn close(self) -> Vec<(usize, u64)> {
        self.stop.send_replace(true);
        let mut all = Vec::new();
        for task in self.tasks {
            if let Ok(mut l) = task.await {
                all.append(&mut l);
            }
        }
        all
    }
}

/// Waits (up to 15 s) until the server is quiet: under 5 % of a core over a quarter second.
fn settle(pid: u32) -> Result<()> {
    let window = Duration::from_millis(250);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let before = cpu_time(pid)?;
        std::thread::sleep(window);
        let busy = cpu_time(pid)?.saturating_sub(before).as_secs_f64() / window.as_secs_f64();
        if busy < 0.05 || Instant::now() >= deadline {
            return Ok(());
        }
    }
}

/// One fan-out run's numbers.
struct FanOut {
    /// Subscribers.
    n: usize,
    /// Copies delivered / expected.
    delivered: u64,
    /// Copies expected (subscribers × messages).
    expected: u64,
    /// Per-copy delivery latency.
    delivery: Percentiles,
    /// Per-message time to the last subscriber.
    to_last: Percentiles,
    /// Messages every subscriber got.
    complete: usize,
    /// Connections the server closed during the run.
    dropped: u64,
}

impl FanOut {
    /// The table row: what, N, delivered, delivery p50/p99/max, to-last p50/p99/max.
    fn row(&self, what: &str) -> Vec<String> {
        vec![
            what.to_owned(),
            self.n.to_string(),
            format!("{}/{}", self.delivered, self.expected),
            format!("{:.2}", ms(self.delivery.p50)),
            format!("{:.2}", ms(self.delivery.p99)),
            format!("{:.2}", ms(self.delivery.max)),
            format!("{:.2}", ms(self.to_last.p50)),
            format!("{:.2}", ms(self.to_last.p99)),
            format!("{:.2}", ms(self.to_last.max)),
            self.dropped.to_string(),
        ]
    }

    /// The JSON of the row.
    fn to_json(&self, what: &str) -> Value {
        json!({
            "server": what,
            "subscribers": self.n,
            "delivered": self.delivered,
            "expected": self.expected,
            "complete_messages": self.complete,
            "delivery_p50_ms": ms(self.delivery.p50),
            "delivery_p99_ms": ms(self.delivery.p99),
            "delivery_max_ms": ms(self.delivery.max),
            "to_last_p50_ms": ms(self.to_last.p50),
            "to_last_p99_ms": ms(self.to_last.p99),
            "to_last_max_ms": ms(self.to_last.max),
            "dropped_connections": self.dropped,
        })
    }
}

/// Everything the scenario needs to talk to the Apogee server.
struct Setup {
    /// http://host:port
    base: String,
    /// The admin's login (posts the fan-out messages).
    admin: Credentials,
    /// The users the connections log in as.
    users: Arc<Vec<Credentials>>,
    /// The fan-out (and idle) channel.
    room: String,
    /// The end-to-end channel.
    e2e_room: String,
}

/// All measurements; returns the report. Children are stopped when it returns.
fn measure(args: &RealtimeArgs, data_dir: &Path) -> Result<Report> {
    let start_timeout = secs(args.start_timeout, "--start-timeout")?;
    let idle = secs(args.idle_seconds, "--idle-seconds")?;
    let duration = secs(args.seconds, "--seconds")?;
    if !(args.rate.is_finite() && args.rate > 0.0) {
        return Err(format!("--rate {} must be positive", args.rate).into());
    }
    let mut memory_levels = args.memory_conns.clone();
    if args.idle_conns > 0 && !memory_levels.contains(&args.idle_conns) {
        memory_levels.push(args.idle_conns);
    }
    memory_levels.sort_unstable();
    memory_levels.dedup();

    let mut report = Report::new("apogee-bench realtime");
    report.text("server_binary", args.server_bin.display().to_string());
    report.text("database", "sqlite (synchronous=full)");
    report.count("client_worker_threads", args.client_workers as u64);

    // Open files: this process holds one per connection, and so does the server.
    let own = raise_nofile(std::process::id())?;
    let password = random_password()?;
    let log = data_dir.join("server.log");
    let port = free_port()?;
    let launch = Launch::new("apogee", &args.server_bin, localhost(port))
        .arg("serve")
        .env("APOGEE_LISTEN", localhost(port).to_string())
        .env("APOGEE_DATA_DIR", data_dir)
        .env(
            "APOGEE_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", data_dir.join("apogee.db").display()),
        )
        .env("ADMIN_USERNAME", crate::foundation::ADMIN_USERNAME)
        .env("ADMIN_PASS", &password)
        .env("ADMIN_EMAIL", "benchadmin@example.com")
        .env("TEST_MODE", "true")
        .log(&log);
    eprintln!("starting apogee…");
    let mut server = ServerProcess::spawn(launch)?;
    server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    let server_files = raise_nofile(server.pid())?;
    let (server_soft, _) = nofile_limits(server.pid())?;
    report.text(
        "open_file_limits",
        format!("bench {own}, server {server_files} (soft {server_soft})"),
    );
    let limit = own.min(server_files).saturating_sub(200);
    if let Some(&too_many) = memory_levels.iter().find(|&&n| n as u64 > limit) {
        return Err(format!(
            "{too_many} connections do not fit the open-file limit ({limit} usable); lower --memory-conns"
        )
        .into());
    }

    eprintln!("starting the bare yardstick…");
    let bare_port = free_port()?;
    let bare_launch = Launch::new("bare", std::env::current_exe()?, localhost(bare_port))
        .arg("bare")
        .arg("--listen")
        .arg(localhost(bare_port).to_string())
        .arg("--workers")
        .arg("2")
        .log(data_dir.join("bare.log"));
    let mut bare = ServerProcess::spawn(bare_launch)?;
    bare.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    raise_nofile(bare.pid())?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_workers.max(1))
        .enable_all()
        .build()?;
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?;
    let setup = rt.block_on(prepare(&client, &server.base_url(), &password, args.users))?;
    report.count("users", setup.users.len() as u64);
    let ws_url = format!("ws://{}/websocket", localhost(port));
    let five = Arc::new(
        [
            ("stream-room-messages", setup.room.clone()),
            ("stream-notify-room", format!("{}/typing", setup.room)),
            (
                "stream-notify-room",
                format!("{}/deleteMessage", setup.room),
            ),
            ("stream-notify-user", "{uid}/notification".to_owned()),
            ("stream-notify-user", "{uid}/rooms-changed".to_owned()),
        ]
        .map(|(a, b)| (a.to_owned(), b))
        .to_vec(),
    );

    // 2. memory and idle CPU
    std::thread::sleep(Duration::from_secs(1));
    let base_rss = server.memory()?.rss_kib;
    report.metric(
        "server_rss_before_connections",
        base_rss as f64 / 1024.0,
        "MiB",
    );
    let idle_dial = Dial::Ddp {
        url: ws_url.clone(),
        users: setup.users.clone(),
        subs: five,
    };
    let mut rows = Vec::new();
    let mut levels_json = Vec::new();
    let mut idle_cpu = None;
    let mut group = Group::new();
    for &n in &memory_levels {
        eprintln!("idle: opening connections up to {n} (five subscriptions each)…");
        let opened = Instant::now();
        rt.block_on(group.grow(&idle_dial, n, args.connect_parallelism, None))?;
        let open_s = opened.elapsed().as_secs_f64();
        std::thread::sleep(Duration::from_secs(2));
        let rss = server.memory()?.rss_kib;
        let per = (rss.saturating_sub(base_rss)) as f64 / n.max(1) as f64;
        let mut cpu_cell = "-".to_owned();
        if n == args.idle_conns {
            eprintln!("idle: measuring the server's CPU for {idle:?} with {n} connections…");
            let pings_before = group.pings.load(Ordering::Relaxed);
            let before = cpu_time(server.pid())?;
            let t0 = Instant::now();
            std::thread::sleep(idle);
            let used = cpu_time(server.pid())?.saturating_sub(before);
            let pct = used.as_secs_f64() / t0.elapsed().as_secs_f64() * 100.0;
            let pings = group.pings.load(Ordering::Relaxed) - pings_before;
            cpu_cell = format!("{pct:.2}%");
            idle_cpu = Some((n, pct, pings));
        }
        rows.push(vec![
            n.to_string(),
            format!("{:.1}", rss as f64 / 1024.0),
            format!("{per:.2}"),
            format!("{:.0}", n as f64 / open_s.max(1e-9)),
            cpu_cell,
        ]);
        levels_json.push(json!({
            "connections": n, "server_rss_kib": rss, "kib_per_connection": per,
            "opened_per_s": n as f64 / open_s.max(1e-9),
        }));
    }
    let dropped = group.dropped.load(Ordering::Relaxed);
    rt.block_on(group.close());
    // The server is still tearing the idle connections down (thousands of them): the fan-out
    // must not measure that.
    settle(server.pid())?;
    report.table(
        "idle logged-in DDP connections, five stream subscriptions each (server VmRSS)",
        &[
            "connections",
            "RSS MiB",
            "KiB/conn",
            "opened/s",
            "CPU % core",
        ],
        rows,
        json!(levels_json),
    );
    if let (Some(first), Some(last)) = (levels_json.first(), levels_json.last()) {
        let (n0, r0) = (
            first["connections"].as_f64().unwrap_or(0.0),
            first["server_rss_kib"].as_f64().unwrap_or(0.0),
        );
        let (n1, r1) = (
            last["connections"].as_f64().unwrap_or(0.0),
            last["server_rss_kib"].as_f64().unwrap_or(0.0),
        );
        if n1 > n0 {
            let slope = (r1 - r0) / (n1 - n0);
            report.metric("marginal_memory_per_connection", slope * 1.024, "KB");
            if slope > 0.0 {
                report.metric(
                    "connections_per_gb_extrapolated",
                    1_000_000.0 / (slope * 1.024),
                    "",
                );
            }
        }
    }
    if let Some((n, pct, pings)) = idle_cpu {
        report.metric(
            &format!("server_cpu_idle_with_{n}_connections"),
            pct,
            "% of a core",
        );
        report.count("heartbeats_answered_meanwhile", pings);
    }
    report.count("idle_connections_closed_by_server", dropped);

    // 3. fan-out
    let mut fan_rows = Vec::new();
    let mut fan_json = Vec::new();
    for &n in &args.fanout {
        eprintln!(
            "fan-out: {n} subscribers on Apogee and {n} on the bare broadcast, {} messages per sender at {} messages/s in all…",
            args.posts, args.rate
        );
        let apogee_dial = Dial::Ddp {
            url: ws_url.clone(),
            users: setup.users.clone(),
            subs: Arc::new(vec![(
                "stream-room-messages".to_owned(),
                setup.room.clone(),
            )]),
        };
        let bare_url = format!("ws://{}/websocket", localhost(bare_port));
        let bare_dial = Dial::Plain {
            url: bare_url.clone(),
        };
        let mut senders = rt.block_on(async {
            Ok::<_, crate::Error>(Senders {
                http: Http1::connect(localhost(port)).await?,
                admin: setup.admin.clone(),
                ddp: DdpClient::login(&ws_url, &setup.admin.auth_token).await?,
                bare: ddp::open(&bare_url).await?,
                room: setup.room.clone(),
                sample: None,
            })
        })?;
        let [apogee, apogee_ddp, bare_run] =
            rt.block_on(fan_out(args, n, &apogee_dial, &bare_dial, &mut senders))?;
        rt.block_on(senders.close());
        let ratio = ms(apogee.to_last.p50) / ms(bare_run.to_last.p50).max(1e-6);
        let ddp_ratio = ms(apogee_ddp.to_last.p50) / ms(bare_run.to_last.p50).max(1e-6);
        fan_rows.push(apogee.row("apogee"));
        fan_rows.push(apogee_ddp.row("apogee ddp"));
        fan_rows.push(bare_run.row("bare"));
        fan_json.push(apogee.to_json("apogee"));
        fan_json.push(apogee_ddp.to_json("apogee ddp"));
        fan_json.push(bare_run.to_json("bare"));
        report.metric(
            &format!("fanout_{n}_last_subscriber_p50_vs_bare"),
            ratio,
            "x",
        );
        report.metric(
            &format!("fanout_{n}_ddp_sender_last_subscriber_p50_vs_bare"),
            ddp_ratio,
            "x",
        );
    }
    if !fan_rows.is_empty() {
        report.table(
            &format!(
                "fan-out: {} messages per sender, the three senders interleaved at {} messages/s in all (REST chat.postMessage; `apogee ddp`: DDP sendMessage; bare: the same frame to the bare broadcast) to N subscribers (ms from the send)",
                args.posts, args.rate
            ),
            &[
                "server",
                "N",
                "delivered",
                "p50",
                "p99",
                "max",
                "last p50",
                "last p99",
                "last max",
                "dropped",
            ],
            fan_rows,
            json!(fan_json),
        );
    }

    // 4. end-to-end DDP sendMessage rate against the REST ceiling
    eprintln!("end-to-end: {} DDP senders for {duration:?}…", args.senders);
    let e2e = rt.block_on(end_to_end(args, &ws_url, &setup, duration))?;
    let mut rest_spec = LoadSpec::get(&format!("{}/api/v1/chat.postMessage", setup.base));
    rest_spec.method = reqwest::Method::POST;
    rest_spec.body = Some(
        json!({"roomId": setup.e2e_room, "text": format!("rest ceiling {}", "x".repeat(40))})
            .to_string()
            .into_bytes(),
    );
    rest_spec.concurrency = args.senders;
    rest_spec.duration = duration;
    rest_spec.warmup = Duration::from_secs(1);
    rest_spec.insert_header("X-User-Id", &setup.admin.user_id)?;
    rest_spec.insert_header("X-Auth-Token", &setup.admin.auth_token)?;
    let rest = load_test("REST chat.postMessage (the ceiling)", &rest_spec)?;
    report.metric("ddp_sendmessage_answered_per_s", e2e.call_rate, "msg/s");
    report.metric("ddp_sendmessage_delivered_per_s", e2e.rate, "msg/s");
    report.metric("rest_post_ceiling", rest.rps, "msg/s");
    if rest.rps > 0.0 {
        report.metric(
            "ddp_end_to_end_vs_rest_ceiling",
            e2e.rate / rest.rps * 100.0,
            "%",
        );
    }
    report.millis("ddp_sendmessage_call_p50", e2e.calls.p50);
    report.millis("ddp_sendmessage_call_p99", e2e.calls.p99);
    report.millis("ddp_send_to_delivery_p50", e2e.delivery.p50);
    report.millis("ddp_send_to_delivery_p99", e2e.delivery.p99);
    report.count("ddp_sendmessage_errors", e2e.errors);
    report.count("ddp_sent_messages_never_delivered", e2e.lost);
    if e2e.subscriber_dropped {
        report.text(
            "ddp_subscriber",
            "closed by the server during the run (too slow?)",
        );
    }
    if let Some(e) = &e2e.first_error {
        report.text("ddp_sendmessage_first_error", e.clone());
    }
    report.load("REST chat.postMessage (e2e room)", &rest, None);
    if let Some(e) = &rest.first_error {
        eprintln!("REST: {} errors, first: {e}", rest.errors);
    }

    let after = server.memory()?;
    report.metric("server_peak_rss", after.peak_mib(), "MiB");
    bare.stop(STOP_GRACE)?;
    if let Err(e) = server.stop(STOP_GRACE) {
        report.text("stop_error", e.to_string());
    }
    Ok(report)
}

/// Logs the admin in, creates the users and logs them in, creates the two channels.
async fn prepare(client: &Client, base: &str, password: &str, users: usize) -> Result<Setup> {
    let (_, admin) = time_logins(client, base, password, 1).await?;
    let post = |path: &str, auth: Option<&Credentials>, body: Value| {
        let mut req = client.post(format!("{base}/api/v1/{path}")).json(&body);
        if let Some(a) = auth {
            req = req
                .header("X-User-Id", &a.user_id)
                .header("X-Auth-Token", &a.auth_token);
        }
        let path = path.to_owned();
        async move {
            let response = req.send().await?;
            let status = response.status();
            let text = response.text().await?;
            if !status.is_success() {
                return Err::<String, crate::Error>(
                    format!("POST {path} answered {status}: {text}").into(),
                );
            }
            Ok(text)
        }
    };
    let stamp = std::process::id();
    let mut logins = Vec::with_capacity(users);
    let mut names = Vec::with_capacity(users);
    for i in 0..users.max(1) {
        let username = format!("rt{stamp}u{i}");
        let user_password = format!("Rt-1{}", random_password()?);
        post(
            "users.create",
            Some(&admin),
            json!({
                "username": username, "name": username, "password": user_password,
                "email": format!("{username}@example.com"),
            }),
        )
        .await?;
        let text = post(
            "login",
            None,
            json!({"user": username, "password": user_password}),
        )
        .await?;
        logins.push(parse_login(&text)?);
        names.push(username);
    }
    let mut rooms = Vec::new();
    for name in ["rt-fanout", "rt-e2e"] {
        let text = post(
            "channels.create",
            Some(&admin),
            json!({"name": format!("{name}-{stamp}"), "members": names}),
        )
        .await?;
        let value: Value = serde_json::from_str(&text)?;
        rooms.push(
            value["channel"]["_id"]
                .as_str()
                .ok_or_else(|| format!("no channel._id in {text}"))?
                .to_owned(),
        );
    }
    let [room, e2e_room] = <[String; 2]>::try_from(rooms).map_err(|_| "two rooms expected")?;
    Ok(Setup {
        base: base.to_owned(),
        admin,
        users: Arc::new(logins),
        room,
        e2e_room,
    })
}

/// The three ways a fan-out message is sent, in the order of their sequence ranges on a run's
/// [`Board`] (message `i` of the sender at index `k` has the sequence number `k * posts + i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// `chat.postMessage` over REST.
    Rest,
    /// DDP `sendMessage`.
    Ddp,
    /// The same frame to the bare broadcast.
    Bare,
}

/// Every [`Via`], in sequence-range order.
const VIAS: [Via; 3] = [Via::Rest, Via::Ddp, Via::Bare];

/// The fan-out's senders: one keep-alive REST connection, one logged-in DDP websocket and one
/// websocket to the bare broadcast, all opened before the clock starts.
struct Senders {
    /// The admin's REST connection; each request is built before its clock starts (see `http1`).
    http: Http1,
    /// The admin's login.
    admin: Credentials,
    /// The admin's DDP connection.
    ddp: DdpClient,
    /// The bare broadcast's sending connection.
    bare: Socket,
    /// The fan-out room.
    room: String,
    /// The frame the bare broadcast is sent, with the sequence number it carries: the first
    /// message frame Apogee delivered in the run.
    sample: Option<(String, usize)>,
}

impl Senders {
    /// Sends message `seq` by `via`, marking it sent on `board` just before it leaves.
    async fn send(&mut self, via: Via, seq: usize, board: &Board) -> Result<()> {
        // Built before the clock starts, as the request and the bare frame are.
        let text = || format!("{} fan-out message {}", marker(seq), "x".repeat(40));
        match via {
            Via::Rest => {
                let body = json!({"roomId": self.room, "text": text()}).to_string();
                let request = self.http.post_json(
                    "/api/v1/chat.postMessage",
                    &[
                        ("X-User-Id", &self.admin.user_id),
                        ("X-Auth-Token", &self.admin.auth_token),
                    ],
                    &body,
                );
                board.mark_sent(seq);
                let (status, answer) = self.http.send(&request).await?;
                if status != 200 {
                    return Err(format!(
                        "chat.postMessage answered {status}: {}",
                        String::from_utf8_lossy(&answer)
                    )
                    .into());
                }
            }
            Via::Ddp => {
                let params = json!([{"rid": self.room, "msg": text()}]);
                board.mark_sent(seq);
                self.ddp.call("sendMessage", params).await?;
            }
            Via::Bare => {
                let (sample, at) = self
                    .sample
                    .as_ref()
                    .ok_or("no Apogee frame to send to the bare broadcast yet")?;
                let frame = format!(
                    "{BROADCAST_PREFIX}{}",
                    sample.replace(&marker(*at), &marker(seq))
                );
                board.mark_sent(seq);
                self.bare
                    .send(Message::text(frame))
                    .await
                    .map_err(|e| format!("bare send: {e}"))?;
            }
        }
        Ok(())
    }

    /// Closes the websockets.
    async fn close(self) {
        let _ = self.ddp.into_socket().close(None).await;
        let mut bare = self.bare;
        let _ = bare.close(None).await;
    }
}

/// One fan-out run: `n` subscribers on Apogee's room (by `apogee`) and `n` on the bare broadcast
/// (by `bare`), all connected throughout; `args.posts` messages per sender, the senders taking
/// turns (in a rotating order) at `args.rate` messages per second in all; then a wait (up to
/// 30 s) for every copy. Returns the numbers of each [`Via`], in [`VIAS`] order.
///
/// Why interleaved: run one after another, the three measured different moments of a machine
/// whose speed drifts; the bare run alone moved by a quarter between runs.
async fn fan_out(
    args: &RealtimeArgs,
    n: usize,
    apogee: &Dial,
    bare: &Dial,
    senders: &mut Senders,
) -> Result<[FanOut; 3]> {
    let posts = args.posts;
    // The first post is not measured: it gives the bare run its frame and wakes the path up.
    let first = VIAS.len() * posts;
    let board = Board::new(first + 1);
    let mut apogee_group = Group::new();
    apogee_group
        .grow(apogee, n, args.connect_parallelism, Some(board.clone()))
        .await?;
    let mut bare_group = Group::new();
    bare_group
        .grow(bare, n, args.connect_parallelism, Some(board.clone()))
        .await?;
    senders.send(Via::Rest, first, &board).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let sample = loop {
        if let Some(sample) = board.sample.lock().ok().and_then(|s| s.clone()) {
            break sample;
        }
        if Instant::now() >= deadline {
            return Err(format!("fan-out to {n}: the first post was not delivered").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    senders.sample = Some((sample, first));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0..posts {
        for k in 0..VIAS.len() {
            let at = (i + k) % VIAS.len();
            tick.tick().await;
            senders.send(VIAS[at], at * posts + i, &board).await?;
        }
    }
    let expected = (n * (first + 1)) as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    while board.delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let dropped = [
        apogee_group.dropped.load(Ordering::Relaxed),
        bare_group.dropped.load(Ordering::Relaxed),
    ];
    let mut copies = apogee_group.close().await;
    copies.append(&mut bare_group.close().await);
    let n_u32 = u32::try_from(n).unwrap_or(u32::MAX);
    Ok(std::array::from_fn(|at| {
        let range = at * posts..(at + 1) * posts;
        let mut delivery: Vec<u64> = copies
            .iter()
            .filter(|(seq, _)| range.contains(seq))
            .map(|(_, latency)| *latency)
            .collect();
        let mut to_last = board.to_last(range.clone(), n_u32);
        FanOut {
            n,
            delivered: board.copies(range),
            expected: (n * posts) as u64,
            delivery: Percentiles::from_nanos(&mut delivery),
            complete: to_last.len(),
            to_last: Percentiles::from_nanos(&mut to_last),
            dropped: dropped[usize::from(VIAS[at] == Via::Bare)],
        }
    }))
}

/// The end-to-end run's numbers.
struct EndToEnd {
    /// Messages delivered to the subscriber per second of the measured window.
    rate: f64,
    /// `sendMessage` calls answered per second of the measured window.
    call_rate: f64,
    /// `sendMessage` call latency.
    calls: Percentiles,
    /// Time from a call's send to the copy at the subscriber.
    delivery: Percentiles,
    /// Failed calls.
    errors: u64,
    /// Answered calls whose message never reached the subscriber (warm-up included).
    lost: u64,
    /// Whether the server closed the subscriber's connection.
    subscriber_dropped: bool,
    /// The first failure.
    first_error: Option<String>,
}

/// `args.senders` DDP connections calling `sendMessage` in a closed loop for `duration` (after a
/// one-second warm-up); one subscriber to the room's stream counts deliveries.
async fn end_to_end(
    args: &RealtimeArgs,
    ws_url: &str,
    setup: &Setup,
    duration: Duration,
) -> Result<EndToEnd> {
    // Enough slots for any rate this machine can reach in the window.
    let slots = ((duration.as_secs_f64() + 2.0) * 200_000.0) as usize;
    let board = Board::new(slots);
    let mut subscriber = Group::new();
    let dial = Dial::Ddp {
        url: ws_url.to_owned(),
        users: setup.users.clone(),
        subs: Arc::new(vec![(
            "stream-room-messages".to_owned(),
            setup.e2e_room.clone(),
        )]),
    };
    subscriber.grow(&dial, 1, 1, Some(board.clone())).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    // Every sender logs in before the clock starts.
    let mut clients = Vec::with_capacity(args.senders.max(1));
    for i in 0..args.senders.max(1) {
        let user = setup
            .users
            .get(i % setup.users.len().max(1))
            .ok_or("no users")?;
        clients.push(DdpClient::login(ws_url, &user.auth_token).await?);
    }
    let warm_until = tokio::time::Instant::now() + Duration::from_secs(1);
    let stop_at = warm_until + duration;
    let mut senders = Vec::new();
    for mut client in clients {
        let answered = answered.clone();
        let (board, next, errors, first_error, room) = (
            board.clone(),
            next.clone(),
            errors.clone(),
            first_error.clone(),
            setup.e2e_room.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            loop {
                let now = tokio::time::Instant::now();
                if now >= stop_at {
                    break;
                }
                let seq = next.fetch_add(1, Ordering::Relaxed);
                if seq >= board.sent.len() {
                    break;
                }
                let text = format!("{} end to end {}", marker(seq), "x".repeat(40));
                board.mark_sent(seq);
                let started = Instant::now();
                match client
                    .call("sendMessage", json!([{"rid": room, "msg": text}]))
                    .await
                {
                    Ok(_) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                        if now >= warm_until {
                            calls.push(
                                u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX),
                            );
                        }
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut first) = first_error.lock() {
                            first.get_or_insert(e.to_string());
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            let _ = client.into_socket().close(None).await;
            calls
        }));
    }
    // Count deliveries of the measured window: sent at or after the warm-up's end, delivered
    // before its close.
    tokio::time::sleep_until(warm_until).await;
    let delivered_at_start = board.delivered.load(Ordering::Relaxed);
    tokio::time::sleep_until(stop_at).await;
    let delivered_at_end = board.delivered.load(Ordering::Relaxed);
    let mut calls = Vec::new();
    for s in senders {
        if let Ok(mut c) = s.await {
            calls.append(&mut c);
        }
    }
    // Let the last copies arrive (up to 10 s) before the latencies are read.
    let answered = answered.load(Ordering::Relaxed);
    let drain_until = Instant::now() + Duration::from_secs(10);
    while board.delivered.load(Ordering::Relaxed) < answered && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lost = answered.saturating_sub(board.delivered.load(Ordering::Relaxed));
    let subscriber_dropped = subscriber.dropped.load(Ordering::Relaxed) > 0;
    let mut delivery: Vec<u64> = subscriber
        .close()
        .await
        .into_iter()
        .map(|(_, latency)| latency)
        .collect();
    let first_error = first_error.lock().ok().and_then(|f| f.clone());
    Ok(EndToEnd {
        rate: (delivered_at_end - delivered_at_start) as f64 / duration.as_secs_f64(),
        call_rate: calls.len() as f64 / duration.as_secs_f64(),
        calls: Percentiles::from_nanos(&mut calls),
        delivery: Percentiles::from_nanos(&mut delivery),
        errors: errors.load(Ordering::Relaxed),
        lost,
        subscriber_dropped,
        first_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let frame = format!(
            r#"{{"msg":"changed","fields":{{"args":[{{"msg":"{} hello"}}]}}}}"#,
            marker(1234)
        );
        assert_eq!(find_marker(&frame), Some(1234));
        assert_eq!(find_marker(r#"{"msg":"ping"}"#), None);
        assert_eq!(find_marker("~rt:x~"), None);
    }

    #[test]
    fn board_counts_copies() {
        let board = Board::new(3);
        assert_eq!(board.arrived(0, "f"), None, "not sent yet");
        board.mark_sent(0);
        board.mark_sent(1);
        assert!(board.arrived(0, "f0").is_some());
        assert!(board.arrived(0, "f0").is_some());
        assert!(board.arrived(1, "f1").is_some());
        assert_eq!(board.delivered.load(Ordering::Relaxed), 3);
        assert_eq!(
            board.to_last(0..3, 2).len(),
            1,
            "only message 0 reached both"
        );
        assert_eq!(board.to_last(1..3, 1).len(), 1, "message 1 reached one");
        assert_eq!(board.copies(0..1), 2);
        assert_eq!(board.copies(1..3), 1);
        assert_eq!(board.sample.lock().unwrap().as_deref(), Some("f0"));
    }
}
