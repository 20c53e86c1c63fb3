//! `chat.*` and room history.

use apogee_blackbox::{TestServer, db_tests, events_within, watch};
use apogee_core::{EventKind, Topic};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn edit_delete_and_read_marks(s: TestServer) {
        let author = s.user("zoe").await;
        let other = s.user("zack").await;
        let mid = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&author),
                json!({"roomId": "GENERAL", "text": "typo"}),
            )
            .await
            .ok()["message"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut events = watch(&s);
        let b = s
            .post(
                "/api/v1/chat.update",
                Some(&author),
                json!({"roomId": "GENERAL", "msgId": mid, "text": "fixed @zack"}),
            )
            .await
            .ok();
        assert_eq!(b["message"]["msg"], "fixed @zack");
        assert_eq!(b["message"]["mentions"][0]["username"], "zack");
        let evs = events_within(&mut events, 300).await;
        assert!(
            evs.iter().any(|e| e.kind
                == EventKind::MessageChanged {
                    room_id: "GENERAL".into(),
                    message_id: mid.clone()
                }),
            "{evs:?}"
        );
        s.post(
            "/api/v1/chat.update",
            Some(&other),
            json!({"roomId": "GENERAL", "msgId": mid, "text": "mine now"}),
        )
        .await
        .err_type("error-action-not-allowed");
        let e = s
            .post(
                "/api/v1/chat.update",
                Some(&author),
                json!({"roomId": "ELSEWHERE", "msgId": mid, "text": "x"}),
            )
            .await
            .err(400);
        assert_eq!(
            e["error"],
            "The room id provided does not match where the message is from."
        );
        s.post(
            "/api/v1/chat.update",
            Some(&author),
            json!({"roomId": "GENERAL", "msgId": mid}),
        )
        .await
        .err_type("error-invalid-params");
        // Read marks: one unread for the other user (edits do not count as new messages).
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&other))
            .await
            .ok();
        assert_eq!(sub["subscription"]["unread"], 1);
        s.post(
            "/api/v1/subscriptions.read",
            Some(&other),
            json!({"rid": "GENERAL"}),
        )
        .await
        .ok();
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&other))
            .await
            .ok();
        assert_eq!(sub["subscription"]["unread"], 0);
        assert_eq!(sub["subscription"]["alert"], false);
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&other),
            json!({"firstUnreadMessage": {"_id": mid}}),
        )
        .await
        .ok();
        // As Rocket.Chat: the subscription alerts again; its counters are left as they were.
        let unread = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&other))
            .await
            .ok()["subscription"]
            .clone();
        assert_eq!(
            (unread["alert"].clone(), unread["unread"].clone()),
            (json!(true), json!(0))
        );
        s.post(
            "/api/v1/subscriptions.read",
            Some(&other),
            json!({"rid": "NOPE"}),
        )
        .await
        .err_type("error-invalid-subscription");
        // Delete: others may not; the author may; the answer carries ts as a string.
        s.post(
            "/api/v1/chat.delete",
            Some(&other),
            json!({"roomId": "GENERAL", "msgId": mid}),
        )
        .await
        .err_type("error-action-not-allowed");
        let d = s
            .post(
                "/api/v1/chat.delete",
                Some(&author),
                json!({"roomId": "GENERAL", "msgId": mid}),
            )
            .await
            .ok();
        assert_eq!(d["_id"], json!(mid));
        assert!(d["ts"].as_str().unwrap().parse::<i64>().is_ok(), "{d}");
        s.get(
            &format!("/api/v1/chat.getMessage?msgId={mid}"),
            Some(&author),
        )
        .await
        .err_type("error-message-not-found");
        s.post(
            "/api/v1/chat.delete",
            Some(&author),
            json!({"roomId": "GENERAL", "msgId": mid}),
        )
        .await
        .err_type("error-message-not-found");
        assert_eq!(
            s.get("/api/v1/channels.info?roomId=GENERAL", Some(&author))
                .await
                .ok()["channel"]["msgs"],
            0
        );
        // Moderators (delete-message) delete anyone's; the admin is one everywhere.
        let mid2 = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&author),
                json!({"roomId": "GENERAL", "text": "spam"}),
            )
            .await
            .ok()["message"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/chat.delete",
            Some(&s.admin),
            json!({"roomId": "GENERAL", "msgId": mid2}),
        )
        .await
        .ok();
        s.stop().await;
    }

    pub async fn post_message_echo_and_history(s: TestServer) {
        let reader = s.user("reader").await;
        let mut events = watch(&s);
        let b = s
            .post("/api/v1/chat.postMessage", Some(&s.admin), json!({"channel": "#general", "text": "hello @reader and @all in #general", "alias": "Bot"}))
            .await
            .ok();
        assert_eq!(b["channel"], "#general");
        assert!(b["ts"].is_i64(), "ts is epoch ms: {b}");
        let m = &b["message"];
        assert_eq!(m["rid"], "GENERAL");
        assert_eq!(m["msg"], "hello @reader and @all in #general");
        assert_eq!(m["u"]["username"], "admin");
        assert_eq!(m["alias"], "Bot");
        assert_eq!(m["groupable"], false);
        assert_eq!(m["mentions"][0]["username"], "reader");
        assert_eq!(m["mentions"][0]["_id"], json!(reader.user_id));
        assert_eq!(m["mentions"][1], json!({"_id": "all", "username": "all"}));
        assert_eq!(
            m["channels"],
            json!([{"_id": "GENERAL", "name": "general"}])
        );
        let mid = m["_id"].as_str().unwrap().to_owned();
        let evs = events_within(&mut events, 300).await;
        // Shown at commit, then counted once the author's answer is durable.
        let shown = evs.iter().position(|e| {
            e.topic == Topic::Room("GENERAL".into())
                && e.kind
                    == EventKind::MessageCommitted {
                        room_id: "GENERAL".into(),
                        message_id: mid.clone(),
                    }
        });
        let counted = evs.iter().position(|e| {
            e.topic == Topic::Room("GENERAL".into())
                && e.kind
                    == EventKind::MessageCounted {
                        room_id: "GENERAL".into(),
                        message_id: mid.clone(),
                    }
        });
        assert!(
            matches!((shown, counted), (Some(a), Some(b)) if a < b),
            "{evs:?}"
        );
        // The room counts it; the reader has it unread, the sender does not.
        let info = s
            .get("/api/v1/channels.info?roomId=GENERAL", Some(&reader))
            .await
            .ok();
        assert_eq!(info["channel"]["msgs"], 1);
        assert!(info["channel"]["lm"].is_string());
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&reader))
            .await
            .ok();
        assert_eq!(sub["subscription"]["unread"], 1);
        assert_eq!(sub["subscription"]["alert"], true);
        let own = s
            .get(
                "/api/v1/subscriptions.getOne?roomId=GENERAL",
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(own["subscription"]["unread"], 0);
        let h = s
            .get("/api/v1/channels.history?roomId=GENERAL", Some(&reader))
            .await
            .ok();
        assert_eq!(h["messages"][0]["_id"], json!(mid));
        let g = s
            .get(
                &format!("/api/v1/chat.getMessage?msgId={mid}"),
                Some(&reader),
            )
            .await
            .ok();
        assert_eq!(g["message"]["msg"], "hello @reader and @all in #general");
        s.get("/api/v1/chat.getMessage?msgId=nope", Some(&reader))
            .await
            .err_type("error-message-not-found");
        // Echo of roomId, and errors.
        let b = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&s.admin),
                json!({"roomId": "GENERAL", "text": "x"}),
            )
            .await
            .ok();
        assert_eq!(b["channel"], "GENERAL");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&s.admin),
            json!({"channel": "#nowhere", "text": "x"}),
        )
        .await
        .err_type("invalid-channel");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&s.admin),
            json!({"text": "x"}),
        )
        .await
        .err_type("error-invalid-channel");
        let big = "x".repeat(5001);
        s.post(
            "/api/v1/chat.postMessage",
            Some(&s.admin),
            json!({"roomId": "GENERAL", "text": big}),
        )
        .await
        .err_type("error-message-size-exceeded");
        s.stop().await;
    }

    pub async fn send_message_rules(s: TestServer) {
        let owner = s.user("wendy").await;
        let outsider = s.user("xena").await;
        let rid = s
            .post(
                "/api/v1/groups.create",
                Some(&owner),
                json!({"name": "inner"}),
            )
            .await
            .ok()["group"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b = s
            .post(
                "/api/v1/chat.sendMessage",
                Some(&owner),
                json!({"message": {"_id": "42", "rid": rid, "msg": "first"}}),
            )
            .await
            .ok();
        assert_eq!(b["message"]["_id"], "42");
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&owner),
            json!({"message": {"_id": "42", "rid": rid, "msg": "again"}}),
        )
        .await
        .err_type("error-message-already-exists");
        // Outsiders can neither send, post, nor read.
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&outsider),
            json!({"message": {"rid": rid, "msg": "hi"}}),
        )
        .await
        .err_type("error-not-allowed");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&outsider),
            json!({"roomId": rid, "text": "hi"}),
        )
        .await
        .err_type("error-not-allowed");
        s.get("/api/v1/chat.getMessage?msgId=42", Some(&outsider))
            .await
            .err_type("error-not-allowed");
        s.get(
            &format!("/api/v1/groups.history?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .err_type("error-room-not-found");
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&owner),
            json!({"message": {"msg": "no room"}}),
        )
        .await
        .err_type("error-invalid-params");
        s.post("/api/v1/chat.sendMessage", Some(&owner), json!({}))
            .await
            .err_type("error-invalid-params");
        // Thread replies name a root in the same room.
        let b = s
            .post(
                "/api/v1/chat.sendMessage",
                Some(&owner),
                json!({"message": {"rid": rid, "msg": "reply", "tmid": "42"}}),
            )
            .await
            .ok();
        assert_eq!(b["message"]["tmid"], "42");
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&owner),
            json!({"message": {"rid": rid, "msg": "reply", "tmid": "nope"}}),
        )
        .await
        .err_type("error-invalid-message");
        // postMessage into a public channel joins it first (with a `uj` system message).
        let pub_id = s
            .post(
                "/api/v1/channels.create",
                Some(&owner),
                json!({"name": "lobby"}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&outsider),
            json!({"message": {"rid": pub_id, "msg": "hi"}}),
        )
        .await
        .err_type("error-not-allowed");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&outsider),
            json!({"roomId": pub_id, "text": "hi"}),
        )
        .await
        .ok();
        let h = s
            .get(
                &format!("/api/v1/channels.history?roomId={pub_id}"),
                Some(&outsider),
            )
            .await
            .ok();
        assert_eq!(h["messages"][0]["msg"], "hi");
        assert_eq!(h["messages"][1]["t"], "uj");
        assert_eq!(h["messages"][1]["msg"], "xena");
        // Read-only rooms take posts from owners only.
        let ro = s
            .post(
                "/api/v1/channels.create",
                Some(&owner),
                json!({"name": "news", "readOnly": true, "members": ["xena"]}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/chat.postMessage",
            Some(&outsider),
            json!({"roomId": ro, "text": "me too"}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&owner),
            json!({"roomId": ro, "text": "announcement"}),
        )
        .await
        .ok();
        s.stop().await;
    }

    pub async fn history_windows_and_paging(s: TestServer) {
        let u = s.user("yuri").await;
        let rid = s
            .post("/api/v1/channels.create", Some(&u), json!({"name": "log"}))
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut stamps = Vec::new();
        for i in 0..7 {
            let b = s
                .post(
                    "/api/v1/chat.postMessage",
                    Some(&u),
                    json!({"roomId": rid, "text": format!("m{i}")}),
                )
                .await
                .ok();
            stamps.push(b["message"]["ts"].as_str().unwrap().to_owned());
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let h = s
                .get(
                    &format!("/api/v1/channels.history?roomId={rid}&count=3&offset={offset}"),
                    Some(&u),
                )
                .await
                .ok();
            let page = h["messages"].as_array().unwrap().clone();
            seen.extend(page.iter().map(|m| m["msg"].as_str().unwrap().to_owned()));
            offset += page.len();
            if page.len() < 3 {
                break;
            }
        }
        assert_eq!(seen, ["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
        let h = s
            .get(
                &format!(
                    "/api/v1/channels.history?roomId={rid}&latest={}&oldest={}",
                    stamps[5], stamps[2]
                ),
                Some(&u),
            )
            .await
            .ok();
        let msgs: Vec<&str> = h["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert_eq!(msgs, ["m4", "m3"]);
        let h = s
            .get(
                &format!(
                    "/api/v1/channels.history?roomId={rid}&latest={}&oldest={}&inclusive=true",
                    stamps[5], stamps[2]
                ),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(h["messages"].as_array().unwrap().len(), 4);
        s.get(
            &format!("/api/v1/channels.history?roomId={rid}&latest=yesterday"),
            Some(&u),
        )
        .await
        .err_type("error-invalid-params");
        let info = s
            .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&u))
            .await
            .ok();
        assert_eq!(info["channel"]["msgs"], 7);
        s.stop().await;
    }

    pub async fn reactions_pins_stars(s: TestServer) {
        let a = s.user("ada").await;
        let b = s.user("bo").await;
        let outsider_room = s
            .post("/api/v1/groups.create", Some(&a), json!({"name": "priv"}))
            .await
            .ok()["group"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mid = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&a),
                json!({"roomId": "GENERAL", "text": "react to me"}),
            )
            .await
            .ok()["message"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/chat.react",
            Some(&b),
            json!({"messageId": mid, "emoji": "thumbsup"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/chat.react",
            Some(&a),
            json!({"messageId": mid, "emoji": ":thumbsup:"}),
        )
        .await
        .ok();
        let m = s
            .get(&format!("/api/v1/chat.getMessage?msgId={mid}"), Some(&a))
            .await
            .ok()["message"]
            .clone();
        assert_eq!(
            m["reactions"][":thumbsup:"]["usernames"],
            json!(["bo", "ada"])
        );
        // Toggle off; the key goes with the last user.
        s.post(
            "/api/v1/chat.react",
            Some(&b),
            json!({"messageId": mid, "emoji": "thumbsup"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/chat.react",
            Some(&a),
            json!({"messageId": mid, "emoji": "thumbsup", "shouldReact": false}),
        )
        .await
        .ok();
        let m = s
            .get(&format!("/api/v1/chat.getMessage?msgId={mid}"), Some(&a))
            .await
            .ok()["message"]
            .clone();
        assert!(m.get("reactions").is_none(), "{m}");
        s.post("/api/v1/chat.react", Some(&a), json!({"messageId": mid}))
            .await
            .err_type("error-invalid-params");
        s.post(
            "/api/v1/chat.react",
            Some(&a),
            json!({"messageId": "nope", "emoji": "x"}),
        )
        .await
        .err_type("error-message-not-found");
        // Pins: members without pin-message may not; the admin may, and gets the system message.
        s.post(
            "/api/v1/chat.pinMessage",
            Some(&b),
            json!({"messageId": mid}),
        )
        .await
        .err(403);
        let p = s
            .post(
                "/api/v1/chat.pinMessage",
                Some(&s.admin),
                json!({"messageId": mid}),
            )
            .await
            .ok();
        assert_eq!(p["message"]["t"], "message_pinned");
        assert_eq!(p["message"]["attachments"][0]["text"], "react to me");
        let pinned = s
            .get("/api/v1/chat.getPinnedMessages?roomId=GENERAL", Some(&b))
            .await
            .ok();
        assert_eq!(pinned["total"], 1);
        assert_eq!(pinned["messages"][0]["pinned"], true);
        assert_eq!(pinned["messages"][0]["pinnedBy"]["username"], "admin");
        s.post(
            "/api/v1/chat.unPinMessage",
            Some(&s.admin),
            json!({"messageId": mid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/chat.getPinnedMessages?roomId=GENERAL", Some(&b))
                .await
                .ok()["total"],
            0
        );
        // Stars are per user.
        s.post(
            "/api/v1/chat.starMessage",
            Some(&b),
            json!({"messageId": mid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/chat.getStarredMessages?roomId=GENERAL", Some(&b))
                .await
                .ok()["total"],
            1
        );
        assert_eq!(
            s.get("/api/v1/chat.getStarredMessages?roomId=GENERAL", Some(&a))
                .await
                .ok()["total"],
            0
        );
        s.post(
            "/api/v1/chat.unStarMessage",
            Some(&b),
            json!({"messageId": mid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/chat.getStarredMessages?roomId=GENERAL", Some(&b))
                .await
                .ok()["total"],
            0
        );
        // Nothing of a private group for outsiders.
        s.get(
            &format!("/api/v1/chat.getPinnedMessages?roomId={outsider_room}"),
            Some(&b),
        )
        .await
        .err_type("error-not-allowed");
        s.stop().await;
    }

    pub async fn threads_search_and_sync(s: TestServer) {
        let a = s.user("ari").await;
        let b = s.user("bea").await;
        let root = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&a),
                json!({"roomId": "GENERAL", "text": "topic of the day"}),
            )
            .await
            .ok()["message"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let before = apogee_core::Timestamp::now().plus_millis(-1).to_iso();
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&b),
            json!({"message": {"rid": "GENERAL", "msg": "first reply", "tmid": root}}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&a),
            json!({"message": {"rid": "GENERAL", "msg": "second reply", "tmid": root}}),
        )
        .await
        .ok();
        let r = s
            .get(&format!("/api/v1/chat.getMessage?msgId={root}"), Some(&a))
            .await
            .ok()["message"]
            .clone();
        assert_eq!(r["tcount"], 2);
        assert!(r["tlm"].is_string());
        assert_eq!(r["replies"], json!([a.user_id, b.user_id]));
        let t = s
            .get(
                &format!("/api/v1/chat.getThreadMessages?tmid={root}"),
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(t["total"], 2);
        assert_eq!(t["messages"][0]["msg"], "first reply");
        let list = s
            .get("/api/v1/chat.getThreadsList?rid=GENERAL", Some(&b))
            .await
            .ok();
        assert_eq!(list["threads"][0]["_id"], json!(root));
        // bea follows the thread since she replied: ari's later reply marks it unread for her.
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&b))
            .await
            .ok();
        assert_eq!(sub["subscription"]["tunread"], json!([root]));
        // Following and unfollowing.
        s.post(
            "/api/v1/chat.unfollowMessage",
            Some(&b),
            json!({"mid": root}),
        )
        .await
        .ok();
        let r = s
            .get(&format!("/api/v1/chat.getMessage?msgId={root}"), Some(&a))
            .await
            .ok()["message"]
            .clone();
        assert_eq!(r["replies"], json!([a.user_id]));
        s.post("/api/v1/chat.followMessage", Some(&b), json!({"mid": root}))
            .await
            .ok();
        s.post("/api/v1/chat.followMessage", Some(&b), json!({}))
            .await
            .err_type("error-invalid-params");
        // Search.
        let found = s
            .get(
                "/api/v1/chat.search?roomId=GENERAL&searchText=REPLY",
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(found["messages"].as_array().unwrap().len(), 2);
        let found = s
            .get(
                "/api/v1/chat.search?roomId=GENERAL&searchText=100%25",
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(found["messages"], json!([]));
        // Sync: changed (two replies, the root's counters) and deleted.
        let reply = t["messages"][1]["_id"].as_str().unwrap().to_owned();
        s.post(
            "/api/v1/chat.delete",
            Some(&a),
            json!({"roomId": "GENERAL", "msgId": reply}),
        )
        .await
        .ok();
        let sync = s
            .get(
                &format!("/api/v1/chat.syncMessages?roomId=GENERAL&lastUpdate={before}"),
                Some(&b),
            )
            .await
            .ok();
        let updated: Vec<&str> = sync["result"]["updated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert!(
            updated.contains(&"first reply") && updated.contains(&"topic of the day"),
            "{updated:?}"
        );
        assert_eq!(sync["result"]["deleted"][0]["_id"], json!(reply));
        let del = s
            .get(
                &format!("/api/v1/chat.getDeletedMessages?roomId=GENERAL&since={before}"),
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(del["total"], 1);
        s.get("/api/v1/chat.syncMessages?roomId=GENERAL", Some(&b))
            .await
            .err_type("error-invalid-params");
        s.get(
            "/api/v1/chat.syncMessages?roomId=GENERAL&lastUpdate=soon",
            Some(&b),
        )
        .await
        .err_type("error-lastUpdate-param-invalid");
        s.stop().await;
    }

    pub async fn slash_commands(s: TestServer) {
        let u = s.user("cmd").await;
        s.user("helper").await;
        let list = s.get("/api/v1/commands.list", Some(&u)).await.ok();
        assert!(list["total"].as_u64().unwrap() >= 10);
        assert_eq!(
            s.get("/api/v1/commands.get?command=topic", Some(&u))
                .await
                .ok()["command"]["command"],
            "topic"
        );
        let e = s
            .get("/api/v1/commands.get?command=nope", Some(&u))
            .await
            .err(400);
        assert_eq!(
            e["error"],
            "There is no command in the system by the name of: nope"
        );
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "create", "params": "#plaza", "roomId": "GENERAL"}),
        )
        .await
        .ok();
        let rid = s
            .get("/api/v1/channels.info?roomName=plaza", Some(&u))
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "topic", "params": "all about it", "roomId": rid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&u))
                .await
                .ok()["channel"]["topic"],
            "all about it"
        );
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "invite", "params": "@helper", "roomId": rid}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "me", "params": "waves", "roomId": rid}),
        )
        .await
        .ok();
        let h = s
            .get(
                &format!("/api/v1/channels.history?roomId={rid}&count=1"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(h["messages"][0]["msg"], "_waves_");
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "msg", "params": "@helper hello there", "roomId": rid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/dm.history?username=helper", Some(&u))
                .await
                .ok()["messages"][0]["msg"],
            "hello there"
        );
        s.post(
            "/api/v1/commands.run",
            Some(&u),
            json!({"command": "kick", "params": "@helper", "roomId": rid}),
        )
        .await
        .ok();
        assert_eq!(
            s.get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&u))
                .await
                .ok()["channel"]["usersCount"],
            1
        );
        let e = s
            .post(
                "/api/v1/commands.run",
                Some(&u),
                json!({"command": "fly", "roomId": rid}),
            )
            .await
            .err(400);
        assert_eq!(
            e["error"],
            "The command provided does not exist (or is disabled)."
        );
        s.post("/api/v1/commands.run", Some(&u), json!({"command": "me"}))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }
}

db_tests!(
    post_message_echo_and_history,
    send_message_rules,
    history_windows_and_paging,
    edit_delete_and_read_marks,
    reactions_pins_stars,
    threads_search_and_sync,
    slash_commands,
);
