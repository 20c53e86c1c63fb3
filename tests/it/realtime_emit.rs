//! Rocket.Chat's emit table (api.md §8.9): each action, done over REST or DDP, and the frames a
//! second connection sees. Presence rows are in `realtime_presence.rs`.

use crate::ddp::{Ddp, stream_event};
use apogee_blackbox::{Creds, TestServer, db_tests};
use serde_json::{Value, json};

/// A `stream-notify-user` event of `uid` whose first argument is `action`.
fn user_event(uid: &str, event: &str, action: &'static str) -> impl Fn(&Value) -> bool {
    let is = stream_event("stream-notify-user", format!("{uid}/{event}"));
    move |v: &Value| is(v) && v["fields"]["args"][0] == action
}

/// A `stream-room-messages` event of room `rid` whose message matches `pred`.
fn room_message(rid: &str, pred: impl Fn(&Value) -> bool) -> impl Fn(&Value) -> bool {
    let is = stream_event("stream-room-messages", rid.to_owned());
    move |v: &Value| is(v) && pred(&v["fields"]["args"][0])
}

async fn ok(s: &TestServer, path: &str, who: &Creds, body: Value) -> Value {
    s.post(path, Some(who), body).await.ok()
}

mod bodies {
    use super::*;

    pub async fn emit_message_rows(s: TestServer) {
        let amy = s.user("amy").await;
        let bob = s.user("bob").await;
        let r = ok(
            &s,
            "/api/v1/channels.create",
            &amy,
            json!({"name": "emit1", "members": ["bob"]}),
        )
        .await;
        let rid = r["channel"]["_id"].as_str().unwrap().to_owned();
        let b_id = bob.user_id.as_str();
        let mut b = Ddp::user(&s, "bob", "bob-pw").await;
        b.listen("stream-room-messages", &rid).await;
        b.listen("stream-room-messages", "__my_messages__").await;
        b.listen("stream-notify-user", &format!("{b_id}/rooms-changed"))
            .await;
        b.listen(
            "stream-notify-user",
            &format!("{b_id}/subscriptions-changed"),
        )
        .await;
        b.listen("stream-notify-user", &format!("{b_id}/notification"))
            .await;
        b.listen("stream-notify-room", &format!("{rid}/deleteMessage"))
            .await;

        // New message (REST): the message on the room's stream and on __my_messages__, the
        // room's new last message, bob's subscription (unread, alert, mention), a notification.
        let m = ok(
            &s,
            "/api/v1/chat.postMessage",
            &amy,
            json!({"roomId": rid, "text": "hello @bob"}),
        )
        .await;
        let mid = m["message"]["_id"].as_str().unwrap().to_owned();
        let ev = b
            .wait_for(room_message(&rid, |m| m["msg"] == "hello @bob"))
            .await;
        assert_eq!(ev["fields"]["args"][0]["_id"], mid.as_str());
        let ev = b
            .wait_for(stream_event(
                "stream-room-messages",
                "__my_messages__".into(),
            ))
            .await;
        assert_eq!(ev["fields"]["args"][0]["_id"], mid.as_str());
        assert_eq!(
            ev["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "c", "roomName": "emit1"})
        );
        let ev = b
            .wait_for(user_event(b_id, "rooms-changed", "updated"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["_id"], rid.as_str());
        assert_eq!(ev["fields"]["args"][1]["lastMessage"]["_id"], mid.as_str());
        let ev = b
            .wait_for(user_event(b_id, "subscriptions-changed", "updated"))
            .await;
        let sub = &ev["fields"]["args"][1];
        assert_eq!(sub["rid"], rid.as_str(), "{ev}");
        assert_eq!(sub["unread"], 1, "{ev}");
        assert_eq!(sub["alert"], true, "{ev}");
        assert_eq!(sub["userMentions"], 1, "{ev}");
        let ev = b
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{b_id}/notification"),
            ))
            .await;
        let n = &ev["fields"]["args"][0];
        assert_eq!(n["payload"]["_id"], mid.as_str(), "{ev}");
        assert_eq!(n["payload"]["rid"], rid.as_str());
        assert_eq!(n["payload"]["type"], "c");
        assert_eq!(n["payload"]["sender"]["username"], "amy");
        assert_eq!(n["payload"]["message"]["msg"], "hello @bob");
        assert_eq!(n["text"], "amy: hello @bob");
        // A message that mentions nobody notifies nobody in a channel.
        ok(
            &s,
            "/api/v1/chat.postMessage",
            &amy,
            json!({"roomId": rid, "text": "quiet"}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["msg"] == "quiet"))
            .await;
        let notes = b
            .collect(
                300,
                stream_event("stream-notify-user", format!("{b_id}/notification")),
            )
            .await;
        assert!(notes.is_empty(), "{notes:?}");

        // `@all` notifies every member (but the sender).
        ok(
            &s,
            "/api/v1/chat.postMessage",
            &amy,
            json!({"roomId": rid, "text": "hear ye @all"}),
        )
        .await;
        let ev = b
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{b_id}/notification"),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"][0]["payload"]["message"]["msg"],
            "hear ye @all"
        );

        // Edited, reacted, pinned, starred: the full updated message, on both streams.
        ok(
            &s,
            "/api/v1/chat.update",
            &amy,
            json!({"roomId": rid, "msgId": mid, "text": "hello again"}),
        )
        .await;
        let ev = b
            .wait_for(room_message(&rid, |m| m["msg"] == "hello again"))
            .await;
        assert!(ev["fields"]["args"][0]["editedAt"]["$date"].is_i64());
        let ev = b
            .wait_for(room_message("__my_messages__", |m| {
                m["msg"] == "hello again"
            }))
            .await;
        assert_eq!(ev["fields"]["args"][0]["_id"], mid.as_str());
        let mut a = Ddp::user(&s, "amy", "amy-pw").await;
        let r = a.call("setReaction", json!([":tada:", mid])).await;
        assert!(r.get("error").is_none(), "{r}");
        b.wait_for(room_message(&rid, |m| {
            m["reactions"][":tada:"]["usernames"] == json!(["amy"])
        }))
        .await;
        ok(
            &s,
            "/api/v1/chat.pinMessage",
            &amy,
            json!({"messageId": mid}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["pinned"] == true))
            .await;
        b.wait_for(room_message(&rid, |m| m["t"] == "message_pinned"))
            .await;
        ok(
            &s,
            "/api/v1/chat.starMessage",
            &bob,
            json!({"messageId": mid}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| {
            m["_id"] == mid.as_str()
                && m["starred"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|x| x["_id"] == b_id))
        }))
        .await;

        // Deleted: `<rid>/deleteMessage`, and the room's last message changes.
        let last = ok(
            &s,
            "/api/v1/chat.postMessage",
            &amy,
            json!({"roomId": rid, "text": "to delete"}),
        )
        .await;
        let last_id = last["message"]["_id"].as_str().unwrap().to_owned();
        b.wait_for(room_message(&rid, |m| m["msg"] == "to delete"))
            .await;
        b.collect(300, |_| true).await;
        ok(
            &s,
            "/api/v1/chat.delete",
            &amy,
            json!({"roomId": rid, "msgId": last_id}),
        )
        .await;
        let ev = b
            .wait_for(stream_event(
                "stream-notify-room",
                format!("{rid}/deleteMessage"),
            ))
            .await;
        assert_eq!(ev["fields"]["args"], json!([{"_id": last_id}]));
        let ev = b
            .wait_for(user_event(b_id, "rooms-changed", "updated"))
            .await;
        assert_ne!(
            ev["fields"]["args"][1]["lastMessage"]["_id"],
            last_id.as_str()
        );

        // A direct message: created for both (inserted), and its messages notify the other side.
        let r = ok(&s, "/api/v1/im.create", &amy, json!({"username": "bob"})).await;
        let dm = r["room"]["_id"].as_str().unwrap().to_owned();
        let ev = b
            .wait_for(user_event(b_id, "subscriptions-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["rid"], dm.as_str());
        assert_eq!(ev["fields"]["args"][1]["t"], "d");
        let ev = b
            .wait_for(user_event(b_id, "rooms-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["_id"], dm.as_str());
        let r = a
            .call("sendMessage", json!([{"rid": dm, "msg": "psst"}]))
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = b
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{b_id}/notification"),
            ))
            .await;
        let n = &ev["fields"]["args"][0];
        assert_eq!(n["title"], "amy", "{ev}");
        assert_eq!(n["text"], "psst");
        assert_eq!(n["payload"]["type"], "d");
        assert_eq!(n["payload"]["rid"], dm.as_str());
        let ev = b
            .wait_for(room_message("__my_messages__", |m| m["msg"] == "psst"))
            .await;
        assert_eq!(
            ev["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "d"})
        );
        // The sender is not notified of their own message.
        let mut a2 = Ddp::user(&s, "amy", "amy-pw").await;
        a2.listen(
            "stream-notify-user",
            &format!("{}/notification", amy.user_id),
        )
        .await;
        a.call("sendMessage", json!([{"rid": dm, "msg": "again"}]))
            .await;
        let mine = a2
            .collect(
                400,
                stream_event(
                    "stream-notify-user",
                    format!("{}/notification", amy.user_id),
                ),
            )
            .await;
        assert!(mine.is_empty(), "{mine:?}");
        s.stop().await;
    }

    pub async fn emit_room_rows(s: TestServer) {
        let amy = s.user("amy").await;
        let bob = s.user("bob").await;
        let cat = s.user("cat").await;
        let b_id = bob.user_id.as_str();
        let c_id = cat.user_id.as_str();
        let mut b = Ddp::user(&s, "bob", "bob-pw").await;
        b.listen("stream-notify-user", &format!("{b_id}/rooms-changed"))
            .await;
        b.listen(
            "stream-notify-user",
            &format!("{b_id}/subscriptions-changed"),
        )
        .await;
        b.listen("stream-notify-logged", "roles-change").await;
        let mut c = Ddp::user(&s, "cat", "cat-pw").await;
        c.listen("stream-notify-user", &format!("{c_id}/rooms-changed"))
            .await;
        c.listen(
            "stream-notify-user",
            &format!("{c_id}/subscriptions-changed"),
        )
        .await;

        // Room created: each member gets its subscription and the room, inserted.
        let r = ok(
            &s,
            "/api/v1/groups.create",
            &amy,
            json!({"name": "emit2", "members": ["bob"]}),
        )
        .await;
        let rid = r["group"]["_id"].as_str().unwrap().to_owned();
        let ev = b
            .wait_for(user_event(b_id, "subscriptions-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["rid"], rid.as_str());
        assert_eq!(ev["fields"]["args"][1]["name"], "emit2");
        let ev = b
            .wait_for(user_event(b_id, "rooms-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["_id"], rid.as_str());
        assert_eq!(ev["fields"]["args"][1]["t"], "p");
        b.listen("stream-room-messages", &rid).await;
        // cat is no member: refused, with an error.
        let n = c.sub("stream-room-messages", json!([rid, false])).await;
        assert_eq!(n["msg"], "nosub", "{n}");
        assert_eq!(n["error"]["error"], "not-allowed");

        // User joins (invited): `au`; the joiner's subscription and room inserted; the members'
        // room updated (usersCount).
        ok(
            &s,
            "/api/v1/groups.invite",
            &amy,
            json!({"roomId": rid, "userId": c_id}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["t"] == "au" && m["msg"] == "cat"))
            .await;
        let ev = c
            .wait_for(user_event(c_id, "subscriptions-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["rid"], rid.as_str());
        let ev = c
            .wait_for(user_event(c_id, "rooms-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["_id"], rid.as_str());
        b.wait_for(|v| {
            user_event(b_id, "rooms-changed", "updated")(v)
                && v["fields"]["args"][1]["usersCount"] == 3
        })
        .await;
        c.listen("stream-room-messages", &rid).await;
        // Joining a public channel: `uj`.
        let r = ok(
            &s,
            "/api/v1/channels.create",
            &amy,
            json!({"name": "emit3"}),
        )
        .await;
        let pub_id = r["channel"]["_id"].as_str().unwrap().to_owned();
        b.listen("stream-room-messages", &pub_id).await;
        let r = c.call("joinRoom", json!([pub_id])).await;
        assert!(r.get("error").is_none(), "{r}");
        b.wait_for(room_message(&pub_id, |m| m["t"] == "uj")).await;
        let ev = c
            .wait_for(user_event(c_id, "subscriptions-changed", "inserted"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["rid"], pub_id.as_str());

        // Renamed / topic: a system message, the room and the subscription updated.
        ok(
            &s,
            "/api/v1/groups.rename",
            &amy,
            json!({"roomId": rid, "name": "emit2b"}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| {
            m["t"] == "r" && m["msg"] == "emit2b"
        }))
        .await;
        b.wait_for(|v| {
            user_event(b_id, "rooms-changed", "updated")(v)
                && v["fields"]["args"][1]["name"] == "emit2b"
        })
        .await;
        b.wait_for(|v| {
            user_event(b_id, "subscriptions-changed", "updated")(v)
                && v["fields"]["args"][1]["name"] == "emit2b"
        })
        .await;
        ok(
            &s,
            "/api/v1/groups.setTopic",
            &amy,
            json!({"roomId": rid, "topic": "news"}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["t"] == "room_changed_topic"))
            .await;
        b.wait_for(|v| {
            user_event(b_id, "rooms-changed", "updated")(v)
                && v["fields"]["args"][1]["topic"] == "news"
        })
        .await;

        // Read: bob's subscription updated, for bob only.
        c.collect(300, |_| true).await;
        ok(&s, "/api/v1/subscriptions.read", &bob, json!({"rid": rid})).await;
        b.wait_for(|v| {
            user_event(b_id, "subscriptions-changed", "updated")(v)
                && v["fields"]["args"][1]["rid"] == rid.as_str()
                && v["fields"]["args"][1]["unread"] == 0
                && v["fields"]["args"][1]["alert"] == false
        })
        .await;
        let seen = c
            .collect(
                300,
                stream_event(
                    "stream-notify-user",
                    format!("{c_id}/subscriptions-changed"),
                ),
            )
            .await;
        assert!(seen.is_empty(), "{seen:?}");

        // Room role added / removed: `roles-change` and bob's subscription's roles.
        ok(
            &s,
            "/api/v1/groups.addModerator",
            &amy,
            json!({"roomId": rid, "userId": b_id}),
        )
        .await;
        let ev = b
            .wait_for(stream_event("stream-notify-logged", "roles-change".into()))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"type": "added", "_id": "moderator", "scope": rid,
                    "u": {"_id": b_id, "username": "bob", "name": "User bob"}}])
        );
        b.wait_for(|v| {
            user_event(b_id, "subscriptions-changed", "updated")(v)
                && v["fields"]["args"][1]["roles"] == json!(["moderator"])
        })
        .await;
        ok(
            &s,
            "/api/v1/groups.removeModerator",
            &amy,
            json!({"roomId": rid, "userId": b_id}),
        )
        .await;
        let ev = b
            .wait_for(stream_event("stream-notify-logged", "roles-change".into()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["type"], "removed");

        // Kicked: `ru`; cat's subscription removed and cat's delivery of the room stops.
        ok(
            &s,
            "/api/v1/groups.kick",
            &amy,
            json!({"roomId": rid, "userId": c_id}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["t"] == "ru")).await;
        let ev = c
            .wait_for(user_event(c_id, "subscriptions-changed", "removed"))
            .await;
        assert_eq!(ev["fields"]["args"][1]["rid"], rid.as_str());
        c.collect(300, |_| true).await;
        ok(
            &s,
            "/api/v1/chat.postMessage",
            &amy,
            json!({"roomId": rid, "text": "after the kick"}),
        )
        .await;
        b.wait_for(room_message(&rid, |m| m["msg"] == "after the kick"))
            .await;
        let leaked = c
            .collect(400, stream_event("stream-room-messages", rid.clone()))
            .await;
        assert!(leaked.is_empty(), "{leaked:?}");
        // Leaves: `ul`, bob's subscription removed.
        let mut a = Ddp::user(&s, "amy", "amy-pw").await;
        a.listen("stream-room-messages", &rid).await;
        ok(&s, "/api/v1/groups.leave", &bob, json!({"roomId": rid})).await;
        a.wait_for(room_message(&rid, |m| m["t"] == "ul")).await;
        b.wait_for(user_event(b_id, "subscriptions-changed", "removed"))
            .await;
        b.wait_for(user_event(b_id, "rooms-changed", "removed"))
            .await;
        s.stop().await;
    }

    pub async fn emit_workspace_rows(s: TestServer) {
        let dan = s.user("dan").await;
        // Setting changed: `public-settings-changed` on stream-notify-all, anonymous included;
        // private settings are not announced there.
        let mut anon = Ddp::connected(&s).await;
        anon.listen("stream-notify-all", "public-settings-changed")
            .await;
        ok(
            &s,
            "/api/v1/settings/Site_Name",
            &s.admin,
            json!({"value": "Apogee X"}),
        )
        .await;
        let ev = anon
            .wait_for(stream_event(
                "stream-notify-all",
                "public-settings-changed".into(),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!(["updated", {"_id": "Site_Name", "value": "Apogee X"}])
        );
        ok(
            &s,
            "/api/v1/settings/API_Default_Count",
            &s.admin,
            json!({"value": 60}),
        )
        .await;
        let private = anon
            .collect(
                400,
                stream_event("stream-notify-all", "public-settings-changed".into()),
            )
            .await;
        assert!(private.is_empty(), "{private:?}");

        // Every setting, public or not, to admins on `private-settings-changed`; others are
        // refused that event.
        let mut adm = Ddp::user(&s, apogee_blackbox::ADMIN, apogee_blackbox::ADMIN_PASS).await;
        adm.listen("stream-notify-logged", "private-settings-changed")
            .await;
        ok(
            &s,
            "/api/v1/settings/API_Default_Count",
            &s.admin,
            json!({"value": 70}),
        )
        .await;
        let ev = adm
            .wait_for(stream_event(
                "stream-notify-logged",
                "private-settings-changed".into(),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!(["updated", {"_id": "API_Default_Count", "value": 70}])
        );

        // Name changes, global roles and deletions, to every logged-in listener.
        let mut w = Ddp::user(&s, "dan", "dan-pw").await;
        let n = w
            .sub(
                "stream-notify-logged",
                json!(["private-settings-changed", false]),
            )
            .await;
        assert_eq!(n["msg"], "nosub", "{n}");
        w.listen("stream-notify-logged", "Users:NameChanged").await;
        w.listen("stream-notify-logged", "roles-change").await;
        w.listen("stream-notify-logged", "Users:Deleted").await;
        let eve = s.user("eve").await;
        ok(
            &s,
            "/api/v1/users.update",
            &s.admin,
            json!({"userId": eve.user_id, "data": {"name": "Eve Two"}}),
        )
        .await;
        let ev = w
            .wait_for(stream_event(
                "stream-notify-logged",
                "Users:NameChanged".into(),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"_id": eve.user_id, "name": "Eve Two", "username": "eve"}])
        );
        ok(
            &s,
            "/api/v1/roles.addUserToRole",
            &s.admin,
            json!({"roleName": "bot", "username": "eve"}),
        )
        .await;
        let ev = w
            .wait_for(stream_event("stream-notify-logged", "roles-change".into()))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"type": "added", "_id": "bot",
                    "u": {"_id": eve.user_id, "username": "eve", "name": "Eve Two"}}])
        );
        ok(
            &s,
            "/api/v1/users.delete",
            &s.admin,
            json!({"userId": eve.user_id}),
        )
        .await;
        let ev = w
            .wait_for(stream_event("stream-notify-logged", "Users:Deleted".into()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["userId"], eve.user_id.as_str());
        // The user's own document: `<uid>/userData` with the changed fields, for them only.
        w.listen("stream-notify-user", &format!("{}/userData", dan.user_id))
            .await;
        ok(
            &s,
            "/api/v1/users.updateOwnBasicInfo",
            &dan,
            json!({"data": {"name": "Dan Two"}}),
        )
        .await;
        let ev = w
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{}/userData", dan.user_id),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"type": "updated", "id": dan.user_id,
                    "diff": {"name": "Dan Two", "username": "dan"}, "unset": {}}])
        );
        w.call("UserPresence:setDefaultStatus", json!(["away"]))
            .await;
        let ev = w
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{}/userData", dan.user_id),
            ))
            .await;
        assert_eq!(ev["fields"]["args"][0]["diff"]["status"], "away", "{ev}");
        // An anonymous connection may not listen to stream-notify-logged.
        let n = anon
            .sub("stream-notify-logged", json!(["roles-change", false]))
            .await;
        assert_eq!(n["msg"], "nosub");
        s.stop().await;
    }
}

db_tests!(emit_message_rows, emit_room_rows, emit_workspace_rows);
