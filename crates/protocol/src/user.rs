//! Users, roles, permissions and settings as clients see them.

use poem_openapi::Object;
use serde_json::Value;

/// An email address of a user.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct EmailJson {
    /// The address.
    pub address: String,
    /// Whether it was verified.
    pub verified: bool,
}

/// A user (IUser) in the projection the caller may see.
#[derive(Object, Debug, Clone, Default)]
#[oai(rename_all = "camelCase")]
pub struct UserJson {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Unique username.
    pub username: String,
    /// Email addresses (privileged viewers and the user themself only).
    #[oai(skip_serializing_if_is_none)]
    pub emails: Option<Vec<EmailJson>>,
    /// `user`, `bot` or `app`.
    #[oai(rename = "type")]
    pub user_type: String,
    /// Presence: `online`, `away`, `busy` or `offline`.
    pub status: String,
    /// Whether the account may log in.
    pub active: bool,
    /// Display name.
    pub name: String,
    /// Hours from UTC.
    #[oai(skip_serializing_if_is_none)]
    pub utc_offset: Option<f64>,
    /// Global roles.
    #[oai(skip_serializing_if_is_none)]
    pub roles: Option<Vec<String>>,
    /// Last login time.
    #[oai(skip_serializing_if_is_none)]
    pub last_login: Option<String>,
    /// Connection-derived status.
    #[oai(skip_serializing_if_is_none)]
    pub status_connection: Option<String>,
    /// Status message.
    #[oai(skip_serializing_if_is_none)]
    pub status_text: Option<String>,
    /// Nickname.
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    /// Bio.
    #[oai(skip_serializing_if_is_none)]
    pub bio: Option<String>,
    /// Avatar version tag.
    #[oai(rename = "avatarETag")]
    pub avatar_etag: Option<String>,
    /// Custom profile fields.
    #[oai(skip_serializing_if_is_none)]
    pub custom_fields: Option<Value>,
    /// Whether a password change is due (privileged viewers only).
    #[oai(skip_serializing_if_is_none)]
    pub require_password_change: Option<bool>,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

/// `services` of the `me` projection: only whether a password exists.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct MeServices {
    /// `{"exists": true}` when the account has a password.
    pub password: PasswordExists,
}

/// Whether a password is set.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct PasswordExists {
    /// True when set.
    pub exists: bool,
}

/// `settings` of the `me` projection.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct MeSettings {
    /// Profile settings (empty).
    pub profile: Value,
    /// User preferences.
    pub preferences: Value,
}

/// The caller's own account (`/me`, `login` → `data.me`).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct MeJson {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Username.
    pub username: String,
    /// Email addresses.
    pub emails: Vec<EmailJson>,
    /// Primary email address.
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    /// `user`, `bot` or `app`.
    #[oai(rename = "type")]
    pub user_type: String,
    /// Presence.
    pub status: String,
    /// Connection status.
    pub status_connection: String,
    /// Status message.
    pub status_text: String,
    /// Whether the account is active.
    pub active: bool,
    /// Display name.
    pub name: String,
    /// Hours from UTC.
    pub utc_offset: f64,
    /// Global roles.
    pub roles: Vec<String>,
    /// Last login.
    #[oai(skip_serializing_if_is_none)]
    pub last_login: Option<String>,
    /// Language.
    #[oai(skip_serializing_if_is_none)]
    pub language: Option<String>,
    /// Nickname.
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    /// Bio.
    #[oai(skip_serializing_if_is_none)]
    pub bio: Option<String>,
    /// Custom fields.
    #[oai(skip_serializing_if_is_none)]
    pub custom_fields: Option<Value>,
    /// Whether a password change is due.
    pub require_password_change: bool,
    /// Avatar version tag.
    #[oai(rename = "avatarETag")]
    pub avatar_etag: Option<String>,
    /// Avatar URL.
    pub avatar_url: String,
    /// Whether the account came from OAuth.
    #[oai(rename = "isOAuthUser")]
    pub is_oauth_user: bool,
    /// Profile and preferences.
    pub settings: MeSettings,
    /// Which credentials exist.
    pub services: MeServices,
    /// Auto-away on idle.
    pub enable_auto_away: bool,
    /// Seconds before auto-away.
    pub idle_time_limit: i64,
    /// Omnichannel status.
    pub status_livechat: String,
    /// Banners to show.
    pub banners: Value,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

/// A role (IRole).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RoleJson {
    /// Role id (the name for built-ins).
    #[oai(rename = "_id")]
    pub id: String,
    /// Role name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Built-in roles cannot be deleted.
    pub protected: bool,
    /// `Users` or `Subscriptions`.
    pub scope: String,
    /// Whether holders need 2FA.
    #[oai(rename = "mandatory2fa")]
    pub mandatory_2fa: bool,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

/// A permission (IPermission).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct PermissionJson {
    /// Permission id, e.g. `create-c`.
    #[oai(rename = "_id")]
    pub id: String,
    /// Roles that hold it.
    pub roles: Vec<String>,
    /// Last change.
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

/// A setting value (ISetting, public view).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct SettingJson {
    /// Setting id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Current value.
    pub value: Value,
    /// Enterprise-only (always false).
    pub enterprise: bool,
    /// Default value (with `includeDefaults`).
    #[oai(skip_serializing_if_is_none)]
    pub package_value: Option<Value>,
    /// Value type (with `includeDefaults`).
    #[oai(rename = "type", skip_serializing_if_is_none)]
    pub setting_type: Option<String>,
    /// Group (with `includeDefaults`).
    #[oai(skip_serializing_if_is_none)]
    pub group: Option<String>,
    /// Whether public (with `includeDefaults`).
    #[oai(skip_serializing_if_is_none)]
    pub public: Option<bool>,
}

/// A user in spotlight answers.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct SpotlightUser {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Presence.
    pub status: String,
    /// Status message.
    #[oai(skip_serializing_if_is_none)]
    pub status_text: Option<String>,
    /// Avatar version tag.
    #[oai(rename = "avatarETag", skip_serializing_if_is_none)]
    pub avatar_etag: Option<String>,
    /// Nickname.
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
}

/// A room in spotlight and directory answers.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RoomSummary {
    /// Room id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room name.
    pub name: String,
    /// Display name.
    pub fname: String,
    /// Room type.
    pub t: String,
    /// Members.
    #[oai(skip_serializing_if_is_none)]
    pub users_count: Option<i64>,
    /// Topic.
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    /// Creation time.
    #[oai(skip_serializing_if_is_none)]
    pub ts: Option<String>,
    /// Auto-join channel.
    #[oai(skip_serializing_if_is_none)]
    pub default: Option<bool>,
}
