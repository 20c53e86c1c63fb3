//! More `channels.*`, `groups.*` and `rooms.*` operations: adding everyone, who is online, files
//! and integrations of a room, mentions, custom fields, encryption, teams, history cleaning,
//! discussions, room administration and muting.

use crate::auth::Auth;
use crate::dm_api::DirectRoomJson;
use crate::error::ApiResult;
use crate::params::{date_param, page, query_list, user_param_missing, user_selector};
use crate::project;
use crate::rooms_api::{ChannelResponse, GroupResponse};
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_messages::CleanHistory;
use apogee_protocol::room::{MessageJson, RoomJson};
use apogee_protocol::{Flag, OkBody};
use apogee_rooms::{NewDiscussion, RoomChange, RoomKind, RoomRef};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

/// `channels.addAll` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct AddAllBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// Only active users.
    pub active_users_only: Option<Flag>,
}

/// A member in `channels.online`.
#[derive(Object)]
pub struct OnlineUser {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
}

/// `channels.online` answer.
#[derive(Object)]
pub struct OnlineResponse {
    /// Members not offline.
    pub online: Vec<OnlineUser>,
    /// Always `true`.
    pub success: bool,
}

/// A page of a room's uploaded files.
#[derive(Object)]
pub struct RoomFilesResponse {
    /// The files (none until uploads exist).
    pub files: Vec<Value>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// A page of a room's integrations.
#[derive(Object)]
pub struct RoomIntegrationsResponse {
    /// The integrations (none until integrations exist).
    pub integrations: Vec<Value>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `channels.getAllUserMentionsByChannel` answer.
#[derive(Object)]
pub struct MentionsResponse {
    /// Messages mentioning the caller, oldest first.
    pub mentions: Vec<MessageJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `setCustomFields` / `setEncrypted` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomFieldsBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// `setCustomFields`: a JSON object.
    pub custom_fields: Option<Value>,
    /// `setEncrypted`.
    pub encrypted: Option<Flag>,
}

impl RoomFieldsBody {
    fn room(&self) -> RoomRef {
        RoomRef {
            id: self.room_id.clone(),
            name: self.room_name.clone(),
        }
    }

    fn custom_fields(&self) -> Result<Value, Error> {
        match &self.custom_fields {
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            _ => Err(Error::Failure(
                "The bodyParam \"customFields\" is required with a type like object.".into(),
            )),
        }
    }
}

/// `rooms.saveNotification` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SaveNotificationBody {
    /// The room (the caller must be in it).
    pub room_id: Option<String>,
    /// The settings to store, by Rocket.Chat's field names: `desktopNotifications`,
    /// `mobilePushNotifications`, `emailNotifications` (`all`, `mentions`, `nothing` or `default`),
    /// `unreadAlert`, `audioNotificationValue` (`default` clears it), and the flags
    /// `disableNotifications`, `hideUnreadStatus`, `hideMentionStatus`, `muteGroupMentions`
    /// (`"1"`/`"0"` or booleans). An unknown field or level is `error-invalid-settings`.
    pub notifications: Option<Value>,
}

/// `channels.convertToTeam` / `groups.convertToTeam` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ConvertToTeamBody {
    /// Channel id (`channels.convertToTeam`).
    pub channel_id: Option<String>,
    /// Channel name (`channels.convertToTeam`).
    pub channel_name: Option<String>,
    /// Group id (`groups.convertToTeam`).
    pub room_id: Option<String>,
    /// Group name (`groups.convertToTeam`).
    pub room_name: Option<String>,
}

/// `rooms.cleanHistory` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CleanHistoryBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// Newest time of the window (required, ISO date).
    pub latest: Option<String>,
    /// Oldest time of the window (required, ISO date).
    pub oldest: Option<String>,
    /// Include the bounds.
    pub inclusive: Option<Flag>,
    /// Keep pinned messages.
    pub exclude_pinned: Option<Flag>,
    /// Only remove files.
    pub files_only: Option<Flag>,
    /// Keep threads.
    pub ignore_threads: Option<Flag>,
    /// Keep discussions.
    pub ignore_discussion: Option<Flag>,
    /// Only these usernames' messages.
    pub users: Option<Vec<String>>,
    /// At most this many messages.
    pub limit: Option<i64>,
}

