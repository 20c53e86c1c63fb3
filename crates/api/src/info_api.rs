//! `GET /api/info`: the version clients read to decide they talk to a Rocket.Chat server.

use crate::auth::optional_login;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::names::perm;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// The version Apogee claims: the top of the 8.x line Rocket.Chat clients are tested against.
pub const RC_VERSION: &str = "8.5.0";

/// Facts about the host for the admin's `/api/info`, read once: `available_parallelism` reads
/// several cgroup files, which made a privileged `/api/info` six times slower than the public one.
struct Host {
    os_release: String,
    cpus: usize,
}

/// The host facts, read on first use.
fn host() -> &'static Host {
    static HOST: std::sync::OnceLock<Host> = std::sync::OnceLock::new();
    HOST.get_or_init(|| Host {
        os_release: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
    })
}

/// Minimum client versions (Rocket.Chat 8.x values).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct MinimumClientVersions {
    /// Desktop app.
    pub desktop: String,
    /// Mobile app.
    pub mobile: String,
}

/// Build facts for privileged callers.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct BuildInfo {
    /// Build date.
    pub date: String,
    /// Runtime version (Rocket.Chat reports Node's; Apogee reports its own).
    pub node_version: String,
    /// CPU architecture.
    pub arch: String,
    /// Operating system.
    pub platform: String,
    /// Kernel release.
    pub os_release: String,
    /// Total memory in bytes.
    pub total_memory: u64,
    /// Free memory in bytes.
    pub free_memory: u64,
    /// CPU count.
    pub cpus: usize,
}

/// Commit facts for privileged callers.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct CommitInfo {
    /// Commit hash.
    pub hash: String,
    /// Commit date.
    pub date: String,
    /// Author.
    pub author: String,
    /// Subject.
    pub subject: String,
    /// Tag.
    pub tag: String,
    /// Branch.
    pub branch: String,
}

/// Detailed info for callers with `view-statistics`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct DetailedInfo {
    /// Full version.
    pub version: String,
    /// Build facts.
    pub build: BuildInfo,
    /// Commit facts.
    pub commit: CommitInfo,
    /// Marketplace API version.
    pub marketplace_api_version: String,
}

/// `GET /api/info` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct InfoResponse {
    /// `8.5` for anonymous callers, `8.5.0` for privileged ones.
    pub version: String,
    /// Detailed info (privileged callers only).
    #[oai(skip_serializing_if_is_none)]
    pub info: Option<DetailedInfo>,
    /// Minimum client versions.
    pub minimum_client_versions: MinimumClientVersions,
    /// Always `true`.
    pub success: bool,
}

/// Server information operations.
pub struct InfoApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::Server")]
impl InfoApi {
    /// info: the server's Rocket.Chat version.
    ///
    /// No login needed. With `X-User-Id`/`X-Auth-Token` of a user holding `view-statistics`, the
    /// answer adds build details and the full version.
    #[oai(path = "/api/info", method = "get", operation_id = "info")]
    async fn info(&self, req: &Request) -> Json<InfoResponse> {
        let mut privileged = false;
        if let Some(auth) = optional_login(&self.state, req).await {
            privileged = self
                .state
                .users
                .can(&auth, perm::VIEW_STATISTICS)
                .await
                .unwrap_or(false);
        }
        let info = privileged.then(|| DetailedInfo {
            version: RC_VERSION.into(),
            build: BuildInfo {
                date: apogee_core::Timestamp(self.state.instance.started_at).to_iso(),
                node_version: format!("apogee {}", env!("CARGO_PKG_VERSION")),
                arch: std::env::consts::ARCH.into(),
                platform: std::env::consts::OS.into(),
                os_release: host().os_release.clone(),
                total_memory: 0,
                free_memory: 0,
                cpus: host().cpus,
            },
            commit: CommitInfo {
                hash: String::new(),
                date: String::new(),
                author: String::new(),
                subject: String::new(),
                tag: RC_VERSION.into(),
                branch: String::new(),
            },
            marketplace_api_version: "1.59.0".into(),
        });
        Json(InfoResponse {
            version: if privileged {
                RC_VERSION.into()
            } else {
                "8.5".into()
            },
            info,
            minimum_client_versions: MinimumClientVersions {
                desktop: "3.9.6".into(),
                mobile: "4.39.0".into(),
            },
            success: true,
        })
    }
}
