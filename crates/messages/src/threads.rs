//! Threads, search and sync: reading a room's messages in other shapes than its history.

use crate::Messages;
use apogee_core::{Event, EventKind, Result, Timestamp, Topic};
use apogee_storage::{Message, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

/// The strings of a JSON array (none when absent).
fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Who a message mentions, as Rocket.Chat's `getMentions` reads it.
struct Mentions {
    /// Users mentioned by name, the sender left out.
    user_ids: Vec<String>,
    /// `@all` or `@here`.
    group: bool,
}

impl Mentions {
    fn of(m: &Message) -> Self {
        let data: Value = serde_json::from_str(&m.data).unwrap_or(Value::Null);
        let list = data
            .get("mentions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let id = |x: &Value| x.get("_id").and_then(Value::as_str).map(str::to_owned);
        let group = list
            .iter()
            .any(|x| matches!(id(x).as_deref(), Some("all" | "here")));
        let mut user_ids: Vec<String> = Vec::new();
        for x in &list {
            let typ = x.get("type").and_then(Value::as_str);
            if let Some(uid) = id(x)
                && matches!(typ, None | Some("user"))
                && uid != m.u_id
                && uid != "all"
                && uid != "here"
                && !user_ids.contains(&uid)
            {
                user_ids.push(uid);
            }
        }
        Self { user_ids, group }
    }
}

impl Messages {
    /// After a reply, as Rocket.Chat's thread `reply`: the root's `tcount`, `tlm` and `replies`
    /// (followers, now with the author and the members the reply mentions), and the unread-thread
    /// marks of the other followers (`tunread`, plus `tunreadGroup` when it mentions `@all`/`@here`)
    /// and of the mentioned members (`tunread` and `tunreadUser`). Only those subscriptions are
    /// written.
    pub(crate) async fn note_reply(&self, reply: &Message) -> Result<()> {
        crate::retry::retrying(|| self.note_reply_once(reply)).await
    }

    /// One attempt of [`Self::note_reply`].
    async fn note_reply_once(&self, reply: &Message) -> Result<()> {
        let Some(tmid) = &reply.tmid else {
            return Ok(());
        };
        let Some(mut root) = repo::messages::by_id(self.db(), tmid).await? else {
            return Ok(());
        };
        let mentions = Mentions::of(reply);
        let mut data: Map<String, Value> = serde_json::from_str(&root.data).unwrap_or_default();
        let tcount = data.get("tcount").and_then(Value::as_i64).unwrap_or(0) + 1;
        let mut replies = string_list(data.get("replies"));
        if replies.is_empty() {
            replies.push(root.u_id.clone());
        }
        if !replies.contains(&reply.u_id) {
            replies.push(reply.u_id.clone());
        }
        // Mentioned members follow the thread from now on.
        let mut mentioned = Vec::new();
        for uid in &mentions.user_ids {
            if let Some(sub) = self.rooms().subscription(uid, &root.rid).await? {
                if !replies.contains(uid) {
                    replies.push(uid.clone());
                }
                mentioned.push(sub);
            }
        }
        data.insert("tcount".into(), json!(tcount));
        data.insert("tlm".into(), json!(reply.ts));
        data.insert("replies".into(), json!(replies));
        let before = root.clone();
        root.data = Value::Object(data).to_string();
        root.updated_at = reply.ts.max(before.updated_at + 1);
        let root = repo::messages::update_if_unchanged(self.db(), &before, root)
            .await?
            .ok_or_else(crate::retry::lost_race)?;
        let now = Timestamp::now().millis();
        for follower in replies
            .iter()
            .filter(|f| **f != reply.u_id && !mentions.user_ids.contains(f))
        {
            if let Some(sub) = self.rooms().subscription(follower, &root.rid).await? {
                self.mark_thread_unread(sub, &root.id, false, mentions.group, now)
                    .await?;
            }
        }
        for sub in mentioned {
            self.mark_thread_unread(sub, &root.id, true, false, now)
                .await?;
        }
        self.rooms().bus().publish(Event::new(
            Topic::Room(root.rid.clone()),
            EventKind::MessageChanged {
                room_id: root.rid.clone(),
                message_id: root.id.clone(),
            },
        ));
        Ok(())
    }

    /// Adds a thread to a member's unread threads (and to those with a direct or a group mention).
    async fn mark_thread_unread(
        &self,
        mut sub: apogee_storage::Subscription,
        tmid: &str,
        user_mention: bool,
        group_mention: bool,
        now: i64,
    ) -> Result<()> {
        let before = sub.clone();
        let add = |list: &str| -> Option<String> {
            let mut ids: Vec<String> = serde_json::from_str(list).unwrap_or_default();
            if ids.iter().any(|i| i == tmid) {
                return None;
            }
            ids.push(tmid.to_owned());
            Some(json!(ids).to_string())
        };
        let mut changed = false;
        if let Some(l) = add(&sub.tunread) {
            sub.tunread = l;
            changed = true;
        }
        if user_mention && let Some(l) = add(&sub.tunread_user) {
            sub.tunread_user = l;
            changed = true;
        }
        if group_mention && let Some(l) = add(&sub.tunread_group) {
            sub.tunread_group = l;
            changed = true;
        }
        if !changed {
            return Ok(());
        }
        sub.updated_at = now;
        let (uid, rid) = (sub.user_id.clone(), sub.rid.clone());
        repo::subscriptions::update(self.db(), &before, sub).await?;
        self.rooms().bus().publish(Event::new(
            Topic::User(uid.clone()),
            EventKind::SubscriptionChanged {
                user_id: uid,
                room_id: rid,
            },
        ));
        Ok(())
    }

    /// Mentions raise counters as Rocket.Chat's `notifyUsersOnMessage` does, for messages outside
    /// threads (thread replies mark threads instead, see [`Messages::note_reply`]): members
    /// mentioned by name get `userMentions` + 1; otherwise `@all`/`@here` is a group mention for
    /// every other member. Only the mentioned members' subscriptions are written; a group mention
    /// writes the room's count and the sender's mark, and each member's `groupMentions` derives
    /// from them (as `unread` derives from the room's sequence).
    pub(crate) async fn count_mentions(&self, m: &Message) -> Result<()> {
        if m.tmid.is_some() {
            return Ok(());
        }
        let mentions = Mentions::of(m);
        if mentions.user_ids.is_empty() {
            if mentions.group {
                repo::message_marks::count_group_mention(self.db(), &m.rid, &m.u_id).await?;
            }
            return Ok(());
        }
        for uid in mentions.user_ids {
            if repo::subscriptions::add_user_mention(self.db(), &uid, &m.rid, m.ts).await? {
                self.rooms().bus().publish(Event::new(
                    Topic::User(uid.clone()),
                    EventKind::SubscriptionChanged {
                        user_id: uid.clone(),
                        room_id: m.rid.clone(),
                    },
                ));
            }
        }
        Ok(())
    }

    /// `chat.getThreadMessages`: a page of a thread's replies (oldest first) and the total.
    pub async fn thread(
        &self,
        actor: &AuthUser,
        tmid: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        self.thread_root(actor, tmid).await?;
        repo::messages::thread(self.db(), tmid, offset, count).await
    }

    /// `chat.getThreadsList`: a room's thread roots, latest reply first (page and total).
    pub async fn threads(
        &self,
        actor: &AuthUser,
        rid: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<(Vec<Message>, u64)> {
        self.readable_room(actor, rid).await?;
        let ids = repo::messages::thread_roots(self.db(), rid).await?;
        let mut roots: Vec<Message> = repo::messages::by_ids(self.db(), &ids)
            .await?
            .into_iter()
            .filter(|m| !m.hidden)
            .collect();
        let tlm = |m: &Message| {
            serde_json::from_str::<Value>(&m.data)
                .ok()
                .and_then(|d| d.get("tlm").and_then(Value::as_i64))
                .unwrap_or(m.ts)
        };
        roots.sort_by_key(|m| std::cmp::Reverse(tlm(m)));
        let total = roots.len() as u64;
        let page = apogee_storage::Page::slice(offset, count, roots);
        Ok((page, total))
    }

    /// `chat.search`: a room's messages containing a text.
    pub async fn search(
        &self,
        actor: &AuthUser,
        rid: &str,
        text: &str,
        offset: u64,
        count: Option<u64>,
    ) -> Result<Vec<Message>> {
        self.readable_room(actor, rid).await?;
        repo::messages::search(self.db(), rid, text, offset, count).await
    }

    /// `chat.syncMessages`: messages changed and deleted since a time.
    pub async fn sync(
        &self,
        actor: &AuthUser,
        rid: &str,
        since: Timestamp,
    ) -> Result<(Vec<Message>, Vec<(String, i64)>)> {
        self.readable_room(actor, rid).await?;
        let updated = repo::messages::changed_since(self.db(), rid, since.millis()).await?;
        let deleted = repo::messages::deleted_since(self.db(), rid, since.millis()).await?;
        Ok((updated, deleted))
    }
}

impl Messages {
    /// `chat.followMessage` / `chat.unfollowMessage`: joins or leaves a thread's followers.
    pub async fn follow(&self, actor: &AuthUser, mid: &str, follow: bool) -> Result<()> {
        crate::retry::retrying(|| self.follow_once(actor, mid, follow)).await
    }

    /// One attempt of [`Self::follow`].
    async fn follow_once(&self, actor: &AuthUser, mid: &str, follow: bool) -> Result<()> {
        let mut root = self.get(actor, mid).await?;
        let mut data: Map<String, Value> = serde_json::from_str(&root.data).unwrap_or_default();
        let mut replies: Vec<String> = data
            .get("replies")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let me = actor.id().to_owned();
        if follow && !replies.contains(&me) {
            replies.push(me);
        } else if !follow {
            replies.retain(|r| *r != me);
        }
        data.insert("replies".into(), json!(replies));
        let before = root.clone();
        root.data = Value::Object(data).to_string();
        root.updated_at = Timestamp::now().millis().max(before.updated_at + 1);
        let root = repo::messages::update_if_unchanged(self.db(), &before, root)
            .await?
            .ok_or_else(crate::retry::lost_race)?;
        if !follow {
            self.clear_thread_unread(actor.id(), &root.rid, &root.id)
                .await?;
        }
        self.rooms().bus().publish(Event::new(
            Topic::Room(root.rid.clone()),
            EventKind::MessageChanged {
                room_id: root.rid.clone(),
                message_id: root.id.clone(),
            },
        ));
        Ok(())
    }
}
