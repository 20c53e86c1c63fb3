//! `users.*`: accounts, profiles, status, presence, preferences and tokens.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::{page, query_list, user_param_missing, user_selector};
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::names::perm;
use apogee_core::{Error, Timestamp};
use apogee_protocol::user::UserJson;
use apogee_protocol::{Flag, OkBody};
use apogee_users::{
    AuthUser, NewAccount, OwnUpdate, PasswordInput, UserFilter, UserSelector, UserUpdate,
};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
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

fn required<T>(v: Option<T>, name: &str) -> Result<T, Error> {
    v.ok_or_else(|| Error::missing_param(name))
}

fn required_str(v: Option<String>, name: &str) -> Result<String, Error> {
    v.filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::missing_param(name))
}

/// User operations.
pub struct UsersApi {
    /// Shared services.
    pub state: AppState,
}

impl UsersApi {
    async fn privileged(&self, auth: &AuthUser, target: &str) -> bool {
        auth.id() == target
            || self
                .state
                .users
                .can(auth, perm::VIEW_FULL_OTHER_USER_INFO)
                .await
                .unwrap_or(false)
    }

    fn user_response(&self, acc: &apogee_users::Account) -> Json<UserResponse> {
        Json(UserResponse {
            user: project::user(acc, true),
            success: true,
        })
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// `users.create`: creates a user (permission `create-user`).
    #[oai(path = "/users.create", method = "post", operation_id = "users.create")]
    async fn create(&self, auth: Auth, body: Json<UsersCreateBody>) -> ApiResult<UserResponse> {
        self.state.users.require(&auth.0, perm::CREATE_USER).await?;
        let b = body.0;
        let random = b.set_random_password.is_some_and(|f| f.0);
        let password = if random {
            apogee_core::random_secret()
        } else {
            required_str(b.password, "password")?
        };
        if b.roles.is_some() {
            self.state
                .users
                .require(&auth.0, perm::ASSIGN_ROLES)
                .await?;
        }
        let acc = self
            .state
            .users
            .create(NewAccount {
                username: required_str(b.username, "username")?,
                email: Some(required_str(b.email, "email")?),
                name: Some(required_str(b.name, "name")?),
                password: Some(PasswordInput::Plain(password)),
                roles: b.roles,
                active: b.active.map(|f| f.0),
                verified: b.verified.is_some_and(|f| f.0),
                require_password_change: b.require_password_change.is_some_and(|f| f.0) || random,
                custom_fields: b.custom_fields,
            })
            .await?;
        Ok(self.user_response(&acc))
    }

    /// `users.register`: self-registration (setting `Accounts_RegistrationForm`).
    #[oai(
        path = "/users.register",
        method = "post",
        operation_id = "users.register"
    )]
    async fn register(&self, body: Json<UsersRegisterBody>) -> ApiResult<UserResponse> {
        let b = body.0;
        let acc = self
            .state
            .users
            .register(
                NewAccount {
                    username: required_str(b.username, "username")?,
                    email: Some(required_str(b.email, "email")?),
                    name: Some(required_str(b.name, "name")?),
                    password: Some(PasswordInput::Plain(required_str(b.pass, "pass")?)),
                    custom_fields: b.custom_fields,
                    ..NewAccount::default()
                },
                b.secret.as_deref(),
            )
            .await?;
        Ok(self.user_response(&acc))
    }

    /// `users.info`: one user by `userId`, `username` or `email`.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/users.info", method = "get", operation_id = "users.info")]
    async fn info(
        &self,
        auth: Auth,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
        email: Query<Option<String>>,
        #[oai(name = "importId")] import_id: Query<Option<String>>,
        #[oai(name = "includeUserRooms")] _include_user_rooms: Query<Option<Flag>>,
    ) -> ApiResult<UserResponse> {
        if import_id.0.is_some() && user_id.0.is_none() && username.0.is_none() && email.0.is_none()
        {
            return Err(Error::Failure("User not found.".into()).into());
        }
        let sel = user_selector(
            user_id.0.as_deref(),
            username.0.as_deref(),
            email.0.as_deref(),
        )
        .ok_or_else(user_param_missing)?;
        let acc = self
            .state
            .users
            .find(&sel)
            .await?
            .ok_or_else(|| Error::Failure("User not found.".into()))?;
        let privileged = self.privileged(&auth.0, &acc.user.id).await;
        Ok(Json(UserResponse {
            user: project::user(&acc, privileged),
            success: true,
        }))
    }

    /// `users.list`: a page of users (permission `view-d-room`; emails need
    /// `view-full-other-user-info`). `query` and `fields` are ignored, as in Rocket.Chat ≥ 7.
    #[oai(path = "/users.list", method = "get", operation_id = "users.list")]
    async fn list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<UsersListResponse> {
        let users = &self.state.users;
        users.require(&auth.0, perm::VIEW_D_ROOM).await?;
        let full = users.can(&auth.0, perm::VIEW_FULL_OTHER_USER_INFO).await?;
        let page = page(&self.state, offset.0, count.0, sort.0.as_deref())?;
        let (list, total) = users.list(&UserFilter::default(), &page).await?;
        let items: Vec<UserJson> = list.iter().map(|a| project::user(a, full)).collect();
        Ok(Json(UsersListResponse {
            count: items.len() as u64,
            users: items,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// `users.update`: changes a user's account (self, or `edit-other-user-info`).
    #[oai(path = "/users.update", method = "post", operation_id = "users.update")]
    async fn update(&self, auth: Auth, body: Json<UsersUpdateBody>) -> ApiResult<UserResponse> {
        let b = body.0;
        let user_id = required_str(b.user_id, "userId")?;
        let d = required(b.data, "data")?;
        let acc = self
            .state
            .users
            .update(
                &auth.0,
                &user_id,
                UserUpdate {
                    email: d.email,
                    name: d.name,
                    password: d
                        .password
                        .filter(|p| !p.is_empty())
                        .map(PasswordInput::Plain),
                    username: d.username,
                    active: d.active.map(|f| f.0),
                    roles: d.roles,
                    verified: d.verified.map(|f| f.0),
                    custom_fields: d.custom_fields,
                    require_password_change: d.require_password_change.map(|f| f.0),
                    nickname: d.nickname,
                    bio: d.bio,
                    status_text: d.status_text,
                },
            )
            .await?;
        Ok(self.user_response(&acc))
    }

    /// `users.updateOwnBasicInfo`: the caller changes their own profile.
    #[oai(
        path = "/users.updateOwnBasicInfo",
        method = "post",
        operation_id = "users.updateOwnBasicInfo"
    )]
    async fn update_own(&self, auth: Auth, body: Json<OwnInfoBody>) -> ApiResult<UserResponse> {
        let d = required(body.0.data, "data")?;
        let acc = self
            .state
            .users
            .update_own(
                &auth.0,
                OwnUpdate {
                    email: d.email,
                    name: d.name,
                    username: d.username,
                    nickname: d.nickname,
                    bio: d.bio,
                    status_text: d.status_text,
                    current_password: d.current_password,
                    new_password: d.new_password.filter(|p| !p.is_empty()),
                },
            )
            .await?;
        Ok(self.user_response(&acc))
    }

    /// `users.delete`: deletes a user (permission `delete-user`).
    #[oai(path = "/users.delete", method = "post", operation_id = "users.delete")]
    async fn delete(&self, auth: Auth, body: Json<UserRefBody>) -> ApiResult<OkBody> {
        let sel = user_selector(body.0.user_id.as_deref(), body.0.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        let acc = self.state.users.get(&sel).await?;
        self.state.users.delete(&auth.0, &acc.user.id).await?;
        Ok(Json(OkBody::ok()))
    }

    /// `users.setStatus`: sets the caller's presence status and/or status message.
    #[oai(
        path = "/users.setStatus",
        method = "post",
        operation_id = "users.setStatus"
    )]
    async fn set_status(&self, auth: Auth, body: Json<SetStatusBody>) -> ApiResult<OkBody> {
        let b = body.0;
        if b.status.is_none() && b.message.is_none() {
            return Err(Error::missing_param("status").into());
        }
        self.state
            .users
            .set_status(
                &auth.0,
                b.user_id.as_deref(),
                b.status.as_deref(),
                b.message.as_deref(),
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// `users.getStatus`: a user's status (the caller's when nobody is named).
    #[oai(
        path = "/users.getStatus",
        method = "get",
        operation_id = "users.getStatus"
    )]
    async fn get_status(
        &self,
        auth: Auth,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> ApiResult<StatusResponse> {
        let acc = match user_selector(user_id.0.as_deref(), username.0.as_deref(), None) {
            Some(sel) => self.state.users.get(&sel).await?,
            None => auth.0.account.clone(),
        };
        let u = &acc.user;
        Ok(Json(StatusResponse {
            id: u.id.clone(),
            message: (!u.status_text.is_empty()).then(|| u.status_text.clone()),
            connection_status: u.status_connection.clone(),
            status: u.status.clone(),
            success: true,
        }))
    }

    /// `users.getPresence`: a user's presence; the caller's own adds connection status and last login.
    #[oai(
        path = "/users.getPresence",
        method = "get",
        operation_id = "users.getPresence"
    )]
    async fn get_presence(
        &self,
        auth: Auth,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> ApiResult<PresenceResponse> {
        let acc = match user_selector(user_id.0.as_deref(), username.0.as_deref(), None) {
            Some(sel) => self.state.users.get(&sel).await?,
            None => auth.0.account.clone(),
        };
        let own = acc.user.id == auth.id();
        Ok(Json(PresenceResponse {
            presence: acc.user.status.clone(),
            connection_status: own.then(|| acc.user.status_connection.clone()),
            last_login: if own {
                acc.user.last_login.map(|t| Timestamp(t).to_iso())
            } else {
                None
            },
            success: true,
        }))
    }

    /// `users.presence`: presence of many users (`ids` as a list or comma-separated), optionally
    /// only those changed since `from`.
    #[oai(
        path = "/users.presence",
        method = "get",
        operation_id = "users.presence"
    )]
    async fn presence(
        &self,
        _auth: Auth,
        req: &Request,
        #[oai(name = "from")] from: Query<Option<String>>,
    ) -> ApiResult<UsersPresenceResponse> {
        let ids = query_list(req.uri().query().unwrap_or(""), "ids");
        let since = match from.0.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                Timestamp::parse(s).ok_or_else(|| Error::invalid_params("from must be a date"))?,
            ),
            None => None,
        };
        let accounts = if ids.is_empty() {
            Vec::new()
        } else {
            apogee_storage::repo::users::by_ids(self.state.users.db(), &ids).await?
        };
        let users = accounts
            .into_iter()
            .filter(|u| since.is_none_or(|t| u.updated_at > t.millis()))
            .map(|u| PresenceUser {
                id: u.id,
                username: u.username,
                name: u.name,
                status: u.status,
                status_text: u.status_text,
                utc_offset: u.utc_offset.unwrap_or(0.0),
                avatar_etag: u.avatar_etag,
            })
            .collect();
        Ok(Json(UsersPresenceResponse {
            users,
            full: since.is_none(),
            success: true,
        }))
    }

    /// `users.setActiveStatus`: activates or deactivates a user (`edit-other-user-active-status`).
    #[oai(
        path = "/users.setActiveStatus",
        method = "post",
        operation_id = "users.setActiveStatus"
    )]
    async fn set_active(
        &self,
        auth: Auth,
        body: Json<SetActiveBody>,
    ) -> ApiResult<SetActiveResponse> {
        let user_id = required_str(body.0.user_id, "userId")?;
        let active = required(body.0.active_status, "activeStatus")?.0;
        let acc = self
            .state
            .users
            .set_active(&auth.0, &user_id, active)
            .await?;
        Ok(Json(SetActiveResponse {
            user: ActiveUser {
                id: acc.user.id,
                active: acc.user.active,
            },
            success: true,
        }))
    }

    /// `users.getPreferences`: the caller's preferences.
    #[oai(
        path = "/users.getPreferences",
        method = "get",
        operation_id = "users.getPreferences"
    )]
    async fn get_preferences(&self, auth: Auth) -> ApiResult<PreferencesResponse> {
        let prefs = apogee_users::Users::preferences(&auth.0.account.user);
        Ok(Json(PreferencesResponse {
            preferences: Value::Object(prefs),
            success: true,
        }))
    }

    /// `users.setPreferences`: merges preferences into the caller's (or another user's).
    #[oai(
        path = "/users.setPreferences",
        method = "post",
        operation_id = "users.setPreferences"
    )]
    async fn set_preferences(
        &self,
        auth: Auth,
        body: Json<SetPreferencesBody>,
    ) -> ApiResult<SetPreferencesResponse> {
        let Value::Object(data) = required(body.0.data, "data")? else {
            return Err(Error::invalid_params("data must be object").into());
        };
        let acc = self
            .state
            .users
            .set_preferences(&auth.0, body.0.user_id.as_deref(), data)
            .await?;
        Ok(Json(SetPreferencesResponse {
            user: UserWithPrefs {
                id: acc.user.id.clone(),
                settings: UserPrefs {
                    preferences: Value::Object(apogee_users::Users::preferences(&acc.user)),
                },
            },
            success: true,
        }))
    }

    /// `users.forgotPassword`: always succeeds, so that it reveals nothing about accounts.
    #[oai(
        path = "/users.forgotPassword",
        method = "post",
        operation_id = "users.forgotPassword"
    )]
    async fn forgot_password(&self, body: Json<ForgotPasswordBody>) -> ApiResult<OkBody> {
        let email = required_str(body.0.email, "email")?;
        if self
            .state
            .users
            .find(&UserSelector::Email(email))
            .await?
            .is_some()
        {
            // No mail transport yet: the operator resets with `apogee user passwd`.
            tracing::info!("password reset requested for an existing account");
        }
        Ok(Json(OkBody::ok()))
    }

    /// `users.createToken`: a login token for another user (needs `CREATE_TOKENS_FOR_USERS=true`,
    /// the `CREATE_TOKENS_FOR_USERS_SECRET`, and `user-generate-access-token`).
    #[oai(
        path = "/users.createToken",
        method = "post",
        operation_id = "users.createToken"
    )]
    async fn create_token(
        &self,
        auth: Auth,
        body: Json<CreateTokenBody>,
    ) -> ApiResult<CreateTokenResponse> {
        let b = body.0;
        let sel = user_selector(b.user_id.as_deref(), b.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        let res = self
            .state
            .users
            .create_token_for(&auth.0, &sel, b.secret.as_deref())
            .await?;
        Ok(Json(CreateTokenResponse {
            data: TokenData {
                user_id: res.account.user.id,
                auth_token: res.token,
            },
            success: true,
        }))
    }

    /// `users.logout`: logs a user out of every session.
    #[oai(path = "/users.logout", method = "post", operation_id = "users.logout")]
    async fn logout(&self, auth: Auth, body: Json<UsersLogoutBody>) -> ApiResult<MessageResponse> {
        let target = body.0.user_id;
        let id = self
            .state
            .users
            .logout_everywhere(&auth.0, target.as_deref())
            .await?;
        Ok(Json(MessageResponse {
            message: format!("User {id} has been logged out!"),
            success: true,
        }))
    }

    /// `users.generatePersonalAccessToken`: a named token that never expires.
    #[oai(
        path = "/users.generatePersonalAccessToken",
        method = "post",
        operation_id = "users.generatePersonalAccessToken"
    )]
    async fn generate_pat(&self, auth: Auth, body: Json<PatBody>) -> ApiResult<PatResponse> {
        let name = required_str(body.0.token_name, "tokenName")?;
        let bypass = body.0.bypass_two_factor.is_some_and(|f| f.0);
        let token = self
            .state
            .users
            .generate_pat(&auth.0, &name, bypass)
            .await?;
        Ok(Json(PatResponse {
            token,
            success: true,
        }))
    }

    /// `users.regeneratePersonalAccessToken`: replaces a named token.
    #[oai(
        path = "/users.regeneratePersonalAccessToken",
        method = "post",
        operation_id = "users.regeneratePersonalAccessToken"
    )]
    async fn regenerate_pat(&self, auth: Auth, body: Json<PatBody>) -> ApiResult<PatResponse> {
        let name = required_str(body.0.token_name, "tokenName")?;
        let token = self.state.users.regenerate_pat(&auth.0, &name).await?;
        Ok(Json(PatResponse {
            token,
            success: true,
        }))
    }

    /// `users.removePersonalAccessToken`: deletes a named token.
    #[oai(
        path = "/users.removePersonalAccessToken",
        method = "post",
        operation_id = "users.removePersonalAccessToken"
    )]
    async fn remove_pat(&self, auth: Auth, body: Json<PatBody>) -> ApiResult<OkBody> {
        let name = required_str(body.0.token_name, "tokenName")?;
        self.state.users.remove_pat(&auth.0, &name).await?;
        Ok(Json(OkBody::ok()))
    }

    /// `users.getPersonalAccessTokens`: the caller's tokens (never the secrets).
    #[oai(
        path = "/users.getPersonalAccessTokens",
        method = "get",
        operation_id = "users.getPersonalAccessTokens"
    )]
    async fn list_pats(&self, auth: Auth) -> ApiResult<PatListResponse> {
        let tokens = self
            .state
            .users
            .list_pats(&auth.0)
            .await?
            .into_iter()
            .map(|t| PatInfo {
                name: t.name.unwrap_or_default(),
                created_at: Timestamp(t.created_at).to_iso(),
                last_token_part: t.last_token_part.unwrap_or_default(),
                bypass_two_factor: t.bypass_two_factor,
            })
            .collect();
        Ok(Json(PatListResponse {
            tokens,
            success: true,
        }))
    }
}
