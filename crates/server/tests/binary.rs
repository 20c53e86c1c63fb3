//! The `apogee` binary as operators use it: generated artifacts, config errors, the user CLI, and
//! durability of committed writes across `kill -9`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_apogee");

fn apogee(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("APOGEE_DATA_DIR", dir)
        .env_remove("APOGEE_DATABASE_URL")
        .env("APOGEE_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn openapi_document_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = apogee(dir.path(), &["openapi"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi.json"
    ))
    .unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap().trim_end() == committed.trim_end(),
        "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn config_example_is_printed_and_unknown_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = apogee(dir.path(), &["config", "example"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("[database]")
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[database]\nurll = \"x\"\n").unwrap();
    let out = apogee(dir.path(), &["--config", bad.to_str().unwrap(), "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("urll"));
    let out = Command::new(BIN)
        .args(["migrate"])
        .env("APOGEE_DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn user_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = apogee(dir.path(), &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = apogee(
        dir.path(),
        &[
            "user",
            "add",
            "ops",
            "--email",
            "ops@example.com",
            "--admin",
            "--password",
            "pw1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = apogee(dir.path(), &["user", "passwd", "ops"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("password: "), "{text}");
    let out = apogee(dir.path(), &["user", "list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("ops\tops@example.com\tadmin,user\tactive"),
        "{text}"
    );
    let out = apogee(dir.path(), &["user", "add", "ops"]);
    assert!(!out.status.success());
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port and waits for the line that says where it listens.
fn serve(dir: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve"])
        .env("APOGEE_DATA_DIR", dir)
        .env("APOGEE_LISTEN", "127.0.0.1:0")
        .env_remove("APOGEE_DATABASE_URL")
        .env("APOGEE_LOG", "info")
        .env("ADMIN_USERNAME", "root")
        .env("ADMIN_PASS", "rootpw")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("Apogee listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

async fn login(http: &reqwest::Client, base: &str, user: &str, pw: &str) -> reqwest::Response {
    http.post(format!("{base}/api/v1/login"))
        .json(&json!({"user": user, "password": pw}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn committed_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let server = serve(dir.path());
    let b: Value = login(&http, &server.base, "root", "rootpw")
        .await
        .json()
        .await
        .unwrap();
    let (uid, token) = (
        b["data"]["userId"].as_str().unwrap(),
        b["data"]["authToken"].as_str().unwrap(),
    );
    for i in 0..5 {
        let r = http
            .post(format!("{}/api/v1/users.create", server.base))
            .header("X-User-Id", uid)
            .header("X-Auth-Token", token)
            .json(&json!({"username": format!("durable{i}"), "email": format!("d{i}@example.com"), "name": "D", "password": "dpw"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    // SIGKILL: no shutdown, no checkpoint.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let again = serve(dir.path());
    for i in 0..5 {
        let r = login(&http, &again.base, &format!("durable{i}"), "dpw").await;
        assert_eq!(r.status().as_u16(), 200, "durable{i} lost");
    }
    // The session token from before the crash is still valid.
    let me = http
        .get(format!("{}/api/v1/me", again.base))
        .header("X-User-Id", uid)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
}
