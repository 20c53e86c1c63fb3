//! The one mapping from failures to Rocket.Chat's REST error envelopes: domain errors (exhaustively)
//! and framework errors (parse failures, unknown routes, oversized bodies, panics).

use apogee_core::Error;
use apogee_protocol::{ErrorBody, UnauthorizedBody};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

/// An error answer of any REST operation.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// Validation or business-rule failure.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Missing or invalid credentials.
    #[oai(status = 401)]
    Unauthorized(Json<UnauthorizedBody>),
    /// The caller lacks a permission.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// Request body too large.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// Rate limit hit.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// Unexpected failure.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

/// What every operation returns.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

fn body(error: impl Into<String>, error_type: Option<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        success: false,
        error: error.into(),
        error_type,
        details: None,
    })
}

/// The 401 body for unauthenticated calls.
pub fn unauthorized_body() -> Json<UnauthorizedBody> {
    let msg = "You must be logged in to do this.".to_owned();
    Json(UnauthorizedBody {
        success: false,
        status: "error".into(),
        error: msg.clone(),
        message: msg,
    })
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Meteor {
                code,
                reason,
                details,
            } => Self::BadRequest(Json(ErrorBody {
                success: false,
                error: format!("{reason} [{code}]"),
                error_type: Some(code),
                details,
            })),
            Error::Failure(msg) => Self::BadRequest(body(msg, None)),
            Error::InvalidParams(msg) => {
                Self::BadRequest(body(msg, Some("error-invalid-params".into())))
            }
            Error::Unauthorized => Self::Unauthorized(unauthorized_body()),
            Error::LoginFailed { code, message } => Self::Unauthorized(Json(UnauthorizedBody {
                success: false,
                status: "error".into(),
                error: code,
                message,
            })),
            e @ Error::Forbidden => Self::Forbidden(body(e.to_string(), None)),
            Error::NotFound(msg) => Self::NotFound(body(msg, None)),
            e @ Error::TooManyRequests { .. } => {
                Self::TooManyRequests(body(e.to_string(), Some("error-too-many-requests".into())))
            }
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                Self::Internal(body("Internal server error", None))
            }
        }
    }
}

/// Turns any framework error into Rocket.Chat's JSON envelope. Our own error responses pass through.
pub fn framework_error(e: poem::Error) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if e.is_from_response() {
        return e.into_response();
    }
    let api = if e.is::<AuthorizationError>() {
        ApiError::Unauthorized(unauthorized_body())
    } else if e.is::<ParseParamError>()
        || e.is::<ParsePathError>()
        || e.is::<ParseRequestPayloadError>()
        || e.is::<ParseMultipartError>()
        || e.is::<ContentTypeError>()
        || e.is::<poem::error::ParseJsonError>()
        || e.is::<poem::error::ParseQueryError>()
    {
        ApiError::BadRequest(body(
            clean_parse_message(&e.to_string()),
            Some("error-invalid-params".into()),
        ))
    } else {
        match e.status() {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
                ApiError::NotFound(body("Resource not found", None))
            }
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(body(
                "Request entity too large",
                Some("error-payload-too-large".into()),
            )),
            s if s.is_client_error() => {
                ApiError::BadRequest(body(e.to_string(), Some("error-invalid-params".into())))
            }
            _ => {
                tracing::error!(error = %e, "unhandled framework error");
                ApiError::Internal(body("Internal server error", None))
            }
        }
    };
    api.into_response()
}

/// poem-openapi's messages name its own types; keep the part a client can act on.
fn clean_parse_message(m: &str) -> String {
    m.replace("failed to parse \"", "invalid \"")
        .replace("parse request payload error: ", "")
        .replace("failed to parse parameter ", "invalid parameter ")
}
