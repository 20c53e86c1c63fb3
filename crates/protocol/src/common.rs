//! Envelopes shared by every endpoint.

use poem_openapi::Object;
use serde_json::Value;

/// Rocket.Chat's error envelope: `{"success":false,"error":"<reason> [<code>]","errorType":"<code>"}`.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// What went wrong; Meteor errors read `reason [code]`.
    pub error: String,
    /// The bare error code, when there is one.
    #[oai(rename = "errorType", skip_serializing_if_is_none)]
    pub error_type: Option<String>,
    /// Extra structured information.
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Value>,
}

/// The 401 body, with the pre-8.0 `status`/`message` keys as well (harmless for 8.x clients).
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct UnauthorizedBody {
    /// Always `false`.
    pub success: bool,
    /// `error`.
    pub status: String,
    /// The code (`unauthorized`, `error-login-blocked-for-user`, ...) or the message.
    pub error: String,
    /// Human-readable message.
    pub message: String,
}

/// A success without payload: `{"success":true}`.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct OkBody {
    /// Always `true`.
    pub success: bool,
}

impl OkBody {
    /// `{"success":true}`.
    pub fn ok() -> Self {
        Self { success: true }
    }
}
