//! The one domain error type. Every failure anywhere in Apogee ends up as one of these variants, and the
//! REST and DDP layers each map it exhaustively onto Rocket.Chat's wire forms.

use serde_json::Value;

/// Shorthand for results carrying the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure with the information Rocket.Chat clients see.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A `Meteor.Error`: REST 400 `{"error":"<reason> [<code>]","errorType":"<code>"}`.
    #[error("{reason} [{code}]")]
    Meteor {
        /// The machine-readable code, e.g. `error-invalid-user`.
        code: String,
        /// The human-readable reason.
        reason: String,
        /// Optional structured details (`details` in the envelope).
        details: Option<Value>,
    },
    /// A plain string failure (`API.v1.failure("...")`): REST 400 without `errorType`.
    #[error("{0}")]
    Failure(String),
    /// Parameter validation failed: REST 400 with `errorType: "error-invalid-params"`.
    #[error("{0}")]
    InvalidParams(String),
    /// No or invalid credentials on an authenticated route: REST 401.
    #[error("You must be logged in to do this.")]
    Unauthorized,
    /// A failed login attempt: REST 401 with the pre-8 superset body (`error` code and `message`).
    #[error("{message}")]
    LoginFailed {
        /// `unauthorized`, `error-login-blocked-for-user`, `error-login-blocked-for-ip`, ...
        code: String,
        /// The reason shown to people.
        message: String,
    },
    /// The caller lacks a permission: REST 403.
    #[error("User does not have the permissions required for this action [error-forbidden]")]
    Forbidden,
    /// A resource or route does not exist: REST 404.
    #[error("{0}")]
    NotFound(String),
    /// A rate limit was hit: REST 429.
    #[error(
        "Error, too many requests. Please slow down. You must wait {wait_seconds} seconds before trying this endpoint again. [error-too-many-requests]"
    )]
    TooManyRequests {
        /// Seconds until the window resets.
        wait_seconds: u64,
    },
    /// Something unexpected; the detail is logged, never sent to the client.
    #[error("Internal server error")]
    Internal(String),
}

impl Error {
    /// A Meteor-style error with a code and a reason.
    pub fn meteor(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Meteor {
            code: code.into(),
            reason: reason.into(),
            details: None,
        }
    }

    /// A Meteor-style error with details.
    pub fn meteor_with(code: impl Into<String>, reason: impl Into<String>, details: Value) -> Self {
        Self::Meteor {
            code: code.into(),
            reason: reason.into(),
            details: Some(details),
        }
    }

    /// A parameter validation error, worded like Rocket.Chat's ajv messages.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::InvalidParams(message.into())
    }

    /// The error for a missing required parameter.
    pub fn missing_param(name: &str) -> Self {
        Self::InvalidParams(format!("must have required property '{name}'"))
    }

    /// An internal error from anything displayable (database, hashing, ...).
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// `error-invalid-user`, the code Rocket.Chat uses for unknown users in most calls.
    pub fn invalid_user() -> Self {
        Self::meteor("error-invalid-user", "Invalid user")
    }

    /// The error code clients match on, when the variant has one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Meteor { code, .. } => Some(code),
            Self::InvalidParams(_) => Some("error-invalid-params"),
            Self::LoginFailed { code, .. } => Some(code),
            Self::TooManyRequests { .. } => Some("error-too-many-requests"),
            Self::Forbidden => Some("error-forbidden"),
            _ => None,
        }
    }
}
