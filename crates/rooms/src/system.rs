//! System messages (`uj`, `ul`, `au`, `ru`, ...): ordinary messages with a type, written by the
//! rooms domain itself when membership or settings change.

use crate::Rooms;
use apogee_core::{EventKind, Result, Timestamp, Topic, random_id};
use apogee_storage::{Message, Room, repo};
use apogee_users::Account;
use serde_json::json;

impl Rooms {
    /// Posts a system message of type `t` with text `msg` by `actor`, unless the room hides
    /// system messages.
    pub async fn system_message(
        &self,
        room: &Room,
        t: &str,
        msg: &str,
        actor: &Account,
    ) -> Result<Option<Message>> {
        self.system_message_with(room, t, msg, actor, serde_json::Map::new())
            .await
    }

    /// [`Self::system_message`] with extra optional fields (`drid`, `attachments`, ...).
    pub async fn system_message_with(
        &self,
        room: &Room,
        t: &str,
        msg: &str,
        actor: &Account,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Message>> {
        if !room.sys_mes {
            return Ok(None);
        }
        let now = Timestamp::now().millis();
        let m = repo::messages::post(
            self.users.db(),
            Message {
                id: random_id(),
                rid: room.id.clone(),
                seq: 0,
                ts: now,
                updated_at: now,
                u_id: actor.user.id.clone(),
                u_username: actor.user.username.clone(),
                u_name: Some(actor.user.name.clone()),
                msg: msg.to_owned(),
                t: Some(t.to_owned()),
                tmid: None,
                pinned: false,
                hidden: false,
                data: {
                    let mut data = extra;
                    data.insert("groupable".into(), json!(false));
                    serde_json::Value::Object(data).to_string()
                },
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
        Ok(Some(m))
    }
}
