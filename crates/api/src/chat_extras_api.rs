//! More `chat.*` operations: mentions, discussions, thread sync, ignoring users, URL previews,
//! read receipts.

use crate::auth::Auth;
use crate::chat_api::MessagesPageResponse;
use crate::error::ApiResult;
use crate::params::{date_param, page};
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::{Error, Timestamp};
use apogee_protocol::OkBody;
use apogee_protocol::room::MessageJson;
use apogee_storage::Message;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

/// `{update, remove}` of a thread's replies.
#[derive(Object)]
pub struct ThreadMessagesChanges {
    /// Replies changed since `updatedSince`.
    pub update: Vec<MessageJson>,
    /// Messages deleted since then, as they were.
    pub remove: Vec<MessageJson>,
}

/// `chat.syncThreadMessages` answer.
#[derive(Object)]
pub struct SyncThreadMessagesResponse {
    /// The changes.
    pub messages: ThreadMessagesChanges,
    /// Always `true`.
    pub success: bool,
}

/// `chat.syncThreadsList` answer.
#[derive(Object)]
pub struct SyncThreadsListResponse {
    /// The changes of the room's thread roots.
    pub threads: ThreadMessagesChanges,
    /// Always `true`.
    pub success: bool,
}

/// A URL preview without fetched metadata.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UrlPreviewJson {
    /// The URL.
    pub url: String,
    /// Page metadata (empty: Apogee does not fetch URLs).
    pub meta: Value,
    /// Always `true`: clients should not parse it further.
    pub ignore_parse: bool,
}

/// `chat.getURLPreview` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UrlPreviewResponse {
    /// The preview.
    pub url_preview: UrlPreviewJson,
    /// Always `true`.
    pub success: bool,
}

/// `chat.getMessageReadReceipts` answer (never produced: the feature is enterprise-only).
#[derive(Object)]
pub struct ReadReceiptsResponse {
    /// Read receipts.
    pub receipts: Vec<Value>,
    /// Always `true`.
    pub success: bool,
}

/// `chat.reportMessage` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ReportMessageBody {
    /// The message to report.
    pub message_id: Option<String>,
    /// Why it is reported.
    pub description: Option<String>,
}

/// The extra chat operations.
pub struct ChatExtrasApi {
    /// Shared services.
    pub state: AppState,
}

fn page_of(msgs: &[Message], offset: u64, total: u64) -> Json<MessagesPageResponse> {
    let messages: Vec<MessageJson> = msgs.iter().map(project::message).collect();
    Json(MessagesPageResponse {
        count: messages.len() as u64,
        messages,
        offset,
        total,
        success: true,
    })
}

