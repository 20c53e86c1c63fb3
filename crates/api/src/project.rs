//! Projections from domain records to wire shapes: one function per shape.

use apogee_core::Timestamp;
use apogee_protocol::user::{
    EmailJson, MeJson, MeServices, MeSettings, PasswordExists, PermissionJson, RoleJson,
    SettingJson, UserJson,
};
use apogee_storage::{Permission, Role};
use apogee_users::{Account, SettingValue, Users};
use serde_json::{Value, json};

fn iso(ms: i64) -> String {
    Timestamp(ms).to_iso()
}

fn emails(acc: &Account) -> Vec<EmailJson> {
    acc.user
        .email
        .iter()
        .map(|a| EmailJson {
            address: a.clone(),
            verified: acc.user.email_verified,
        })
        .collect()
}

fn custom_fields(acc: &Account) -> Option<Value> {
    acc.user
        .custom_fields
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
}

/// A user as others see them; `privileged` (self or `view-full-other-user-info`) adds emails,
/// custom fields and account flags.
pub fn user(acc: &Account, privileged: bool) -> UserJson {
    let u = &acc.user;
    UserJson {
        id: u.id.clone(),
        created_at: iso(u.created_at),
        username: u.username.clone(),
        emails: privileged.then(|| emails(acc)),
        user_type: u.user_type.clone(),
        status: u.status.clone(),
        active: u.active,
        name: u.name.clone(),
        utc_offset: Some(u.utc_offset.unwrap_or(0.0)),
        roles: Some(acc.roles.clone()),
        last_login: u.last_login.map(iso),
        status_connection: Some(u.status_connection.clone()),
        status_text: (!u.status_text.is_empty()).then(|| u.status_text.clone()),
        nickname: u.nickname.clone(),
        bio: u.bio.clone(),
        avatar_etag: u.avatar_etag.clone(),
        custom_fields: if privileged { custom_fields(acc) } else { None },
        require_password_change: privileged.then_some(u.require_password_change),
        updated_at: iso(u.updated_at),
    }
}

/// The caller's own account.
pub fn me(acc: &Account, root_url: &str) -> MeJson {
    let u = &acc.user;
    MeJson {
        id: u.id.clone(),
        created_at: iso(u.created_at),
        username: u.username.clone(),
        emails: emails(acc),
        email: u.email.clone(),
        user_type: u.user_type.clone(),
        status: u.status.clone(),
        status_connection: u.status_connection.clone(),
        status_text: u.status_text.clone(),
        active: u.active,
        name: u.name.clone(),
        utc_offset: u.utc_offset.unwrap_or(0.0),
        roles: acc.roles.clone(),
        last_login: u.last_login.map(iso),
        language: u.language.clone(),
        nickname: u.nickname.clone(),
        bio: u.bio.clone(),
        custom_fields: custom_fields(acc),
        require_password_change: u.require_password_change,
        avatar_etag: u.avatar_etag.clone(),
        avatar_url: format!("{root_url}/avatar/{}", u.username),
        is_oauth_user: false,
        settings: MeSettings {
            profile: json!({}),
            preferences: Value::Object(Users::preferences(u)),
        },
        services: MeServices {
            password: PasswordExists {
                exists: u.password_hash.is_some(),
            },
        },
        enable_auto_away: true,
        idle_time_limit: 300,
        status_livechat: "not-available".into(),
        banners: json!({}),
        updated_at: iso(u.updated_at),
    }
}

/// A role.
pub fn role(r: &Role) -> RoleJson {
    RoleJson {
        id: r.id.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        protected: r.protected,
        scope: r.scope.clone(),
        mandatory_2fa: r.mandatory_2fa,
        updated_at: iso(r.updated_at),
    }
}

/// A permission.
pub fn permission(p: &Permission) -> PermissionJson {
    PermissionJson {
        id: p.id.clone(),
        roles: serde_json::from_str(&p.roles).unwrap_or_default(),
        updated_at: iso(p.updated_at),
    }
}

/// A setting; `with_defaults` adds metadata (`includeDefaults=true`).
pub fn setting(s: &SettingValue, with_defaults: bool) -> SettingJson {
    SettingJson {
        id: s.id.to_owned(),
        value: s.value.clone(),
        enterprise: false,
        package_value: with_defaults.then(|| s.default.clone()),
        setting_type: with_defaults.then(|| s.ty.as_str().to_owned()),
        group: with_defaults.then(|| s.group.to_owned()),
        public: with_defaults.then_some(s.public),
    }
}

/// A room.
pub fn room(r: &apogee_storage::Room) -> apogee_protocol::room::RoomJson {
    use apogee_protocol::room::{RoomJson, UserRef};
    let json_list = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok());
    RoomJson {
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
        ts: iso(r.created_at),
        updated_at: iso(r.updated_at),
        msgs: r.msgs,
        users_count: r.users_count,
        ro: r.read_only,
        default: r.is_default,
        sys_mes: r.sys_mes,
        topic: r.topic.clone(),
        description: r.description.clone(),
        announcement: r.announcement.clone(),
        lm: r.last_message_at.map(iso),
        last_message: r
            .last_message
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok()),
        archived: r.archived,
        featured: r.featured,
        broadcast: r.broadcast,
        encrypted: r.encrypted,
        join_code_required: r.join_code_hash.is_some(),
        muted: json_list(Some(&r.muted)).unwrap_or_default(),
        unmuted: json_list(Some(&r.unmuted)).filter(|l| !l.is_empty()),
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

