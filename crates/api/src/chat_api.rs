//! `chat.*` and room history.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{page, required, required_str};
use crate::project;
use crate::raw_json::RawJson;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::{Error, Timestamp};
use apogee_messages::{NewMessage, SendMode, Target};
use apogee_protocol::Flag;
use apogee_protocol::room::MessageJson;
use apogee_rooms::{RoomKind, RoomRef};
use apogee_storage::repo;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

/// `chat.postMessage` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct PostMessageBody {
    /// Room id (a string, or a list).
    pub room_id: Option<Value>,
    /// `#channel`, `@username`, or a room id (a string, or a list).
    pub channel: Option<Value>,
    /// Text.
    pub text: Option<String>,
    /// Display name override.
    pub alias: Option<String>,
    /// Emoji avatar override.
    pub emoji: Option<String>,
    /// Avatar URL override.
    pub avatar: Option<String>,
    /// Slack-style attachments.
    pub attachments: Option<Value>,
    /// Thread root.
    pub tmid: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
}

/// `chat.postMessage` answer.
#[derive(Object)]
pub struct PostMessageResponse {
    /// Posting time in epoch milliseconds (a number, as Rocket.Chat sends it).
    pub ts: i64,
    /// The `channel` (or `roomId`) parameter, echoed.
    pub channel: Value,
    /// The message.
    pub message: MessageJson,
    /// Always `true`.
    pub success: bool,
}

/// The message of `chat.sendMessage`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct OutgoingMessage {
    /// Client-chosen id.
    #[oai(rename = "_id")]
    pub id: Option<String>,
    /// Room id (required).
    pub rid: Option<String>,
    /// Text.
    pub msg: Option<String>,
    /// Thread root.
    pub tmid: Option<String>,
    /// Also show a thread reply in the room.
    pub tshow: Option<Flag>,
    /// Display name override.
    pub alias: Option<String>,
    /// Emoji avatar override.
    pub emoji: Option<String>,
    /// Avatar URL override.
    pub avatar: Option<String>,
    /// Slack-style attachments.
    pub attachments: Option<Value>,
    /// Bot marker.
    pub bot: Option<Value>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
}

/// `chat.sendMessage` body.
#[derive(Object, Debug)]
pub struct SendMessageBody {
    /// The message (required).
    pub message: Option<OutgoingMessage>,
}

/// `{message}`.
#[derive(Object)]
pub struct ChatMessageResponse {
    /// The message.
    pub message: MessageJson,
    /// Always `true`.
    pub success: bool,
}

/// `chat.update` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UpdateBody {
    /// Room id (required).
    pub room_id: Option<String>,
    /// Message id (required).
    pub msg_id: Option<String>,
    /// New text (required).
    pub text: Option<String>,
}

/// `chat.delete` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeleteBody {
    /// Room id (required).
    pub room_id: Option<String>,
    /// Message id (required).
    pub msg_id: Option<String>,
    /// Delete as the author (needs the permission anyway).
    pub as_user: Option<Flag>,
}

/// What `chat.delete` says about the deleted message.
#[derive(Object)]
pub struct DeletedRef {
    /// Message id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Author.
    pub u: apogee_protocol::room::UserRef,
}

/// `chat.delete` answer.
#[derive(Object)]
pub struct DeleteResponse {
    /// Message id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Deletion time in epoch milliseconds, as a string (Rocket.Chat's shape).
    pub ts: String,
    /// The deleted message.
    pub message: DeletedRef,
    /// Always `true`.
    pub success: bool,
}

/// A body naming a message.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct MessageIdBody {
    /// Message id (required).
    pub message_id: Option<String>,
    /// Emoji (`chat.react`).
    pub emoji: Option<String>,
    /// Force adding (`true`) or removing (`false`) the reaction.
    pub should_react: Option<Flag>,
}

/// `chat.followMessage` body.
#[derive(Object, Debug)]
pub struct FollowBody {
    /// Thread root message id (required).
    pub mid: Option<String>,
}

