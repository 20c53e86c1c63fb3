//! Rocket.Chat's built-in slash commands (`commands.list`, `commands.get`, `commands.run`): each
//! maps onto the same domain call its REST twin makes.

use crate::{Messages, NewMessage, SendMode};
use apogee_core::{Error, Result};
use apogee_rooms::{CreateRoom, RoomChange, RoomKind, RoomRef};
use apogee_storage::repo;
use apogee_users::{AuthUser, UserSelector};

/// A slash command as `commands.list` describes it.
#[derive(Debug, Clone, Copy)]
pub struct SlashCommand {
    /// Name without the slash.
    pub command: &'static str,
    /// Parameter hint.
    pub params: &'static str,
    /// i18n key of the description (Rocket.Chat's).
    pub description: &'static str,
}

/// The built-in commands.
pub const COMMANDS: &[SlashCommand] = &[
    SlashCommand {
        command: "archive",
        params: "#channel",
        description: "Archive",
    },
    SlashCommand {
        command: "create",
        params: "#channel",
        description: "Create_A_New_Channel",
    },
    SlashCommand {
        command: "invite",
        params: "@username",
        description: "Invite_user_to_join_channel",
    },
    SlashCommand {
        command: "join",
        params: "#channel",
        description: "Join_the_given_channel",
    },
    SlashCommand {
        command: "kick",
        params: "@username",
        description: "Remove_someone_from_room",
    },
    SlashCommand {
        command: "leave",
        params: "",
        description: "Leave_the_current_channel",
    },
    SlashCommand {
        command: "part",
        params: "",
        description: "Leave_the_current_channel",
    },
    SlashCommand {
        command: "me",
        params: "your message",
        description: "Displays_action_text",
    },
    SlashCommand {
        command: "msg",
        params: "@username <message>",
        description: "Direct_message_someone",
    },
    SlashCommand {
        command: "shrug",
        params: "your message (optional)",
        description: "Slash_Shrug_Description",
    },
    SlashCommand {
        command: "status",
        params: "Slash_Status_Params",
        description: "Slash_Status_Description",
    },
    SlashCommand {
        command: "topic",
        params: "Slash_Topic_Params",
        description: "Slash_Topic_Description",
    },
    SlashCommand {
        command: "unarchive",
        params: "#channel",
        description: "Unarchive",
    },
];

/// Looks a command up by name.
pub fn command(name: &str) -> Option<&'static SlashCommand> {
    COMMANDS
        .iter()
        .find(|c| c.command == name.trim().trim_start_matches('/'))
}

fn kind_of(t: &str) -> RoomKind {
    match t {
        "p" => RoomKind::Group,
        "d" => RoomKind::Direct,
        _ => RoomKind::Channel,
    }
}

impl Messages {
    /// `commands.run`: runs a slash command in a room the caller is in.
    pub async fn run_command(
        &self,
        actor: &AuthUser,
        name: &str,
        params: &str,
        rid: &str,
        tmid: Option<String>,
    ) -> Result<()> {
        let cmd = command(name).ok_or_else(|| {
            Error::Failure("The command provided does not exist (or is disabled).".into())
        })?;
        let room = repo::rooms::by_id(self.db(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        if self
            .rooms()
            .subscription(actor.id(), &room.id)
            .await?
            .is_none()
        {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        let here = RoomRef {
            id: Some(room.id.clone()),
            name: None,
        };
        let kind = kind_of(&room.t);
        let params = params.trim();
        let first = params.split_whitespace().next().unwrap_or("");
        let target_room = |p: &str| -> RoomRef {
            let n = p.trim_start_matches('#');
            if n.is_empty() {
                here.clone()
            } else {
                RoomRef {
                    id: None,
                    name: Some(n.to_owned()),
                }
            }
        };
        let say = |msg: String| NewMessage {
            rid: room.id.clone(),
            msg,
            tmid: tmid.clone(),
            ..NewMessage::default()
        };
        match cmd.command {
            "topic" => {
                self.rooms()
                    .change(actor, &here, kind, RoomChange::Topic(params.to_owned()))
                    .await?;
            }
            "invite" => {
                let who = UserSelector::Username(first.trim_start_matches('@').to_owned());
                self.rooms().invite(actor, &here, kind, &who).await?;
            }
            "kick" => {
                let who = UserSelector::Username(first.trim_start_matches('@').to_owned());
                self.rooms().kick(actor, &here, kind, &who).await?;
            }
            "leave" | "part" => {
                self.rooms().leave(actor, &here, kind).await?;
            }
            "join" => {
                self.rooms().join(actor, &target_room(first), None).await?;
            }
            "archive" | "unarchive" => {
                let r = target_room(first);
                let target = match &r.name {
                    Some(n) => repo::rooms::by_name(self.db(), n)
                        .await?
                        .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?,
                    None => room.clone(),
                };
                let r = RoomRef {
                    id: Some(target.id.clone()),
                    name: None,
                };
                self.rooms()
                    .change(
                        actor,
                        &r,
                        kind_of(&target.t),
                        RoomChange::Archived(cmd.command == "archive"),
                    )
                    .await?;
            }
            "create" => {
                let name = first.trim_start_matches('#');
                if name.is_empty() {
                    return Err(Error::missing_param("params"));
                }
                self.rooms()
                    .create(
                        actor,
                        RoomKind::Channel,
                        CreateRoom {
                            name: name.to_owned(),
                            ..CreateRoom::default()
                        },
                    )
                    .await?;
            }
            "me" => {
                if params.is_empty() {
                    return Err(Error::missing_param("params"));
                }
                self.send(actor, say(format!("_{params}_")), SendMode::Send)
                    .await?;
            }
            "shrug" => {
                let text = if params.is_empty() {
                    "¯\\_(ツ)_/¯".to_owned()
                } else {
                    format!("{params} ¯\\_(ツ)_/¯")
                };
                self.send(actor, say(text), SendMode::Send).await?;
            }
            "status" => {
                self.rooms()
                    .users()
                    .set_status(actor, None, None, Some(params))
                    .await?;
            }
            "msg" => {
                let text = params[first.len()..].trim();
                if first.is_empty() || text.is_empty() {
                    return Err(Error::missing_param("params"));
                }
                let (dm, _) = self
                    .rooms()
                    .create_direct(actor, &[first.trim_start_matches('@').to_owned()])
                    .await?;
                self.send(
                    actor,
                    NewMessage {
                        rid: dm.id,
                        msg: text.to_owned(),
                        ..NewMessage::default()
                    },
                    SendMode::Send,
                )
                .await?;
            }
            _ => {
                return Err(Error::Failure(
                    "The command provided does not exist (or is disabled).".into(),
                ));
            }
        }
        Ok(())
    }
}