/// A subscription of `member`, with counters derived from its room's message sequence.
pub fn subscription(
    s: &apogee_storage::Subscription,
    room: Option<&apogee_storage::Room>,
    member: &Account,
) -> apogee_protocol::room::SubscriptionJson {
    use apogee_protocol::room::{SubscriptionJson, UserRef};
    let list = |v: &str| serde_json::from_str::<Vec<String>>(v).unwrap_or_default();
    let counts = apogee_rooms::Unread::of(s, room);
    let some = |v: Vec<String>| Some(v).filter(|l| !l.is_empty());
    let prefs = apogee_rooms::notifications::prefs(s);
    let text = |k: &str| prefs.get(k).and_then(Value::as_str).map(str::to_owned);
    let flag = |k: &str| prefs.get(k).and_then(Value::as_bool);
    SubscriptionJson {
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
        ts: iso(s.ts),
        ls: s.ls.map(iso),
        lr: s.lr.map(iso),
        updated_at: iso(counts.updated_at),
        open: s.open,
        alert: counts.alert,
        unread: counts.unread,
        user_mentions: s.user_mentions,
        group_mentions: counts.group_mentions,
        roles: list(&s.roles),
        f: s.favorite,
        archived: s.archived,
        tunread: list(&s.tunread),
        tunread_user: some(list(&s.tunread_user)),
        tunread_group: some(list(&s.tunread_group)),
        ignored: Some(list(&s.ignored)).filter(|l| !l.is_empty()),
        prid: room.and_then(|r| r.prid.clone()),
        desktop_notifications: text("desktopNotifications"),
        desktop_pref_origin: text("desktopPrefOrigin"),
        mobile_push_notifications: text("mobilePushNotifications"),
        mobile_pref_origin: text("mobilePrefOrigin"),
        email_notifications: text("emailNotifications"),
        email_pref_origin: text("emailPrefOrigin"),
        unread_alert: text("unreadAlert"),
        disable_notifications: flag("disableNotifications"),
        hide_unread_status: flag("hideUnreadStatus"),
        hide_mention_status: flag("hideMentionStatus"),
        mute_group_mentions: flag("muteGroupMentions"),
        audio_notification_value: text("audioNotificationValue"),
        blocked: flag("blocked"),
        blocker: flag("blocker"),
    }
}

/// A message: the stored columns plus the optional fields kept in its `data`.
pub fn message(m: &apogee_storage::Message) -> apogee_protocol::room::MessageJson {
    use apogee_protocol::room::{MessageJson, UserRef};
    let data: serde_json::Map<String, Value> = serde_json::from_str(&m.data).unwrap_or_default();
    let s = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let v = |k: &str| data.get(k).cloned();
    MessageJson {
        id: m.id.clone(),
        rid: m.rid.clone(),
        msg: m.msg.clone(),
        ts: iso(m.ts),
        u: UserRef {
            id: m.u_id.clone(),
            username: m.u_username.clone(),
            name: m.u_name.clone(),
        },
        updated_at: iso(m.updated_at),
        t: m.t.clone(),
        tmid: m.tmid.clone(),
        tshow: data.get("tshow").and_then(Value::as_bool),
        alias: s("alias"),
        emoji: s("emoji"),
        avatar: s("avatar"),
        attachments: v("attachments"),
        mentions: v("mentions").unwrap_or_else(|| json!([])),
        channels: v("channels").unwrap_or_else(|| json!([])),
        urls: v("urls"),
        groupable: data.get("groupable").and_then(Value::as_bool),
        bot: v("bot"),
        custom_fields: v("customFields"),
        pinned: m.pinned.then_some(true),
        pinned_at: data.get("pinnedAt").and_then(Value::as_i64).map(iso),
        pinned_by: v("pinnedBy"),
        reactions: v("reactions"),
        starred: v("starred"),
        edited_at: data.get("editedAt").and_then(Value::as_i64).map(iso),
        edited_by: v("editedBy"),
        tcount: data.get("tcount").and_then(Value::as_i64),
        tlm: data.get("tlm").and_then(Value::as_i64).map(iso),
        replies: v("replies"),
        drid: s("drid"),
        dcount: data.get("dcount").and_then(Value::as_i64),
        dlm: data.get("dlm").and_then(Value::as_i64).map(iso),
    }
}

/// Rooms with their `lastMessage` filled in (one query for the whole list).
pub async fn rooms_with_last(
    db: &apogee_storage::Db,
    rooms: &[apogee_storage::Room],
) -> apogee_core::Result<Vec<apogee_protocol::room::RoomJson>> {
    use poem_openapi::types::ToJSON;
    let ids: Vec<String> = rooms
        .iter()
        .filter_map(|r| r.last_message.clone())
        .collect();
    let last = apogee_storage::repo::messages::by_ids(db, &ids).await?;
    Ok(rooms
        .iter()
        .map(|r| {
            let mut j = room(r);
            j.last_message = r
                .last_message
                .as_ref()
                .and_then(|id| last.iter().find(|m| &m.id == id && !m.hidden))
                .and_then(|m| message(m).to_json());
            j
        })
        .collect())
}
