//! Server statistics (`statistics`, `statistics.list`): counts from the database plus host facts,
//! snapshotted so `statistics.list` has history.

use crate::Users;
use crate::auth::AuthUser;
use apogee_core::names::{perm, setting};
use apogee_core::{Result, Timestamp, random_id};
use apogee_storage::{StatisticsRow, repo};
use serde_json::{Value, json};

/// Instance facts the server knows and the domain does not (version, start time).
#[derive(Debug, Clone)]
pub struct InstanceInfo {
    /// Apogee's claimed Rocket.Chat version.
    pub version: String,
    /// When this process started (ms).
    pub started_at: i64,
    /// Installation time (ms), from the first statistics or the admin's creation.
    pub installed_at: i64,
}

fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn meminfo(key: &str) -> u64 {
    read_proc("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

impl Users {
    /// `statistics`: the latest snapshot, or a new one when `refresh` or none exists.
    pub async fn statistics(
        &self,
        actor: &AuthUser,
        refresh: bool,
        info: &InstanceInfo,
    ) -> Result<Value> {
        self.require(actor, perm::VIEW_STATISTICS).await?;
        if !refresh && let Some(row) = repo::stats::latest(self.db()).await? {
            return Ok(serde_json::from_str(&row.data).unwrap_or(Value::Null));
        }
        let stats = self.compute_statistics(info).await?;
        repo::stats::insert(
            self.db(),
            StatisticsRow {
                id: stats["_id"].as_str().unwrap_or_default().to_owned(),
                data: stats.to_string(),
                created_at: Timestamp::now().millis(),
            },
        )
        .await?;
        Ok(stats)
    }

    /// `statistics.list`: snapshots newest first (one is made when there are none yet).
    pub async fn statistics_list(
        &self,
        actor: &AuthUser,
        offset: u64,
        count: Option<u64>,
        info: &InstanceInfo,
    ) -> Result<(Vec<Value>, u64)> {
        self.require(actor, perm::VIEW_STATISTICS).await?;
        if repo::stats::latest(self.db()).await?.is_none() {
            self.statistics(actor, true, info).await?;
        }
        let (rows, total) = repo::stats::list(self.db(), offset, count).await?;
        Ok((
            rows.into_iter()
                .map(|r| serde_json::from_str(&r.data).unwrap_or(Value::Null))
                .collect(),
            total,
        ))
    }

    async fn compute_statistics(&self, info: &InstanceInfo) -> Result<Value> {
        let db = self.db();
        let u = repo::users::counts(db).await?;
        let g = |k: &str| u.get(k).copied().unwrap_or(0);
        let now = Timestamp::now();
        let unique_id = self.settings().string(setting::UNIQUE_ID);
        let site_url = self.settings().string(setting::SITE_URL);
        let fingerprint = crate::password::sha256_hex(&format!("{site_url}{unique_id}"));
        let loadavg: Vec<f64> = read_proc("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .filter_map(|v| v.parse().ok())
            .collect();
        let uptime: f64 = read_proc("/proc/uptime")
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(json!({
            "_id": random_id(),
            "wizard": {},
            "uniqueId": unique_id,
            "deploymentFingerprintHash": fingerprint,
            "deploymentFingerprintVerified": true,
            "installedAt": Timestamp(info.installed_at).to_iso(),
            "version": info.version,
            "totalUsers": g("total"),
            "activeUsers": g("active"),
            "activeHumanUsers": g("users"),
            "activeBotUsers": g("bots"),
            "appUsers": g("apps"),
            "nonActiveUsers": g("total").saturating_sub(g("active")),
            "onlineUsers": g("online"),
            "awayUsers": g("away"),
            "busyUsers": g("busy"),
            "offlineUsers": g("offline"),
            "totalConnectedUsers": g("online") + g("away") + g("busy"),
            "totalRooms": repo::rooms::count(db, None).await?,
            "totalChannels": repo::rooms::count(db, Some("c")).await?,
            "totalPrivateGroups": repo::rooms::count(db, Some("p")).await?,
            "totalDirect": repo::rooms::count(db, Some("d")).await?,
            "totalLivechat": 0,
            "totalDiscussions": 0,
            "totalThreads": 0,
            "totalMessages": repo::rooms::total_messages(db).await?,
            "os": {
                "type": std::env::consts::OS,
                "platform": std::env::consts::OS,
                "arch": std::env::consts::ARCH,
                "release": read_proc("/proc/sys/kernel/osrelease").trim(),
                "uptime": uptime,
                "loadavg": loadavg,
                "totalmem": meminfo("MemTotal:"),
                "freemem": meminfo("MemAvailable:"),
                "cpus": cpus,
            },
            "process": {
                "pid": std::process::id(),
                "uptime": (now.millis() - info.started_at) as f64 / 1000.0,
            },
            "deploy": { "method": "apogee", "platform": std::env::consts::OS },
            "instanceCount": 1,
            "createdAt": now.to_iso(),
            "_updatedAt": now.to_iso(),
        }))
    }
}
