//! The frames the server sends, built in one place. A frame is serialized once into a
//! [`Frame`] (a reference-counted text message) and can then go to any number of connections.

use serde::Serialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// One serialized server frame, cheap to clone (the bytes are shared, not copied).
pub type Frame = Message;

/// Turns any serializable value into a frame. Serializing our own types cannot fail; if it ever
/// did, the client gets an `error` frame rather than a panic.
pub fn frame<T: Serialize>(v: &T) -> Frame {
    match serde_json::to_string(v) {
        Ok(s) => Message::Text(Utf8Bytes::from(s)),
        Err(e) => {
            tracing::error!("cannot serialize a DDP frame: {e}");
            text(r#"{"msg":"error","reason":"Internal server error"}"#.to_owned())
        }
    }
}

/// A frame from text already in JSON form.
pub fn text(s: String) -> Frame {
    Message::Text(Utf8Bytes::from(s))
}

/// `{"server_id":"0"}`, sent as soon as the socket opens.
pub fn server_id() -> Frame {
    text(r#"{"server_id":"0"}"#.to_owned())
}

/// `connected` with the new session id.
pub fn connected(session: &str) -> Frame {
    frame(&json!({"msg": "connected", "session": session}))
}

/// `failed`: the client's versions are not supported; `version` is the one we would speak.
pub fn failed(version: &str) -> Frame {
    frame(&json!({"msg": "failed", "version": version}))
}

/// `ping`, optionally with an id.
pub fn ping() -> Frame {
    text(r#"{"msg":"ping"}"#.to_owned())
}

/// `pong`, echoing the ping's id.
pub fn pong(id: Option<&Value>) -> Frame {
    match id {
        Some(id) => frame(&json!({"msg": "pong", "id": id})),
        None => text(r#"{"msg":"pong"}"#.to_owned()),
    }
}

/// `error` for a frame that is not DDP (`offending` is what the client sent, when it parsed).
pub fn error(reason: &str, offending: Option<&Value>) -> Frame {
    match offending {
        Some(m) => frame(&json!({"msg": "error", "reason": reason, "offendingMessage": m})),
        None => frame(&json!({"msg": "error", "reason": reason})),
    }
}

/// A method's successful `result` (without `result` when the method returns nothing).
pub fn result(id: &Value, value: Option<&Value>) -> Frame {
    match value {
        Some(v) => frame(&json!({"msg": "result", "id": id, "result": v})),
        None => frame(&json!({"msg": "result", "id": id})),
    }
}

/// A method's failed `result`.
pub fn result_error(id: &Value, error: &Value) -> Frame {
    frame(&json!({"msg": "result", "id": id, "error": error}))
}

/// `updated`: the method's writes are visible.
pub fn updated(id: &Value) -> Frame {
    frame(&json!({"msg": "updated", "methods": [id]}))
}

/// `ready` for one subscription.
pub fn ready(sub_id: &str) -> Frame {
    frame(&json!({"msg": "ready", "subs": [sub_id]}))
}

/// `nosub`: a subscription ended (after `unsub`) or was refused (with an error).
pub fn nosub(sub_id: &str, error: Option<&Value>) -> Frame {
    match error {
        Some(e) => frame(&json!({"msg": "nosub", "id": sub_id, "error": e})),
        None => frame(&json!({"msg": "nosub", "id": sub_id})),
    }
}

/// `added` on a collection (the own user document after login, the streams' compat frame).
pub fn added(collection: &str, id: &str, fields: &Value) -> Frame {
    frame(&json!({"msg": "added", "collection": collection, "id": id, "fields": fields}))
}

/// The body every stream event shares: `changed` on the stream's collection with id `"id"` and
/// `fields: {eventName, args}`. `args` is already-serialized JSON (an array), so that the costly
/// part of a frame is serialized once even when the event name differs per recipient.
pub fn stream_event(stream: &str, event_name: &str, args_json: &str) -> Frame {
    let name = serde_json::to_string(event_name).unwrap_or_else(|_| "\"\"".to_owned());
    text(format!(
        r#"{{"msg":"changed","collection":"{stream}","id":"id","fields":{{"eventName":{name},"args":{args_json}}}}}"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(f: &Frame) -> Value {
        serde_json::from_str(f.to_text().unwrap()).unwrap()
    }

    #[test]
    fn stream_events_are_valid_json() {
        let f = stream_event("stream-room-messages", "GEN\"ERAL", r#"[{"a":1}]"#);
        assert_eq!(
            parse(&f),
            json!({"msg":"changed","collection":"stream-room-messages","id":"id",
                   "fields":{"eventName":"GEN\"ERAL","args":[{"a":1}]}})
        );
        assert_eq!(
            parse(&pong(Some(&json!("x")))),
            json!({"msg":"pong","id":"x"})
        );
        assert_eq!(
            parse(&result(&json!("1"), None)),
            json!({"msg":"result","id":"1"})
        );
    }
}