/// A page of messages.
#[derive(Object)]
pub struct MessagesPageResponse {
    /// The messages.
    pub messages: Vec<MessageJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `chat.getThreadsList` answer.
#[derive(Object)]
pub struct ThreadsResponse {
    /// Thread roots, latest reply first.
    pub threads: Vec<MessageJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// A deleted message in sync answers.
#[derive(Object)]
pub struct DeletedMessage {
    /// Message id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Deletion time.
    #[oai(rename = "_deletedAt")]
    pub deleted_at: String,
}

/// `{updated, deleted}`.
#[derive(Object)]
pub struct SyncResult {
    /// Messages changed since `lastUpdate`.
    pub updated: Vec<MessageJson>,
    /// Messages deleted since `lastUpdate`.
    pub deleted: Vec<DeletedMessage>,
}

/// `chat.syncMessages` answer.
#[derive(Object)]
pub struct SyncResponse {
    /// The changes.
    pub result: SyncResult,
    /// Always `true`.
    pub success: bool,
}

/// `chat.getDeletedMessages` answer.
#[derive(Object)]
pub struct DeletedResponse {
    /// Deleted message ids.
    pub messages: Vec<DeletedMessage>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

fn since_param(v: Option<String>, name: &str) -> Result<Timestamp, Error> {
    crate::params::date_param(v.as_deref(), name)?.ok_or_else(|| Error::missing_param(name))
}

/// `{messages}`.
#[derive(Object)]
pub struct HistoryResponse {
    /// Messages, newest first.
    pub messages: Vec<MessageJson>,
    /// Always `true`.
    pub success: bool,
}

fn targets(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Chat operations.
pub struct ChatApi {
    /// Shared services.
    pub state: AppState,
}

impl ChatApi {
    async fn resolve(&self, auth: &apogee_users::AuthUser, target: &str) -> Result<Target, Error> {
        let invalid = || Error::meteor("invalid-channel", "Invalid channel");
        let db = self.state.users.db();
        let room = if let Some(name) = target.strip_prefix('#') {
            repo::rooms::by_name(db, name).await?.ok_or_else(invalid)?
        } else if let Some(username) = target.strip_prefix('@') {
            self.state
                .rooms
                .create_direct(auth, &[username.to_owned()])
                .await?
                .0
        } else {
            // A room id, the usual case: the room and the poster's subscription in one read.
            return self
                .state
                .messages
                .target(auth, target)
                .await?
                .ok_or_else(invalid);
        };
        let sub = self.state.rooms.subscription(auth.id(), &room.id).await?;
        Ok(Target { room, sub })
    }

    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        auth: &Auth,
        kind: RoomKind,
        room_id: Option<String>,
        room_name: Option<String>,
        latest: Option<String>,
        oldest: Option<String>,
        inclusive: Option<Flag>,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> Result<RawJson<HistoryResponse>, ApiError> {
        let date = |v: Option<String>, name: &str| -> Result<Option<Timestamp>, Error> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Timestamp::parse(s)
                    .map(Some)
                    .ok_or_else(|| Error::invalid_params(format!("{name} must be a date"))),
            }
        };
        let page = page(&self.state, offset, count, None)?;
        let (latest, oldest) = (date(latest, "latest")?, date(oldest, "oldest")?);
        let room = self
            .state
            .rooms
            .info(
                &auth.0,
                &RoomRef {
                    id: room_id,
                    name: room_name,
                },
                kind,
            )
            .await?;
        if latest.is_none() && oldest.is_none() {
            let cached = self
                .state
                .history
                .newest(&self.state.messages, &room, page.offset, page.count)
                .await?;
            if let Some(body) = cached {
                return Ok(RawJson::from_bytes(body));
            }
        }
        let messages = self
            .state
            .messages
            .history_of(
                &room,
                latest,
                oldest,
                inclusive.is_some_and(|f| f.0),
                page.offset,
                page.count,
            )
            .await?;
        Ok(RawJson::of(&HistoryResponse {
            messages: messages.iter().map(project::message).collect(),
            success: true,
        }))
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Chat")]
impl ChatApi {
    /// chat.postMessage: posts into a room, `#channel` or `@user` (joins public channels on the way).
    #[oai(
        path = "/chat.postMessage",
        method = "post",
        operation_id = "chat.postMessage"
    )]
    async fn post_message(
        &self,
        auth: Auth,
        body: Json<PostMessageBody>,
    ) -> ApiResult<PostMessageResponse> {
        let b = body.0;
        let echo = b.channel.clone().or_else(|| b.room_id.clone());
        let echo = echo.ok_or_else(|| Error::meteor("error-invalid-channel", "Invalid channel"))?;
        let list = targets(&echo);
        if list.is_empty() {
            return Err(Error::meteor("error-invalid-channel", "Invalid channel").into());
        }
        let mut first = None;
        for target in list {
            let to = self.resolve(&auth.0, target.trim()).await?;
            let m = self
                .state
                .messages
                .send_to_target(
                    &auth.0,
                    to,
                    NewMessage {
                        msg: b.text.clone().unwrap_or_default(),
                        tmid: b.tmid.clone(),
                        alias: b.alias.clone(),
                        emoji: b.emoji.clone(),
                        avatar: b.avatar.clone(),
                        attachments: b.attachments.clone(),
                        custom_fields: b.custom_fields.clone(),
                        ..NewMessage::default()
                    },
                    SendMode::Post,
                )
                .await?;
            first.get_or_insert(m);
        }
        let m = first.ok_or_else(|| Error::internal("no message posted"))?;
        Ok(Json(PostMessageResponse {
            ts: m.ts,
            channel: echo,
            message: project::message(&m),
            success: true,
        }))
    }

