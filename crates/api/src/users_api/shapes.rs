//! Request and response shapes of `users.*`.

use apogee_protocol::Flag;
use apogee_protocol::user::UserJson;
use poem_openapi::Object;
use serde_json::Value;

/// `{user, success}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UserResponse {
    /// The user.
    pub user: UserJson,
    /// Always `true`.
    pub success: bool,
}

/// A page of users.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UsersListResponse {
    /// The users.
    pub users: Vec<UserJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `users.create` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UsersCreateBody {
    /// Email (required).
    pub email: Option<String>,
    /// Display name (required).
    pub name: Option<String>,
    /// Password (required unless `setRandomPassword`).
    pub password: Option<String>,
    /// Username (required).
    pub username: Option<String>,
    /// Active (default true).
    pub active: Option<Flag>,
    /// Global roles (default `["user"]`).
    pub roles: Option<Vec<String>>,
    /// Join default channels (default true).
    pub join_default_channels: Option<Flag>,
    /// Ask for a new password at first login.
    pub require_password_change: Option<Flag>,
    /// Send a welcome email (no mail is sent by Apogee).
    pub send_welcome_email: Option<Flag>,
    /// Email verified.
    pub verified: Option<Flag>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
    /// Generate a random password.
    pub set_random_password: Option<Flag>,
}

/// `users.register` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UsersRegisterBody {
    /// Username (required).
    pub username: Option<String>,
    /// Email (required).
    pub email: Option<String>,
    /// Password (required).
    pub pass: Option<String>,
    /// Display name (required).
    pub name: Option<String>,
    /// Secret URL hash, when registration is by secret URL.
    pub secret: Option<String>,
    /// Reason (manual approval).
    pub reason: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
}

/// `users.update` data.
#[derive(Object, Debug, Default)]
#[oai(rename_all = "camelCase")]
pub struct UserUpdateData {
    /// Email.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Active.
    pub active: Option<Flag>,
    /// Global roles.
    pub roles: Option<Vec<String>>,
    /// Email verified.
    pub verified: Option<Flag>,
    /// Custom fields.
    pub custom_fields: Option<Value>,
    /// Require a password change.
    pub require_password_change: Option<Flag>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Status message.
    pub status_text: Option<String>,
}

/// `users.update` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UsersUpdateBody {
    /// The user to change (required).
    pub user_id: Option<String>,
    /// The changes (required).
    pub data: Option<UserUpdateData>,
}

/// `users.updateOwnBasicInfo` data.
#[derive(Object, Debug, Default)]
#[oai(rename_all = "camelCase")]
pub struct OwnInfoData {
    /// Email.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Status message.
    pub status_text: Option<String>,
    /// Current password (SHA-256 hex digest), needed to change email or password.
    pub current_password: Option<String>,
    /// New password.
    pub new_password: Option<String>,
}

/// `users.updateOwnBasicInfo` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct OwnInfoBody {
    /// The changes (required).
    pub data: Option<OwnInfoData>,
}

/// A body naming a user.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UserRefBody {
    /// User id.
    pub user_id: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Transfer room ownership (rooms come later; accepted).
    pub confirm_relinquish: Option<Flag>,
}

/// `users.setStatus` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetStatusBody {
    /// Status message.
    pub message: Option<String>,
    /// `online`, `away`, `busy` or `offline`.
    pub status: Option<String>,
    /// Another user (needs `edit-other-user-info`).
    pub user_id: Option<String>,
}

/// `users.getStatus` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatusResponse {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Status message.
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<String>,
    /// Connection status.
    pub connection_status: String,
    /// Presence.
    pub status: String,
    /// Always `true`.
    pub success: bool,
}

/// `users.getPresence` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PresenceResponse {
    /// Presence.
    pub presence: String,
    /// Connection status (own user only).
    #[oai(skip_serializing_if_is_none)]
    pub connection_status: Option<String>,
    /// Last login (own user only).
    #[oai(skip_serializing_if_is_none)]
    pub last_login: Option<String>,
    /// Always `true`.
    pub success: bool,
}

/// A user in `users.presence`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PresenceUser {
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
    pub status_text: String,
    /// Hours from UTC.
    pub utc_offset: f64,
    /// Avatar version tag.
    #[oai(rename = "avatarETag")]
    pub avatar_etag: Option<String>,
}

