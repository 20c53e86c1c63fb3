//! DDP projections of the stored records: the same fields as the REST shapes (Rocket.Chat's
//! IMessage, IRoom, ISubscription) with EJSON dates. One function per shape; events and method
//! results both use them, so a message looks the same in `sendMessage`'s result and on the stream.

use crate::ejson::Date;
use apogee_storage::{Message, Room, Subscription};
use apogee_users::Account;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// `{_id, username, name?}` inside messages, rooms and subscriptions.
#[derive(Debug, Clone, Serialize)]
pub struct UserRef {
    /// User id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A message (IMessage) as DDP carries it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDoc {
    /// Message id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Text.
    pub msg: String,
    /// Sent.
    pub ts: Date,
    /// Author.
    pub u: UserRef,
    /// Last change.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    /// System message type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
    /// Thread root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmid: Option<String>,
    /// Pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// When pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<Date>,
    /// When edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Date>,
    /// Last thread reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlm: Option<Date>,
    /// Last discussion message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dlm: Option<Date>,
    /// The optional fields kept in the message's data (mentions, channels, reactions, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Data keys that are dates (sent as `$date`) or handled by named fields above.
const DATE_KEYS: [&str; 4] = ["pinnedAt", "editedAt", "tlm", "dlm"];

/// A message with EJSON dates.
pub fn message(m: &Message) -> MessageDoc {
    let mut data: Map<String, Value> = serde_json::from_str(&m.data).unwrap_or_default();
    let date = |data: &Map<String, Value>, k: &str| data.get(k).and_then(Value::as_i64).map(Date);
    let pinned_at = date(&data, "pinnedAt");
    let edited_at = date(&data, "editedAt");
    let tlm = date(&data, "tlm");
    let dlm = date(&data, "dlm");
    for k in DATE_KEYS {
        data.remove(k);
    }
    for k in ["mentions", "channels"] {
        data.entry(k).or_insert_with(|| json!([]));
    }
    MessageDoc {
        id: m.id.clone(),
        rid: m.rid.clone(),
        msg: m.msg.clone(),
        ts: Date(m.ts),
        u: UserRef {
            id: m.u_id.clone(),
            username: m.u_username.clone(),
            name: m.u_name.clone(),
        },
        updated_at: Date(m.updated_at),
        t: m.t.clone(),
        tmid: m.tmid.clone(),
        pinned: m.pinned.then_some(true),
        pinned_at,
        edited_at,
        tlm,
        dlm,
        extra: data,
    }
}

/// A room (IRoom) as DDP carries it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomDoc {
    /// Room id.
    #[serde(rename = "_id")]
    pub id: String,
    /// `c`, `p` or `d`.
    pub t: String,
    /// Unique name (not on direct messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fname: Option<String>,
    /// Creator (not on direct messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub u: Option<UserRef>,
    /// Created.
    pub ts: Date,
    /// Last change.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Announcement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// Last message time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lm: Option<Date>,
    /// The last message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_message: Option<MessageDoc>,
    /// Archived.
    pub archived: bool,
    /// Featured.
    pub featured: bool,
    /// Broadcast.
    pub broadcast: bool,
    /// End-to-end encrypted.
    pub encrypted: bool,
    /// A join code is needed.
    pub join_code_required: bool,
    /// Muted usernames.
    pub muted: Vec<String>,
    /// Custom fields.
    pub custom_fields: Value,
    /// Member usernames (direct messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usernames: Option<Vec<String>>,
    /// Member ids (direct messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uids: Option<Vec<String>>,
    /// Parent room of a discussion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prid: Option<String>,
}

fn json_list(s: Option<&str>) -> Option<Vec<String>> {
    s.and_then(|s| serde_json::from_str(s).ok())
}