    /// chat.sendMessage: sends a message (client-chosen `_id` allowed) into a room the caller is in.
    #[oai(
        path = "/chat.sendMessage",
        method = "post",
        operation_id = "chat.sendMessage"
    )]
    async fn send_message(
        &self,
        auth: Auth,
        body: Json<SendMessageBody>,
    ) -> ApiResult<ChatMessageResponse> {
        let m = required(body.0.message, "message")?;
        let sent = self
            .state
            .messages
            .send(
                &auth.0,
                NewMessage {
                    id: m.id,
                    rid: required_str(m.rid, "rid")?,
                    msg: m.msg.unwrap_or_default(),
                    tmid: m.tmid,
                    tshow: m.tshow.is_some_and(|f| f.0),
                    alias: m.alias,
                    emoji: m.emoji,
                    avatar: m.avatar,
                    attachments: m.attachments,
                    bot: m.bot,
                    custom_fields: m.custom_fields,
                },
                SendMode::Send,
            )
            .await?;
        Ok(Json(ChatMessageResponse {
            message: project::message(&sent),
            success: true,
        }))
    }

    /// chat.update: edits a message (author within the time limit, or edit-message).
    #[oai(path = "/chat.update", method = "post", operation_id = "chat.update")]
    async fn update(&self, auth: Auth, body: Json<UpdateBody>) -> ApiResult<ChatMessageResponse> {
        let b = body.0;
        let m = self
            .state
            .messages
            .update(
                &auth.0,
                &required_str(b.room_id, "roomId")?,
                &required_str(b.msg_id, "msgId")?,
                &required(b.text, "text")?,
            )
            .await?;
        Ok(Json(ChatMessageResponse {
            message: project::message(&m),
            success: true,
        }))
    }

    /// chat.delete: deletes a message (author with delete-own-message within the time limit, or
    /// delete-message / force-delete-message).
    #[oai(path = "/chat.delete", method = "post", operation_id = "chat.delete")]
    async fn delete(&self, auth: Auth, body: Json<DeleteBody>) -> ApiResult<DeleteResponse> {
        let b = body.0;
        let m = self
            .state
            .messages
            .delete(
                &auth.0,
                &required_str(b.room_id, "roomId")?,
                &required_str(b.msg_id, "msgId")?,
            )
            .await?;
        Ok(Json(DeleteResponse {
            id: m.id.clone(),
            ts: Timestamp::now().millis().to_string(),
            message: DeletedRef {
                id: m.id,
                rid: m.rid,
                u: apogee_protocol::room::UserRef {
                    id: m.u_id,
                    username: m.u_username,
                    name: None,
                },
            },
            success: true,
        }))
    }

