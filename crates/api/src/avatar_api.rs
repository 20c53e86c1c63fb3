//! Avatars: `users.setAvatar`, `users.resetAvatar`, `users.getAvatar` (a redirect), and the
//! pictures themselves at `/avatar/:username` and `/avatar/room/:rid` (images, not JSON).

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{user_param_missing, user_selector};
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_protocol::OkBody;
use apogee_users::AvatarOrigin;
use apogee_users::avatar::{AvatarImage, initials_svg};
use poem::http::StatusCode;
use poem::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, ApiResponse, Multipart, Object, OpenApi};

/// Avatar operations.
pub struct AvatarApi {
    /// Shared services.
    pub state: AppState,
}

/// `users.setAvatar` as JSON: an image URL for the server to fetch (a `data:` URI works).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetAvatarJson {
    /// The new avatar: an http(s) URL of an image for the server to fetch (public addresses
    /// only, unless the server's outbound allow list opens a private one), or a
    /// `data:image/...;base64,` URI.
    pub avatar_url: Option<String>,
    /// Whose avatar (default: the caller's).
    pub user_id: Option<String>,
    /// Whose avatar, by username.
    pub username: Option<String>,
}

/// `users.setAvatar` as a form upload.
#[derive(Multipart, Debug)]
pub struct SetAvatarForm {
    /// The image file (PNG, JPEG, GIF, WebP or BMP).
    image: Option<Upload>,
    /// Whose avatar (default: the caller's).
    #[oai(rename = "userId")]
    user_id: Option<String>,
    /// Whose avatar, by username.
    username: Option<String>,
}

/// The two forms `users.setAvatar` accepts.
#[derive(ApiRequest, Debug)]
pub enum SetAvatarRequest {
    /// `{avatarUrl, userId?, username?}`.
    Json(Json<SetAvatarJson>),
    /// Multipart with the file in field `image`.
    Form(SetAvatarForm),
}

/// `users.resetAvatar` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ResetAvatarBody {
    /// Whose avatar, by id.
    pub user_id: Option<String>,
    /// Whose avatar, by username.
    pub username: Option<String>,
}

/// `users.getAvatar`'s answer: a redirect to the picture.
#[derive(ApiResponse)]
pub enum AvatarRedirect {
    /// Temporary redirect to `/avatar/<username>`; the body is that URL.
    #[oai(status = 307)]
    Redirect(PlainText<String>, #[oai(header = "Location")] String),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl AvatarApi {
    /// users.setAvatar: a new avatar from a multipart `image` upload, or from `avatarUrl`: an
    /// http(s) URL the server fetches (error-avatar-invalid-url when refused, unreachable, 404 or
    /// not `image/*`; error-avatar-url-handling for other failing statuses) or a `data:` URI; for
    /// someone else with edit-other-user-avatar. Announces `updateAvatar`.
    #[oai(
        path = "/users.setAvatar",
        method = "post",
        operation_id = "users.setAvatar"
    )]
    async fn set_avatar(&self, auth: Auth, body: SetAvatarRequest) -> ApiResult<OkBody> {
        let users = &self.state.users;
        match body {
            SetAvatarRequest::Json(Json(b)) => {
                let url = b
                    .avatar_url
                    .filter(|u| !u.trim().is_empty())
                    .ok_or_else(|| Error::Failure("The 'image' param is required".into()))?;
                let target = user_selector(b.user_id.as_deref(), b.username.as_deref(), None);
                users
                    .set_avatar_from_url(&auth.0, target.as_ref(), &url)
                    .await?;
            }
            SetAvatarRequest::Form(f) => {
                let image = f
                    .image
                    .ok_or_else(|| Error::Failure("The 'image' param is required".into()))?;
                if image.size() > apogee_users::avatar::MAX_AVATAR_BYTES {
                    return Err(Error::meteor(
                        "error-file-too-large",
                        "The avatar image is too large",
                    )
                    .into());
                }
                let bytes = image
                    .into_vec()
                    .await
                    .map_err(|e| Error::Failure(format!("Could not read the image: {e}")))?;
                let target = user_selector(f.user_id.as_deref(), f.username.as_deref(), None);
                users
                    .set_avatar(&auth.0, target.as_ref(), bytes, AvatarOrigin::Rest)
                    .await?;
            }
        }
        Ok(Json(OkBody::ok()))
    }

    /// users.resetAvatar: back to the initials avatar (own, or anyone's with
    /// edit-other-user-avatar).
    #[oai(
        path = "/users.resetAvatar",
        method = "post",
        operation_id = "users.resetAvatar"
    )]
    async fn reset_avatar(&self, auth: Auth, body: Json<ResetAvatarBody>) -> ApiResult<OkBody> {
        let target = user_selector(body.user_id.as_deref(), body.username.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        self.state
            .users
            .reset_avatar(&auth.0, Some(&target))
            .await?;
        Ok(Json(OkBody::ok()))
    }

    /// users.getAvatar: redirects (307) to the user's picture at `/avatar/<username>`.
    #[oai(
        path = "/users.getAvatar",
        method = "get",
        operation_id = "users.getAvatar"
    )]
    async fn get_avatar(
        &self,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> Result<AvatarRedirect, ApiError> {
        let sel = user_selector(user_id.0.as_deref(), username.0.as_deref(), None)
            .ok_or_else(user_param_missing)?;
        let acc = self.state.users.find(&sel).await?.ok_or_else(|| {
            Error::meteor("error-invalid-user", "The required user was not found")
        })?;
        let url = format!(
            "{}/avatar/{}",
            self.state.root_url.trim_end_matches('/'),
            acc.user.username
        );
        Ok(AvatarRedirect::Redirect(PlainText(url.clone()), url))
    }
}

