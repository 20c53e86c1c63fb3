//! Lists of a room's messages picked by what they carry: mentions of the caller, discussions,
//! thread changes, and the filtered pages of `dm.messages`.

use crate::Messages;
use apogee_core::{Error, Result, Timestamp};
use apogee_storage::{Message, Page, Room, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

fn data_of(m: &Message) -> Map<String, Value> {
    serde_json::from_str(&m.data).unwrap_or_default()
}

/// Whether a message's `mentions` name this user (by id or username).
fn mentions(m: &Message, user_id: &str, username: &str) -> bool {
    data_of(m)
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|x| {
                x.get("_id").and_then(Value::as_str) == Some(user_id)
                    || x.get("username").and_then(Value::as_str) == Some(username)
            })
        })
}

/// Which messages `dm.messages` / `channels.messages` keep.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// Only messages mentioning one of these user ids.
    pub mention_ids: Vec<String>,
    /// Only messages starred by one of these user ids.
    pub starred_ids: Vec<String>,
    /// Only pinned messages.
    pub pinned: bool,
}

fn any_id_in(data: &Map<String, Value>, key: &str, ids: &[String]) -> bool {
    data.get(key).and_then(Value::as_array).is_some_and(|a| {
        a.iter().any(|x| {
            x.get("_id")
                .and_then(Value::as_str)
                .is_some_and(|id| ids.iter().any(|i| i == id))
        })
    })
}

fn threads_enabled(m: &Messages) -> Result<()> {
    if m.rooms().users().settings().bool("Threads_enabled") {
        Ok(())
    } else {
        Err(Error::meteor("error-not-allowed", "Threads Disabled"))
    }
}

impl Messages {
    /// The room behind `chat.getMentionedMessages` / `chat.getDiscussions`: Rocket.Chat answers a
    /// missing or unreadable room with the bare string `error-not-allowed`.
    async fn room_for_listing(&self, actor: &AuthUser, rid: &str) -> Result<Room> {
        let room = repo::rooms::by_id(self.db(), rid).await?;
        match room {
            Some(r) if self.rooms().can_view(actor, &r).await? => Ok(r),
            _ => Err(Error::Failure("error-not-allowed".into())),
        }
    }

    /// `chat.getMentionedMessages` (newest first) and `channels.getAllUserMentionsByChannel`
    /// (oldest first with `ascending`): a page of a room's messages mentioning the caller, and
    /// the total.
    pub async fn mentioned(
        &self,
        actor: &AuthUser,
        rid: &str,
        ascending: bool,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        let room = if ascending {
            let room = repo::rooms::by_id(self.db(), rid)
                .await?
                .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
            if !self.rooms().can_view(actor, &room).await? {
                return Err(Error::meteor("error-not-allowed", "Not allowed"));
            }
            room
        } else {
            self.room_for_listing(actor, rid).await?
        };
        let me = &actor.account.user;
        let mut list: Vec<Message> =
            repo::messages::data_containing(self.db(), &room.id, &format!("\"{}\"", me.id))
                .await?
                .into_iter()
                .filter(|m| mentions(m, &me.id, &me.username))
                .collect();
        if ascending {
            list.reverse();
        }
        let total = list.len() as u64;
        Ok((Page::slice(offset, count, list), total))
    }

    /// `chat.getDiscussions`: the `discussion-created` messages of a room (optionally whose text
    /// contains `text`), newest first, each with its discussion's `dcount` and `dlm`.
    pub async fn discussions(
        &self,
        actor: &AuthUser,
        rid: &str,
        text: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        let room = self.room_for_listing(actor, rid).await?;
        let needle = text.to_lowercase();
        let list: Vec<Message> = repo::messages::data_containing(self.db(), &room.id, "\"drid\"")
            .await?
            .into_iter()
            .filter(|m| data_of(m).get("drid").is_some_and(Value::is_string))
            .filter(|m| m.msg.to_lowercase().contains(&needle))
            .collect();
        let total = list.len() as u64;
        let mut page = Page::slice(offset, count, list);
        let rooms = repo::rooms::discussions_of(self.db(), &room.id).await?;
        for m in &mut page {
            let mut data = data_of(m);
            let drid = data.get("drid").and_then(Value::as_str).map(str::to_owned);
            if let Some(d) = drid.and_then(|id| rooms.iter().find(|r| r.id == id)) {
                data.insert("dcount".into(), json!(d.msgs));
                if let Some(lm) = d.last_message_at {
                    data.insert("dlm".into(), json!(lm));
                }
                m.data = Value::Object(data).to_string();
            }
        }
        Ok((page, total))
    }

