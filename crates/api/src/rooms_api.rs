//! `channels.*`, `groups.*` and `subscriptions.*`: the two room families share one implementation
//! and differ in the room type they address and the key their answers use.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::{page, required_str, user_param_missing, user_selector};
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::{Error, Timestamp};
use apogee_protocol::room::{RoomJson, SubscriptionJson};
use apogee_protocol::user::UserJson;
use apogee_protocol::{Flag, OkBody};
use apogee_rooms::{CreateRoom, RoomChange, RoomKind, RoomRef};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::{Value, json};

/// `extraData` of a room creation.
#[derive(Object, Debug, Default)]
#[oai(rename_all = "camelCase")]
pub struct CreateExtra {
    /// Topic.
    pub topic: Option<String>,
    /// Broadcast room.
    pub broadcast: Option<Flag>,
    /// End-to-end encrypted.
    pub encrypted: Option<Flag>,
    /// Team (not supported yet; ignored).
    pub team_id: Option<String>,
}

/// `channels.create` / `groups.create` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateBody {
    /// Name (required).
    pub name: Option<String>,
    /// Usernames to add.
    pub members: Option<Vec<String>>,
    /// Read-only.
    pub read_only: Option<Flag>,
    /// Do not add the creator.
    pub exclude_self: Option<Flag>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
    /// Extra options.
    pub extra_data: Option<CreateExtra>,
}

/// A body naming a room.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// Join code (`channels.join`).
    pub join_code: Option<String>,
}

/// A body naming a room and a user.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomUserBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Username.
    pub username: Option<String>,
}

/// Body of the room-setting calls: the room, and the one field the call sets.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SettingBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// `setTopic`.
    pub topic: Option<String>,
    /// `setDescription`.
    pub description: Option<String>,
    /// `setAnnouncement`.
    pub announcement: Option<String>,
    /// `rename`.
    pub name: Option<String>,
    /// `setReadOnly`.
    pub read_only: Option<Flag>,
    /// `setJoinCode`.
    pub join_code: Option<String>,
    /// `setType`: `c` or `p`.
    #[oai(rename = "type")]
    pub room_type: Option<String>,
    /// `setDefault`.
    pub default: Option<Flag>,
}

impl SettingBody {
    fn room(&self) -> RoomRef {
        RoomRef {
            id: self.room_id.clone(),
            name: self.room_name.clone(),
        }
    }
}

/// The text a setting call carries under `key` (empty strings clear a field).
fn string_field(b: &SettingBody, key: &str) -> Result<String, Error> {
    let v = match key {
        "topic" => &b.topic,
        "description" => &b.description,
        "announcement" => &b.announcement,
        "name" => &b.name,
        "joinCode" => &b.join_code,
        _ => &b.room_type,
    };
    v.clone().ok_or_else(|| Error::missing_param(key))
}

/// The boolean a setting call carries under `key`.
fn flag_field(b: &SettingBody, key: &str) -> Result<bool, Error> {
    let v = if key == "default" {
        b.default
    } else {
        b.read_only
    };
    v.map(|f| f.0).ok_or_else(|| Error::missing_param(key))
}

/// A member holding room roles (`channels.roles`).
#[derive(Object)]
pub struct RoomRoleEntry {
    /// Subscription id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// The member.
    pub u: apogee_protocol::room::UserRef,
    /// Their room roles.
    pub roles: Vec<String>,
}

/// `channels.roles` answer.
#[derive(Object)]
pub struct RoomRolesResponse {
    /// Members with room roles.
    pub roles: Vec<RoomRoleEntry>,
    /// Always `true`.
    pub success: bool,
}

/// `channels.moderators` answer.
#[derive(Object)]
pub struct ModeratorsResponse {
    /// The moderators.
    pub moderators: Vec<apogee_protocol::room::UserRef>,
    /// Always `true`.
    pub success: bool,
}

/// `{channel}`.
#[derive(Object)]
pub struct ChannelResponse {
    /// The channel.
    pub channel: RoomJson,
    /// Always `true`.
    pub success: bool,
}

/// `{group}`.
#[derive(Object)]
pub struct GroupResponse {
    /// The group.
    pub group: RoomJson,
    /// Always `true`.
    pub success: bool,
}

