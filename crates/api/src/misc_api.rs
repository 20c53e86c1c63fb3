//! `statistics`, `statistics.list`, `spotlight`, `directory`.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::page;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::names::perm;
use apogee_core::{Error, Timestamp};
use apogee_protocol::Flag;
use apogee_protocol::user::{EmailJson, RoomSummary, SpotlightUser};
use apogee_storage::{Page, Room, repo};
use apogee_users::UserFilter;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Union};
use serde_json::Value;

/// `statistics` answer: Rocket.Chat's IStats document flattened into the envelope.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatisticsResponse {
    /// The statistics document.
    #[oai(flatten)]
    pub stats: StatsDoc,
    /// Always `true`.
    pub success: bool,
}

/// The statistics document (selected keys documented; more are present).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatsDoc {
    /// Snapshot id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Setup wizard data.
    pub wizard: Value,
    /// Installation id.
    pub unique_id: String,
    /// Installation time.
    pub installed_at: String,
    /// Deployment fingerprint.
    pub deployment_fingerprint_hash: String,
    /// Whether the fingerprint was confirmed.
    pub deployment_fingerprint_verified: bool,
    /// Every other statistic (counts, os, process...).
    #[oai(flatten)]
    pub rest: StatsRest,
}

/// The remaining statistics keys.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatsRest {
    /// Claimed version.
    pub version: String,
    /// Accounts.
    pub total_users: u64,
    /// Active accounts.
    pub active_users: u64,
    /// Online accounts.
    pub online_users: u64,
    /// Rooms.
    pub total_rooms: u64,
    /// Public channels.
    pub total_channels: u64,
    /// Private groups.
    pub total_private_groups: u64,
    /// Direct messages.
    pub total_direct: u64,
    /// Messages.
    pub total_messages: i64,
    /// Host facts.
    pub os: Value,
    /// Process facts.
    pub process: Value,
    /// Snapshot time.
    pub created_at: String,
}

fn stats_doc(v: &Value) -> StatsDoc {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    StatsDoc {
        id: s("_id"),
        wizard: v.get("wizard").cloned().unwrap_or(Value::Null),
        unique_id: s("uniqueId"),
        installed_at: s("installedAt"),
        deployment_fingerprint_hash: s("deploymentFingerprintHash"),
        deployment_fingerprint_verified: v
            .get("deploymentFingerprintVerified")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        rest: StatsRest {
            version: s("version"),
            total_users: n("totalUsers"),
            active_users: n("activeUsers"),
            online_users: n("onlineUsers"),
            total_rooms: n("totalRooms"),
            total_channels: n("totalChannels"),
            total_private_groups: n("totalPrivateGroups"),
            total_direct: n("totalDirect"),
            total_messages: v.get("totalMessages").and_then(Value::as_i64).unwrap_or(0),
            os: v.get("os").cloned().unwrap_or(Value::Null),
            process: v.get("process").cloned().unwrap_or(Value::Null),
            created_at: s("createdAt"),
        },
    }
}

/// `statistics.list` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatisticsListResponse {
    /// Snapshots, newest first.
    pub statistics: Vec<StatsDoc>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `spotlight` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct SpotlightResponse {
    /// Matching users.
    pub users: Vec<SpotlightUser>,
    /// Matching rooms.
    pub rooms: Vec<RoomSummary>,
    /// Always `true`.
    pub success: bool,
}

/// A user in `directory` answers.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct DirectoryUser {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: String,
    /// Emails (with `view-full-other-user-info`).
    #[oai(skip_serializing_if_is_none)]
    pub emails: Option<Vec<EmailJson>>,
    /// Avatar version tag.
    #[oai(rename = "avatarETag")]
    pub avatar_etag: Option<String>,
    /// Nickname.
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
}

/// One `directory` result.
#[derive(Union)]
#[oai(one_of)]
pub enum DirectoryItem {
    /// A user.
    User(DirectoryUser),
    /// A room.
    Room(RoomSummary),
}

/// `directory` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct DirectoryResponse {
    /// Results.
    pub result: Vec<DirectoryItem>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

fn room_summary(r: Room) -> RoomSummary {
    let name = r.name.unwrap_or_default();
    RoomSummary {
        fname: r.fname.unwrap_or_else(|| name.clone()),
        name,
        id: r.id,
        t: r.t,
        users_count: Some(r.users_count),
        topic: r.topic,
        ts: Some(Timestamp(r.created_at).to_iso()),
        default: Some(r.is_default),
    }
}

