//! Workspace-wide reads: `public-settings/get`, `permissions/get`, `spotlight`.

use super::{Answer, Params, answer};
use crate::ejson::{Date, parse_date};
use crate::errors::match_failed;
use crate::session::Session;
use apogee_core::Timestamp;
use apogee_storage::Page;
use apogee_users::{Activity, AuthUser, UserFilter};
use serde_json::{Value, json};

/// `public-settings/get [since?]` → `[{_id, value, enterprise}]`, or `{update, remove}` with a date.
/// Needs no login.
pub fn public_settings(s: &Session, p: Params<'_>) -> Answer {
    let since = match p.opt(0) {
        None => None,
        Some(v) => Some(parse_date(v).ok_or_else(match_failed)?),
    };
    let list: Vec<Value> =
        s.rt.users()
            .settings()
            .all()
            .into_iter()
            .filter(|v| v.public)
            .filter(|v| since.is_none_or(|t| v.updated_at > t.millis()))
            .map(|v| json!({"_id": v.id, "value": v.value, "enterprise": false}))
            .collect();
    match since {
        None => answer(list),
        Some(_) => answer(json!({"update": list, "remove": []})),
    }
}

/// `permissions/get [since?]` → `[{_id, roles, _updatedAt}]`, or `{update, remove}` with a date.
pub async fn permissions(s: &Session, p: Params<'_>) -> Answer {
    let since = match p.opt(0) {
        None => None,
        Some(v) => Some(parse_date(v).ok_or_else(match_failed)?),
    };
    let (update, removed) = s.rt.users().permissions(since).await?;
    let update: Vec<Value> = update
        .iter()
        .map(|perm| {
            let roles: Vec<String> = serde_json::from_str(&perm.roles).unwrap_or_default();
            json!({"_id": perm.id, "roles": roles, "_updatedAt": Date(perm.updated_at)})
        })
        .collect();
    match since {
        None => answer(update),
        Some(_) => {
            let now = Date(Timestamp::now().millis());
            let remove: Vec<Value> = removed
                .into_iter()
                .map(|id| json!({"_id": id, "_deletedAt": now}))
                .collect();
            answer(json!({"update": update, "remove": remove}))
        }
    }
}

/// `spotlight [text, usernamesToExclude, {users, rooms}, rid?]` → `{users, rooms}`: active users
/// and the rooms the caller may find (public channels and their own private rooms), ten each.
pub async fn spotlight(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let text = p.opt_str(0)?.unwrap_or_default().trim();
    let exclude: Vec<&str> = match p.opt(1) {
        None => Vec::new(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(_) => return Err(match_failed()),
    };
    let wants = |k: &str| {
        p.opt(2)
            .and_then(|o| o.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    let mut users = Vec::new();
    if wants("users") {
        let filter = UserFilter {
            text: Some(text.trim_start_matches('@').to_owned()),
            active_only: true,
            ..UserFilter::default()
        };
        let page = Page {
            offset: 0,
            count: Some(10),
            sort: Vec::new(),
        };
        let (list, _) = s.rt.users().list(&filter, &page).await?;
        users = list
            .into_iter()
            .filter(|a| !exclude.contains(&a.user.username.as_str()))
            .map(|a| {
                let u = a.user;
                json!({"_id": u.id, "username": u.username, "name": u.name, "status": u.status,
                       "statusText": u.status_text, "avatarETag": u.avatar_etag,
                       "nickname": u.nickname})
            })
            .collect();
    }
    let mut rooms = Vec::new();
    if wants("rooms") {
        let list =
            s.rt.rooms()
                .searchable(actor, text.trim_start_matches('#'), Some(10))
                .await?;
        rooms = list
            .into_iter()
            .map(|r| {
                json!({"_id": r.id, "name": r.name, "fname": r.fname.or(r.name.clone()), "t": r.t,
                       "uids": r.uids.as_deref().and_then(|u| serde_json::from_str::<Value>(u).ok())})
            })
            .collect();
    }
    answer(json!({"users": users, "rooms": rooms}))
}

/// `UserPresence:setDefaultStatus [status]` → `true` (like `users.setStatus`).
pub async fn default_status(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    s.rt.users()
        .set_status(actor, None, Some(p.str(0)?), None)
        .await?;
    Ok(Some(Value::Bool(true)))
}

/// `setUserStatus [status, statusText]` → nothing (like `users.setStatus`).
pub async fn user_status(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    s.rt.users()
        .set_status(actor, None, p.opt_str(0)?, p.opt_str(1)?)
        .await?;
    Ok(None)
}

/// `UserPresence:online` / `UserPresence:away []` → nothing: this connection's activity, which
/// sets the user's connection status (the most present of their connections).
pub async fn activity(s: &Session, activity: Activity) -> Answer {
    s.report_activity(activity).await?;
    Ok(None)
}
