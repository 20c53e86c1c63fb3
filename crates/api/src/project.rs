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