/// Statistics and search operations.
pub struct MiscApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl MiscApi {
    /// statistics: server statistics (permission view-statistics); refresh=true recomputes.
    #[oai(
        path = "/statistics",
        method = "get",
        operation_id = "statistics",
        tag = "ApiTags::Statistics"
    )]
    async fn statistics(
        &self,
        auth: Auth,
        refresh: Query<Option<Flag>>,
    ) -> ApiResult<StatisticsResponse> {
        let refresh = refresh.0.is_some_and(|f| f.0);
        let v = self
            .state
            .users
            .statistics(&auth.0, refresh, &self.state.instance)
            .await?;
        Ok(Json(StatisticsResponse {
            stats: stats_doc(&v),
            success: true,
        }))
    }

    /// statistics.list: stored statistics snapshots, newest first.
    #[oai(
        path = "/statistics.list",
        method = "get",
        operation_id = "statistics.list",
        tag = "ApiTags::Statistics"
    )]
    async fn statistics_list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<StatisticsListResponse> {
        let page = page(&self.state, offset.0, count.0, None)?;
        let (rows, total) = self
            .state
            .users
            .statistics_list(&auth.0, page.offset, page.count, &self.state.instance)
            .await?;
        Ok(Json(StatisticsListResponse {
            count: rows.len() as u64,
            statistics: rows.iter().map(stats_doc).collect(),
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// spotlight: users and rooms matching query (@ restricts to users, # to rooms); rooms are
    /// public channels and the caller's own private rooms.
    #[oai(
        path = "/spotlight",
        method = "get",
        operation_id = "spotlight",
        tag = "ApiTags::Search"
    )]
    async fn spotlight(
        &self,
        auth: Auth,
        query: Query<Option<String>>,
    ) -> ApiResult<SpotlightResponse> {
        let q = query.0.unwrap_or_default();
        let q = q.trim();
        let (want_users, want_rooms, text) = match q.chars().next() {
            Some('@') => (true, false, &q[1..]),
            Some('#') => (false, true, &q[1..]),
            _ => (true, true, q),
        };
        let limit = Page {
            offset: 0,
            count: Some(10),
            sort: Vec::new(),
        };
        let mut users = Vec::new();
        if want_users {
            let filter = UserFilter {
                text: Some(text.to_owned()),
                active_only: true,
                ..UserFilter::default()
            };
            let (list, _) = repo::users::list(self.state.users.db(), &filter, &limit).await?;
            users = list
                .into_iter()
                .map(|u| SpotlightUser {
                    id: u.id,
                    username: u.username,
                    name: u.name,
                    status: u.status,
                    status_text: (!u.status_text.is_empty()).then_some(u.status_text),
                    avatar_etag: u.avatar_etag,
                    nickname: u.nickname,
                })
                .collect();
        }
        let mut rooms = Vec::new();
        if want_rooms {
            // Public channels, and private rooms the caller is in; never others' private rooms.
            let list = self.state.rooms.searchable(&auth.0, text, Some(10)).await?;
            rooms = list.into_iter().map(room_summary).collect();
        }
        Ok(Json(SpotlightResponse {
            users,
            rooms,
            success: true,
        }))
    }

    /// directory: searchable lists of users or channels (type, text, or the legacy JSON
    /// `query={"text":..,"type":..}`), paged.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/directory",
        method = "get",
        operation_id = "directory",
        tag = "ApiTags::Search"
    )]
    async fn directory(
        &self,
        auth: Auth,
        text: Query<Option<String>>,
        #[oai(name = "type")] kind: Query<Option<String>>,
        workspace: Query<Option<String>>,
        query: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<DirectoryResponse> {
        let legacy: Value = match query.0.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(q) => serde_json::from_str(q)
                .map_err(|_| Error::invalid_params("query must be a JSON object"))?,
            None => Value::Null,
        };
        let from_legacy = |k: &str| legacy.get(k).and_then(Value::as_str).map(str::to_owned);
        let text = text.0.or_else(|| from_legacy("text")).unwrap_or_default();
        let kind = kind
            .0
            .or_else(|| from_legacy("type"))
            .unwrap_or_else(|| "channels".into());
        let _ = workspace.0.or_else(|| from_legacy("workspace"));
        let page = page(&self.state, offset.0, count.0, sort.0.as_deref())?;
        let (result, total) = match kind.as_str() {
            "users" => {
                let full = self
                    .state
                    .users
                    .can(&auth.0, perm::VIEW_FULL_OTHER_USER_INFO)
                    .await?;
                let filter = UserFilter {
                    text: Some(text),
                    active_only: true,
                    ..UserFilter::default()
                };
                let (list, total) =
                    repo::users::list(self.state.users.db(), &filter, &page).await?;
                let items = list
                    .into_iter()
                    .map(|u| {
                        DirectoryItem::User(DirectoryUser {
                            emails: full.then(|| {
                                u.email
                                    .iter()
                                    .map(|a| EmailJson {
                                        address: a.clone(),
                                        verified: u.email_verified,
                                    })
                                    .collect()
                            }),
                            id: u.id,
                            username: u.username,
                            name: u.name,
                            created_at: Timestamp(u.created_at).to_iso(),
                            avatar_etag: u.avatar_etag,
                            nickname: u.nickname,
                        })
                    })
                    .collect();
                (items, total)
            }
            "channels" => {
                // Public channels, and private groups the caller is in.
                let list = self.state.rooms.searchable(&auth.0, &text, None).await?;
                let total = list.len() as u64;
                (
                    Page::slice(page.offset, page.count, list)
                        .into_iter()
                        .map(|r| DirectoryItem::Room(room_summary(r)))
                        .collect(),
                    total,
                )
            }
            "teams" => (Vec::new(), 0),
            other => {
                return Err(
                    Error::meteor("error-invalid-type", format!("Invalid type: {other}")).into(),
                );
            }
        };
        let result: Vec<DirectoryItem> = result;
        Ok(Json(DirectoryResponse {
            count: result.len() as u64,
            result,
            offset: page.offset,
            total,
            success: true,
        }))
    }
}