/// Browsers may keep a picture briefly; the ETag makes revalidation cheap.
const CACHE: &str = "public, max-age=0, must-revalidate";

fn svg(name: &str) -> Response {
    Response::builder()
        .header(CONTENT_TYPE, "image/svg+xml")
        .header(CACHE_CONTROL, CACHE)
        // Our SVG has no script, but say so to browsers anyway.
        .header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        )
        .body(initials_svg(name))
}

/// `GET /avatar/:username`: the uploaded picture (304 when the client's ETag matches), else an
/// SVG with the initial. `@name` and a `.ext` suffix are accepted as Rocket.Chat does.
#[handler]
pub async fn user_avatar(
    req: &Request,
    Path(name): Path<String>,
    state: Data<&AppState>,
) -> Response {
    let name = name.trim_start_matches('@');
    let name = name
        .rsplit_once('.')
        .filter(|(_, ext)| matches!(*ext, "png" | "jpg" | "jpeg" | "svg" | "gif" | "webp"))
        .map_or(name, |(base, _)| base);
    match state.users.avatar_image(name).await {
        Ok(AvatarImage::Stored {
            content_type,
            data,
            etag,
        }) => {
            let tag = format!("\"{etag}\"");
            if req
                .header(IF_NONE_MATCH)
                .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
            {
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header(ETAG, tag)
                    .finish();
            }
            Response::builder()
                .header(CONTENT_TYPE, content_type)
                .header(CACHE_CONTROL, CACHE)
                .header(ETAG, tag)
                .header("X-Content-Type-Options", "nosniff")
                .body(data)
        }
        Ok(AvatarImage::Initials(n)) => svg(&n),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /avatar/room/:rid`: the room's initials (rooms have no uploaded pictures yet).
#[handler]
pub async fn room_avatar(Path(rid): Path<String>, state: Data<&AppState>) -> Response {
    match apogee_storage::repo::rooms::by_id(state.users.db(), &rid).await {
        Ok(Some(room)) => svg(room.fname.or(room.name).as_deref().unwrap_or(&rid)),
        Ok(None) => svg(&rid),
        Err(e) => ApiError::from(e).into_response(),
    }
}
