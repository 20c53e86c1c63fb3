//! The `messages` scenario: a big room's numbers.
//!
//! 1. Starts the Apogee binary on a fresh database (SQLite in the data directory, or a fresh
//!    PostgreSQL database with `--postgres`), logs in as the admin, creates a big and a small
//!    channel, and stops the server.
//! 2. Fills the database directly (through `apogee-storage`'s bulk functions, rows copied from the
//!    server's own): `--members` users in the big channel, `--small-members` in the small one, and
//!    `--messages` messages of `--text-len` characters in the big one. Measures the bytes the
//!    messages took, indexes included.
//! 3. Restarts the server and load-tests, each for `--seconds` with `-c` connections:
//!    `/api/info`, `channels.history` (50 newest), `subscriptions.get`, `chat.search` (a common
//!    word, and a word that is in no message), `chat.postMessage` into the small and into the big
//!    channel; then the bare yardstick, loaded the same way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use apogee_storage::{Db, DbOptions, repo};
use clap::Args;
use reqwest::Client;
use serde_json::{Value, json};

use crate::foundation::{
    Credentials, POLL_EVERY, STOP_GRACE, finish, fresh_data_dir, load_test, localhost,
    random_password, time_logins,
};
use crate::load::{LoadResult, LoadSpec};
use crate::report::Report;
use crate::server::{Launch, ServerProcess, free_port};
use crate::{ClientArgs, Result, secs};