fn updated_since(v: Option<String>) -> Result<Timestamp, Error> {
    date_param(v.as_deref(), "updatedSince")?.ok_or_else(|| {
        Error::meteor(
            "error-updatedSince-param-invalid",
            "The \"updatedSince\" query parameter must be a valid date.",
        )
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Chat")]
impl ChatExtrasApi {
    /// chat.getMentionedMessages: a page of a room's messages mentioning the caller, newest
    /// first.
    #[oai(
        path = "/chat.getMentionedMessages",
        method = "get",
        operation_id = "chat.getMentionedMessages"
    )]
    async fn mentioned(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MessagesPageResponse> {
        let rid = crate::params::required_str(room_id.0, "roomId")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .mentioned(&auth.0, &rid, false, page.offset, page.count)
            .await?;
        Ok(page_of(&msgs, page.offset, total))
    }

    /// chat.getDiscussions: a page of a room's `discussion-created` messages (`text` filters by
    /// name), newest first.
    #[oai(
        path = "/chat.getDiscussions",
        method = "get",
        operation_id = "chat.getDiscussions"
    )]
    async fn discussions(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        text: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MessagesPageResponse> {
        let rid = crate::params::required_str(room_id.0, "roomId")?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let (msgs, total) = self
            .state
            .messages
            .discussions(
                &auth.0,
                &rid,
                text.0.as_deref().unwrap_or_default(),
                page.offset,
                page.count,
            )
            .await?;
        Ok(page_of(&msgs, page.offset, total))
    }

    /// chat.syncThreadMessages: a thread's replies changed since `updatedSince`.
    #[oai(
        path = "/chat.syncThreadMessages",
        method = "get",
        operation_id = "chat.syncThreadMessages"
    )]
    async fn sync_thread_messages(
        &self,
        auth: Auth,
        tmid: Query<Option<String>>,
        #[oai(name = "updatedSince")] since: Query<Option<String>>,
    ) -> ApiResult<SyncThreadMessagesResponse> {
        let tmid = crate::params::required_str(tmid.0, "tmid")?;
        let since = updated_since(since.0)?;
        let (update, remove) = self
            .state
            .messages
            .sync_thread(&auth.0, &tmid, since)
            .await?;
        Ok(Json(SyncThreadMessagesResponse {
            messages: ThreadMessagesChanges {
                update: update.iter().map(project::message).collect(),
                remove: remove.iter().map(project::message).collect(),
            },
            success: true,
        }))
    }

    /// chat.syncThreadsList: a room's thread roots changed since `updatedSince`.
    #[oai(
        path = "/chat.syncThreadsList",
        method = "get",
        operation_id = "chat.syncThreadsList"
    )]
    async fn sync_threads_list(
        &self,
        auth: Auth,
        rid: Query<Option<String>>,
        #[oai(name = "updatedSince")] since: Query<Option<String>>,
    ) -> ApiResult<SyncThreadsListResponse> {
        let rid = crate::params::required_str(rid.0, "rid")?;
        let since = updated_since(since.0)?;
        let (update, remove) = self
            .state
            .messages
            .sync_threads(&auth.0, &rid, since)
            .await?;
        Ok(Json(SyncThreadsListResponse {
            threads: ThreadMessagesChanges {
                update: update.iter().map(project::message).collect(),
                remove: remove.iter().map(project::message).collect(),
            },
            success: true,
        }))
    }

    /// chat.ignoreUser: hides (`ignore=true`, the default) or shows again a member's messages
    /// for the caller in a room; stored in the caller's subscription as `ignored`.
    #[oai(
        path = "/chat.ignoreUser",
        method = "get",
        operation_id = "chat.ignoreUser"
    )]
    async fn ignore_user(
        &self,
        auth: Auth,
        rid: Query<Option<String>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        ignore: Query<Option<String>>,
    ) -> ApiResult<OkBody> {
        let rid = rid.0.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            Error::meteor(
                "error-room-id-param-not-provided",
                "The required \"rid\" param is missing.",
            )
        })?;
        let uid = user_id.0.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            Error::meteor(
                "error-user-id-param-not-provided",
                "The required \"userId\" param is missing.",
            )
        })?;
        // Rocket.Chat reads the flag with /true|1/.
        let ignore = ignore
            .0
            .is_none_or(|v| v.contains("true") || v.contains('1'));
        self.state
            .rooms
            .ignore_user(&auth.0, &rid, &uid, ignore)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// chat.reportMessage: reports a message the caller can read to the moderators, with a
    /// description.
    #[oai(
        path = "/chat.reportMessage",
        method = "post",
        operation_id = "chat.reportMessage"
    )]
    async fn report_message(&self, auth: Auth, body: Json<ReportMessageBody>) -> ApiResult<OkBody> {
        let b = body.0;
        let message_id = b
            .message_id
            .ok_or_else(|| Error::missing_param("messageId"))?;
        let description = b
            .description
            .ok_or_else(|| Error::missing_param("description"))?;
        if message_id.is_empty() {
            return Err(
                Error::Failure("The required \"messageId\" param is missing.".into()).into(),
            );
        }
        if description.is_empty() {
            return Err(
                Error::Failure("The required \"description\" param is missing.".into()).into(),
            );
        }
        self.state
            .messages
            .report(&auth.0, &message_id, &description)
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// chat.getURLPreview: the preview of a URL for a room the caller may read (no metadata:
    /// Apogee makes no outbound requests).
    #[oai(
        path = "/chat.getURLPreview",
        method = "get",
        operation_id = "chat.getURLPreview"
    )]
    async fn url_preview(
        &self,
        auth: Auth,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        url: Query<Option<String>>,
    ) -> ApiResult<UrlPreviewResponse> {
        let rid = crate::params::required_str(room_id.0, "roomId")?;
        let url = crate::params::required_str(url.0, "url")?;
        self.state
            .messages
            .check_preview_access(&auth.0, &rid)
            .await?;
        Ok(Json(UrlPreviewResponse {
            url_preview: UrlPreviewJson {
                url,
                meta: Value::Object(serde_json::Map::new()),
                ignore_parse: true,
            },
            success: true,
        }))
    }

    /// chat.getMessageReadReceipts: read receipts are an enterprise feature of Rocket.Chat; this
    /// answers as an unlicensed Rocket.Chat does.
    #[oai(
        path = "/chat.getMessageReadReceipts",
        method = "get",
        operation_id = "chat.getMessageReadReceipts"
    )]
    async fn read_receipts(
        &self,
        _auth: Auth,
        #[oai(name = "messageId")] _message_id: Query<Option<String>>,
    ) -> ApiResult<ReadReceiptsResponse> {
        Err(Error::meteor("error-action-not-allowed", "This is an enterprise feature").into())
    }
}
