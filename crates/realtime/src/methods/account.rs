//! Account methods: `registerUser`, `saveUserPreferences`, `saveUserProfile`,
//! `private-settings/get`, `getReadReceipts`, and the
//! client-to-client relay `stream-notify-user`.

use super::{Answer, Params, answer, field, required};
use crate::ejson::parse_date;
use crate::errors::match_failed;
use crate::frames;
use crate::hub::{Key, Stream};
use crate::session::Session;
use apogee_core::Error;
use apogee_core::names::perm;
use apogee_users::{AuthUser, NewAccount, OwnUpdate, PasswordInput};
use serde_json::{Value, json};

/// `registerUser [{email, pass, name, username, secretURL?}]` → the new user's id (like
/// `users.register`, default channels joined). Needs no login.
pub async fn register(s: &Session, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let username = field(o, "username")?
        .ok_or_else(|| Error::meteor("error-invalid-username", "Invalid username"))?;
    let acc =
        s.rt.users()
            .register(
                NewAccount {
                    username: username.to_owned(),
                    email: Some(required(o, "email")?.to_owned()),
                    name: Some(required(o, "name")?.to_owned()),
                    password: Some(PasswordInput::Plain(required(o, "pass")?.to_owned())),
                    ..NewAccount::default()
                },
                field(o, "secretURL")?,
            )
            .await?;
    s.rt.rooms().join_defaults(&acc).await?;
    answer(acc.user.id)
}

/// `saveUserPreferences [{key: value, ...}]` → `true` (like `users.setPreferences`).
pub async fn save_preferences(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let data = p.obj(0)?.clone();
    s.rt.users().set_preferences(actor, None, data).await?;
    Ok(Some(Value::Bool(true)))
}

/// `private-settings/get [since?]` → every setting the caller may see with
/// `view-privileged-setting`, or `{update, remove}` with a date.
pub async fn private_settings(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let since = match p.opt(0) {
        None => None,
        Some(v) => Some(parse_date(v).ok_or_else(match_failed)?),
    };
    if !s
        .rt
        .users()
        .can(actor, perm::VIEW_PRIVILEGED_SETTING)
        .await?
    {
        return answer(Vec::<Value>::new());
    }
    let list: Vec<Value> =
        s.rt.users()
            .settings()
            .all()
            .into_iter()
            .filter(|v| since.is_none_or(|t| v.updated_at > t.millis()))
            .map(|v| json!({"_id": v.id, "value": v.value, "public": v.public}))
            .collect();
    match since {
        None => answer(list),
        Some(_) => answer(json!({"update": list, "remove": []})),
    }
}

/// `stream-notify-user` events one user may send to another (calls, encryption handshakes);
/// anything else only to oneself.
const USER_TO_USER: [&str; 4] = ["webrtc", "otr", "video-conference", "e2ekeyRequest"];

/// `stream-notify-user ["<uid>/<event>", ...args]` → nothing: relays the event to the listeners
/// of that user's stream, never back to the sending connection.
pub async fn notify_user(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let event = p.str(0)?;
    let Some((uid, kind)) = event.split_once('/') else {
        return Err(Error::meteor("error-not-allowed", "Not allowed"));
    };
    if kind.is_empty() || (uid != actor.id() && !USER_TO_USER.contains(&kind)) {
        return Err(Error::meteor("error-not-allowed", "Not allowed"));
    }
    let args = Value::Array(p.all().get(1..).unwrap_or_default().to_vec());
    let f = frames::stream_event(Stream::NotifyUser.name(), event, &args.to_string());
    s.rt.hub()
        .deliver(&Key::new(Stream::NotifyUser, event), &f, Some(s.conn.id));
    Ok(None)
}

/// `saveUserProfile [settings, customFields?]` → `true` (like `users.updateOwnBasicInfo`):
/// `settings` is `{realname?, username?, email?, nickname?, bio?, statusText?, newPassword?,
/// typedPassword?}` (`typedPassword`: the current password, as its SHA-256 digest).
pub async fn save_profile(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let o = p.obj(0)?;
    let text = |k: &str| field(o, k).map(|v| v.map(str::to_owned));
    let up = OwnUpdate {
        email: text("email")?,
        name: text("realname")?,
        username: text("username")?,
        nickname: text("nickname")?,
        bio: text("bio")?,
        status_text: text("statusText")?,
        current_password: text("typedPassword")?,
        new_password: text("newPassword")?,
    };
    s.rt.users().update_own(actor, up).await?;
    Ok(Some(Value::Bool(true)))
}

/// `setAvatarFromService [dataURI, contentType, service, targetUserId?]`: service `url` fetches
/// the image (behind the outbound policy), any other takes a `data:` URI; someone else's avatar
/// needs edit-other-user-avatar.
pub async fn set_avatar_from_service(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let service = p.opt_str(2)?.unwrap_or("upload");
    let target = p
        .opt_str(3)?
        .filter(|id| !id.is_empty())
        .map(|id| apogee_users::UserSelector::Id(id.to_owned()));
    s.rt.users()
        .set_avatar_from_service(actor, target.as_ref(), p.str(0)?, service)
        .await?;
    Ok(None)
}

/// `resetAvatar [userId?]`: back to the initials avatar (someone else's needs
/// edit-other-user-avatar).
pub async fn reset_avatar(s: &Session, actor: &AuthUser, p: Params<'_>) -> Answer {
    let target = p
        .opt_str(0)?
        .map(|id| apogee_users::UserSelector::Id(id.to_owned()));
    s.rt.users().reset_avatar(actor, target.as_ref()).await?;
    Ok(None)
}

/// `getReadReceipts [{messageId}]`: read receipts are an enterprise feature of Rocket.Chat; this
/// answers as an unlicensed Rocket.Chat does (like `chat.getMessageReadReceipts`).
pub fn read_receipts(p: Params<'_>) -> Answer {
    required(p.obj(0)?, "messageId")?;
    Err(Error::meteor(
        "error-action-not-allowed",
        "This is an enterprise feature",
    ))
}
