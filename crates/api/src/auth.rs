//! The REST security scheme: `X-User-Id` + `X-Auth-Token`, checked on every authenticated operation
//! by the type system (a handler that takes [`Auth`] cannot run without a valid login).

use crate::error::ApiError;
use crate::state::AppState;
use apogee_users::AuthUser;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::ApiKey;
use std::sync::Arc;

/// A logged-in caller. Send the token as `X-Auth-Token` and the user id as `X-User-Id` (both
/// from `POST /api/v1/login`, or a personal access token).
#[derive(SecurityScheme)]
#[oai(
    rename = "AuthToken",
    ty = "api_key",
    key_name = "X-Auth-Token",
    key_in = "header",
    checker = "check_login"
)]
pub struct Auth(pub Arc<AuthUser>);

impl Auth {
    /// The caller's user id.
    pub fn id(&self) -> &str {
        self.0.id()
    }
}

async fn check_login(req: &Request, token: ApiKey) -> poem::Result<Arc<AuthUser>> {
    let state = req.data::<AppState>().ok_or_else(|| {
        poem::Error::from(ApiError::from(apogee_core::Error::internal("no state")))
    })?;
    let user_id = req.header("x-user-id").unwrap_or_default();
    state
        .users
        .authenticate(user_id, &token.key)
        .await
        .map_err(|e| poem::Error::from(ApiError::from(e)))
}

/// Authenticates from headers when both are present (for operations where login is optional).
pub async fn optional_login(state: &AppState, req: &Request) -> Option<Arc<AuthUser>> {
    let uid = req.header("x-user-id")?;
    let token = req.header("x-auth-token")?;
    state.users.authenticate(uid, token).await.ok()
}

/// The client address for brute-force blocking. Only the socket peer is trusted; a reverse proxy's
/// `X-Forwarded-For` could be forged by anyone when the server is reachable directly.
pub fn client_ip(req: &Request) -> String {
    match req.remote_addr().as_socket_addr() {
        Some(a) => a.ip().to_string(),
        None => String::new(),
    }
}
