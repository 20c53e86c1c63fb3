//! `login`, `logout`, `me`, `users.removeOtherTokens`.

use crate::auth::{Auth, client_ip};
use crate::error::{ApiError, ApiResult};
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::{Error, Result};
use apogee_protocol::OkBody;
use apogee_protocol::user::MeJson;
use apogee_users::{LoginRequest, PasswordInput, UserSelector};
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

/// `POST /api/v1/login` body. Any of: `{user|username|email, password}` (password as a string or
/// `{digest, algorithm:"sha-256"}`), `{user:{username|email}, password}`, or `{resume: token}`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct LoginBody {
    /// Username or email (a string with `@` is an email), or `{username}` / `{email}` / `{id}`.
    pub user: Option<Value>,
    /// Username.
    pub username: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Plain password, or `{digest, algorithm}` with the SHA-256 hex digest.
    pub password: Option<Value>,
    /// A login token to resume.
    pub resume: Option<String>,
    /// 2FA code (2FA is off in Apogee; ignored).
    pub code: Option<String>,
}

/// `data` of a successful login.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LoginData {
    /// The user id, for `X-User-Id`.
    pub user_id: String,
    /// The token, for `X-Auth-Token`.
    pub auth_token: String,
    /// The account.
    pub me: MeJson,
}

/// A successful login.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LoginResponse {
    /// `success`.
    pub status: String,
    /// Credentials and account.
    pub data: LoginData,
    /// Always `true`.
    pub success: bool,
}

/// `data` of a logout.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LogoutData {
    /// "You've been logged out!"
    pub message: String,
}

/// A logout.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LogoutResponse {
    /// `success`.
    pub status: String,
    /// The message.
    pub data: LogoutData,
    /// Always `true`.
    pub success: bool,
}

/// The caller's account, flattened into the envelope.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct MeResponse {
    /// The account.
    #[oai(flatten)]
    pub me: MeJson,
    /// Always `true`.
    pub success: bool,
}

fn selector_from(v: &Value) -> Option<UserSelector> {
    match v {
        Value::String(s) if s.contains('@') => Some(UserSelector::Email(s.clone())),
        Value::String(s) if !s.is_empty() => Some(UserSelector::Username(s.clone())),
        Value::Object(o) => {
            let get = |k: &str| {
                o.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            get("username")
                .map(UserSelector::Username)
                .or_else(|| get("email").map(UserSelector::Email))
                .or_else(|| get("id").map(UserSelector::Id))
        }
        _ => None,
    }
}

/// Reads any of the login body forms Rocket.Chat accepts.
pub fn parse_login(b: &LoginBody) -> Result<LoginRequest> {
    if let Some(token) = b.resume.as_deref().filter(|t| !t.is_empty()) {
        return Ok(LoginRequest::Resume(token.to_owned()));
    }
    let user = b
        .user
        .as_ref()
        .and_then(selector_from)
        .or_else(|| {
            b.username
                .clone()
                .filter(|s| !s.is_empty())
                .map(UserSelector::Username)
        })
        .or_else(|| {
            b.email
                .clone()
                .filter(|s| !s.is_empty())
                .map(UserSelector::Email)
        })
        .ok_or_else(|| Error::missing_param("user"))?;
    let password = match &b.password {
        Some(Value::String(p)) => PasswordInput::Plain(p.clone()),
        Some(Value::Object(o)) => match o.get("digest").and_then(Value::as_str) {
            Some(d) => PasswordInput::Digest(d.to_owned()),
            None => {
                return Err(Error::invalid_params(
                    "password must have property 'digest'",
                ));
            }
        },
        _ => return Err(Error::missing_param("password")),
    };
    Ok(LoginRequest::Password { user, password })
}

/// Authentication operations.
pub struct AuthApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Authentication")]
impl AuthApi {
    /// login: exchange credentials for X-User-Id / X-Auth-Token.
    ///
    /// Wrong credentials answer 401. Repeated failures block the username or client address for
    /// some minutes (settings `Block_Multiple_Failed_Logins_*`).
    #[oai(path = "/login", method = "post", operation_id = "login")]
    async fn login(&self, req: &Request, body: Json<LoginBody>) -> ApiResult<LoginResponse> {
        let request = parse_login(&body.0)?;
        let res = self.state.users.login(request, &client_ip(req)).await?;
        // A REST login is a presence session, as in Rocket.Chat (REST-only bots show online).
        self.state.users.rest_login(&res).await?;
        Ok(Json(LoginResponse {
            status: "success".into(),
            data: LoginData {
                user_id: res.account.user.id.clone(),
                auth_token: res.token,
                me: project::me(&res.account, &self.state.root_url),
            },
            success: true,
        }))
    }

    /// logout: invalidates the token of this request.
    #[oai(path = "/logout", method = "post", operation_id = "logout")]
    async fn logout(&self, auth: Auth) -> ApiResult<LogoutResponse> {
        self.do_logout(auth).await
    }

    /// logout (GET form, used by @rocket.chat/sdk): invalidates the token of this request.
    #[oai(path = "/logout", method = "get", operation_id = "logout.get")]
    async fn logout_get(&self, auth: Auth) -> ApiResult<LogoutResponse> {
        self.do_logout(auth).await
    }

    /// users.removeOtherTokens: deletes every login token of the caller but the one of this
    /// request (personal access tokens stay). Realtime connections that logged in with a deleted
    /// token get `<uid>/force_logout` and are closed.
    #[oai(
        path = "/users.removeOtherTokens",
        method = "post",
        operation_id = "users.removeOtherTokens",
        tag = "ApiTags::Users"
    )]
    async fn remove_other_tokens(&self, auth: Auth) -> ApiResult<OkBody> {
        self.state.users.remove_other_tokens(&auth.0).await?;
        Ok(Json(OkBody::ok()))
    }

    /// me: the caller's own account.
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, auth: Auth) -> ApiResult<MeResponse> {
        Ok(Json(MeResponse {
            me: project::me(&auth.0.account, &self.state.root_url),
            success: true,
        }))
    }
}

impl AuthApi {
    async fn do_logout(&self, auth: Auth) -> ApiResult<LogoutResponse> {
        self.state
            .users
            .logout(&auth.0)
            .await
            .map_err(ApiError::from)?;
        Ok(Json(LogoutResponse {
            status: "success".into(),
            data: LogoutData {
                message: "You've been logged out!".into(),
            },
            success: true,
        }))
    }
}
