//! `users.*`: accounts, profiles, status, presence, preferences and tokens.

mod shapes;

pub use shapes::*;

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::{page, query_list, required, required_str, user_param_missing, user_selector};
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
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use serde_json::Value;

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
    /// users.create: creates a user (permission create-user).
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
        if b.join_default_channels.is_none_or(|f| f.0) {
            self.state.rooms.join_defaults(&acc).await?;
        }
        Ok(self.user_response(&acc))
    }

    /// users.register: self-registration (setting Accounts_RegistrationForm).
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
        self.state.rooms.join_defaults(&acc).await?;
        Ok(self.user_response(&acc))
    }

    /// users.info: one user by userId, username or email; `includeUserRooms=true` adds the
    /// rooms they are in (for themselves, or with view-other-user-channels).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/users.info", method = "get", operation_id = "users.info")]
    async fn info(
        &self,
        auth: Auth,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
        email: Query<Option<String>>,
        #[oai(name = "importId")] import_id: Query<Option<String>>,
        #[oai(name = "includeUserRooms")] include_user_rooms: Query<Option<Flag>>,
    ) -> ApiResult<UserInfoResponse> {
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
        let rooms = if include_user_rooms.0.is_some_and(|f| f.0) {
            self.state
                .rooms
                .rooms_of_member(&auth.0, &acc.user.id)
                .await?
                .map(|list| {
                    list.into_iter()
                        .map(|(s, r)| UserRoomJson {
                            unread: (r.seq - s.read_seq).max(0),
                            roles: serde_json::from_str(&s.roles).unwrap_or_default(),
                            id: s.id,
                            rid: s.rid,
                            name: s.name,
                            t: s.t,
                        })
                        .collect()
                })
        } else {
            None
        };
        Ok(Json(UserInfoResponse {
            user: UserInfoJson {
                user: project::user(&acc, privileged),
                rooms,
            },
            success: true,
        }))
    }

    /// users.list: a page of users (permission view-d-room; emails need
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

    /// users.update: changes a user's account (self, or edit-other-user-info).
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

    /// users.updateOwnBasicInfo: the caller changes their own profile.
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

    /// users.delete: deletes a user (permission delete-user).
    #[oai(path = "/users.delete", method = "post", operation_id = "users.delete")]
    async fn delete(&self, auth: Auth, body: Json<UserRefBody>) -> ApiResult<OkBody> {
        let sel = user_selector(body.0.user_id.as_deref(), body.0.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        let acc = self.state.users.get(&sel).await?;
        self.state.users.delete(&auth.0, &acc.user.id).await?;
        Ok(Json(OkBody::ok()))
    }

    /// users.setStatus: sets the caller's presence status and/or status message.
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

    /// users.getStatus: a user's status (the caller's when nobody is named).
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

    /// users.getPresence: a user's presence; the caller's own adds connection status and last login.
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

    /// users.presence: presence of many users (ids as a list or comma-separated), optionally
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

    /// users.setActiveStatus: activates or deactivates a user (edit-other-user-active-status).
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

    /// users.getPreferences: the caller's preferences.
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

    /// users.setPreferences: merges preferences into the caller's (or another user's).
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

    /// users.forgotPassword: always succeeds, so that it reveals nothing about accounts.
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

    /// users.createToken: a login token for another user (needs CREATE_TOKENS_FOR_USERS=true,
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

    /// users.logout: logs a user out of every session.
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

    /// users.generatePersonalAccessToken: a named token that never expires.
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

    /// users.regeneratePersonalAccessToken: replaces a named token.
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

    /// users.removePersonalAccessToken: deletes a named token.
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

    /// users.getPersonalAccessTokens: the caller's tokens (never the secrets).
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