    /// chat.react: toggles the caller's reaction on a message.
    #[oai(path = "/chat.react", method = "post", operation_id = "chat.react")]
    async fn react(
        &self,
        auth: Auth,
        body: Json<MessageIdBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let b = body.0;
        let id = required_str(b.message_id, "messageId")?;
        let emoji = required_str(b.emoji, "emoji")?;
        self.state
            .messages
            .react(&auth.0, &id, &emoji, b.should_react.map(|f| f.0))
            .await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.pinMessage: pins a message (pin-message); answers the `message_pinned` system message.
    #[oai(
        path = "/chat.pinMessage",
        method = "post",
        operation_id = "chat.pinMessage"
    )]
    async fn pin(&self, auth: Auth, body: Json<MessageIdBody>) -> ApiResult<ChatMessageResponse> {
        let id = required_str(body.0.message_id, "messageId")?;
        let sys = self.state.messages.pin(&auth.0, &id, true).await?;
        let sys = sys.ok_or_else(|| Error::internal("pin produced no system message"))?;
        Ok(Json(ChatMessageResponse {
            message: project::message(&sys),
            success: true,
        }))
    }

    /// chat.unPinMessage: unpins a message (pin-message).
    #[oai(
        path = "/chat.unPinMessage",
        method = "post",
        operation_id = "chat.unPinMessage"
    )]
    async fn unpin(
        &self,
        auth: Auth,
        body: Json<MessageIdBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let id = required_str(body.0.message_id, "messageId")?;
        self.state.messages.pin(&auth.0, &id, false).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.starMessage: stars a message for the caller.
    #[oai(
        path = "/chat.starMessage",
        method = "post",
        operation_id = "chat.starMessage"
    )]
    async fn star(
        &self,
        auth: Auth,
        body: Json<MessageIdBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let id = required_str(body.0.message_id, "messageId")?;
        self.state.messages.star(&auth.0, &id, true).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.unStarMessage: removes the caller's star.
    #[oai(
        path = "/chat.unStarMessage",
        method = "post",
        operation_id = "chat.unStarMessage"
    )]
    async fn unstar(
        &self,
        auth: Auth,
        body: Json<MessageIdBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let id = required_str(body.0.message_id, "messageId")?;
        self.state.messages.star(&auth.0, &id, false).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.getPinnedMessages: a page of a room's pinned messages.
    #[oai(
        path = "/chat.getPinnedMessages",
        method = "get",
        operation_id = "chat.getPinnedMessages"
    )]
    async fn pinned(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MessagesPageResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .pinned(&auth.0, &rid, page.offset, page.count)
            .await?;
        let messages: Vec<MessageJson> = msgs.iter().map(project::message).collect();
        Ok(Json(MessagesPageResponse {
            count: messages.len() as u64,
            messages,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// chat.getStarredMessages: a page of the caller's starred messages in a room.
    #[oai(
        path = "/chat.getStarredMessages",
        method = "get",
        operation_id = "chat.getStarredMessages"
    )]
    async fn starred(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MessagesPageResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .starred(&auth.0, &rid, page.offset, page.count)
            .await?;
        let messages: Vec<MessageJson> = msgs.iter().map(project::message).collect();
        Ok(Json(MessagesPageResponse {
            count: messages.len() as u64,
            messages,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// chat.getThreadMessages: a page of a thread's replies, oldest first.
    #[oai(
        path = "/chat.getThreadMessages",
        method = "get",
        operation_id = "chat.getThreadMessages"
    )]
    async fn thread_messages(
        &self,
        auth: Auth,
        tmid: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MessagesPageResponse> {
        let tmid = required_str(tmid.0, "tmid")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .thread(&auth.0, &tmid, page.offset, page.count)
            .await?;
        let messages: Vec<MessageJson> = msgs.iter().map(project::message).collect();
        Ok(Json(MessagesPageResponse {
            count: messages.len() as u64,
            messages,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// chat.getThreadsList: a room's threads, latest reply first.
    #[oai(
        path = "/chat.getThreadsList",
        method = "get",
        operation_id = "chat.getThreadsList"
    )]
    async fn threads_list(
        &self,
        auth: Auth,
        rid: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<ThreadsResponse> {
        let rid = required_str(rid.0, "rid")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .threads(&auth.0, &rid, page.offset, page.count)
            .await?;
        let threads: Vec<MessageJson> = msgs.iter().map(project::message).collect();
        Ok(Json(ThreadsResponse {
            count: threads.len() as u64,
            threads,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// chat.search: a room's messages containing `searchText`, newest first.
    #[oai(path = "/chat.search", method = "get", operation_id = "chat.search")]
    async fn search(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "searchText")] search_text: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<HistoryResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let text = required_str(search_text.0, "searchText")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let msgs = self
            .state
            .messages
            .search(&auth.0, &rid, &text, page.offset, page.count)
            .await?;
        Ok(Json(HistoryResponse {
            messages: msgs.iter().map(project::message).collect(),
            success: true,
        }))
    }

    /// chat.syncMessages: a room's messages changed and deleted since `lastUpdate`.
    #[oai(
        path = "/chat.syncMessages",
        method = "get",
        operation_id = "chat.syncMessages"
    )]
    async fn sync(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "lastUpdate")] last_update: Query<Option<String>>,
    ) -> ApiResult<SyncResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let since = since_param(last_update.0, "lastUpdate")?;
        let (updated, deleted) = self.state.messages.sync(&auth.0, &rid, since).await?;
        Ok(Json(SyncResponse {
            result: SyncResult {
                updated: updated.iter().map(project::message).collect(),
                deleted: deleted
                    .into_iter()
                    .map(|(id, at)| DeletedMessage {
                        id,
                        deleted_at: Timestamp(at).to_iso(),
                    })
                    .collect(),
            },
            success: true,
        }))
    }

    /// chat.getDeletedMessages: ids of a room's messages deleted since `since`.
    #[oai(
        path = "/chat.getDeletedMessages",
        method = "get",
        operation_id = "chat.getDeletedMessages"
    )]
    async fn deleted(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        since: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<DeletedResponse> {
        let rid = required_str(room_id.0, "roomId")?;
        let since = since_param(since.0, "since")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (_, deleted) = self.state.messages.sync(&auth.0, &rid, since).await?;
        let total = deleted.len() as u64;
        let messages: Vec<DeletedMessage> =
            apogee_storage::Page::slice(page.offset, page.count, deleted)
                .into_iter()
                .map(|(id, at)| DeletedMessage {
                    id,
                    deleted_at: Timestamp(at).to_iso(),
                })
                .collect();
        Ok(Json(DeletedResponse {
            count: messages.len() as u64,
            messages,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// chat.followMessage: follows a thread (its replies count as unread for the caller).
    #[oai(
        path = "/chat.followMessage",
        method = "post",
        operation_id = "chat.followMessage"
    )]
    async fn follow(
        &self,
        auth: Auth,
        body: Json<FollowBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let mid = required_str(body.0.mid, "mid")?;
        self.state.messages.follow(&auth.0, &mid, true).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.unfollowMessage: stops following a thread.
    #[oai(
        path = "/chat.unfollowMessage",
        method = "post",
        operation_id = "chat.unfollowMessage"
    )]
    async fn unfollow(
        &self,
        auth: Auth,
        body: Json<FollowBody>,
    ) -> ApiResult<apogee_protocol::OkBody> {
        let mid = required_str(body.0.mid, "mid")?;
        self.state.messages.follow(&auth.0, &mid, false).await?;
        Ok(Json(apogee_protocol::OkBody::ok()))
    }

    /// chat.getMessage: one message the caller may read.
    #[oai(
        path = "/chat.getMessage",
        method = "get",
        operation_id = "chat.getMessage"
    )]
    async fn get_message(
        &self,
        auth: Auth,
        #[oai(name = "msgId")] msg_id: Query<Option<String>>,
    ) -> ApiResult<ChatMessageResponse> {
        let id = required_str(msg_id.0, "msgId")?;
        let m = self.state.messages.get(&auth.0, &id).await?;
        Ok(Json(ChatMessageResponse {
            message: project::message(&m),
            success: true,
        }))
    }

    /// channels.history: a channel's messages, newest first (`latest`, `oldest`, `inclusive`,
    /// `offset`, `count`).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/channels.history",
        method = "get",
        operation_id = "channels.history",
        tag = "ApiTags::Channels"
    )]
    async fn channels_history(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        latest: Query<Option<String>>,
        oldest: Query<Option<String>>,
        inclusive: Query<Option<Flag>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> Result<RawJson<HistoryResponse>, ApiError> {
        self.history(
            &auth,
            RoomKind::Channel,
            room_id.0,
            room_name.0,
            latest.0,
            oldest.0,
            inclusive.0,
            offset.0,
            count.0,
        )
        .await
    }

    /// groups.history: a group's messages, newest first (members only).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/groups.history",
        method = "get",
        operation_id = "groups.history",
        tag = "ApiTags::Groups"
    )]
    async fn groups_history(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        latest: Query<Option<String>>,
        oldest: Query<Option<String>>,
        inclusive: Query<Option<Flag>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> Result<RawJson<HistoryResponse>, ApiError> {
        self.history(
            &auth,
            RoomKind::Group,
            room_id.0,
            room_name.0,
            latest.0,
            oldest.0,
            inclusive.0,
            offset.0,
            count.0,
        )
        .await
    }
}
