//! Discussions: rooms opened from a room (or from one of its messages), with `prid` naming the
//! parent, announced in the parent by a `discussion-created` system message carrying `drid`.

use crate::membership::{CreateRoom, new_room};
use crate::{RoomKind, Rooms};
use apogee_core::names::role;
use apogee_core::{Error, EventKind, Result, Timestamp, Topic, random_id};
use apogee_storage::{Message, Room, repo};
use apogee_users::{Account, AuthUser, UserSelector};
use serde_json::{Value, json};

/// What `rooms.createDiscussion` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewDiscussion {
    /// Parent room.
    pub prid: String,
    /// Parent message the discussion starts from.
    pub pmid: Option<String>,
    /// Display name (`t_name`).
    pub name: String,
    /// Usernames to invite.
    pub users: Vec<String>,
    /// End-to-end encrypted (defaults to the parent's setting).
    pub encrypted: Option<bool>,
    /// Topic (defaults to the parent's name).
    pub topic: Option<String>,
    /// Whether a first reply will be posted (refused for encrypted discussions).
    pub has_reply: bool,
}

fn not_allowed() -> Error {
    Error::meteor(
        "error-action-not-allowed",
        "You are not allowed to create a discussion",
    )
}

/// The message quoted as an attachment (Rocket.Chat's `attachMessage`).
fn quote(m: &Message, root_url: &str, parent: &Room) -> Value {
    json!({
        "text": m.msg,
        "author_name": m.u_username,
        "author_icon": format!("/avatar/{}", m.u_username),
        "ts": Timestamp(m.ts).to_iso(),
        "message_link": format!("{root_url}/{}?msg={}", parent.id, m.id),
    })
}