/// A page of channels.
#[derive(Object)]
pub struct ChannelsResponse {
    /// The channels.
    pub channels: Vec<RoomJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// A page of groups.
#[derive(Object)]
pub struct GroupsResponse {
    /// The groups.
    pub groups: Vec<RoomJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// A page of members.
#[derive(Object)]
pub struct MembersResponse {
    /// The members.
    pub members: Vec<UserJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `{update, remove}` of subscriptions.
#[derive(Object)]
pub struct SubscriptionsResponse {
    /// Subscriptions (all, or changed since `updatedSince`).
    pub update: Vec<SubscriptionJson>,
    /// Removed subscriptions since `updatedSince`.
    pub remove: Vec<crate::roles_api::RemovedId>,
    /// Always `true`.
    pub success: bool,
}

/// `subscriptions.read` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ReadBody {
    /// Room id.
    pub rid: Option<String>,
    /// Room id (alias).
    pub room_id: Option<String>,
}

/// A message reference.
#[derive(Object, Debug)]
pub struct MessageRef {
    /// Message id.
    #[oai(rename = "_id")]
    pub id: String,
}

/// `subscriptions.unread` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UnreadBody {
    /// Room id.
    pub room_id: Option<String>,
    /// The first message to show as unread.
    pub first_unread_message: Option<MessageRef>,
}

/// `{subscription}`.
#[derive(Object)]
pub struct SubscriptionResponse {
    /// The caller's subscription (`null` when not a member).
    pub subscription: Option<SubscriptionJson>,
    /// Always `true`.
    pub success: bool,
}

fn room_ref(id: Option<String>, name: Option<String>) -> RoomRef {
    RoomRef { id, name }
}

/// Shared implementation of both room families.
struct Family<'a> {
    state: &'a AppState,
    kind: RoomKind,
}