/// A room with EJSON dates; `last` is its last message when the caller has it at hand.
pub fn room(r: &Room, last: Option<&Message>) -> RoomDoc {
    RoomDoc {
        id: r.id.clone(),
        t: r.t.clone(),
        name: r.name.clone(),
        fname: r.fname.clone().or_else(|| r.name.clone()),
        u: match (&r.creator_id, &r.creator_username) {
            (Some(id), Some(username)) => Some(UserRef {
                id: id.clone(),
                username: username.clone(),
                name: None,
            }),
            _ => None,
        },
        ts: Date(r.created_at),
        updated_at: Date(r.updated_at),
        msgs: r.msgs,
        users_count: r.users_count,
        ro: r.read_only,
        default: r.is_default,
        sys_mes: r.sys_mes,
        topic: r.topic.clone(),
        description: r.description.clone(),
        announcement: r.announcement.clone(),
        lm: r.last_message_at.map(Date),
        last_message: last.filter(|m| !m.hidden).map(message),
        archived: r.archived,
        featured: r.featured,
        broadcast: r.broadcast,
        encrypted: r.encrypted,
        join_code_required: r.join_code_hash.is_some(),
        muted: json_list(Some(&r.muted)).unwrap_or_default(),
        custom_fields: r
            .custom_fields
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_else(|| json!({})),
        usernames: json_list(r.usernames.as_deref()),
        uids: json_list(r.uids.as_deref()),
        prid: r.prid.clone(),
    }
}

/// A subscription (ISubscription) as DDP carries it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionDoc {
    /// Subscription id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// The member.
    pub u: UserRef,
    /// Room name (the other user's username for direct messages).
    pub name: String,
    /// Display name.
    pub fname: String,
    /// Room type.
    pub t: String,
    /// Joined.
    pub ts: Date,
    /// Last seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ls: Option<Date>,
    /// Last read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<Date>,
    /// Last change.
    #[serde(rename = "_updatedAt")]
    pub updated_at: Date,
    /// Shown in the sidebar.
    pub open: bool,
    /// Has unread activity.
    pub alert: bool,
    /// Unread messages.
    pub unread: i64,
    /// Unread mentions of the user.
    pub user_mentions: i64,
    /// Unread `@all`/`@here` mentions.
    pub group_mentions: i64,
    /// Room roles.
    pub roles: Vec<String>,
    /// Favorite.
    pub f: bool,
    /// Room archived.
    pub archived: bool,
    /// Threads with unread replies.
    pub tunread: Vec<String>,
    /// Ignored users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<Vec<String>>,
    /// Parent room of a discussion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prid: Option<String>,
    /// Notification preferences and DM blocking flags under Rocket.Chat's names
    /// (`desktopNotifications`, `disableNotifications`, `blocked`, ...), as stored.
    #[serde(flatten)]
    pub prefs: Map<String, Value>,
}

/// A subscription of `member`, with counters derived from its room's message sequence (the same
/// derivation as the REST projection).
pub fn subscription(s: &Subscription, room: Option<&Room>, member: &Account) -> SubscriptionDoc {
    let list = |v: &str| serde_json::from_str::<Vec<String>>(v).unwrap_or_default();
    let counts = apogee_rooms::Unread::of(s, room);
    SubscriptionDoc {
        id: s.id.clone(),
        rid: s.rid.clone(),
        u: UserRef {
            id: member.user.id.clone(),
            username: member.user.username.clone(),
            name: Some(member.user.name.clone()),
        },
        name: s.name.clone(),
        fname: s.fname.clone(),
        t: s.t.clone(),
        ts: Date(s.ts),
        ls: s.ls.map(Date),
        lr: s.lr.map(Date),
        updated_at: Date(counts.updated_at),
        open: s.open,
        alert: counts.alert,
        unread: counts.unread,
        user_mentions: s.user_mentions,
        group_mentions: counts.group_mentions,
        roles: list(&s.roles),
        f: s.favorite,
        archived: s.archived,
        tunread: list(&s.tunread),
        ignored: Some(list(&s.ignored)).filter(|l| !l.is_empty()),
        prid: room.and_then(|r| r.prid.clone()),
        prefs: apogee_rooms::notifications::prefs(s),
    }
}
