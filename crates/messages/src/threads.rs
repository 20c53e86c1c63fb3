//! Threads, search and sync: reading a room's messages in other shapes than its history.

use crate::Messages;
use apogee_core::{Event, EventKind, Result, Timestamp, Topic};
use apogee_storage::{Message, repo};
use apogee_users::AuthUser;
use serde_json::{Map, Value, json};

impl Messages {
    /// After a reply: the root's `tcount`, `tlm` and `replies` (its followers), and the followers'
    /// unread-thread marks. Only the followers' subscriptions are written.
    pub(crate) async fn note_reply(&self, reply: &Message) -> Result<()> {
        let Some(tmid) = &reply.tmid else {
            return Ok(());
        };
        let Some(mut root) = repo::messages::by_id(self.db(), tmid).await? else {
            return Ok(());
        };
        let mut data: Map<String, Value> = serde_json::from_str(&root.data).unwrap_or_default();
        let tcount = data.get("tcount").and_then(Value::as_i64).unwrap_or(0) + 1;
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
        if !replies.contains(&root.u_id) {
            replies.insert(0, root.u_id.clone());
        }
        if !replies.contains(&reply.u_id) {
            replies.push(reply.u_id.clone());
        }
        data.insert("tcount".into(), json!(tcount));
        data.insert("tlm".into(), json!(reply.ts));
        data.insert("replies".into(), json!(replies));
        root.data = Value::Object(data).to_string();
        root.updated_at = reply.ts;
        let root = repo::messages::update(self.db(), root).await?;
        for follower in replies.iter().filter(|f| **f != reply.u_id) {
            if let Some(mut sub) = self.rooms().subscription(follower, &root.rid).await? {
                let mut tunread: Vec<String> =
                    serde_json::from_str(&sub.tunread).unwrap_or_default();
                if !tunread.contains(&root.id) {
                    tunread.push(root.id.clone());
                    sub.tunread = json!(tunread).to_string();
                    sub.updated_at = Timestamp::now().millis();
                    repo::subscriptions::update(self.db(), sub).await?;
                }
            }
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

    /// Direct mentions raise the mentioned members' `userMentions` (only their subscriptions are
    /// written; `@all`/`@here` do not write every member's, unlike Rocket.Chat).
    pub(crate) async fn count_mentions(&self, m: &Message) -> Result<()> {
        let data: Value = serde_json::from_str(&m.data).unwrap_or(Value::Null);
        let ids: Vec<String> = data
            .get("mentions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|x| x.get("type").and_then(Value::as_str) == Some("user"))
                    .filter_map(|x| x.get("_id").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for uid in ids.into_iter().filter(|u| *u != m.u_id) {
            if let Some(mut sub) = self.rooms().subscription(&uid, &m.rid).await? {
                sub.user_mentions += 1;
                sub.open = true;
                sub.updated_at = m.ts;
                repo::subscriptions::update(self.db(), sub).await?;
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
        self.get(actor, tmid).await?;
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
        root.data = Value::Object(data).to_string();
        root.updated_at = Timestamp::now().millis();
        let root = repo::messages::update(self.db(), root).await?;
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