impl Family<'_> {
    async fn set_role(
        &self,
        auth: &Auth,
        b: RoomUserBody,
        role: &str,
        add: bool,
    ) -> Result<(), Error> {
        let r = room_ref(b.room_id, b.room_name);
        let who = user_selector(b.user_id.as_deref(), b.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        self.state
            .rooms
            .set_room_role_by_ref(&auth.0, &r, self.kind, &who, role, add)
            .await
    }

    async fn roles(&self, auth: &Auth, r: RoomRef) -> Result<RoomRolesResponse, Error> {
        let entries = self
            .state
            .rooms
            .roles_in_room(&auth.0, &r, self.kind)
            .await?;
        let roles = entries
            .into_iter()
            .map(|(s, a)| RoomRoleEntry {
                id: s.id.clone(),
                rid: s.rid.clone(),
                u: apogee_protocol::room::UserRef {
                    id: a.user.id,
                    username: a.user.username,
                    name: Some(a.user.name),
                },
                roles: serde_json::from_str(&s.roles).unwrap_or_default(),
            })
            .collect();
        Ok(RoomRolesResponse {
            roles,
            success: true,
        })
    }

    async fn moderators(&self, auth: &Auth, r: RoomRef) -> Result<ModeratorsResponse, Error> {
        let entries = self
            .state
            .rooms
            .roles_in_room(&auth.0, &r, self.kind)
            .await?;
        let moderators = entries
            .into_iter()
            .filter(|(s, _)| {
                apogee_rooms::access::room_roles(Some(s))
                    .iter()
                    .any(|r| r == "moderator")
            })
            .map(|(_, a)| apogee_protocol::room::UserRef {
                id: a.user.id,
                username: a.user.username,
                name: Some(a.user.name),
            })
            .collect();
        Ok(ModeratorsResponse {
            moderators,
            success: true,
        })
    }

    async fn create(&self, auth: &Auth, b: CreateBody) -> Result<RoomJson, Error> {
        let extra = b.extra_data.unwrap_or_default();
        let room = self
            .state
            .rooms
            .create(
                &auth.0,
                self.kind,
                CreateRoom {
                    name: required_str(b.name, "name")?,
                    members: b.members.unwrap_or_default(),
                    read_only: b.read_only.is_some_and(|f| f.0),
                    exclude_self: b.exclude_self.is_some_and(|f| f.0),
                    custom_fields: b.custom_fields,
                    topic: extra.topic,
                    broadcast: extra.broadcast.is_some_and(|f| f.0),
                    encrypted: extra.encrypted.is_some_and(|f| f.0),
                },
            )
            .await?;
        Ok(project::room(&room))
    }

    async fn members(
        &self,
        auth: &Auth,
        r: RoomRef,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> Result<MembersResponse, Error> {
        let page = page(self.state, offset, count, None)?;
        let (users, total) = self
            .state
            .rooms
            .members(&auth.0, &r, self.kind, &page)
            .await?;
        let members: Vec<UserJson> = users.iter().map(|a| project::user(a, false)).collect();
        Ok(MembersResponse {
            count: members.len() as u64,
            members,
            offset: page.offset,
            total,
            success: true,
        })
    }

    async fn invite_or_kick(
        &self,
        auth: &Auth,
        b: RoomUserBody,
        invite: bool,
    ) -> Result<RoomJson, Error> {
        let r = room_ref(b.room_id, b.room_name);
        let who = user_selector(b.user_id.as_deref(), b.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        let room = if invite {
            self.state
                .rooms
                .invite(&auth.0, &r, self.kind, &who)
                .await?
        } else {
            self.state.rooms.kick(&auth.0, &r, self.kind, &who).await?
        };
        Ok(project::room(&room))
    }
}

/// `channels.*`.
pub struct ChannelsApi {
    /// Shared services.
    pub state: AppState,
}

impl ChannelsApi {
    fn family(&self) -> Family<'_> {
        Family {
            state: &self.state,
            kind: RoomKind::Channel,
        }
    }
}

fn channel(room: RoomJson) -> Json<ChannelResponse> {
    Json(ChannelResponse {
        channel: room,
        success: true,
    })
}

fn group(room: RoomJson) -> Json<GroupResponse> {
    Json(GroupResponse {
        group: room,
        success: true,
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Channels")]
impl ChannelsApi {
    /// channels.create: creates a public channel (permission create-c).
    #[oai(
        path = "/channels.create",
        method = "post",
        operation_id = "channels.create"
    )]
    async fn create(&self, auth: Auth, body: Json<CreateBody>) -> ApiResult<ChannelResponse> {
        Ok(channel(self.family().create(&auth, body.0).await?))
    }

    /// channels.info: one channel by `roomId` or `roomName`.
    #[oai(
        path = "/channels.info",
        method = "get",
        operation_id = "channels.info"
    )]
    async fn info(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<ChannelResponse> {
        let room = self
            .state
            .rooms
            .info(
                &auth.0,
                &room_ref(room_id.0, room_name.0),
                RoomKind::Channel,
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.list: every public channel, paged.
    #[oai(
        path = "/channels.list",
        method = "get",
        operation_id = "channels.list"
    )]
    async fn list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<ChannelsResponse> {
        let page = page(&self.state, offset.0, count.0, sort.0.as_deref())?;
        let (rooms, total) = self.state.rooms.list_channels(&auth.0, &page).await?;
        let channels = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(ChannelsResponse {
            count: channels.len() as u64,
            channels,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// channels.list.joined: the public channels the caller is in, paged.
    #[oai(
        path = "/channels.list.joined",
        method = "get",
        operation_id = "channels.list.joined"
    )]
    async fn list_joined(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<ChannelsResponse> {
        let page = page(&self.state, offset.0, count.0, None)?;
        let (rooms, total) = self
            .state
            .rooms
            .joined(&auth.0, RoomKind::Channel, &page)
            .await?;
        let channels = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(ChannelsResponse {
            count: channels.len() as u64,
            channels,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// channels.join: joins a public channel (with `joinCode` when it has one).
    #[oai(
        path = "/channels.join",
        method = "post",
        operation_id = "channels.join"
    )]
    async fn join(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<ChannelResponse> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .join(
                &auth.0,
                &room_ref(b.room_id, b.room_name),
                b.join_code.as_deref(),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.leave: leaves a channel (the last owner must hand over first).
    #[oai(
        path = "/channels.leave",
        method = "post",
        operation_id = "channels.leave"
    )]
    async fn leave(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<ChannelResponse> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .leave(
                &auth.0,
                &room_ref(b.room_id, b.room_name),
                RoomKind::Channel,
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.invite: adds a user to a channel.
    #[oai(
        path = "/channels.invite",
        method = "post",
        operation_id = "channels.invite"
    )]
    async fn invite(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<ChannelResponse> {
        Ok(channel(
            self.family().invite_or_kick(&auth, body.0, true).await?,
        ))
    }

    /// channels.kick: removes a user from a channel (permission remove-user).
    #[oai(
        path = "/channels.kick",
        method = "post",
        operation_id = "channels.kick"
    )]
    async fn kick(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<ChannelResponse> {
        Ok(channel(
            self.family().invite_or_kick(&auth, body.0, false).await?,
        ))
    }

    /// channels.members: a page of a channel's members.
    #[oai(
        path = "/channels.members",
        method = "get",
        operation_id = "channels.members"
    )]
    async fn members(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersResponse> {
        Ok(Json(
            self.family()
                .members(&auth, room_ref(room_id.0, room_name.0), offset.0, count.0)
                .await?,
        ))
    }

    /// channels.setTopic: sets the topic (permission edit-room in the room).
    #[oai(
        path = "/channels.setTopic",
        method = "post",
        operation_id = "channels.setTopic"
    )]
    async fn set_topic(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "topic")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Topic(v.clone()),
            )
            .await?;
        Ok(Json(json!({"topic": v, "success": true})))
    }

    /// channels.setDescription: sets the description (permission edit-room in the room).
    #[oai(
        path = "/channels.setDescription",
        method = "post",
        operation_id = "channels.setDescription"
    )]
    async fn set_description(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "description")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Description(v.clone()),
            )
            .await?;
        Ok(Json(json!({"description": v, "success": true})))
    }

    /// channels.setAnnouncement: sets the announcement (permission edit-room in the room).
    #[oai(
        path = "/channels.setAnnouncement",
        method = "post",
        operation_id = "channels.setAnnouncement"
    )]
    async fn set_announcement(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "announcement")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Announcement(v.clone()),
            )
            .await?;
        Ok(Json(json!({"announcement": v, "success": true})))
    }

    /// channels.rename: sets the new name (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/channels.rename",
        method = "post",
        operation_id = "channels.rename"
    )]
    async fn rename(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<ChannelResponse> {
        let v = string_field(&body.0, "name")?;
        // Rocket.Chat's channels.rename (not groups.rename) refuses a no-op rename itself.
        let current = self
            .state
            .rooms
            .find(&body.0.room(), RoomKind::Channel)
            .await?;
        if current.name.as_deref() == Some(v.as_str()) {
            return Err(Error::Failure(
                "The channel name is the same as what it would be renamed to.".into(),
            )
            .into());
        }
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Name(v),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.setReadOnly: sets read-only (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/channels.setReadOnly",
        method = "post",
        operation_id = "channels.setReadOnly"
    )]
    async fn set_read_only(
        &self,
        auth: Auth,
        body: Json<SettingBody>,
    ) -> ApiResult<ChannelResponse> {
        let v = flag_field(&body.0, "readOnly")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::ReadOnly(v),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.setJoinCode: sets the join code (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/channels.setJoinCode",
        method = "post",
        operation_id = "channels.setJoinCode"
    )]
    async fn set_join_code(
        &self,
        auth: Auth,
        body: Json<SettingBody>,
    ) -> ApiResult<ChannelResponse> {
        let v = string_field(&body.0, "joinCode")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::JoinCode(v),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.setType: sets `c` or `p` (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/channels.setType",
        method = "post",
        operation_id = "channels.setType"
    )]
    async fn set_type(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<ChannelResponse> {
        let v = string_field(&body.0, "type")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Type(v),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.archive: archives a room (permission archive-room).
    #[oai(
        path = "/channels.archive",
        method = "post",
        operation_id = "channels.archive"
    )]
    async fn archive(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Archived(true),
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.unarchive: unarchives a room (permission unarchive-room).
    #[oai(
        path = "/channels.unarchive",
        method = "post",
        operation_id = "channels.unarchive"
    )]
    async fn unarchive(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Archived(false),
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.setDefault: makes new users join this channel, or stop joining it.
    #[oai(
        path = "/channels.setDefault",
        method = "post",
        operation_id = "channels.setDefault"
    )]
    async fn set_default(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<ChannelResponse> {
        let v = flag_field(&body.0, "default")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Channel,
                RoomChange::Default(v),
            )
            .await?;
        Ok(channel(project::room(&room)))
    }

    /// channels.delete: deletes a room with its messages (delete-c / delete-p in the room).
    #[oai(
        path = "/channels.delete",
        method = "post",
        operation_id = "channels.delete"
    )]
    async fn delete(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .delete_room(&auth.0, &body.0.room(), RoomKind::Channel)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.addOwner: gives the room role owner to a member.
    #[oai(
        path = "/channels.addOwner",
        method = "post",
        operation_id = "channels.addOwner"
    )]
    async fn add_owner(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family().set_role(&auth, body.0, "owner", true).await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.removeOwner: takes the room role owner from a member.
    #[oai(
        path = "/channels.removeOwner",
        method = "post",
        operation_id = "channels.removeOwner"
    )]
    async fn remove_owner(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "owner", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.addModerator: gives the room role moderator to a member.
    #[oai(
        path = "/channels.addModerator",
        method = "post",
        operation_id = "channels.addModerator"
    )]
    async fn add_moderator(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "moderator", true)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.removeModerator: takes the room role moderator from a member.
    #[oai(
        path = "/channels.removeModerator",
        method = "post",
        operation_id = "channels.removeModerator"
    )]
    async fn remove_moderator(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "moderator", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.addLeader: gives the room role leader to a member.
    #[oai(
        path = "/channels.addLeader",
        method = "post",
        operation_id = "channels.addLeader"
    )]
    async fn add_leader(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "leader", true)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.removeLeader: takes the room role leader from a member.
    #[oai(
        path = "/channels.removeLeader",
        method = "post",
        operation_id = "channels.removeLeader"
    )]
    async fn remove_leader(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "leader", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.roles: members holding room roles.
    #[oai(
        path = "/channels.roles",
        method = "get",
        operation_id = "channels.roles"
    )]
    async fn roles(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<RoomRolesResponse> {
        Ok(Json(
            self.family()
                .roles(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }

    /// channels.moderators: the room's moderators.
    #[oai(
        path = "/channels.moderators",
        method = "get",
        operation_id = "channels.moderators"
    )]
    async fn moderators(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<ModeratorsResponse> {
        Ok(Json(
            self.family()
                .moderators(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }

    /// channels.open: shows the room in the caller's room list again.
    #[oai(
        path = "/channels.open",
        method = "post",
        operation_id = "channels.open"
    )]
    async fn open(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<OkBody> {
        self.family().open_close(&auth, body.0, true).await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.close: hides the room from the caller's room list.
    #[oai(
        path = "/channels.close",
        method = "post",
        operation_id = "channels.close"
    )]
    async fn close(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<OkBody> {
        self.family().open_close(&auth, body.0, false).await?;
        Ok(Json(OkBody::ok()))
    }

    /// channels.counters: member, message and unread counts of a room for the caller.
    #[oai(
        path = "/channels.counters",
        method = "get",
        operation_id = "channels.counters"
    )]
    async fn counters(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<CountersResponse> {
        Ok(Json(
            self.family()
                .counters(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }
}

/// `groups.*`.
pub struct GroupsApi {
    /// Shared services.
    pub state: AppState,
}

impl GroupsApi {
    fn family(&self) -> Family<'_> {
        Family {
            state: &self.state,
            kind: RoomKind::Group,
        }
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Groups")]
impl GroupsApi {
    /// groups.create: creates a private group (permission create-p).
    #[oai(
        path = "/groups.create",
        method = "post",
        operation_id = "groups.create"
    )]
    async fn create(&self, auth: Auth, body: Json<CreateBody>) -> ApiResult<GroupResponse> {
        Ok(group(self.family().create(&auth, body.0).await?))
    }

    /// groups.info: one group the caller is in, by `roomId` or `roomName`.
    #[oai(path = "/groups.info", method = "get", operation_id = "groups.info")]
    async fn info(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<GroupResponse> {
        let room = self
            .state
            .rooms
            .info(&auth.0, &room_ref(room_id.0, room_name.0), RoomKind::Group)
            .await?;
        Ok(group(project::room(&room)))
    }

    /// groups.list: the private groups the caller is in, paged.
    #[oai(path = "/groups.list", method = "get", operation_id = "groups.list")]
    async fn list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<GroupsResponse> {
        let page = page(&self.state, offset.0, count.0, None)?;
        let (rooms, total) = self
            .state
            .rooms
            .joined(&auth.0, RoomKind::Group, &page)
            .await?;
        let groups = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(GroupsResponse {
            count: groups.len() as u64,
            groups,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// groups.listAll: every private group (permission view-room-administration).
    #[oai(
        path = "/groups.listAll",
        method = "get",
        operation_id = "groups.listAll"
    )]
    async fn list_all(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<GroupsResponse> {
        let page = page(&self.state, offset.0, count.0, sort.0.as_deref())?;
        let (rooms, total) = self.state.rooms.list_all_groups(&auth.0, &page).await?;
        let groups = project::rooms_with_last(self.state.users.db(), &rooms).await?;
        Ok(Json(GroupsResponse {
            count: groups.len() as u64,
            groups,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// groups.leave: leaves a group (the last owner must hand over first).
    #[oai(path = "/groups.leave", method = "post", operation_id = "groups.leave")]
    async fn leave(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<GroupResponse> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .leave(&auth.0, &room_ref(b.room_id, b.room_name), RoomKind::Group)
            .await?;
        Ok(group(project::room(&room)))
    }

    /// groups.invite: adds a user to a group.
    #[oai(
        path = "/groups.invite",
        method = "post",
        operation_id = "groups.invite"
    )]
    async fn invite(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<GroupResponse> {
        Ok(group(
            self.family().invite_or_kick(&auth, body.0, true).await?,
        ))
    }

    /// groups.kick: removes a user from a group (permission remove-user).
    #[oai(path = "/groups.kick", method = "post", operation_id = "groups.kick")]
    async fn kick(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<GroupResponse> {
        Ok(group(
            self.family().invite_or_kick(&auth, body.0, false).await?,
        ))
    }

    /// groups.members: a page of a group's members.
    #[oai(
        path = "/groups.members",
        method = "get",
        operation_id = "groups.members"
    )]
    async fn members(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersResponse> {
        Ok(Json(
            self.family()
                .members(&auth, room_ref(room_id.0, room_name.0), offset.0, count.0)
                .await?,
        ))
    }

    /// groups.setTopic: sets the topic (permission edit-room in the room).
    #[oai(
        path = "/groups.setTopic",
        method = "post",
        operation_id = "groups.setTopic"
    )]
    async fn set_topic(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "topic")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Topic(v.clone()),
            )
            .await?;
        Ok(Json(json!({"topic": v, "success": true})))
    }

    /// groups.setDescription: sets the description (permission edit-room in the room).
    #[oai(
        path = "/groups.setDescription",
        method = "post",
        operation_id = "groups.setDescription"
    )]
    async fn set_description(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "description")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Description(v.clone()),
            )
            .await?;
        Ok(Json(json!({"description": v, "success": true})))
    }

    /// groups.setAnnouncement: sets the announcement (permission edit-room in the room).
    #[oai(
        path = "/groups.setAnnouncement",
        method = "post",
        operation_id = "groups.setAnnouncement"
    )]
    async fn set_announcement(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<Value> {
        let v = string_field(&body.0, "announcement")?;
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Announcement(v.clone()),
            )
            .await?;
        Ok(Json(json!({"announcement": v, "success": true})))
    }

    /// groups.rename: sets the new name (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/groups.rename",
        method = "post",
        operation_id = "groups.rename"
    )]
    async fn rename(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<GroupResponse> {
        let v = string_field(&body.0, "name")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Name(v),
            )
            .await?;
        Ok(group(project::room(&room)))
    }

    /// groups.setReadOnly: sets read-only (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/groups.setReadOnly",
        method = "post",
        operation_id = "groups.setReadOnly"
    )]
    async fn set_read_only(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<GroupResponse> {
        let v = flag_field(&body.0, "readOnly")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::ReadOnly(v),
            )
            .await?;
        Ok(group(project::room(&room)))
    }

    /// groups.setType: sets `c` or `p` (permission edit-room in the room, or the specific one).
    #[oai(
        path = "/groups.setType",
        method = "post",
        operation_id = "groups.setType"
    )]
    async fn set_type(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<GroupResponse> {
        let v = string_field(&body.0, "type")?;
        let room = self
            .state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Type(v),
            )
            .await?;
        Ok(group(project::room(&room)))
    }

    /// groups.archive: archives a room (permission archive-room).
    #[oai(
        path = "/groups.archive",
        method = "post",
        operation_id = "groups.archive"
    )]
    async fn archive(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Archived(true),
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.unarchive: unarchives a room (permission unarchive-room).
    #[oai(
        path = "/groups.unarchive",
        method = "post",
        operation_id = "groups.unarchive"
    )]
    async fn unarchive(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .change(
                &auth.0,
                &body.0.room(),
                RoomKind::Group,
                RoomChange::Archived(false),
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.delete: deletes a room with its messages (delete-c / delete-p in the room).
    #[oai(
        path = "/groups.delete",
        method = "post",
        operation_id = "groups.delete"
    )]
    async fn delete(&self, auth: Auth, body: Json<SettingBody>) -> ApiResult<OkBody> {
        self.state
            .rooms
            .delete_room(&auth.0, &body.0.room(), RoomKind::Group)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.addOwner: gives the room role owner to a member.
    #[oai(
        path = "/groups.addOwner",
        method = "post",
        operation_id = "groups.addOwner"
    )]
    async fn add_owner(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family().set_role(&auth, body.0, "owner", true).await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.removeOwner: takes the room role owner from a member.
    #[oai(
        path = "/groups.removeOwner",
        method = "post",
        operation_id = "groups.removeOwner"
    )]
    async fn remove_owner(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "owner", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.addModerator: gives the room role moderator to a member.
    #[oai(
        path = "/groups.addModerator",
        method = "post",
        operation_id = "groups.addModerator"
    )]
    async fn add_moderator(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "moderator", true)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.removeModerator: takes the room role moderator from a member.
    #[oai(
        path = "/groups.removeModerator",
        method = "post",
        operation_id = "groups.removeModerator"
    )]
    async fn remove_moderator(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "moderator", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.addLeader: gives the room role leader to a member.
    #[oai(
        path = "/groups.addLeader",
        method = "post",
        operation_id = "groups.addLeader"
    )]
    async fn add_leader(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "leader", true)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.removeLeader: takes the room role leader from a member.
    #[oai(
        path = "/groups.removeLeader",
        method = "post",
        operation_id = "groups.removeLeader"
    )]
    async fn remove_leader(&self, auth: Auth, body: Json<RoomUserBody>) -> ApiResult<OkBody> {
        self.family()
            .set_role(&auth, body.0, "leader", false)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.roles: members holding room roles.
    #[oai(path = "/groups.roles", method = "get", operation_id = "groups.roles")]
    async fn roles(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<RoomRolesResponse> {
        Ok(Json(
            self.family()
                .roles(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }

    /// groups.moderators: the room's moderators.
    #[oai(
        path = "/groups.moderators",
        method = "get",
        operation_id = "groups.moderators"
    )]
    async fn moderators(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<ModeratorsResponse> {
        Ok(Json(
            self.family()
                .moderators(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }

    /// groups.open: shows the room in the caller's room list again.
    #[oai(path = "/groups.open", method = "post", operation_id = "groups.open")]
    async fn open(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<OkBody> {
        self.family().open_close(&auth, body.0, true).await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.close: hides the room from the caller's room list.
    #[oai(path = "/groups.close", method = "post", operation_id = "groups.close")]
    async fn close(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<OkBody> {
        self.family().open_close(&auth, body.0, false).await?;
        Ok(Json(OkBody::ok()))
    }

    /// groups.counters: member, message and unread counts of a room for the caller.
    #[oai(
        path = "/groups.counters",
        method = "get",
        operation_id = "groups.counters"
    )]
    async fn counters(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<CountersResponse> {
        Ok(Json(
            self.family()
                .counters(&auth, room_ref(room_id.0, room_name.0))
                .await?,
        ))
    }
}

/// `subscriptions.*`.
pub struct SubscriptionsApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Subscriptions")]
impl SubscriptionsApi {
    /// subscriptions.get: the caller's subscriptions, or those changed since `updatedSince`.
    #[oai(
        path = "/subscriptions.get",
        method = "get",
        operation_id = "subscriptions.get"
    )]
    async fn get(
        &self,
        auth: Auth,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<SubscriptionsResponse> {
        let since = crate::params::date_param(updated_since.0.as_deref(), "updatedSince")?;
        let (subs, removed) = self.state.rooms.subscriptions_of(auth.id(), since).await?;
        let rooms = self.state.rooms.rooms_of(&subs).await?;
        let update = subs
            .iter()
            .map(|s| {
                project::subscription(s, rooms.iter().find(|r| r.id == s.rid), &auth.0.account)
            })
            .collect();
        let remove = removed
            .into_iter()
            .map(|id| crate::roles_api::RemovedId { id })
            .collect();
        Ok(Json(SubscriptionsResponse {
            update,
            remove,
            success: true,
        }))
    }

    /// subscriptions.read: marks a room read for the caller.
    #[oai(
        path = "/subscriptions.read",
        method = "post",
        operation_id = "subscriptions.read"
    )]
    async fn read(&self, auth: Auth, body: Json<ReadBody>) -> ApiResult<apogee_protocol::OkBody> {
        let rid = required_str(body.0.rid.or(body.0.room_id), "rid")?;
        self.state.rooms.mark_read(&auth.0, &rid).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// subscriptions.unread: marks a room unread from `firstUnreadMessage` (or its last message).
    #[oai(
        path = "/subscriptions.unread",
        method = "post",
        operation_id = "subscriptions.unread"
    )]
    async fn unread(
        &self,
        auth: Auth,
        body: Json<UnreadBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let b = body.0;
        // Rocket.Chat takes `roomId` first when both are given.
        match (b.room_id.filter(|r| !r.is_empty()), b.first_unread_message) {
            (Some(rid), _) => self.state.rooms.mark_room_unread(&auth.0, &rid).await?,
            (None, Some(m)) => self.state.rooms.mark_unread_from(&auth.0, &m.id).await?,
            (None, None) => return Err(Error::missing_param("roomId").into()),
        }
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// subscriptions.getOne: the caller's subscription to one room.
    #[oai(
        path = "/subscriptions.getOne",
        method = "get",
        operation_id = "subscriptions.getOne"
    )]
    async fn get_one(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
    ) -> ApiResult<SubscriptionResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let sub = self.state.rooms.subscription(auth.id(), &rid).await?;
        let subscription = match sub {
            Some(s) => {
                let rooms = self.state.rooms.rooms_of(std::slice::from_ref(&s)).await?;
                Some(project::subscription(&s, rooms.first(), &auth.0.account))
            }
            None => None,
        };
        Ok(Json(SubscriptionResponse {
            subscription,
            success: true,
        }))
    }
}

/// A deleted or left room in `rooms.get`.
#[derive(Object)]
pub struct RemovedRoom {
    /// Room id.
    #[oai(rename = "_id")]
    pub id: String,
}

/// `rooms.get` answer.
#[derive(Object)]
pub struct RoomsGetResponse {
    /// The caller's rooms (all, or changed since `updatedSince`).
    pub update: Vec<RoomJson>,
    /// Rooms deleted or left since `updatedSince`.
    pub remove: Vec<RemovedRoom>,
    /// Always `true`.
    pub success: bool,
}

/// `rooms.info` answer.
#[derive(Object)]
pub struct RoomInfoResponse {
    /// The room.
    pub room: RoomJson,
    /// Always `true`.
    pub success: bool,
}

/// `rooms.favorite` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct FavoriteBody {
    /// Room id.
    pub room_id: Option<String>,
    /// Room name.
    pub room_name: Option<String>,
    /// Favorite or not (required).
    pub favorite: Option<Flag>,
}

/// `channels.counters` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct CountersResponse {
    /// Whether the caller is a member.
    pub joined: bool,
    /// Members.
    pub members: i64,
    /// Unread messages.
    pub unreads: i64,
    /// Last seen.
    pub unreads_from: Option<String>,
    /// Messages.
    pub msgs: i64,
    /// Last message time.
    pub latest: Option<String>,
    /// Unread direct mentions.
    pub user_mentions: i64,
    /// Always `true`.
    pub success: bool,
}

