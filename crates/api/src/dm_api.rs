//! `dm.*` and their `im.*` aliases: direct messages.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::page;
use crate::project;
use crate::rooms_api::MembersResponse;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_protocol::room::{MessageJson, RoomJson};
use apogee_protocol::user::UserJson;
use apogee_rooms::{RoomKind, RoomRef};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// `dm.create` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DmCreateBody {
    /// The other member's username.
    pub username: Option<String>,
    /// Several usernames, comma-separated (a group DM).
    pub usernames: Option<String>,
    /// Leave the caller out (not supported; ignored).
    pub exclude_self: Option<apogee_protocol::Flag>,
}

/// A direct message room with `rid` as well as `_id`, as `dm.create` answers.
#[derive(Object)]
pub struct DirectRoomJson {
    /// The room.
    #[oai(flatten)]
    pub room: RoomJson,
    /// The room id again.
    pub rid: String,
}

/// `dm.create` answer.
#[derive(Object)]
pub struct DmCreateResponse {
    /// The room.
    pub room: DirectRoomJson,
    /// Always `true`.
    pub success: bool,
}

/// A body naming a direct message.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DmRefBody {
    /// Room id.
    pub room_id: Option<String>,
    /// The other member's username.
    pub username: Option<String>,
}

/// A page of direct messages.
#[derive(Object)]
pub struct DmListResponse {
    /// The rooms.
    pub ims: Vec<RoomJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `{messages}` of a direct message.
#[derive(Object)]
pub struct DmHistoryResponse {
    /// Messages, newest first.
    pub messages: Vec<MessageJson>,
    /// Always `true`.
    pub success: bool,
}

/// Direct message operations (each also answers under `im.*`).
pub struct DmApi {
    /// Shared services.
    pub state: AppState,
}

impl DmApi {
    async fn create(&self, auth: &Auth, b: DmCreateBody) -> ApiResult<DmCreateResponse> {
        let names: Vec<String> = match (b.username, b.usernames) {
            (Some(u), _) if !u.trim().is_empty() => vec![u],
            (_, Some(list)) => list
                .split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect(),
            _ => return Err(Error::missing_param("username").into()),
        };
        let (room, _) = self.state.rooms.create_direct(&auth.0, &names).await?;
        Ok(Json(DmCreateResponse {
            room: DirectRoomJson {
                rid: room.id.clone(),
                room: project::room(&room),
            },
            success: true,
        }))
    }

