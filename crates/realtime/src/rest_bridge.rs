//! `POST /api/v1/method.call/<method>` and `/api/v1/method.callAnon/<method>`: the REST bridge to
//! DDP methods that the mobile app uses when `API_Use_REST_For_DDP_Calls` is on. The body is
//! `{"message": "<a DDP method frame as a JSON string>"}`; the answer is
//! `{"message": "<the DDP result frame as a JSON string>", "success": true}` (method errors travel
//! inside the result frame, as in Rocket.Chat).

use crate::Realtime;
use crate::errors::method_error;
use crate::methods;
use crate::session::{Login, Session};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};

fn reply(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("Cache-Control", "no-store")
        .body(body.to_string())
}

fn unauthorized() -> Response {
    let msg = "You must be logged in to do this.";
    reply(
        StatusCode::UNAUTHORIZED,
        &json!({"success": false, "status": "error", "error": msg, "message": msg}),
    )
}

fn bad_request(error: &str) -> Response {
    reply(
        StatusCode::BAD_REQUEST,
        &json!({"success": false, "error": error}),
    )
}

/// Runs one method call from REST; `anonymous` is `method.callAnon` (login optional).
pub async fn call(rt: Realtime, mut req: Request, anonymous: bool) -> Response {
    let method = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let user_id = req.header("x-user-id").map(str::to_owned);
    let token = req.header("x-auth-token").map(str::to_owned);
    let login = match (user_id, token) {
        (Some(uid), Some(token)) => match rt.users().authenticate(&uid, &token).await {
            Ok(auth) => Some(Login { auth, token }),
            Err(_) if anonymous => None,
            Err(_) => return unauthorized(),
        },
        _ if anonymous => None,
        _ => return unauthorized(),
    };
    let ip = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let Ok(text) = req.take_body().into_string().await else {
        return bad_request("Invalid body");
    };
    let frame: Option<Value> = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|b| b.get("message").and_then(Value::as_str).map(str::to_owned))
        .and_then(|m| serde_json::from_str(&m).ok());
    let Some(frame) = frame.filter(Value::is_object) else {
        return bad_request("The 'message' param is required and must be a DDP method frame");
    };
    let id = frame.get("id").cloned().unwrap_or(Value::Null);
    let params = match frame.get("params") {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    let mut session = Session::detached(rt, ip, login);
    let result = match methods::call(&mut session, &method, &params).await {
        Ok(Some(v)) => json!({"msg": "result", "id": id, "result": v}),
        Ok(None) => json!({"msg": "result", "id": id}),
        Err(e) => json!({"msg": "result", "id": id, "error": method_error(&e, &method)}),
    };
    reply(
        StatusCode::OK,
        &json!({"message": result.to_string(), "success": true}),
    )
}
