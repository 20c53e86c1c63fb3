//! More `dm.*` operations, each with its `im.*` alias: delete, messages, messages of others,
//! topic, every direct message, files.

use crate::auth::Auth;
use crate::chat_api::MessagesPageResponse;
use crate::dm_api::{DmListResponse, DmRefBody};
use crate::error::ApiResult;
use crate::params::{page, parse_sort};
use crate::project;
use crate::room_extras_api::RoomFilesResponse;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_messages::MessageFilter;
use apogee_protocol::OkBody;
use apogee_protocol::room::MessageJson;
use apogee_rooms::{RoomChange, RoomKind, RoomRef};
use apogee_storage::Message;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// `dm.setTopic` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DmTopicBody {
    /// Room id (required).
    pub room_id: Option<String>,
    /// The topic (empty or absent clears it).
    pub topic: Option<String>,
}

/// `dm.setTopic` answer.
#[derive(Object)]
pub struct DmTopicResponse {
    /// The topic as given.
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    /// Always `true`.
    pub success: bool,
}

/// The extra direct message operations.
pub struct DmExtrasApi {
    /// Shared services.
    pub state: AppState,
}

fn ids(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether `sort` asks for oldest first (`{"ts":1}`); newest first otherwise.
fn ascending(sort: Option<&str>) -> Result<bool, Error> {
    Ok(parse_sort(sort)?
        .first()
        .is_some_and(|(k, asc)| k == "ts" && *asc))
}

fn messages_page(msgs: &[Message], offset: u64, total: u64) -> Json<MessagesPageResponse> {
    let messages: Vec<MessageJson> = msgs.iter().map(project::message).collect();
    Json(MessagesPageResponse {
        count: messages.len() as u64,
        messages,
        offset,
        total,
        success: true,
    })
}

impl DmExtrasApi {
    async fn delete(&self, auth: &Auth, b: DmRefBody) -> ApiResult<OkBody> {
        let room = self
            .state
            .rooms
            .direct_to_delete(&auth.0, b.room_id.as_deref(), b.username.as_deref())
            .await?;
        self.state.rooms.delete_direct(&auth.0, &room).await?;
        Ok(Json(OkBody::ok()))
    }

    #[allow(clippy::too_many_arguments)]
    async fn messages(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        username: Option<String>,
        mention_ids: Option<String>,
        starred_ids: Option<String>,
        pinned: Option<String>,
        offset: Option<i64>,
        count: Option<i64>,
        sort: Option<String>,
    ) -> ApiResult<MessagesPageResponse> {
        let page = page(&self.state, offset, count, None)?;
        let asc = ascending(sort.as_deref())?;
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, room_id.as_deref(), username.as_deref())
            .await?;
        let filter = MessageFilter {
            mention_ids: ids(mention_ids),
            starred_ids: ids(starred_ids),
            pinned: pinned.is_some_and(|p| p.eq_ignore_ascii_case("true")),
        };
        let (msgs, total) = self
            .state
            .messages
            .room_messages(&room, &filter, asc, page.offset, page.count)
            .await?;
        Ok(messages_page(&msgs, page.offset, total))
    }

    async fn others(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        offset: Option<i64>,
        count: Option<i64>,
        sort: Option<String>,
    ) -> ApiResult<MessagesPageResponse> {
        let page = page(&self.state, offset, count, None)?;
        let asc = ascending(sort.as_deref())?;
        let room = self
            .state
            .messages
            .direct_room_for_admin(&auth.0, room_id.as_deref().unwrap_or_default())
            .await?;
        let (msgs, total) = self
            .state
            .messages
            .room_messages(
                &room,
                &MessageFilter::default(),
                asc,
                page.offset,
                page.count,
            )
            .await?;
        Ok(messages_page(&msgs, page.offset, total))
    }

    async fn set_topic(&self, auth: &Auth, b: DmTopicBody) -> ApiResult<DmTopicResponse> {
        let rid = b.room_id.filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::meteor(
                "error-room-param-not-provided",
                "Body param \"roomId\" is required",
            )
        })?;
        let room = self
            .state
            .rooms
            .find_direct(&auth.0, Some(&rid), None)
            .await?;
        self.state
            .rooms
            .change(
                &auth.0,
                &RoomRef {
                    id: Some(room.id),
                    name: None,
                },
                RoomKind::Direct,
                RoomChange::Topic(b.topic.clone().unwrap_or_default()),
            )
            .await?;
        Ok(Json(DmTopicResponse {
            topic: b.topic,
            success: true,
        }))
    }

    async fn list_everyone(
        &self,
        auth: &Auth,
        offset: Option<i64>,
        count: Option<i64>,
        sort: Option<String>,
    ) -> ApiResult<DmListResponse> {
        let page = page(&self.state, offset, count, sort.as_deref())?;
        let (rooms, total) = self.state.rooms.list_all_direct(&auth.0, &page).await?;
        let ims = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(DmListResponse {
            count: ims.len() as u64,
            ims,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    async fn files(
        &self,
        auth: &Auth,
        room_id: Option<String>,
        username: Option<String>,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<RoomFilesResponse> {
        let page = page(&self.state, offset, count, None)?;
        self.state
            .rooms
            .find_direct(&auth.0, room_id.as_deref(), username.as_deref())
            .await?;
        Ok(Json(RoomFilesResponse {
            files: Vec::new(),
            count: 0,
            offset: page.offset,
            total: 0,
            success: true,
        }))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::DirectMessages")]
impl DmExtrasApi {
    /// dm.delete: deletes a direct message and its messages (delete-d).
    #[oai(path = "/dm.delete", method = "post", operation_id = "dm.delete")]
    async fn dm_delete(&self, auth: Auth, body: Json<DmRefBody>) -> ApiResult<OkBody> {
        self.delete(&auth, body.0).await
    }

    /// im.delete: alias of dm.delete.
    #[oai(path = "/im.delete", method = "post", operation_id = "im.delete")]
    async fn im_delete(&self, auth: Auth, body: Json<DmRefBody>) -> ApiResult<OkBody> {
        self.delete(&auth, body.0).await
    }

    /// dm.messages: a page of a direct message's messages, newest first (`mentionIds`,
    /// `starredIds`, `pinned` narrow it).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/dm.messages", method = "get", operation_id = "dm.messages")]
    async fn dm_messages(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        #[oai(name = "mentionIds")] mention_ids: Query<Option<String>>,
        #[oai(name = "starredIds")] starred_ids: Query<Option<String>>,
        pinned: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<MessagesPageResponse> {
        self.messages(
            &auth,
            room_id.0,
            username.0,
            mention_ids.0,
            starred_ids.0,
            pinned.0,
            offset.0,
            count.0,
            sort.0,
        )
        .await
    }

    /// im.messages: alias of dm.messages.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/im.messages", method = "get", operation_id = "im.messages")]
    async fn im_messages(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        #[oai(name = "mentionIds")] mention_ids: Query<Option<String>>,
        #[oai(name = "starredIds")] starred_ids: Query<Option<String>>,
        pinned: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<MessagesPageResponse> {
        self.messages(
            &auth,
            room_id.0,
            username.0,
            mention_ids.0,
            starred_ids.0,
            pinned.0,
            offset.0,
            count.0,
            sort.0,
        )
        .await
    }

    /// dm.messages.others: any direct message's messages (view-room-administration; setting
    /// API_Enable_Direct_Message_History_EndPoint).
    #[oai(
        path = "/dm.messages.others",
        method = "get",
        operation_id = "dm.messages.others"
    )]
    async fn dm_others(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<MessagesPageResponse> {
        self.others(&auth, room_id.0, offset.0, count.0, sort.0)
            .await
    }

    /// im.messages.others: alias of dm.messages.others.
    #[oai(
        path = "/im.messages.others",
        method = "get",
        operation_id = "im.messages.others"
    )]
    async fn im_others(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<MessagesPageResponse> {
        self.others(&auth, room_id.0, offset.0, count.0, sort.0)
            .await
    }

    /// dm.setTopic: sets a direct message's topic (edit-room); posts room_changed_topic.
    #[oai(path = "/dm.setTopic", method = "post", operation_id = "dm.setTopic")]
    async fn dm_set_topic(
        &self,
        auth: Auth,
        body: Json<DmTopicBody>,
    ) -> ApiResult<DmTopicResponse> {
        self.set_topic(&auth, body.0).await
    }

    /// im.setTopic: alias of dm.setTopic.
    #[oai(path = "/im.setTopic", method = "post", operation_id = "im.setTopic")]
    async fn im_set_topic(
        &self,
        auth: Auth,
        body: Json<DmTopicBody>,
    ) -> ApiResult<DmTopicResponse> {
        self.set_topic(&auth, body.0).await
    }

    /// dm.list.everyone: every direct message on the server (view-room-administration).
    #[oai(
        path = "/dm.list.everyone",
        method = "get",
        operation_id = "dm.list.everyone"
    )]
    async fn dm_list_everyone(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<DmListResponse> {
        self.list_everyone(&auth, offset.0, count.0, sort.0).await
    }

    /// im.list.everyone: alias of dm.list.everyone.
    #[oai(
        path = "/im.list.everyone",
        method = "get",
        operation_id = "im.list.everyone"
    )]
    async fn im_list_everyone(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<DmListResponse> {
        self.list_everyone(&auth, offset.0, count.0, sort.0).await
    }

    /// dm.files: a direct message's uploaded files (none yet: uploads are not supported).
    #[oai(path = "/dm.files", method = "get", operation_id = "dm.files")]
    async fn dm_files(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomFilesResponse> {
        self.files(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }

    /// im.files: alias of dm.files.
    #[oai(path = "/im.files", method = "get", operation_id = "im.files")]
    async fn im_files(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        username: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomFilesResponse> {
        self.files(&auth, room_id.0, username.0, offset.0, count.0)
            .await
    }
}