/// `users.presence` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UsersPresenceResponse {
    /// The users.
    pub users: Vec<PresenceUser>,
    /// True when no `from` was given (the whole list).
    pub full: bool,
    /// Always `true`.
    pub success: bool,
}

/// `users.setActiveStatus` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetActiveBody {
    /// The user (required).
    pub user_id: Option<String>,
    /// New state (required).
    pub active_status: Option<Flag>,
}

/// `{_id, active}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct ActiveUser {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Active.
    pub active: bool,
}

/// `users.setActiveStatus` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct SetActiveResponse {
    /// The user.
    pub user: ActiveUser,
    /// Always `true`.
    pub success: bool,
}

/// `users.getPreferences` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PreferencesResponse {
    /// The preferences.
    pub preferences: Value,
    /// Always `true`.
    pub success: bool,
}

/// `users.setPreferences` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetPreferencesBody {
    /// Another user (needs `edit-other-user-info`).
    pub user_id: Option<String>,
    /// Preferences to merge (required).
    pub data: Option<Value>,
}

/// `{preferences}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UserPrefs {
    /// The preferences.
    pub preferences: Value,
}

/// `{_id, settings}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UserWithPrefs {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Settings.
    pub settings: UserPrefs,
}

/// `users.setPreferences` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct SetPreferencesResponse {
    /// The user.
    pub user: UserWithPrefs,
    /// Always `true`.
    pub success: bool,
}

/// `users.forgotPassword` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ForgotPasswordBody {
    /// Email (required).
    pub email: Option<String>,
}

/// `users.createToken` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateTokenBody {
    /// User id.
    pub user_id: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// `CREATE_TOKENS_FOR_USERS_SECRET`.
    pub secret: Option<String>,
}

/// `{userId, authToken}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct TokenData {
    /// User id.
    pub user_id: String,
    /// Login token.
    pub auth_token: String,
}

/// `users.createToken` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct CreateTokenResponse {
    /// Credentials.
    pub data: TokenData,
    /// Always `true`.
    pub success: bool,
}

/// `users.logout` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UsersLogoutBody {
    /// Another user (needs `edit-other-user-info`).
    pub user_id: Option<String>,
}

/// `{message}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct MessageResponse {
    /// What happened.
    pub message: String,
    /// Always `true`.
    pub success: bool,
}

/// Personal access token body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct PatBody {
    /// Token name (required).
    pub token_name: Option<String>,
    /// Skip 2FA with this token.
    pub bypass_two_factor: Option<Flag>,
}

/// `{token}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PatResponse {
    /// The new token (shown once).
    pub token: String,
    /// Always `true`.
    pub success: bool,
}

/// A personal access token's public facts.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PatInfo {
    /// Name.
    pub name: String,
    /// Creation time.
    pub created_at: String,
    /// Last six characters.
    pub last_token_part: String,
    /// Skips 2FA.
    pub bypass_two_factor: bool,
}

/// `users.getPersonalAccessTokens` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PatListResponse {
    /// The tokens.
    pub tokens: Vec<PatInfo>,
    /// Always `true`.
    pub success: bool,
}

/// One of a user's rooms in `users.info?includeUserRooms=true` (from their subscription).
#[derive(Object)]
pub struct UserRoomJson {
    /// Subscription id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Room id.
    pub rid: String,
    /// Room name.
    pub name: String,
    /// Room type.
    pub t: String,
    /// Their room roles.
    pub roles: Vec<String>,
    /// Unread messages.
    pub unread: i64,
}

/// A user with, on request, the rooms they are in.
#[derive(Object)]
pub struct UserInfoJson {
    /// The user.
    #[oai(flatten)]
    pub user: UserJson,
    /// Their rooms (`includeUserRooms=true`, for themselves or with view-other-user-channels).
    #[oai(skip_serializing_if_is_none)]
    pub rooms: Option<Vec<UserRoomJson>>,
}

/// `users.info` answer.
#[derive(Object)]
pub struct UserInfoResponse {
    /// The user.
    pub user: UserInfoJson,
    /// Always `true`.
    pub success: bool,
}