impl Rooms {
    /// Creates a discussion of a room (`start-discussion` or `start-discussion-other-user` in the
    /// parent; setting `Discussion_enabled`): a new room of the parent's kind (private for direct
    /// messages) whose creator owns it, with the invited users and, when started from a message,
    /// that message's author. Posts `discussion-created` in the parent.
    pub async fn create_discussion(&self, actor: &AuthUser, d: &NewDiscussion) -> Result<Room> {
        if !self.users.settings().bool("Discussion_enabled") {
            return Err(not_allowed());
        }
        let parent = repo::rooms::by_id(self.db(), &d.prid).await?;
        let allowed = match &parent {
            Some(p) => {
                self.can_in_room(actor, p, "start-discussion").await?
                    || self
                        .can_in_room(actor, p, "start-discussion-other-user")
                        .await?
            }
            None => {
                self.users.can(actor, "start-discussion").await?
                    || self.users.can(actor, "start-discussion-other-user").await?
            }
        };
        if !allowed {
            return Err(not_allowed());
        }
        let message = match &d.pmid {
            Some(pmid) => {
                let m = repo::messages::by_id(self.db(), pmid)
                    .await?
                    .filter(|m| !m.hidden)
                    .ok_or_else(|| Error::meteor("error-invalid-message", "Invalid message"))?;
                let m_room = repo::rooms::by_id(self.db(), &m.rid).await?;
                let root = m_room.map(|r| r.prid.unwrap_or(r.id));
                if root.as_deref() != Some(d.prid.as_str()) {
                    return Err(Error::meteor(
                        "error-invalid-arguments",
                        "Root message room ID does not match parent room ID ",
                    ));
                }
                Some(m)
            }
            None => None,
        };
        let parent = parent.ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        if !self.can_view(actor, &parent).await? {
            return Err(Error::meteor("error-not-allowed", "Not allowed"));
        }
        if parent.archived {
            return Err(Error::meteor("error-room-archived", "Room is archived"));
        }
        if parent.prid.is_some() {
            return Err(Error::meteor(
                "error-nested-discussion",
                "Cannot create nested discussions",
            ));
        }
        let encrypted = d.encrypted.unwrap_or(parent.encrypted);
        if encrypted && d.has_reply {
            return Err(Error::meteor(
                "error-invalid-arguments",
                "Encrypted discussions must not receive an initial reply.",
            ));
        }
        let kind = if parent.t == "c" {
            RoomKind::Channel
        } else {
            RoomKind::Group
        };
        let mut invited: Vec<Account> = Vec::new();
        let mut names: Vec<String> = message.iter().map(|m| m.u_username.clone()).collect();
        names.extend(d.users.iter().cloned());
        for name in names {
            let name = name.trim().trim_start_matches('@').to_owned();
            if name.is_empty() || name.eq_ignore_ascii_case(&actor.account.user.username) {
                continue;
            }
            // Unknown usernames are skipped, as Rocket.Chat's createRoom does.
            if let Some(acc) = self.users.find(&UserSelector::Username(name)).await?
                && !invited.iter().any(|i| i.user.id == acc.user.id)
            {
                invited.push(acc);
            }
        }
        let now = Self::now();
        let spec = CreateRoom {
            name: random_id(),
            topic: d
                .topic
                .clone()
                .filter(|t| !t.is_empty())
                .or_else(|| parent.name.clone()),
            encrypted,
            ..CreateRoom::default()
        };
        let mut room = new_room(kind, &spec.name, &actor.account, &spec, now);
        room.fname = Some(d.name.clone());
        room.prid = Some(parent.id.clone());
        room.description = message
            .as_ref()
            .filter(|_| !parent.encrypted)
            .map(|m| m.msg.clone());
        repo::rooms::insert(self.db(), room.clone()).await?;
        self.add_member(&room, &actor.account, &[role::OWNER], now)
            .await?;
        for m in &invited {
            self.add_member(&room, m, &[], now).await?;
        }
        let room = self.reload(&room.id).await?;
        let root_url = self.users.options().root_url.clone();
        let attachment = message.as_ref().map(|m| quote(m, &root_url, &parent));
        if let Some(a) = &attachment {
            // The discussion opens with the quoted message, as in Rocket.Chat.
            self.post_plain(&room, &actor.account, "", Some(json!([a])))
                .await?;
        }
        let mut extra = serde_json::Map::new();
        extra.insert("drid".into(), Value::String(room.id.clone()));
        if let Some(a) = attachment {
            extra.insert("attachments".into(), json!([a]));
        }
        self.system_message_with(
            &parent,
            "discussion-created",
            &d.name,
            &actor.account,
            extra,
        )
        .await?;
        self.room_changed(&room);
        self.room_changed(&parent);
        Ok(room)
    }

    /// Deletes a discussion room (used when its announcement is cleaned from the parent).
    pub async fn erase_discussion(&self, drid: &str) -> Result<()> {
        if let Some(room) = repo::rooms::by_id(self.db(), drid)
            .await?
            .filter(|r| r.prid.is_some())
        {
            self.erase(&room).await?;
        }
        Ok(())
    }

    async fn post_plain(
        &self,
        room: &Room,
        author: &Account,
        msg: &str,
        attachments: Option<Value>,
    ) -> Result<Message> {
        let now = Self::now();
        let mut data = json!({"mentions": [], "channels": []});
        if let (Some(a), Some(obj)) = (attachments, data.as_object_mut()) {
            obj.insert("attachments".into(), a);
        }
        let m = repo::messages::post(
            self.db(),
            Message {
                id: random_id(),
                rid: room.id.clone(),
                seq: 0,
                ts: now,
                updated_at: now,
                u_id: author.user.id.clone(),
                u_username: author.user.username.clone(),
                u_name: Some(author.user.name.clone()),
                msg: msg.to_owned(),
                t: None,
                tmid: None,
                pinned: false,
                hidden: false,
                data: data.to_string(),
            },
        )
        .await?;
        self.publish(
            Topic::Room(room.id.clone()),
            EventKind::MessageCreated {
                room_id: room.id.clone(),
                message_id: m.id.clone(),
            },
        );
        Ok(m)
    }
}