/// `rooms.cleanHistory` answer.
#[derive(Object)]
pub struct CleanHistoryResponse {
    /// Room id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Messages removed.
    pub count: u64,
    /// Always `true`.
    pub success: bool,
}

/// `rooms.createDiscussion` body.
#[derive(Object, Debug)]
pub struct CreateDiscussionBody {
    /// Parent room id (required).
    pub prid: Option<String>,
    /// Parent message id.
    pub pmid: Option<String>,
    /// Discussion name (required).
    pub t_name: Option<String>,
    /// Usernames to invite.
    pub users: Option<Vec<String>>,
    /// First message in the discussion.
    pub reply: Option<String>,
    /// End-to-end encrypted.
    pub encrypted: Option<bool>,
    /// Topic.
    pub topic: Option<String>,
}

/// `rooms.createDiscussion` answer.
#[derive(Object)]
pub struct CreateDiscussionResponse {
    /// The new discussion room, with `rid`.
    pub discussion: DirectRoomJson,
    /// Always `true`.
    pub success: bool,
}

/// A page of rooms for administrators.
#[derive(Object)]
pub struct AdminRoomsResponse {
    /// The rooms.
    pub rooms: Vec<RoomJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `rooms.muteUser` / `rooms.unmuteUser` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct MuteBody {
    /// Room id (required).
    pub room_id: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Username.
    pub username: Option<String>,
}

/// The extra room operations.
pub struct RoomExtrasApi {
    /// Shared services.
    pub state: AppState,
}

fn room_ref(id: Option<String>, name: Option<String>) -> RoomRef {
    RoomRef { id, name }
}

fn empty_files(offset: u64) -> Json<RoomFilesResponse> {
    Json(RoomFilesResponse {
        files: Vec::new(),
        count: 0,
        offset,
        total: 0,
        success: true,
    })
}

/// Apogee has no teams: the permission and room checks run, then the conversion is refused.
fn teams_unsupported() -> Error {
    Error::meteor(
        "error-action-not-allowed",
        "Teams are not supported by this server",
    )
}

impl RoomExtrasApi {
    async fn files(
        &self,
        auth: &Auth,
        r: RoomRef,
        kind: RoomKind,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<RoomFilesResponse> {
        let page = page(&self.state, offset, count, None)?;
        self.state.rooms.info(&auth.0, &r, kind).await?;
        Ok(empty_files(page.offset))
    }

    async fn integrations(
        &self,
        auth: &Auth,
        r: RoomRef,
        kind: RoomKind,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> ApiResult<RoomIntegrationsResponse> {
        let mut allowed = false;
        for p in [
            "manage-outgoing-integrations",
            "manage-own-outgoing-integrations",
            "manage-incoming-integrations",
            "manage-own-incoming-integrations",
        ] {
            allowed = allowed || self.state.users.can(&auth.0, p).await?;
        }
        if !allowed {
            return Err(Error::Forbidden.into());
        }
        let page = page(&self.state, offset, count, None)?;
        self.state.rooms.find(&r, kind).await?;
        Ok(Json(RoomIntegrationsResponse {
            integrations: Vec::new(),
            count: 0,
            offset: page.offset,
            total: 0,
            success: true,
        }))
    }

    async fn set_fields(
        &self,
        auth: &Auth,
        b: &RoomFieldsBody,
        kind: RoomKind,
        change: RoomChange,
    ) -> Result<RoomJson, Error> {
        let room = self
            .state
            .rooms
            .change(&auth.0, &b.room(), kind, change)
            .await?;
        Ok(project::room(&room))
    }

    async fn convert_to_team(&self, auth: &Auth, r: RoomRef, kind: RoomKind) -> ApiResult<OkBody> {
        self.state.users.require(&auth.0, "create-team").await?;
        let room = self.state.rooms.info(&auth.0, &r, kind).await?;
        self.state
            .rooms
            .require_in_room(&auth.0, &room, "edit-room")
            .await?;
        Err(teams_unsupported().into())
    }

    async fn mute(&self, auth: &Auth, b: MuteBody, mute: bool) -> ApiResult<OkBody> {
        let rid = crate::params::required_str(b.room_id, "roomId")?;
        let who = user_selector(b.user_id.as_deref(), b.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        self.state
            .rooms
            .set_muted(&auth.0, &rid, &who, mute)
            .await?;
        Ok(Json(OkBody::ok()))
    }
}

#[OpenApi(prefix_path = "/api/v1")]
impl RoomExtrasApi {
    /// channels.addAll: adds every user (or every active one) to a channel (add-all-to-room).
    #[oai(
        path = "/channels.addAll",
        method = "post",
        operation_id = "channels.addAll",
        tag = "ApiTags::Channels"
    )]
    async fn add_all(&self, auth: Auth, body: Json<AddAllBody>) -> ApiResult<ChannelResponse> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .add_all(
                &auth.0,
                &room_ref(b.room_id, b.room_name),
                b.active_users_only.is_some_and(|f| f.0),
            )
            .await?;
        Ok(Json(ChannelResponse {
            channel: project::room(&room),
            success: true,
        }))
    }