    async fn list(
        &self,
        auth: &Auth,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<DmListResponse> {
        let page = page(&self.state, offset, count, None)?;
        let (rooms, total) = self
            .state
            .rooms
            .joined(&auth.0, RoomKind::Direct, &page)
            .await?;
        let ims = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(DmListResponse {
            count: ims.len() as u64,
            ims,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    async fn history(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        username: Option<String>,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<DmHistoryResponse> {
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, room_id.as_deref(), username.as_deref())
            .await?;
        let page = page(&self.state, offset, count, None)?;
        let msgs = self
            .state
            .messages
            .history_of(&room, None, None, false, page.offset, page.count)
            .await?;
        Ok(Json(DmHistoryResponse {
            messages: msgs.iter().map(project::message).collect(),
            success: true,
        }))
    }

    async fn members(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        username: Option<String>,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<MembersResponse> {
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, room_id.as_deref(), username.as_deref())
            .await?;
        let page = page(&self.state, offset, count, None)?;
        let r = RoomRef {
            id: Some(room.id),
            name: None,
        };
        let (users, total) = self
            .state
            .rooms
            .members(&auth.0, &r, RoomKind::Direct, &page)
            .await?;
        let members: Vec<UserJson> = users.iter().map(|a| project::user(a, false)).collect();
        Ok(Json(MembersResponse {
            count: members.len() as u64,
            members,
            offset: page.offset,
            total,
            success: true,
        }))
    }
}

impl DmApi {
    async fn open_close(
        &self,
        auth: &Auth,
        b: DmRefBody,
        open: bool,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, b.room_id.as_deref(), b.username.as_deref())
            .await?;
        if !open
            && self
                .state
                .rooms
                .subscription(auth.0.id(), &room.id)
                .await?
                .is_some_and(|s| !s.open)
        {
            // Rocket.Chat answers a second close with a plain-string failure (its text
            // interpolates a body param clients never send, so the name is empty).
            return Err(Error::Failure(
                "The direct message room, is already closed to the sender".into(),
            )
            .into());
        }
        self.state
            .rooms
            .set_flag(&auth.0, &room.id, None, Some(open))
            .await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    async fn counters(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        username: Option<String>,
    ) -> ApiResult<crate::rooms_api::CountersResponse> {
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, room_id.as_deref(), username.as_deref())
            .await?;
        let c = self.state.rooms.counters(&auth.0, &room).await?;
        Ok(Json(crate::rooms_api::counters_json(c)))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::DirectMessages")]
impl DmApi {
    /// dm.create: opens the direct message with `username` (or several `usernames`), creating it.
    #[oai(path = "/dm.create", method = "post", operation_id = "dm.create")]
    async fn dm_create(&self, auth: Auth, body: Json<DmCreateBody>) -> ApiResult<DmCreateResponse> {
        self.create(&auth, body.0).await
    }

    /// im.create: alias of dm.create.
    #[oai(path = "/im.create", method = "post", operation_id = "im.create")]
    async fn im_create(&self, auth: Auth, body: Json<DmCreateBody>) -> ApiResult<DmCreateResponse> {
        self.create(&auth, body.0).await
    }

    /// dm.list: the caller's direct messages.
    #[oai(path = "/dm.list", method = "get", operation_id = "dm.list")]
    async fn dm_list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<DmListResponse> {
        self.list(&auth, offset.0, count.0).await
    }

    /// im.list: alias of dm.list.
    #[oai(path = "/im.list", method = "get", operation_id = "im.list")]
    async fn im_list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<DmListResponse> {
        self.list(&auth, offset.0, count.0).await
    }

    /// dm.history: a direct message's messages, newest first.
    #[oai(path = "/dm.history", method = "get", operation_id = "dm.history")]
    async fn dm_history(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<DmHistoryResponse> {
        self.history(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }

    /// im.history: alias of dm.history.
    #[oai(path = "/im.history", method = "get", operation_id = "im.history")]
    async fn im_history(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<DmHistoryResponse> {
        self.history(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }

    /// dm.open: shows a direct message in the caller's room list again.
    #[oai(path = "/dm.open", method = "post", operation_id = "dm.open")]
    async fn dm_open(
        &self,
        auth: Auth,
        body: Json<DmRefBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        self.open_close(&auth, body.0, true).await
    }

    /// im.open: alias of dm.open.
    #[oai(path = "/im.open", method = "post", operation_id = "im.open")]
    async fn im_open(
        &self,
        auth: Auth,
        body: Json<DmRefBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        self.open_close(&auth, body.0, true).await
    }

    /// dm.close: hides a direct message from the caller's room list.
    #[oai(path = "/dm.close", method = "post", operation_id = "dm.close")]
    async fn dm_close(
        &self,
        auth: Auth,
        body: Json<DmRefBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        self.open_close(&auth, body.0, false).await
    }

    /// im.close: alias of dm.close.
    #[oai(path = "/im.close", method = "post", operation_id = "im.close")]
    async fn im_close(
        &self,
        auth: Auth,
        body: Json<DmRefBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        self.open_close(&auth, body.0, false).await
    }

    /// dm.counters: message and unread counts of a direct message for the caller.
    #[oai(path = "/dm.counters", method = "get", operation_id = "dm.counters")]
    async fn dm_counters(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> ApiResult<crate::rooms_api::CountersResponse> {
        self.counters(&auth, room_id.0, username.0).await
    }

    /// im.counters: alias of dm.counters.
    #[oai(path = "/im.counters", method = "get", operation_id = "im.counters")]
    async fn im_counters(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> ApiResult<crate::rooms_api::CountersResponse> {
        self.counters(&auth, room_id.0, username.0).await
    }

    /// dm.members: the members of a direct message.
    #[oai(path = "/dm.members", method = "get", operation_id = "dm.members")]
    async fn dm_members(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersResponse> {
        self.members(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }

    /// im.members: alias of dm.members.
    #[oai(path = "/im.members", method = "get", operation_id = "im.members")]
    async fn im_members(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersResponse> {
        self.members(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }
}
