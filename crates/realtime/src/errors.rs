//! The one mapping from the domain [`Error`] to DDP's `Meteor.Error` objects (the REST envelope has
//! its own in the api crate). Codes follow Rocket.Chat's methods: string codes for domain errors,
//! Meteor's numbers (400, 403, 404) for protocol-level failures.

use apogee_core::Error;
use serde_json::{Map, Value, json};

/// A `Meteor.Error` body: `{isClientSafe, error, reason, message, errorType, details?}`.
pub fn meteor_error(error: Value, reason: &str, details: Option<Value>) -> Value {
    let code = match &error {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut m = Map::new();
    m.insert("isClientSafe".into(), Value::Bool(true));
    m.insert("error".into(), error);
    m.insert("reason".into(), Value::String(reason.to_owned()));
    m.insert(
        "message".into(),
        Value::String(format!("{reason} [{code}]")),
    );
    m.insert("errorType".into(), Value::String("Meteor.Error".into()));
    if let Some(d) = details {
        m.insert("details".into(), d);
    }
    Value::Object(m)
}

/// Meteor's `Match failed` (400): the parameters do not have the expected shape.
pub fn match_failed() -> Error {
    Error::InvalidParams("Match failed".into())
}

/// `error-invalid-user`: the method needs a logged-in connection.
pub fn not_logged_in() -> Error {
    Error::meteor("error-invalid-user", "Invalid user")
}

/// The error object of a failed method call; `method` goes into `details.method` like
/// Rocket.Chat's `Meteor.Error(code, reason, { method })`.
pub fn method_error(e: &Error, method: &str) -> Value {
    let with_method = |details: Option<&Value>| {
        let mut d = details
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        d.entry("method").or_insert_with(|| json!(method));
        Some(Value::Object(d))
    };
    match e {
        Error::Meteor {
            code,
            reason,
            details,
        } => meteor_error(json!(code), reason, with_method(details.as_ref())),
        Error::Failure(reason) => meteor_error(json!("error"), reason, with_method(None)),
        Error::InvalidParams(reason) => meteor_error(json!(400), reason, None),
        Error::Unauthorized => meteor_error(
            json!("error-invalid-user"),
            "Invalid user",
            with_method(None),
        ),
        // Meteor's accounts answer bad credentials with a numeric 403.
        Error::LoginFailed { code, message } if code == "unauthorized" => {
            meteor_error(json!(403), message, None)
        }
        Error::LoginFailed { code, message } => meteor_error(json!(code), message, None),
        Error::Forbidden => {
            meteor_error(json!("error-not-allowed"), "Not allowed", with_method(None))
        }
        Error::NotFound(reason) => meteor_error(json!(404), reason, None),
        Error::TooManyRequests { wait_seconds } => meteor_error(
            json!("too-many-requests"),
            &format!(
                "Error, too many requests. Please slow down. You must wait {wait_seconds} seconds before trying again."
            ),
            Some(json!({"timeToReset": wait_seconds.saturating_mul(1000)})),
        ),
        Error::Internal(detail) => {
            tracing::error!("method {method} failed: {detail}");
            meteor_error(json!(500), "Internal server error", None)
        }
    }
}

/// The `error` of a refused subscription: `not-allowed`.
pub fn sub_not_allowed() -> Value {
    meteor_error(json!("not-allowed"), "Not allowed", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_method_error_has_meteors_shape() {
        let e = method_error(&Error::NotFound("Method 'foo' not found".into()), "foo");
        assert_eq!(
            e,
            json!({"isClientSafe":true,"error":404,"reason":"Method 'foo' not found",
                   "message":"Method 'foo' not found [404]","errorType":"Meteor.Error"})
        );
        let e = method_error(
            &Error::meteor("error-room-not-found", "Room not found"),
            "joinRoom",
        );
        assert_eq!(e["message"], "Room not found [error-room-not-found]");
        assert_eq!(e["details"]["method"], "joinRoom");
    }
}
