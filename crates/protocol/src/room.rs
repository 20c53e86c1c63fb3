//! Rooms and subscriptions as clients see them.

use poem_openapi::Object;
use serde_json::Value;

/// A user reference inside rooms and subscriptions.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct UserRef {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
}

/// A room (IRoom).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RoomJson {
    /// Room id.
    #[oai(rename = "_id")]
    pub id: String,
    /// `c` channel, `p` private group, `d` direct message.
    pub t: String,
    /// Unique name (not on direct messages).
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// Display name.
    #[oai(skip_serializing_if_is_none)]
    pub fname: Option<String>,
    /// Creator (not on direct messages).
    #[oai(skip_serializing_if_is_none)]
    pub u: Option<UserRef>,
    /// Creation time.
    pub ts: String,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// Messages posted.
    pub msgs: i64,
    /// Members.
    pub users_count: i64,
    /// Read-only.
    pub ro: bool,
    /// Joined by new users.
    pub default: bool,
    /// System messages shown.
    pub sys_mes: bool,
    /// Topic.
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    /// Description.
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    /// Announcement.
    #[oai(skip_serializing_if_is_none)]
    pub announcement: Option<String>,
    /// Last message time.
    #[oai(skip_serializing_if_is_none)]
    pub lm: Option<String>,
    /// Last message.
    #[oai(skip_serializing_if_is_none)]
    pub last_message: Option<Value>,
    /// Archived.
    pub archived: bool,
    /// Featured.
    pub featured: bool,
    /// Broadcast room.
    pub broadcast: bool,
    /// End-to-end encrypted.
    pub encrypted: bool,
    /// A join code is needed (the code itself is never shown).
    pub join_code_required: bool,
    /// Muted usernames.
    pub muted: Vec<String>,
    /// Usernames allowed to post although the room is read-only (absent when none).
    #[oai(skip_serializing_if_is_none)]
    pub unmuted: Option<Vec<String>>,
    /// Custom fields.
    pub custom_fields: Value,
    /// Member usernames (direct messages).
    #[oai(skip_serializing_if_is_none)]
    pub usernames: Option<Vec<String>>,
    /// Member ids (direct messages).
    #[oai(skip_serializing_if_is_none)]
    pub uids: Option<Vec<String>>,
    /// Parent room of a discussion.
    #[oai(skip_serializing_if_is_none)]
    pub prid: Option<String>,
}

/// A subscription (ISubscription): one member's view of a room.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct SubscriptionJson {
    /// Subscription id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// The member.
    pub u: UserRef,
    /// Room name (the other member's username for direct messages).
    pub name: String,
    /// Display name.
    pub fname: String,
    /// Room type.
    pub t: String,
    /// When the member joined.
    pub ts: String,
    /// Last seen.
    #[oai(skip_serializing_if_is_none)]
    pub ls: Option<String>,
    /// Last read.
    #[oai(skip_serializing_if_is_none)]
    pub lr: Option<String>,
    /// Last change (membership, read marks, or new activity in the room).
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// Shown in the room list.
    pub open: bool,
    /// Has unread activity.
    pub alert: bool,
    /// Unread messages.
    pub unread: i64,
    /// Unread direct mentions.
    pub user_mentions: i64,
    /// Unread `@all`/`@here` mentions.
    pub group_mentions: i64,
    /// Room roles: owner, moderator, leader.
    pub roles: Vec<String>,
    /// Favorite.
    pub f: bool,
    /// Room archived.
    pub archived: bool,
    /// Threads with unread replies.
    pub tunread: Vec<String>,
    /// Unread threads that mention the member by name (absent when none).
    #[oai(skip_serializing_if_is_none)]
    pub tunread_user: Option<Vec<String>>,
    /// Unread threads with an `@all`/`@here` mention (absent when none).
    #[oai(skip_serializing_if_is_none)]
    pub tunread_group: Option<Vec<String>>,
    /// Users whose messages the member ignores (absent when none).
    #[oai(skip_serializing_if_is_none)]
    pub ignored: Option<Vec<String>>,
    /// Parent room of a discussion.
    #[oai(skip_serializing_if_is_none)]
    pub prid: Option<String>,
    /// Desktop notifications for this room: `all`, `mentions` or `nothing` (absent: the user's
    /// or the server's default).
    #[oai(skip_serializing_if_is_none)]
    pub desktop_notifications: Option<String>,
    /// Where `desktopNotifications` came from: `subscription` (chosen for this room) or `user`.
    #[oai(skip_serializing_if_is_none)]
    pub desktop_pref_origin: Option<String>,
    /// Mobile push notifications for this room: `all`, `mentions` or `nothing`.
    #[oai(skip_serializing_if_is_none)]
    pub mobile_push_notifications: Option<String>,
    /// Where `mobilePushNotifications` came from: `subscription` or `user`.
    #[oai(skip_serializing_if_is_none)]
    pub mobile_pref_origin: Option<String>,
    /// E-mail notifications for this room: `all`, `mentions` or `nothing`.
    #[oai(skip_serializing_if_is_none)]
    pub email_notifications: Option<String>,
    /// Where `emailNotifications` came from: `subscription` or `user`.
    #[oai(skip_serializing_if_is_none)]
    pub email_pref_origin: Option<String>,
    /// Sidebar alert for unread messages: `default`, `all` or `nothing`.
    #[oai(skip_serializing_if_is_none)]
    pub unread_alert: Option<String>,
    /// No notifications at all from this room.
    #[oai(skip_serializing_if_is_none)]
    pub disable_notifications: Option<bool>,
    /// Do not show the room as unread.
    #[oai(skip_serializing_if_is_none)]
    pub hide_unread_status: Option<bool>,
    /// Do not show the mention badge.
    #[oai(skip_serializing_if_is_none)]
    pub hide_mention_status: Option<bool>,
    /// `@all` and `@here` do not notify.
    #[oai(skip_serializing_if_is_none)]
    pub mute_group_mentions: Option<bool>,
    /// The notification sound for this room.
    #[oai(skip_serializing_if_is_none)]
    pub audio_notification_value: Option<String>,
    /// Direct messages: the other member blocked this one.
    #[oai(skip_serializing_if_is_none)]
    pub blocked: Option<bool>,
    /// Direct messages: this member blocked the other one.
    #[oai(skip_serializing_if_is_none)]
    pub blocker: Option<bool>,
}