/// Arguments of `apogee-bench messages`.
#[derive(Debug, Clone, Args)]
pub struct MessagesArgs {
    /// The Apogee server binary (started as `PATH serve`).
    #[arg(long)]
    pub server_bin: PathBuf,
    /// Client options of the load tests.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Messages in the big channel.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    /// Members of the big channel (besides the admin).
    #[arg(long, default_value_t = 10_000)]
    pub members: usize,
    /// Members of the small channel (besides the admin).
    #[arg(long, default_value_t = 15)]
    pub small_members: usize,
    /// Characters per message, filled and posted.
    #[arg(long, default_value_t = 80)]
    pub text_len: usize,
    /// Run on PostgreSQL: a server URL whose path names an existing database
    /// (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created next to it
    /// and dropped afterwards. Default: SQLite in the data directory.
    #[arg(long)]
    pub postgres: Option<String>,
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
pub fn run(args: &MessagesArgs) -> Result<()> {
    let data_dir = fresh_data_dir()?;
    eprintln!("data directory: {}", data_dir.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pg_name = format!("apogee_bench_{}", std::process::id());
    let db_url = match &args.postgres {
        Some(base) => rt.block_on(apogee_storage::create_postgres_database(base, &pg_name))?,
        None => format!("sqlite://{}?mode=rwc", data_dir.join("apogee.db").display()),
    };
    let outcome = measure(args, &rt, &data_dir, &db_url);
    if let Some(base) = &args.postgres {
        rt.block_on(apogee_storage::drop_postgres_database(base, &pg_name))?;
    }
    finish(outcome, args.json.as_deref(), args.keep_data, &data_dir)
}

/// All measurements; returns the report. Children are stopped when it returns.
fn measure(
    args: &MessagesArgs,
    rt: &tokio::runtime::Runtime,
    data_dir: &Path,
    db_url: &str,
) -> Result<Report> {
    let duration = args.client.duration()?;
    let warmup = args.client.warmup()?;
    let start_timeout = secs(args.start_timeout, "--start-timeout")?;
    let password = random_password()?;
    let log = data_dir.join("server.log");
    let apogee = |port: u16| {
        Launch::new("apogee", &args.server_bin, localhost(port))
            .arg("serve")
            .env("APOGEE_LISTEN", localhost(port).to_string())
            .env("APOGEE_DATA_DIR", data_dir)
            .env("APOGEE_DATABASE_URL", db_url)
            .env("ADMIN_USERNAME", crate::foundation::ADMIN_USERNAME)
            .env("ADMIN_PASS", &password)
            .env("ADMIN_EMAIL", "benchadmin@example.com")
            .env("TEST_MODE", "true")
            .log(&log)
    };
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?;

    let mut report = Report::new("apogee-bench messages");
    report.text("server_binary", args.server_bin.display().to_string());
    report.text(
        "database",
        if args.postgres.is_some() {
            "postgresql"
        } else {
            "sqlite (synchronous=full)"
        },
    );
    report.text("client", args.client.mode().describe());
    report.count("concurrency", args.client.concurrency as u64);
    report.metric("seconds_per_load_test", duration.as_secs_f64(), "s");

    // 1. rooms, through the API
    eprintln!("starting apogee on a fresh database…");
    let mut server = ServerProcess::spawn(apogee(free_port()?))?;
    server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    let base = server.base_url();
    let (_, admin) = rt.block_on(time_logins(&client, &base, &password, 1))?;
    let big = rt.block_on(create_channel(&client, &base, &admin, "bench-big"))?;
    let small = rt.block_on(create_channel(&client, &base, &admin, "bench-small"))?;
    server.stop(STOP_GRACE)?;
    drop(server);

    // 2. the fill
    eprintln!(
        "filling: {} members, {} messages of {} characters…",
        args.members, args.messages, args.text_len
    );
    let fill_start = std::time::Instant::now();
    let bytes_per_message = rt.block_on(async {
        let db = Db::connect(db_url, &DbOptions::default()).await?;
        let members = repo::bulk::add_members(&db, &big, "bigm", args.members).await?;
        repo::bulk::add_members(&db, &small, "smallm", args.small_members).await?;
        let before = repo::bulk::database_bytes(&db).await?;
        let authors: Vec<String> = members.into_iter().take(100).collect();
        repo::bulk::add_messages(&db, &big, &authors, args.messages, args.text_len, 10).await?;
        let after = repo::bulk::database_bytes(&db).await?;
        db.close().await;
        Ok::<_, apogee_core::Error>(
            after.saturating_sub(before) as f64 / args.messages.max(1) as f64,
        )
    })?;
    report.metric("fill_time", fill_start.elapsed().as_secs_f64(), "s");
    report.count("messages_in_big_room", args.messages as u64);
    report.count("members_of_big_room", args.members as u64 + 1);
    report.count("members_of_small_room", args.small_members as u64 + 1);
    report.metric("database_bytes_per_message", bytes_per_message, "B");

    // 3. the loads
    eprintln!("restarting apogee on the filled database…");
    let mut server = ServerProcess::spawn(apogee(free_port()?))?;
    let restart = server.wait_ready("/api/info", start_timeout, POLL_EVERY)?;
    report.millis("restart_to_first_answer", restart);
    let base = server.base_url();
    let (_, admin) = rt.block_on(time_logins(&client, &base, &password, 1))?;
    let spec = |method: reqwest::Method, url: String, body: Option<Value>| -> Result<LoadSpec> {
        let mut spec = LoadSpec::get(&url);
        spec.method = method;
        spec.body = body.map(|b| b.to_string().into_bytes());
        spec.concurrency = args.client.concurrency;
        spec.duration = duration;
        spec.warmup = warmup;
        spec.mode = args.client.mode();
        spec.insert_header("X-User-Id", &admin.user_id)?;
        spec.insert_header("X-Auth-Token", &admin.auth_token)?;
        Ok(spec)
    };
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let text: String = "x".repeat(args.text_len.saturating_sub(20));
    let mut results: Vec<(String, LoadResult)> = Vec::new();
    let mut run = |name: &str, spec: LoadSpec| -> Result<LoadResult> {
        let r = load_test(name, &spec)?;
        if let Some(e) = &r.first_error {
            eprintln!("{name}: {} errors, first: {e}", r.errors);
        }
        results.push((name.to_owned(), r.clone()));
        Ok(r)
    };
    // Without credentials, as the yardstick is loaded.
    let mut info = spec(get.clone(), format!("{base}/api/info"), None)?;
    info.headers.clear();
    run("apogee GET /api/info", info)?;
    run(
        "channels.history count=50 (big room)",
        spec(
            get.clone(),
            format!("{base}/api/v1/channels.history?roomId={big}&count=50"),
            None,
        )?,
    )?;
    run(
        "subscriptions.get",
        spec(
            get.clone(),
            format!("{base}/api/v1/subscriptions.get"),
            None,
        )?,
    )?;
    run(
        "chat.search common word (big room)",
        spec(
            get.clone(),
            format!("{base}/api/v1/chat.search?roomId={big}&searchText=rollback&count=20"),
            None,
        )?,
    )?;
    run(
        "chat.search no match (big room)",
        spec(
            get.clone(),
            format!("{base}/api/v1/chat.search?roomId={big}&searchText=zebra&count=20"),
            None,
        )?,
    )?;
    let small_post = run(
        "chat.postMessage (small room)",
        spec(
            post.clone(),
            format!("{base}/api/v1/chat.postMessage"),
            Some(json!({"roomId": small, "text": format!("small room {text}")})),
        )?,
    )?;
    let big_post = run(
        "chat.postMessage (big room)",
        spec(
            post,
            format!("{base}/api/v1/chat.postMessage"),
            Some(json!({"roomId": big, "text": format!("big room {text}")})),
        )?,
    )?;
    let after = server.memory()?;
    report.metric("rss_after_load", after.rss_mib(), "MiB");
    report.metric("peak_rss", after.peak_mib(), "MiB");
    if small_post.rps > 0.0 {
        report.metric(
            "big_room_post_rate_vs_small",
            big_post.rps / small_post.rps * 100.0,
            "%",
        );
    }

    // 4. the bare yardstick
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
    let mut bare_spec = LoadSpec::get(&format!("{}/api/info", bare_server.base_url()));
    bare_spec.concurrency = args.client.concurrency;
    bare_spec.duration = duration;
    bare_spec.warmup = warmup;
    bare_spec.mode = args.client.mode();
    let bare = load_test("bare GET /api/info", &bare_spec)?;
    bare_server.stop(STOP_GRACE)?;
    // A server slow to stop is reported, not fatal: the numbers above stand.
    if let Err(e) = server.stop(STOP_GRACE) {
        report.text("stop_error", e.to_string());
    }

    for (name, r) in &results {
        let pct = (bare.rps > 0.0).then(|| r.rps / bare.rps * 100.0);
        report.load(name, r, pct);
    }
    report.load("bare GET /api/info", &bare, None);
    Ok(report)
}

/// Creates a public channel as the admin and returns its id.
async fn create_channel(
    client: &Client,
    base: &str,
    admin: &Credentials,
    name: &str,
) -> Result<String> {
    let url = format!("{base}/api/v1/channels.create");
    let response = client
        .post(&url)
        .header("X-User-Id", &admin.user_id)
        .header("X-Auth-Token", &admin.auth_token)
        .json(&json!({ "name": name }))
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        return Err(format!("POST {url} answered {status}: {text}").into());
    }
    let value: Value = serde_json::from_str(&text)?;
    value["channel"]["_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no channel._id in {text}").into())
}
