//! Spawning, probing, measuring and stopping a server process.
//!
//! Everything here is synchronous: the readiness probe speaks just enough HTTP/1.1 over a
//! `std::net::TcpStream` to read a status line, so it can poll every millisecond with no async
//! runtime and no connection pool in the way.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// A free TCP port on 127.0.0.1 (bound once by the OS, then released for the child to take).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// How to start a server process.
#[derive(Debug, Clone)]
pub struct Launch {
    /// A short name for messages ("apogee", "bare").
    pub name: String,
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Environment variables added to the inherited environment.
    pub envs: Vec<(OsString, OsString)>,
    /// Where stdout and stderr go (appended); `None` discards them.
    pub log: Option<PathBuf>,
    /// The address the server will listen on (probed for readiness).
    pub addr: SocketAddr,
}

impl Launch {
    /// A launch of `program` with no arguments, environment or log.
    pub fn new(name: &str, program: impl Into<PathBuf>, addr: SocketAddr) -> Self {
        Self {
            name: name.to_owned(),
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            log: None,
            addr,
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Sends stdout and stderr to `path` (appending).
    pub fn log(mut self, path: impl Into<PathBuf>) -> Self {
        self.log = Some(path.into());
        self
    }
}

/// Memory figures of a process from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Resident set size now (`VmRSS`).
    pub rss_kib: u64,
    /// Peak resident set size (`VmHWM`).
    pub peak_kib: u64,
}

impl Memory {
    /// RSS in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }

    /// Peak RSS in MiB.
    pub fn peak_mib(&self) -> f64 {
        self.peak_kib as f64 / 1024.0
    }
}

/// A running child server. Dropping it stops the process (SIGTERM, then SIGKILL), so children
/// never outlive the benchmark, on error paths included.
#[derive(Debug)]
pub struct ServerProcess {
    /// How it was started.
    launch: Launch,
    /// The child, `None` once stopped.
    child: Option<Child>,
    /// Its pid.
    pid: u32,
    /// When `spawn` was called (just before the fork).
    started: Instant,
}

impl ServerProcess {
    /// Starts the process.
    pub fn spawn(launch: Launch) -> Result<Self> {
        let mut command = Command::new(&launch.program);
        command.args(&launch.args).stdin(Stdio::null());
        for (key, value) in &launch.envs {
            command.env(key, value);
        }
        match &launch.log {
            Some(path) => {
                let out = OpenOptions::new().create(true).append(true).open(path)?;
                let err = out.try_clone()?;
                command.stdout(out).stderr(err);
            }
            None => {
                command.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        let started = Instant::now();
        let child = command.spawn().map_err(|e| {
            format!(
                "starting {} ({}): {e}",
                launch.name,
                launch.program.display()
            )
        })?;
        let pid = child.id();
        Ok(Self {
            launch,
            child: Some(child),
            pid,
            started,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `http://addr` with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.launch.addr)
    }

    /// Polls `GET path` every `every` until it answers 200, and returns the time from the spawn
    /// to that first answer. Fails if the process exits or `timeout` passes first; the error
    /// carries the end of the log.
    pub fn wait_ready(
        &mut self,
        path: &str,
        timeout: Duration,
        every: Duration,
    ) -> Result<Duration> {
        loop {
            let last = match probe(self.launch.addr, path) {
                Ok(200) => return Ok(self.started.elapsed()),
                Ok(status) => format!("answered HTTP {status}"),
                Err(e) => e.to_string(),
            };
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                return Err(self.failure(&format!("exited with {status} before answering")));
            }
            if self.started.elapsed() > timeout {
                return Err(self.failure(&format!(
                    "did not answer GET {path} with 200 within {timeout:?} (last: {last})"
                )));
            }
            std::thread::sleep(every);
        }
    }

    /// Reads the process's memory figures.
    pub fn memory(&self) -> Result<Memory> {
        read_memory(self.pid)
    }

    /// Stops the process: SIGTERM, then SIGKILL if it has not exited after `grace`. Returns how
    /// long it took to exit.
    pub fn stop(&mut self, grace: Duration) -> Result<Duration> {
        let Some(mut child) = self.child.take() else {
            return Ok(Duration::ZERO);
        };
        let asked = Instant::now();
        if child.try_wait()?.is_some() {
            return Ok(Duration::ZERO);
        }
        // SIGTERM through kill(1): std can only SIGKILL, and the crate forbids unsafe (libc).
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        while asked.elapsed() < grace {
            if child.try_wait()?.is_some() {
                return Ok(asked.elapsed());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill()?;
        child.wait()?;
        Err(format!(
            "{} (pid {}) ignored SIGTERM for {grace:?} and was killed",
            self.launch.name, self.pid
        )
        .into())
    }

    /// An error about this process, with the end of its log.
    fn failure(&self, what: &str) -> crate::Error {
        let mut text = format!("{} (pid {}) {what}", self.launch.name, self.pid);
        if let Some(log) = &self.launch.log {
            text.push_str(&format!("\n--- last lines of {} ---\n", log.display()));
            text.push_str(&log_tail(log, 30));
        }
        text.into()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(5));
    }
}

/// One readiness probe: `GET path` with `Connection: close`; returns the status code.
fn probe(addr: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = Vec::with_capacity(64);
    let mut buf = [0u8; 256];
    // read until the status line is complete
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    parse_status(&head).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("bad status line {:?}", String::from_utf8_lossy(&head)),
        )
    })
}

/// The status code of an HTTP/1.x status line (`HTTP/1.1 200 OK`).
pub(crate) fn parse_status(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.parse().ok()
}

/// `VmRSS` and `VmHWM` of a process.
pub fn read_memory(pid: u32) -> Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no {name} in {path}").into())
    };
    Ok(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// CPU time a process has used so far (user + system, its threads included), from
/// `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    // The command name (field 2) may hold spaces: count fields from its closing parenthesis.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| format!("odd {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15.
    let tick = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("no field {} in {path}", i + 3).into())
    };
    let ticks = tick(11)? + tick(12)?;
    Ok(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 if that cannot be asked).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100)
    })
}