/// Projects counters.
pub fn counters_json(c: apogee_rooms::Counters) -> CountersResponse {
    CountersResponse {
        joined: c.joined,
        members: c.members,
        unreads: c.unreads,
        unreads_from: c.unreads_from.map(|t| Timestamp(t).to_iso()),
        msgs: c.msgs,
        latest: c.latest.map(|t| Timestamp(t).to_iso()),
        user_mentions: c.user_mentions,
        success: true,
    }
}

impl Family<'_> {
    async fn open_close(&self, auth: &Auth, b: RoomBody, open: bool) -> Result<(), Error> {
        let room = self
            .state
            .rooms
            .find(&room_ref(b.room_id, b.room_name), self.kind)
            .await?;
        if !open
            && self
                .state
                .rooms
                .subscription(auth.0.id(), &room.id)
                .await?
                .is_some_and(|s| !s.open)
        {
            // Rocket.Chat answers a second close with a plain-string failure.
            let what = if self.kind == RoomKind::Channel {
                "channel"
            } else {
                "private group"
            };
            let name = room.name.unwrap_or_default();
            return Err(Error::Failure(format!(
                "The {what}, {name}, is already closed to the sender"
            )));
        }
        self.state
            .rooms
            .set_flag(&auth.0, &room.id, None, Some(open))
            .await
    }

    async fn counters(&self, auth: &Auth, r: RoomRef) -> Result<CountersResponse, Error> {
        let room = self.state.rooms.info(&auth.0, &r, self.kind).await?;
        Ok(counters_json(
            self.state.rooms.counters(&auth.0, &room).await?,
        ))
    }
}

