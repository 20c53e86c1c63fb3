//! DDP methods. Each one parses its parameters, calls the domain function its REST twin calls and
//! projects the answer with EJSON dates; no business rule lives here.

mod account;
mod login;
mod messages;
mod rooms;
mod workspace;

use crate::errors::{match_failed, not_logged_in};
use crate::session::Session;
use apogee_core::{Error, Result};
use apogee_rooms::RoomKind;
use apogee_users::{Activity, AuthUser};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// A method's answer: `None` for methods that return nothing.
pub type Answer = Result<Option<Value>>;

/// Runs a method for a session.
pub async fn call(s: &mut Session, name: &str, params: &[Value]) -> Answer {
    let p = Params(params);
    match name {
        "login" => login::login(s, p).await,
        "logout" => login::logout(s).await,
        "public-settings/get" => workspace::public_settings(s, p),
        "registerUser" => account::register(s, p).await,
        _ => {
            let actor = actor(s).await?;
            let s = &*s;
            match name {
                "sendMessage" => messages::send(s, &actor, p).await,
                "updateMessage" => messages::update(s, &actor, p).await,
                "deleteMessage" => messages::delete(s, &actor, p).await,
                "getSingleMessage" => messages::get_single(s, &actor, p).await,
                "loadHistory" => messages::load_history(s, &actor, p).await,
                "setReaction" => messages::set_reaction(s, &actor, p).await,
                "readMessages" => rooms::read_messages(s, &actor, p).await,
                "subscriptions/get" => rooms::subscriptions_get(s, &actor, p).await,
                "rooms/get" => rooms::rooms_get(s, &actor, p).await,
                "getRoomRoles" => rooms::room_roles(s, &actor, p).await,
                "getRoomIdByNameOrId" => rooms::room_id_by_name_or_id(s, &actor, p).await,
                "getRoomNameById" => rooms::room_name_by_id(s, &actor, p).await,
                "canAccessRoom" => rooms::can_access_room(s, &actor, p).await,
                "joinRoom" => rooms::join_room(s, &actor, p).await,
                "leaveRoom" => rooms::leave_room(s, &actor, p).await,
                "createDirectMessage" => rooms::create_direct(s, &actor, p).await,
                "stream-notify-room" => rooms::notify_room(s, &actor, p).await,
                "permissions/get" => workspace::permissions(s, p).await,
                "spotlight" => workspace::spotlight(s, &actor, p).await,
                "pinMessage" => messages::pin(s, &actor, p, true).await,
                "unpinMessage" => messages::pin(s, &actor, p, false).await,
                "starMessage" => messages::star(s, &actor, p).await,
                "followMessage" => messages::follow(s, &actor, p, true).await,
                "unfollowMessage" => messages::follow(s, &actor, p, false).await,
                "loadMissedMessages" => messages::load_missed(s, &actor, p).await,
                "toggleFavorite" => rooms::toggle_favorite(s, &actor, p).await,
                "hideRoom" => rooms::set_open(s, &actor, p, false).await,
                "openRoom" => rooms::set_open(s, &actor, p, true).await,
                "createChannel" => rooms::create(s, &actor, p, RoomKind::Channel).await,
                "createPrivateGroup" => rooms::create(s, &actor, p, RoomKind::Group).await,
                "UserPresence:setDefaultStatus" => workspace::default_status(s, &actor, p).await,
                "setUserStatus" => workspace::user_status(s, &actor, p).await,
                "loadNextMessages" => messages::load_next(s, &actor, p).await,
                "loadSurroundingMessages" => messages::load_surrounding(s, &actor, p).await,
                "getThreadMessages" => messages::thread_messages(s, &actor, p).await,
                "slashCommand" => messages::slash_command(s, &actor, p).await,
                "cleanRoomHistory" => messages::clean_history(s, &actor, p).await,
                "getUsersOfRoom" => rooms::users_of_room(s, &actor, p).await,
                "unreadMessages" => rooms::unread_messages(s, &actor, p).await,
                "getRoomByTypeAndName" => rooms::room_by_type_and_name(s, &actor, p).await,
                "saveRoomSettings" => rooms::save_room_settings(s, &actor, p).await,
                "addUsersToRoom" => rooms::add_users(s, &actor, p).await,
                "muteUserInRoom" => rooms::mute(s, &actor, p, true).await,
                "unmuteUserInRoom" => rooms::mute(s, &actor, p, false).await,
                "eraseRoom" => rooms::erase_room(s, &actor, p).await,
                "saveNotificationSettings" => rooms::save_notification(s, &actor, p).await,
                "removeOtherTokens" => login::remove_other_tokens(s, &actor).await,
                "blockUser" => rooms::block(s, &actor, p, true).await,
                "unblockUser" => rooms::block(s, &actor, p, false).await,
                "saveUserProfile" => account::save_profile(s, &actor, p).await,
                "setAvatarFromService" => account::set_avatar_from_service(s, &actor, p).await,
                "resetAvatar" => account::reset_avatar(s, &actor, p).await,
                "getReadReceipts" => account::read_receipts(p),
                "saveUserPreferences" => account::save_preferences(s, &actor, p).await,
                "private-settings/get" => account::private_settings(s, &actor, p).await,
                "stream-notify-user" => account::notify_user(s, &actor, p).await,
                "UserPresence:online" => workspace::activity(s, Activity::Online).await,
                "UserPresence:away" => workspace::activity(s, Activity::Away).await,
                _ => Err(Error::NotFound(format!("Method '{name}' not found"))),
            }
        }
    }
}