/// The soft and hard limits on open files (`RLIMIT_NOFILE`) of a process, from
/// `/proc/<pid>/limits` (`u64::MAX` for unlimited).
pub fn nofile_limits(pid: u32) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/limits");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .ok_or_else(|| format!("no open-files line in {path}"))?;
    let mut numbers = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .map(|w| match w {
            "unlimited" => Some(u64::MAX),
            n => n.parse().ok(),
        });
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(soft), Some(hard)) => Ok((soft, hard)),
        _ => Err(format!("odd open-files line in {path}: {line}").into()),
    }
}

/// Raises a process's soft limit on open files to its hard limit, with prlimit(1) (the crate
/// forbids unsafe, so no setrlimit). Returns the limit now in force.
pub fn raise_nofile(pid: u32) -> Result<u64> {
    let (soft, hard) = nofile_limits(pid)?;
    if soft >= hard {
        return Ok(soft);
    }
    let value = if hard == u64::MAX {
        "unlimited".to_owned()
    } else {
        hard.to_string()
    };
    let status = Command::new("prlimit")
        .arg("--pid")
        .arg(pid.to_string())
        .arg(format!("--nofile={value}:{value}"))
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("running prlimit: {e}"))?;
    if !status.success() {
        return Err(format!("prlimit --pid {pid} --nofile={value} failed: {status}").into());
    }
    Ok(nofile_limits(pid)?.0)
}

/// The last `lines` lines of a log file (or why it could not be read).
pub fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    match File::open(path).and_then(|mut f| f.read_to_string(&mut text)) {
        Ok(_) => {
            let all: Vec<&str> = text.lines().collect();
            let from = all.len().saturating_sub(lines);
            all.get(from..).unwrap_or_default().join("\n")
        }
        Err(e) => format!("(cannot read the log: {e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(
            parse_status(b"HTTP/1.0 503 Service Unavailable\r\nx"),
            Some(503)
        );
        assert_eq!(parse_status(b"SSH-2.0\r\n"), None);
    }

    #[test]
    fn own_cpu_and_limits() {
        let before = cpu_time(std::process::id()).unwrap();
        let mut x = 0u64;
        for i in 0..10_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(cpu_time(std::process::id()).unwrap() >= before);
        let (soft, hard) = nofile_limits(std::process::id()).unwrap();
        assert!(soft > 0 && hard >= soft);
    }

    #[test]
    fn own_memory() {
        let m = read_memory(std::process::id()).unwrap();
        assert!(m.rss_kib > 0 && m.peak_kib >= m.rss_kib);
    }
}
