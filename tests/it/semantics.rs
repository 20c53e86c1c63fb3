//! Rocket.Chat semantics of rooms and messages: message reports, `groups.online`, group
//! mentions, edit history, marking unread, thread errors, unread threads and thread sync
//! removals, read-only rooms' `unmuted`, and discussions started twice from one message.

use apogee_blackbox::{Creds, TestServer, db_tests, events_within, watch};
use apogee_core::EventKind;
use serde_json::{Value, json};

async fn room(s: &TestServer, who: &Creds, name: &str, t: &str, members: &[&str]) -> String {
    let (path, key) = if t == "c" {
        ("/api/v1/channels.create", "channel")
    } else {
        ("/api/v1/groups.create", "group")
    };
    s.post(path, Some(who), json!({"name": name, "members": members}))
        .await
        .ok()[key]["_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn send(s: &TestServer, who: &Creds, rid: &str, text: &str, tmid: Option<&str>) -> Value {
    let mut m = json!({"rid": rid, "msg": text});
    if let Some(t) = tmid {
        m["tmid"] = json!(t);
    }
    s.post("/api/v1/chat.sendMessage", Some(who), json!({"message": m}))
        .await
        .ok()["message"]
        .clone()
}

async fn sub(s: &TestServer, who: &Creds, rid: &str) -> Value {
    s.get(
        &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
        Some(who),
    )
    .await
    .ok()["subscription"]
        .clone()
}

async fn channel_info(s: &TestServer, who: &Creds, rid: &str) -> Value {
    s.get(&format!("/api/v1/channels.info?roomId={rid}"), Some(who))
        .await
        .ok()["channel"]
        .clone()
}

fn id(v: &Value) -> String {
    v["_id"].as_str().unwrap().to_owned()
}

mod bodies {
    use super::*;

    pub async fn report_message(s: TestServer) {
        let u = s.user("rita").await;
        let v = s.user("rolf").await;
        let w = s.user("rosa").await;
        let gid = room(&s, &u, "reports", "p", &["rolf"]).await;
        let m = send(&s, &v, &gid, "something rude", None).await;
        let mid = id(&m);
        s.post(
            "/api/v1/chat.reportMessage",
            Some(&u),
            json!({"messageId": mid, "description": "rude"}),
        )
        .await
        .ok();
        // Missing properties fail validation; empty ones are Rocket.Chat's failure strings.
        s.post(
            "/api/v1/chat.reportMessage",
            Some(&u),
            json!({"description": "x"}),
        )
        .await
        .err_type("error-invalid-params");
        let e = s
            .post(
                "/api/v1/chat.reportMessage",
                Some(&u),
                json!({"messageId": mid, "description": ""}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "The required \"description\" param is missing.");
        let e = s
            .post(
                "/api/v1/chat.reportMessage",
                Some(&u),
                json!({"messageId": mid, "description": "   "}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "error-invalid-description");
        let e = s
            .post(
                "/api/v1/chat.reportMessage",
                Some(&u),
                json!({"messageId": "nope", "description": "x"}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "error-invalid-message_id");
        // A message in a room the caller cannot read is as unknown as a missing one.
        let e = s
            .post(
                "/api/v1/chat.reportMessage",
                Some(&w),
                json!({"messageId": mid, "description": "x"}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "error-invalid-message_id");
        s.post(
            "/api/v1/chat.reportMessage",
            None,
            json!({"messageId": mid, "description": "x"}),
        )
        .await
        .err(401);
        s.stop().await;
    }

    pub async fn groups_online(s: TestServer) {
        let u = s.user("olga").await;
        let v = s.user("otto").await;
        let w = s.user("oona").await;
        let gid = room(&s, &u, "online-group", "p", &["otto"]).await;
        // A REST login counts as presence (as in Rocket.Chat): otto logs out to be offline.
        s.post("/api/v1/logout", Some(&v), json!({})).await.ok();
        let q = |v: Value| format!("/api/v1/groups.online?query={}", v);
        let b = s.get(&q(json!({"_id": gid})), Some(&u)).await.ok();
        let names: Vec<&str> = b["online"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["username"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"olga"), "{b}");
        assert!(!names.contains(&"otto"), "{b}");
        let b = s
            .get(&q(json!({"name": "online-group"})), Some(&u))
            .await
            .ok();
        assert_eq!(b["online"].as_array().unwrap().len(), 1);
        s.get(&q(json!({"_id": gid})), Some(&w))
            .await
            .err_type("error-not-allowed");
        let e = s.get("/api/v1/groups.online", Some(&u)).await.err(400);
        assert_eq!(e["error"], "Invalid query");
        let e = s.get(&q(json!({})), Some(&u)).await.err(400);
        assert_eq!(e["error"], "Invalid query");
        s.get("/api/v1/groups.online?query=%7Bnope", Some(&u))
            .await
            .err_type("error-invalid-query");
        let e = s
            .get(&q(json!({"_id": "GENERAL"})), Some(&u))
            .await
            .err(400);
        assert_eq!(e["error"], "Group does not exists");
        s.stop().await;
    }

    pub async fn group_mentions(s: TestServer) {
        let u = s.user("gina").await;
        let v = s.user("gus").await;
        let w = s.user("gwen").await;
        let rid = room(&s, &u, "loud", "c", &["gus", "gwen"]).await;
        s.post("/api/v1/subscriptions.read", Some(&v), json!({"rid": rid}))
            .await
            .ok();
        let mut events = watch(&s);
        send(&s, &u, &rid, "hello @all", None).await;
        let evs = events_within(&mut events, 300).await;
        assert!(
            evs.iter()
                .any(|e| matches!(&e.kind, EventKind::RoomChanged { room_id } if *room_id == rid))
        );
        let sv = sub(&s, &v, &rid).await;
        assert_eq!(sv["groupMentions"], 1, "{sv}");
        assert_eq!(sv["userMentions"], 0);
        assert_eq!(sv["alert"], true);
        assert_eq!(sub(&s, &w, &rid).await["groupMentions"], 1);
        // The sender's own @all is not a mention of theirs.
        assert_eq!(sub(&s, &u, &rid).await["groupMentions"], 0);
        send(&s, &u, &rid, "@here again", None).await;
        assert_eq!(sub(&s, &v, &rid).await["groupMentions"], 2);
        // Reading clears it.
        s.post("/api/v1/subscriptions.read", Some(&v), json!({"rid": rid}))
            .await
            .ok();
        let sv = sub(&s, &v, &rid).await;
        assert_eq!(sv["groupMentions"], 0);
        assert_eq!(sv["alert"], false);
        // A member who joins later has no old group mentions.
        let x = s.user("gail").await;
        s.post("/api/v1/channels.join", Some(&x), json!({"roomId": rid}))
            .await
            .ok();
        assert_eq!(sub(&s, &x, &rid).await["groupMentions"], 0);
        // Mentions by name take priority: @gus and @all is a user mention only.
        send(&s, &u, &rid, "@gus and @all", None).await;
        let sv = sub(&s, &v, &rid).await;
        assert_eq!(
            (sv["userMentions"].clone(), sv["groupMentions"].clone()),
            (json!(1), json!(0))
        );
        assert_eq!(sub(&s, &w, &rid).await["groupMentions"], 2);
        // Thread replies do not count as room mentions.
        let root = send(&s, &u, &rid, "root", None).await;
        send(&s, &u, &rid, "@all in a thread", Some(&id(&root))).await;
        assert_eq!(sub(&s, &x, &rid).await["groupMentions"], 0);
        s.stop().await;
    }

    pub async fn edit_history_kept(s: TestServer) {
        let u = s.user("hank").await;
        let rid = room(&s, &u, "edits", "c", &[]).await;
        s.post(
            "/api/v1/settings/Message_KeepHistory",
            Some(&s.admin),
            json!({"value": true}),
        )
        .await
        .ok();
        let before = apogee_core::Timestamp::now().to_iso();
        let m = send(&s, &u, &rid, "first words", None).await;
        let mid = id(&m);
        let e = s
            .post(
                "/api/v1/chat.update",
                Some(&u),
                json!({"roomId": rid, "msgId": mid, "text": "second words"}),
            )
            .await
            .ok();
        assert_eq!(e["message"]["msg"], "second words");
        let h = s
            .get(&format!("/api/v1/channels.history?roomId={rid}"), Some(&u))
            .await
            .ok();
        let texts: Vec<&str> = h["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["t"].is_null())
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["second words"], "{h}");
        let d = s
            .get(
                &format!("/api/v1/chat.getDeletedMessages?roomId={rid}&since={before}"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(d["total"], 0, "{d}");
        let found = s
            .get(
                &format!("/api/v1/chat.search?roomId={rid}&searchText=first"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(found["messages"], json!([]));
        let sync = s
            .get(
                &format!("/api/v1/chat.syncMessages?roomId={rid}&lastUpdate={before}"),
                Some(&u),
            )
            .await
            .ok();
        let ids: Vec<&str> = sync["result"]["updated"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["t"].is_null())
            .map(|m| m["_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [mid.as_str()]);
        // Editing someone else's message is still refused.
        let v = s.user("hugo").await;
        s.post("/api/v1/channels.join", Some(&v), json!({"roomId": rid}))
            .await
            .ok();
        s.post(
            "/api/v1/chat.update",
            Some(&v),
            json!({"roomId": rid, "msgId": mid, "text": "mine now"}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.stop().await;
    }

    pub async fn mark_unread(s: TestServer) {
        let u = s.user("uma").await;
        let v = s.user("ugo").await;
        let rid = room(&s, &u, "unreads", "c", &["ugo"]).await;
        let m1 = send(&s, &u, &rid, "one", None).await;
        send(&s, &u, &rid, "two", None).await;
        s.post("/api/v1/subscriptions.read", Some(&v), json!({"rid": rid}))
            .await
            .ok();
        let before = sub(&s, &v, &rid).await;
        assert_eq!(before["alert"], false);
        let mut events = watch(&s);
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&v),
            json!({"firstUnreadMessage": {"_id": id(&m1)}}),
        )
        .await
        .ok();
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| matches!(&e.kind,
            EventKind::SubscriptionChanged { user_id, room_id } if *user_id == v.user_id && *room_id == rid)));
        // As Rocket.Chat: alert, open and last-seen move; the counters stay.
        let after = sub(&s, &v, &rid).await;
        assert_eq!(after["alert"], true, "{after}");
        assert_eq!(after["open"], true);
        assert_eq!(after["unread"], before["unread"]);
        assert_eq!(after["ls"], m1["ts"]);
        // Own messages and unknown ones are not allowed.
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&u),
            json!({"firstUnreadMessage": {"_id": id(&m1)}}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&v),
            json!({"firstUnreadMessage": {"_id": "nope"}}),
        )
        .await
        .err_type("error-action-not-allowed");
        // By room: from its last message.
        s.post("/api/v1/subscriptions.read", Some(&v), json!({"rid": rid}))
            .await
            .ok();
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&v),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        assert_eq!(sub(&s, &v, &rid).await["alert"], true);
        let empty = room(&s, &u, "empty-room", "p", &[]).await;
        s.post(
            "/api/v1/subscriptions.unread",
            Some(&u),
            json!({"roomId": empty}),
        )
        .await
        .err_type("error-no-message-for-unread");
        s.post("/api/v1/subscriptions.unread", Some(&u), json!({}))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn threads_unread_and_sync(s: TestServer) {
        let u = s.user("tara").await;
        let v = s.user("tom").await;
        let w = s.user("tess").await;
        let rid = room(&s, &u, "threads", "c", &["tom", "tess"]).await;
        // Unknown roots are error-invalid-message.
        s.get("/api/v1/chat.getThreadMessages?tmid=nope", Some(&u))
            .await
            .err_type("error-invalid-message");
        s.get(
            "/api/v1/chat.syncThreadMessages?tmid=nope&updatedSince=2020-01-01T00:00:00.000Z",
            Some(&u),
        )
        .await
        .err_type("error-invalid-message");
        let root = send(&s, &u, &rid, "root", None).await;
        let tmid = id(&root);
        send(&s, &v, &rid, "reply", Some(&tmid)).await;
        let su = sub(&s, &u, &rid).await;
        assert_eq!(su["tunread"], json!([tmid]));
        assert!(su["tunreadUser"].is_null());
        // A mention in a reply marks the thread for the mentioned member, who follows it now.
        let mut events = watch(&s);
        send(&s, &v, &rid, "look @tess", Some(&tmid)).await;
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| matches!(&e.kind,
            EventKind::SubscriptionChanged { user_id, .. } if *user_id == w.user_id)));
        let sw = sub(&s, &w, &rid).await;
        assert_eq!(sw["tunread"], json!([tmid]));
        assert_eq!(sw["tunreadUser"], json!([tmid]));
        assert_eq!(
            sw["userMentions"], 0,
            "thread mentions are not room mentions"
        );
        let r = s
            .get(&format!("/api/v1/chat.getMessage?msgId={tmid}"), Some(&u))
            .await
            .ok();
        assert!(
            r["message"]["replies"]
                .as_array()
                .unwrap()
                .contains(&json!(w.user_id))
        );
        // A group mention marks it for the followers as a group one.
        send(&s, &u, &rid, "@all see this", Some(&tmid)).await;
        let sv = sub(&s, &v, &rid).await;
        assert_eq!(sv["tunreadGroup"], json!([tmid]), "{sv}");
        // Unfollowing clears the marks.
        s.post(
            "/api/v1/chat.unfollowMessage",
            Some(&v),
            json!({"mid": tmid}),
        )
        .await
        .ok();
        let sv = sub(&s, &v, &rid).await;
        assert_eq!(sv["tunread"], json!([]));
        assert!(sv["tunreadGroup"].is_null());
        // Sync answers list deleted replies and roots as they were.
        let since = apogee_core::Timestamp::now().to_iso();
        let reply = send(&s, &u, &rid, "soon gone", Some(&tmid)).await;
        s.post(
            "/api/v1/chat.delete",
            Some(&u),
            json!({"roomId": rid, "msgId": id(&reply)}),
        )
        .await
        .ok();
        let b = s
            .get(
                &format!("/api/v1/chat.syncThreadMessages?tmid={tmid}&updatedSince={since}"),
                Some(&u),
            )
            .await
            .ok();
        let removed = b["messages"]["remove"].as_array().unwrap();
        assert_eq!(removed.len(), 1, "{b}");
        assert_eq!(removed[0]["_id"], reply["_id"]);
        assert_eq!(removed[0]["tmid"], json!(tmid));
        assert_eq!(removed[0]["msg"], "soon gone");
        s.post(
            "/api/v1/chat.delete",
            Some(&u),
            json!({"roomId": rid, "msgId": tmid}),
        )
        .await
        .ok();
        let b = s
            .get(
                &format!("/api/v1/chat.syncThreadsList?rid={rid}&updatedSince={since}"),
                Some(&u),
            )
            .await
            .ok();
        let removed = b["threads"]["remove"].as_array().unwrap();
        assert_eq!(removed.len(), 1, "{b}");
        assert_eq!(removed[0]["_id"], json!(tmid));
        assert!(removed[0]["tcount"].as_i64().unwrap() >= 3);
        let outsider = s.user("tim").await;
        let gid = room(&s, &u, "secret-threads", "p", &[]).await;
        s.get(
            &format!("/api/v1/chat.syncThreadsList?rid={gid}&updatedSince={since}"),
            Some(&outsider),
        )
        .await
        .err_type("error-not-allowed");
        s.stop().await;
    }

    pub async fn read_only_unmuted(s: TestServer) {
        let u = s.user("rhea").await;
        let v = s.user("ray").await;
        let rid = room(&s, &u, "announcements", "c", &["ray"]).await;
        s.post(
            "/api/v1/channels.setReadOnly",
            Some(&u),
            json!({"roomId": rid, "readOnly": true}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/chat.postMessage",
            Some(&v),
            json!({"roomId": rid, "text": "may I?"}),
        )
        .await
        .err_type("error-action-not-allowed");
        // In a read-only room, unmuting puts a member on `unmuted` ...
        s.post(
            "/api/v1/rooms.unmuteUser",
            Some(&u),
            json!({"roomId": rid, "username": "ray"}),
        )
        .await
        .ok();
        let c = channel_info(&s, &u, &rid).await;
        assert_eq!(c["unmuted"], json!(["ray"]), "{c}");
        assert_eq!(c["muted"], json!([]));
        // ... and muting takes them off it, without adding them to `muted`.
        s.post(
            "/api/v1/rooms.muteUser",
            Some(&u),
            json!({"roomId": rid, "username": "ray"}),
        )
        .await
        .ok();
        let c = channel_info(&s, &u, &rid).await;
        assert!(c["unmuted"].is_null(), "{c}");
        assert_eq!(c["muted"], json!([]));
        // Members cannot manage the lists.
        s.post(
            "/api/v1/rooms.unmuteUser",
            Some(&v),
            json!({"roomId": rid, "username": "ray"}),
        )
        .await
        .err_type("error-not-allowed");
        // Outside read-only rooms, `muted` is the list.
        s.post(
            "/api/v1/channels.setReadOnly",
            Some(&u),
            json!({"roomId": rid, "readOnly": false}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/rooms.muteUser",
            Some(&u),
            json!({"roomId": rid, "username": "ray"}),
        )
        .await
        .ok();
        assert_eq!(channel_info(&s, &u, &rid).await["muted"], json!(["ray"]));
        s.stop().await;
    }

    pub async fn discussion_twice_from_one_message(s: TestServer) {
        let u = s.user("dina").await;
        let rid = room(&s, &u, "talks", "c", &[]).await;
        let m = send(&s, &u, &rid, "let us discuss", None).await;
        let make = |name: &'static str| {
            let s = &s;
            let u = &u;
            let body = json!({"prid": rid, "pmid": id(&m), "t_name": name});
            async move {
                s.post("/api/v1/rooms.createDiscussion", Some(u), body)
                    .await
                    .ok()["discussion"]
                    .clone()
            }
        };
        // Rocket.Chat looks for a discussion with this parent message by `{prid, pmid}`, but
        // discussions never store `pmid`: a second discussion is created.
        let d1 = make("first").await;
        let d2 = make("second").await;
        assert_ne!(d1["_id"], d2["_id"]);
        assert_eq!(d2["fname"], "second");
        assert_eq!(d2["prid"], json!(rid));
        s.post(
            "/api/v1/rooms.createDiscussion",
            Some(&u),
            json!({"prid": rid, "pmid": "nope", "t_name": "x"}),
        )
        .await
        .err_type("error-invalid-message");
        s.stop().await;
    }
}

db_tests!(
    report_message,
    groups_online,
    group_mentions,
    edit_history_kept,
    mark_unread,
    threads_unread_and_sync,
    read_only_unmuted,
    discussion_twice_from_one_message,
);