    /// `chat.syncThreadMessages`: a thread's replies changed since a time, and those deleted
    /// since then (as they were).
    pub async fn sync_thread(
        &self,
        actor: &AuthUser,
        tmid: &str,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<Message>)> {
        self.thread_root(actor, tmid).await?;
        let update = repo::messages::thread_changed_since(self.db(), tmid, since.millis()).await?;
        let remove = self.thread_removed_since(tmid, since).await?;
        Ok((update, remove))
    }

    /// `chat.syncThreadsList`: a room's thread roots changed since a time, and the thread roots
    /// deleted since then (as they were).
    pub async fn sync_threads(
        &self,
        actor: &AuthUser,
        rid: &str,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<Message>)> {
        threads_enabled(self)?;
        let room = repo::rooms::by_id(self.db(), rid).await?;
        match room {
            Some(r) if self.rooms().can_view(actor, &r).await? => {}
            _ => return Err(Error::meteor("error-not-allowed", "Not Allowed")),
        }
        let ids = repo::messages::thread_roots(self.db(), rid).await?;
        let update = repo::messages::by_ids(self.db(), &ids)
            .await?
            .into_iter()
            .filter(|m| !m.hidden && m.updated_at > since.millis())
            .collect();
        let remove = self.thread_roots_removed_since(rid, since).await?;
        Ok((update, remove))
    }

    /// `dm.messages` / `dm.messages.others`: a page of a room's messages (newest first unless
    /// `ascending`), narrowed by `filter`, and the total. The caller checked access.
    pub async fn room_messages(
        &self,
        room: &Room,
        filter: &MessageFilter,
        ascending: bool,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        if filter.mention_ids.is_empty() && filter.starred_ids.is_empty() {
            return repo::messages::room_page(
                self.db(),
                &room.id,
                filter.pinned,
                ascending,
                offset,
                count,
            )
            .await;
        }
        let (all, _) =
            repo::messages::room_page(self.db(), &room.id, filter.pinned, ascending, 0, None)
                .await?;
        let kept: Vec<Message> = all
            .into_iter()
            .filter(|m| {
                let data = data_of(m);
                (filter.mention_ids.is_empty() || any_id_in(&data, "mentions", &filter.mention_ids))
                    && (filter.starred_ids.is_empty()
                        || any_id_in(&data, "starred", &filter.starred_ids))
            })
            .collect();
        let total = kept.len() as u64;
        Ok((Page::slice(offset, count, kept), total))
    }

    /// `dm.messages.others`: any direct message's messages (`view-room-administration`; setting
    /// `API_Enable_Direct_Message_History_EndPoint`).
    pub async fn direct_room_for_admin(&self, actor: &AuthUser, room_id: &str) -> Result<Room> {
        self.rooms()
            .users()
            .require(actor, "view-room-administration")
            .await?;
        if !self
            .rooms()
            .users()
            .settings()
            .bool("API_Enable_Direct_Message_History_EndPoint")
        {
            return Err(Error::meteor(
                "error-endpoint-disabled",
                "This endpoint is disabled",
            ));
        }
        if room_id.trim().is_empty() {
            return Err(Error::meteor(
                "error-roomid-param-not-provided",
                "The parameter \"roomId\" is required",
            ));
        }
        repo::rooms::by_id(self.db(), room_id)
            .await?
            .filter(|r| r.t == "d")
            .ok_or_else(|| {
                Error::meteor(
                    "error-room-not-found",
                    format!("No direct message room found by the id of: {room_id}"),
                )
            })
    }

    /// `chat.getURLPreview`: the caller must be able to read the room. Apogee does not fetch
    /// URLs, so the preview carries no metadata.
    pub async fn check_preview_access(&self, actor: &AuthUser, rid: &str) -> Result<()> {
        let room = repo::rooms::by_id(self.db(), rid).await?;
        match room {
            Some(r) if self.rooms().can_view(actor, &r).await? => Ok(()),
            _ => Err(Error::meteor("error-not-allowed", "Not allowed")),
        }
    }
}

impl Messages {
    /// A window of a room's visible messages newer than `after` (from the start without it),
    /// oldest first, for a room the caller was already allowed into (`loadNextMessages`,
    /// `loadSurroundingMessages`).
    pub async fn newer_of(
        &self,
        room: &Room,
        after: Option<Timestamp>,
        count: u64,
    ) -> Result<Vec<Message>> {
        repo::messages::newer(self.db(), &room.id, after.map(Timestamp::millis), count).await
    }
}