/// A message (IMessage).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct MessageJson {
    /// Message id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Text (may be empty).
    pub msg: String,
    /// Posting time.
    pub ts: String,
    /// Sender.
    pub u: UserRef,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// System message type (absent on ordinary messages).
    #[oai(skip_serializing_if_is_none)]
    pub t: Option<String>,
    /// Thread root.
    #[oai(skip_serializing_if_is_none)]
    pub tmid: Option<String>,
    /// A thread reply also shown in the room.
    #[oai(skip_serializing_if_is_none)]
    pub tshow: Option<bool>,
    /// Display name override.
    #[oai(skip_serializing_if_is_none)]
    pub alias: Option<String>,
    /// Emoji avatar override.
    #[oai(skip_serializing_if_is_none)]
    pub emoji: Option<String>,
    /// Avatar URL override.
    #[oai(skip_serializing_if_is_none)]
    pub avatar: Option<String>,
    /// Slack-style attachments.
    #[oai(skip_serializing_if_is_none)]
    pub attachments: Option<Value>,
    /// Mentioned users (`@all`/`@here` as `{_id:"all"}` / `{_id:"here"}`).
    pub mentions: Value,
    /// Referenced channels.
    pub channels: Value,
    /// URL previews.
    #[oai(skip_serializing_if_is_none)]
    pub urls: Option<Value>,
    /// Whether clients may group it with neighbours.
    #[oai(skip_serializing_if_is_none)]
    pub groupable: Option<bool>,
    /// Bot marker.
    #[oai(skip_serializing_if_is_none)]
    pub bot: Option<Value>,
    /// Custom fields.
    #[oai(skip_serializing_if_is_none)]
    pub custom_fields: Option<Value>,
    /// Pinned.
    #[oai(skip_serializing_if_is_none)]
    pub pinned: Option<bool>,
    /// When it was pinned.
    #[oai(skip_serializing_if_is_none)]
    pub pinned_at: Option<String>,
    /// Who pinned it.
    #[oai(skip_serializing_if_is_none)]
    pub pinned_by: Option<Value>,
    /// Reactions: `{":emoji:": {"usernames": [...], "names": [...]}}`.
    #[oai(skip_serializing_if_is_none)]
    pub reactions: Option<Value>,
    /// Users who starred it: `[{"_id": ...}]`.
    #[oai(skip_serializing_if_is_none)]
    pub starred: Option<Value>,
    /// When it was last edited.
    #[oai(skip_serializing_if_is_none)]
    pub edited_at: Option<String>,
    /// Who last edited it.
    #[oai(skip_serializing_if_is_none)]
    pub edited_by: Option<Value>,
    /// Replies in its thread.
    #[oai(skip_serializing_if_is_none)]
    pub tcount: Option<i64>,
    /// Time of its thread's last reply.
    #[oai(skip_serializing_if_is_none)]
    pub tlm: Option<String>,
    /// Ids of its thread's participants.
    #[oai(skip_serializing_if_is_none)]
    pub replies: Option<Value>,
    /// The discussion this message opened (`discussion-created`).
    #[oai(skip_serializing_if_is_none)]
    pub drid: Option<String>,
    /// Messages in that discussion.
    #[oai(skip_serializing_if_is_none)]
    pub dcount: Option<i64>,
    /// Time of that discussion's last message.
    #[oai(skip_serializing_if_is_none)]
    pub dlm: Option<String>,
}
