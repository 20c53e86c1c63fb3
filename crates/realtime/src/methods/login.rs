//! `login` (password digest, plain password, resume token) and `logout`, over the same
//! [`apogee_users::Users::login`] REST's `POST /api/v1/login` uses.

use super::{Answer, Params, answer};
use crate::ejson::Date;
use crate::errors::match_failed;
use crate::frames;
use crate::session::{Login, Session};
use apogee_core::{Error, Result};
use apogee_users::{AuthUser, LoginRequest, PasswordInput, UserSelector};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The `login` result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginAnswer {
    id: String,
    token: String,
    token_expires: Date,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Reads the login request object of Meteor's accounts packages.
fn request(o: &Map<String, Value>) -> Result<LoginRequest> {
    if let Some(r) = o.get("resume") {
        let token = r.as_str().ok_or_else(match_failed)?;
        return Ok(LoginRequest::Resume(token.to_owned()));
    }
    let (Some(user), Some(password)) = (o.get("user"), o.get("password")) else {
        // Meteor's answer when no login handler understands the request (LDAP, 2FA, ...).
        return Err(Error::InvalidParams(
            "Unrecognized options for login request".into(),
        ));
    };
    let user = match user {
        Value::String(s) if s.contains('@') => UserSelector::Email(s.clone()),
        Value::String(s) => UserSelector::Username(s.clone()),
        Value::Object(u) => {
            let get = |k: &str| u.get(k).and_then(Value::as_str).map(str::to_owned);
            match (get("username"), get("email"), get("id")) {
                (Some(n), _, _) => UserSelector::Username(n),
                (None, Some(e), _) => UserSelector::Email(e),
                (None, None, Some(id)) => UserSelector::Id(id),
                _ => return Err(match_failed()),
            }
        }
        _ => return Err(match_failed()),
    };
    let password = match password {
        Value::String(p) => PasswordInput::Plain(p.clone()),
        Value::Object(p) => {
            let digest = p.get("digest").and_then(Value::as_str);
            let algorithm = p.get("algorithm").and_then(Value::as_str);
            match (digest, algorithm) {
                (Some(d), Some("sha-256")) => PasswordInput::Digest(d.to_owned()),
                _ => return Err(match_failed()),
            }
        }
        _ => return Err(match_failed()),
    };
    Ok(LoginRequest::Password { user, password })
}

/// `login`: `[{user, password} | {resume}]` → `{id, token, tokenExpires, type}`, after pushing the
/// user's own document on the `users` collection (clients read `username` from it).
pub async fn login(s: &mut Session, p: Params<'_>) -> Answer {
    let req = request(p.obj(0)?)?;
    let resume = matches!(req, LoginRequest::Resume(_));
    let users = s.rt.users().clone();
    let res = match users.login(req, &s.ip).await {
        Ok(r) => r,
        Err(Error::LoginFailed { code, .. }) if code == "unauthorized" => {
            return Err(Error::LoginFailed {
                code,
                message: if resume {
                    "You've been logged out by the server. Please log in again.".into()
                } else {
                    "Incorrect password".into()
                },
            });
        }
        Err(e) => return Err(e),
    };
    let auth = users.authenticate(&res.account.user.id, &res.token).await?;
    // A connection logs in as one user at a time: subscriptions of a previous login end.
    s.end_login().await;
    let u = &res.account.user;
    let emails: Vec<Value> = u
        .email
        .iter()
        .map(|a| json!({"address": a, "verified": u.email_verified}))
        .collect();
    s.reply(frames::added(
        "users",
        &u.id,
        &json!({"username": u.username, "name": u.name, "emails": emails,
                "status": u.status, "roles": res.account.roles}),
    ))
    .await;
    s.start_login(Login {
        auth,
        token: res.token.clone(),
    })
    .await;
    answer(LoginAnswer {
        id: res.account.user.id.clone(),
        token: res.token,
        token_expires: Date(res.expires.millis()),
        kind: res.kind,
    })
}

/// `logout`: removes the connection's token; the connection stays open, anonymous.
pub async fn logout(s: &mut Session) -> Answer {
    if let Some(l) = s.login.clone() {
        s.end_login().await;
        s.rt.users().logout(&l.auth).await?;
    }
    Ok(None)
}

/// `removeOtherTokens []`: deletes every login token of the caller but the one this connection
/// logged in with (like `users.removeOtherTokens`); the connections that used them are closed.
pub async fn remove_other_tokens(s: &Session, actor: &AuthUser) -> Answer {
    s.rt.users().remove_other_tokens(actor).await?;
    Ok(None)
}