/// `rooms.*`.
pub struct RoomsApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// rooms.get: the rooms the caller is in (with `lastMessage`), or those changed since `updatedSince`.
    #[oai(path = "/rooms.get", method = "get", operation_id = "rooms.get")]
    async fn get(
        &self,
        auth: Auth,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<RoomsGetResponse> {
        let since = crate::params::date_param(updated_since.0.as_deref(), "updatedSince")?;
        let (update, remove) = self.state.rooms.rooms_of_user(auth.id(), since).await?;
        Ok(Json(RoomsGetResponse {
            update: project::rooms_with_last(self.state.users.db(), &update).await?,
            remove: remove.into_iter().map(|id| RemovedRoom { id }).collect(),
            success: true,
        }))
    }

    /// rooms.favorite: marks a room as a favorite of the caller, or not.
    #[oai(
        path = "/rooms.favorite",
        method = "post",
        operation_id = "rooms.favorite"
    )]
    async fn favorite(&self, auth: Auth, body: Json<FavoriteBody>) -> ApiResult<OkBody> {
        let b = body.0;
        let fav = b
            .favorite
            .ok_or_else(|| Error::missing_param("favorite"))?
            .0;
        let room = self
            .state
            .rooms
            .any_room(&auth.0, &room_ref(b.room_id, b.room_name))
            .await?;
        self.state
            .rooms
            .set_flag(&auth.0, &room.id, Some(fav), None)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// rooms.leave: leaves a channel or group (the last owner must hand over first).
    #[oai(path = "/rooms.leave", method = "post", operation_id = "rooms.leave")]
    async fn leave(&self, auth: Auth, body: Json<RoomBody>) -> ApiResult<OkBody> {
        let b = body.0;
        let room = self
            .state
            .rooms
            .any_room(&auth.0, &room_ref(b.room_id, b.room_name))
            .await?;
        let kind = if room.t == "p" {
            RoomKind::Group
        } else {
            RoomKind::Channel
        };
        if room.t == "d" {
            return Err(Error::meteor(
                "error-not-allowed",
                "Direct messages are closed with dm.close",
            )
            .into());
        }
        self.state
            .rooms
            .leave(
                &auth.0,
                &RoomRef {
                    id: Some(room.id),
                    name: None,
                },
                kind,
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// rooms.info: any room the caller may see, by `roomId` or `roomName`.
    #[oai(path = "/rooms.info", method = "get", operation_id = "rooms.info")]
    async fn info(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<RoomInfoResponse> {
        let room = self
            .state
            .rooms
            .any_room(&auth.0, &room_ref(room_id.0, room_name.0))
            .await?;
        let mut list =
            project::rooms_with_last(self.state.users.db(), std::slice::from_ref(&room)).await?;
        let room = list
            .pop()
            .ok_or_else(|| Error::internal("room projection missing"))?;
        Ok(Json(RoomInfoResponse {
            room,
            success: true,
        }))
    }
}