    /// channels.online: the channel's members who are online (`_id` = the room id).
    #[oai(
        path = "/channels.online",
        method = "get",
        operation_id = "channels.online",
        tag = "ApiTags::Channels"
    )]
    async fn online(
        &self,
        auth: Auth,
        #[oai(name = "_id")] id: Query<Option<String>>,
        query: Query<Option<String>>,
    ) -> ApiResult<OnlineResponse> {
        // The legacy `query={"_id":...}` form still names the room.
        let from_query = query
            .0
            .as_deref()
            .and_then(|q| serde_json::from_str::<Value>(q).ok())
            .and_then(|v| v.get("_id").and_then(Value::as_str).map(str::to_owned));
        let rid =
            id.0.filter(|s| !s.is_empty())
                .or(from_query)
                .ok_or_else(|| Error::Failure("Invalid query".into()))?;
        let online = self
            .state
            .rooms
            .online(&auth.0, &rid)
            .await?
            .into_iter()
            .map(|(id, username)| OnlineUser { id, username })
            .collect();
        Ok(Json(OnlineResponse {
            online,
            success: true,
        }))
    }

    /// groups.online: the private group's members who are online. As in Rocket.Chat, the group is
    /// named only by the JSON `query` parameter (`query={"_id":"..."}` or `{"name":"..."}`).
    #[oai(
        path = "/groups.online",
        method = "get",
        operation_id = "groups.online",
        tag = "ApiTags::Groups"
    )]
    async fn groups_online(
        &self,
        auth: Auth,
        query: Query<Option<String>>,
    ) -> ApiResult<OnlineResponse> {
        let online = self
            .state
            .rooms
            .group_online(&auth.0, query.0.as_deref())
            .await?
            .into_iter()
            .map(|(id, username)| OnlineUser { id, username })
            .collect();
        Ok(Json(OnlineResponse {
            online,
            success: true,
        }))
    }

    /// channels.files: a channel's uploaded files (none yet: uploads are not supported).
    #[oai(
        path = "/channels.files",
        method = "get",
        operation_id = "channels.files",
        tag = "ApiTags::Channels"
    )]
    async fn channels_files(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomFilesResponse> {
        self.files(
            &auth,
            room_ref(room_id.0, room_name.0),
            RoomKind::Channel,
            offset.0,
            count.0,
        )
        .await
    }

    /// groups.files: a group's uploaded files (none yet: uploads are not supported).
    #[oai(
        path = "/groups.files",
        method = "get",
        operation_id = "groups.files",
        tag = "ApiTags::Groups"
    )]
    async fn groups_files(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomFilesResponse> {
        self.files(
            &auth,
            room_ref(room_id.0, room_name.0),
            RoomKind::Group,
            offset.0,
            count.0,
        )
        .await
    }

    /// channels.getIntegrations: a channel's integrations (any manage-*-integrations permission).
    #[oai(
        path = "/channels.getIntegrations",
        method = "get",
        operation_id = "channels.getIntegrations",
        tag = "ApiTags::Channels"
    )]
    async fn channels_integrations(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        #[oai(name = "includeAllPublicChannels")] _include_all: Query<Option<Flag>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomIntegrationsResponse> {
        self.integrations(
            &auth,
            room_ref(room_id.0, room_name.0),
            RoomKind::Channel,
            offset.0,
            count.0,
        )
        .await
    }

    /// groups.getIntegrations: a group's integrations (any manage-*-integrations permission).
    #[oai(
        path = "/groups.getIntegrations",
        method = "get",
        operation_id = "groups.getIntegrations",
        tag = "ApiTags::Groups"
    )]
    async fn groups_integrations(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        #[oai(name = "includeAllPrivateGroups")] _include_all: Query<Option<Flag>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<RoomIntegrationsResponse> {
        self.integrations(
            &auth,
            room_ref(room_id.0, room_name.0),
            RoomKind::Group,
            offset.0,
            count.0,
        )
        .await
    }

    /// channels.getAllUserMentionsByChannel: messages of a room mentioning the caller, oldest
    /// first.
    #[oai(
        path = "/channels.getAllUserMentionsByChannel",
        method = "get",
        operation_id = "channels.getAllUserMentionsByChannel",
        tag = "ApiTags::Channels"
    )]
    async fn all_mentions(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MentionsResponse> {
        let rid = crate::params::required_str(room_id.0, "roomId")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .mentioned(&auth.0, &rid, true, page.offset, page.count)
            .await?;
        let mentions: Vec<MessageJson> = msgs.iter().map(project::message).collect();
        Ok(Json(MentionsResponse {
            count: mentions.len() as u64,
            mentions,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// channels.setCustomFields: replaces a channel's custom fields (edit-room).
    #[oai(
        path = "/channels.setCustomFields",
        method = "post",
        operation_id = "channels.setCustomFields",
        tag = "ApiTags::Channels"
    )]
    async fn channels_custom_fields(
        &self,
        auth: Auth,
        body: Json<RoomFieldsBody>,
    ) -> ApiResult<ChannelResponse> {
        let change = RoomChange::CustomFields(body.0.custom_fields()?);
        let channel = self
            .set_fields(&auth, &body.0, RoomKind::Channel, change)
            .await?;
        Ok(Json(ChannelResponse {
            channel,
            success: true,
        }))
    }

    /// groups.setCustomFields: replaces a group's custom fields (edit-room).
    #[oai(
        path = "/groups.setCustomFields",
        method = "post",
        operation_id = "groups.setCustomFields",
        tag = "ApiTags::Groups"
    )]
    async fn groups_custom_fields(
        &self,
        auth: Auth,
        body: Json<RoomFieldsBody>,
    ) -> ApiResult<GroupResponse> {
        let change = RoomChange::CustomFields(body.0.custom_fields()?);
        let group = self
            .set_fields(&auth, &body.0, RoomKind::Group, change)
            .await?;
        Ok(Json(GroupResponse {
            group,
            success: true,
        }))
    }

    /// groups.setEncrypted: turns end-to-end encryption of a group on or off
    /// (toggle-room-e2e-encryption); posts room_e2e_enabled / room_e2e_disabled.
    #[oai(
        path = "/groups.setEncrypted",
        method = "post",
        operation_id = "groups.setEncrypted",
        tag = "ApiTags::Groups"
    )]
    async fn set_encrypted(
        &self,
        auth: Auth,
        body: Json<RoomFieldsBody>,
    ) -> ApiResult<GroupResponse> {
        let on = body
            .0
            .encrypted
            .ok_or_else(|| Error::missing_param("encrypted"))?
            .0;
        let group = self
            .set_fields(&auth, &body.0, RoomKind::Group, RoomChange::Encrypted(on))
            .await?;
        Ok(Json(GroupResponse {
            group,
            success: true,
        }))
    }

    /// channels.convertToTeam: checks create-team and edit-room, then refuses (no teams yet).
    #[oai(
        path = "/channels.convertToTeam",
        method = "post",
        operation_id = "channels.convertToTeam",
        tag = "ApiTags::Channels"
    )]
    async fn channels_convert(
        &self,
        auth: Auth,
        body: Json<ConvertToTeamBody>,
    ) -> ApiResult<OkBody> {
        let b = body.0;
        if b.channel_id.as_deref().unwrap_or_default().is_empty()
            && b.channel_name.as_deref().unwrap_or_default().is_empty()
        {
            return Err(Error::Failure(
                "The parameter \"channelId\" or \"channelName\" is required".into(),
            )
            .into());
        }
        self.convert_to_team(
            &auth,
            room_ref(b.channel_id, b.channel_name),
            RoomKind::Channel,
        )
        .await
    }

    /// groups.convertToTeam: checks create-team and edit-room, then refuses (no teams yet).
    #[oai(
        path = "/groups.convertToTeam",
        method = "post",
        operation_id = "groups.convertToTeam",
        tag = "ApiTags::Groups"
    )]
    async fn groups_convert(&self, auth: Auth, body: Json<ConvertToTeamBody>) -> ApiResult<OkBody> {
        let b = body.0;
        self.convert_to_team(&auth, room_ref(b.room_id, b.room_name), RoomKind::Group)
            .await
    }

    /// rooms.cleanHistory: deletes a room's messages between `oldest` and `latest`
    /// (clean-channel-history).
    #[oai(
        path = "/rooms.cleanHistory",
        method = "post",
        operation_id = "rooms.cleanHistory",
        tag = "ApiTags::Rooms"
    )]
    async fn clean_history(
        &self,
        auth: Auth,
        body: Json<CleanHistoryBody>,
    ) -> ApiResult<CleanHistoryResponse> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .any_room(&auth.0, &room_ref(b.room_id, b.room_name))
            .await
            .map_err(|e| match e {
                Error::Meteor { code, .. } if code == "error-room-not-found" => {
                    Error::meteor("error-not-allowed", "User does not have access to the room")
                }
                other => other,
            })?;
        let latest = date_param(b.latest.as_deref(), "latest")?
            .ok_or_else(|| Error::Failure("Body parameter \"latest\" is required.".into()))?;
        let oldest = date_param(b.oldest.as_deref(), "oldest")?
            .ok_or_else(|| Error::Failure("Body parameter \"oldest\" is required.".into()))?;
        let flag = |f: Option<Flag>| f.is_some_and(|f| f.0);
        let clean = CleanHistory {
            latest,
            oldest,
            inclusive: flag(b.inclusive),
            exclude_pinned: flag(b.exclude_pinned),
            files_only: flag(b.files_only),
            ignore_threads: flag(b.ignore_threads),
            ignore_discussion: flag(b.ignore_discussion),
            users: b.users.unwrap_or_default(),
            limit: u64::try_from(b.limit.unwrap_or(0)).unwrap_or(0),
        };
        let count = self
            .state
            .messages
            .clean_history(&auth.0, &room, &clean)
            .await?;
        Ok(Json(CleanHistoryResponse {
            id: room.id,
            count,
            success: true,
        }))
    }

    /// rooms.createDiscussion: opens a discussion of a room (start-discussion), optionally from
    /// one of its messages (`pmid`), inviting `users` and posting `reply`.
    #[oai(
        path = "/rooms.createDiscussion",
        method = "post",
        operation_id = "rooms.createDiscussion",
        tag = "ApiTags::Rooms"
    )]
    async fn create_discussion(
        &self,
        auth: Auth,
        body: Json<CreateDiscussionBody>,
    ) -> ApiResult<CreateDiscussionResponse> {
        let b = body.0;
        let prid = b
            .prid
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::Failure("Body parameter \"prid\" is required.".into()))?;
        let name = b
            .t_name
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| Error::Failure("Body parameter \"t_name\" is required.".into()))?;
        let room = self
            .state
            .messages
            .create_discussion(
                &auth.0,
                NewDiscussion {
                    prid,
                    pmid: b.pmid.filter(|s| !s.is_empty()),
                    name,
                    users: b.users.unwrap_or_default(),
                    encrypted: b.encrypted,
                    topic: b.topic,
                    has_reply: false,
                },
                b.reply,
            )
            .await?;
        Ok(Json(CreateDiscussionResponse {
            discussion: DirectRoomJson {
                rid: room.id.clone(),
                room: project::room(&room),
            },
            success: true,
        }))
    }

    /// rooms.adminRooms: every room, filtered by name (`filter`) and `types[]`, paged
    /// (view-room-administration).
    #[oai(
        path = "/rooms.adminRooms",
        method = "get",
        operation_id = "rooms.adminRooms",
        tag = "ApiTags::Rooms"
    )]
    async fn admin_rooms(
        &self,
        auth: Auth,
        req: &Request,
        filter: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<AdminRoomsResponse> {
        let types = query_list(req.uri().query().unwrap_or_default(), "types");
        let page = page(&self.state, offset.0, count.0, sort.0.as_deref())?;
        let (rooms, total) = self
            .state
            .rooms
            .admin_rooms(
                &auth.0,
                &types,
                filter.0.as_deref().unwrap_or_default(),
                &page,
            )
            .await?;
        let rooms = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(AdminRoomsResponse {
            count: rooms.len() as u64,
            rooms,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// rooms.saveNotification: stores the caller's notification settings for a room (shown in
    /// their subscription; announced as `subscriptions-changed`).
    #[oai(
        path = "/rooms.saveNotification",
        method = "post",
        operation_id = "rooms.saveNotification",
        tag = "ApiTags::Rooms"
    )]
    async fn save_notification(
        &self,
        auth: Auth,
        body: Json<SaveNotificationBody>,
    ) -> ApiResult<OkBody> {
        let b = body.0;
        let rid = b
            .room_id
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::Failure("The 'roomId' param is required".into()))?;
        let settings: Vec<(String, Value)> = match b.notifications {
            Some(Value::Object(m)) if !m.is_empty() => m.into_iter().collect(),
            _ => {
                return Err(Error::Failure("The 'notifications' param is required".into()).into());
            }
        };
        self.state
            .rooms
            .save_notifications(&auth.0, &rid, &settings)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// rooms.muteUser: mutes a member (mute-user); posts user-muted.
    #[oai(
        path = "/rooms.muteUser",
        method = "post",
        operation_id = "rooms.muteUser",
        tag = "ApiTags::Rooms"
    )]
    async fn mute_user(&self, auth: Auth, body: Json<MuteBody>) -> ApiResult<OkBody> {
        self.mute(&auth, body.0, true).await
    }

    /// rooms.unmuteUser: unmutes a member (mute-user); posts user-unmuted.
    #[oai(
        path = "/rooms.unmuteUser",
        method = "post",
        operation_id = "rooms.unmuteUser",
        tag = "ApiTags::Rooms"
    )]
    async fn unmute_user(&self, auth: Auth, body: Json<MuteBody>) -> ApiResult<OkBody> {
        self.mute(&auth, body.0, false).await
    }
}