/// The logged-in caller, re-checked against the token store (cached, so this is cheap): a token
/// removed elsewhere ends the connection's login.
async fn actor(s: &mut Session) -> Result<Arc<AuthUser>> {
    let Some(login) = s.login.clone() else {
        return Err(not_logged_in());
    };
    match s
        .rt
        .users()
        .authenticate(login.auth.id(), &login.token)
        .await
    {
        Ok(auth) => {
            if let Some(l) = &mut s.login {
                l.auth = auth.clone();
            }
            Ok(auth)
        }
        Err(Error::Unauthorized) => {
            s.end_login().await;
            Err(not_logged_in())
        }
        Err(e) => Err(e),
    }
}

/// Serializes a method's answer.
fn answer(v: impl Serialize) -> Answer {
    serde_json::to_value(v).map(Some).map_err(Error::internal)
}

/// Positional parameters with Meteor's `check` semantics: a wrong type is `Match failed`.
#[derive(Clone, Copy)]
pub struct Params<'a>(&'a [Value]);

impl<'a> Params<'a> {
    /// Parameter `i`, absent when missing or null.
    pub fn opt(self, i: usize) -> Option<&'a Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    /// A required string.
    pub fn str(self, i: usize) -> Result<&'a str> {
        self.opt(i).and_then(Value::as_str).ok_or_else(match_failed)
    }

    /// An optional string (wrong types fail).
    pub fn opt_str(self, i: usize) -> Result<Option<&'a str>> {
        match self.opt(i) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(match_failed()),
        }
    }

    /// A required object.
    pub fn obj(self, i: usize) -> Result<&'a Map<String, Value>> {
        self.opt(i)
            .and_then(Value::as_object)
            .ok_or_else(match_failed)
    }

    /// An optional boolean (wrong types fail).
    pub fn opt_bool(self, i: usize) -> Result<Option<bool>> {
        match self.opt(i) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(match_failed()),
        }
    }

    /// Every parameter.
    pub fn all(self) -> &'a [Value] {
        self.0
    }
}

/// A string field of an object parameter.
fn field<'a>(o: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(match_failed()),
    }
}

/// A required string field of an object parameter.
fn required<'a>(o: &'a Map<String, Value>, k: &str) -> Result<&'a str> {
    field(o, k)?.ok_or_else(match_failed)
}
