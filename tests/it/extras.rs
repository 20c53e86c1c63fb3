//! The less common room, direct message and chat operations: addAll, online, files,
//! integrations, mentions, custom fields, encryption, teams, discussions, history cleaning,
//! muting, ignoring, room administration, search and `users.info` rooms.

use apogee_blackbox::{Creds, TestServer, db_tests, events_within, watch};
use apogee_core::{EventKind, Topic};
use serde_json::{Value, json};

async fn channel(s: &TestServer, who: &Creds, name: &str, t: &str) -> String {
    let path = if t == "c" {
        "/api/v1/channels.create"
    } else {
        "/api/v1/groups.create"
    };
    let key = if t == "c" { "channel" } else { "group" };
    s.post(path, Some(who), json!({"name": name})).await.ok()[key]["_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn post(s: &TestServer, who: &Creds, rid: &str, text: &str) -> Value {
    s.post(
        "/api/v1/chat.postMessage",
        Some(who),
        json!({"roomId": rid, "text": text}),
    )
    .await
    .ok()["message"]
        .clone()
}

async fn history(s: &TestServer, who: &Creds, rid: &str) -> Vec<Value> {
    s.get(
        &format!("/api/v1/channels.history?roomId={rid}&count=100"),
        Some(who),
    )
    .await
    .ok()["messages"]
        .as_array()
        .unwrap()
        .clone()
}

mod bodies {
    use super::*;

    pub async fn add_all_online_files_integrations(s: TestServer) {
        let u = s.user("una").await;
        let v = s.user("vic").await;
        let rid = channel(&s, &u, "everyone", "c").await;
        // add-all-to-room is the admin's.
        let e = s
            .post("/api/v1/channels.addAll", Some(&u), json!({"roomId": rid}))
            .await
            .err_type("403");
        assert_eq!(e["error"], "Access to Method Forbidden [403]");
        s.post("/api/v1/channels.addAll", Some(&u), json!({}))
            .await
            .err_type("error-room-param-not-provided");
        let mut events = watch(&s);
        let c = s
            .post(
                "/api/v1/channels.addAll",
                Some(&s.admin),
                json!({"roomId": rid, "activeUsersOnly": true}),
            )
            .await
            .ok()["channel"]
            .clone();
        assert_eq!(c["_id"], json!(rid));
        assert_eq!(c["usersCount"], 3, "una, vic and admin");
        let evs = events_within(&mut events, 300).await;
        assert!(
            evs.iter().any(|e| e.kind
                == EventKind::SubscriptionChanged {
                    user_id: v.user_id.clone(),
                    room_id: rid.clone()
                }),
            "{evs:?}"
        );
        assert!(evs.iter().any(|e| e.topic == Topic::Room(rid.clone())
            && matches!(e.kind, EventKind::MessageCreated { .. })));
        let joins = history(&s, &u, &rid)
            .await
            .into_iter()
            .filter(|m| m["t"] == "uj")
            .count();
        assert_eq!(joins, 2);
        // Idempotent.
        s.post(
            "/api/v1/channels.addAll",
            Some(&s.admin),
            json!({"roomName": "everyone"}),
        )
        .await
        .ok();
        // Who is online: the caller at least.
        let on = s
            .get(&format!("/api/v1/channels.online?_id={rid}"), Some(&u))
            .await
            .ok();
        let names: Vec<&str> = on["online"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["username"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"una"), "{on}");
        let e = s.get("/api/v1/channels.online", Some(&u)).await.err(400);
        assert_eq!(e["error"], "Invalid query");
        s.get("/api/v1/channels.online?_id=NOPE", Some(&u))
            .await
            .err(400);
        // Files: none exist, but the room is checked.
        let f = s
            .get(&format!("/api/v1/channels.files?roomId={rid}"), Some(&v))
            .await
            .ok();
        assert_eq!(f["files"], json!([]));
        assert_eq!(f["total"], 0);
        assert_eq!(f["count"], 0);
        let gid = channel(&s, &u, "hush", "p").await;
        s.get(&format!("/api/v1/groups.files?roomId={gid}"), Some(&v))
            .await
            .err_type("error-room-not-found");
        s.get(&format!("/api/v1/groups.files?roomId={gid}"), Some(&u))
            .await
            .ok();
        s.get("/api/v1/channels.files?roomId=NOPE", Some(&u))
            .await
            .err_type("error-room-not-found");
        // Integrations need a manage-*-integrations permission.
        s.get(
            &format!("/api/v1/channels.getIntegrations?roomId={rid}"),
            Some(&u),
        )
        .await
        .err(403);
        let i = s
            .get(
                &format!("/api/v1/channels.getIntegrations?roomId={rid}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(i["integrations"], json!([]));
        assert_eq!(i["total"], 0);
        s.get(
            &format!("/api/v1/groups.getIntegrations?roomId={gid}"),
            Some(&s.admin),
        )
        .await
        .ok();
        s.stop().await;
    }

    pub async fn custom_fields_encryption_teams(s: TestServer) {
        let u = s.user("ursa").await;
        let v = s.user("vera").await;
        let rid = channel(&s, &u, "fields", "c").await;
        let mut events = watch(&s);
        let c = s
            .post(
                "/api/v1/channels.setCustomFields",
                Some(&u),
                json!({"roomId": rid, "customFields": {"team": "blue", "n": 3}}),
            )
            .await
            .ok();
        assert_eq!(
            c["channel"]["customFields"],
            json!({"team": "blue", "n": 3})
        );
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.kind
            == EventKind::RoomChanged {
                room_id: rid.clone()
            }));
        let info = s
            .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&v))
            .await
            .ok();
        assert_eq!(info["channel"]["customFields"]["team"], "blue");
        s.post(
            "/api/v1/channels.setCustomFields",
            Some(&v),
            json!({"roomId": rid, "customFields": {"x": 1}}),
        )
        .await
        .err(403);
        let e = s
            .post(
                "/api/v1/channels.setCustomFields",
                Some(&u),
                json!({"roomId": rid, "customFields": "nope"}),
            )
            .await
            .err(400);
        assert_eq!(
            e["error"],
            "The bodyParam \"customFields\" is required with a type like object."
        );
        // Groups too.
        let gid = channel(&s, &u, "vault", "p").await;
        let g = s
            .post(
                "/api/v1/groups.setCustomFields",
                Some(&u),
                json!({"roomName": "vault", "customFields": {"a": "b"}}),
            )
            .await
            .ok();
        assert_eq!(g["group"]["customFields"], json!({"a": "b"}));
        // Encryption: groups only, toggle-room-e2e-encryption.
        let mut events = watch(&s);
        let g = s
            .post(
                "/api/v1/groups.setEncrypted",
                Some(&u),
                json!({"roomId": gid, "encrypted": true}),
            )
            .await
            .ok();
        assert_eq!(g["group"]["encrypted"], true);
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.topic == Topic::Room(gid.clone())
            && matches!(e.kind, EventKind::MessageCreated { .. })));
        let h = s
            .get(&format!("/api/v1/groups.history?roomId={gid}"), Some(&u))
            .await
            .ok();
        assert_eq!(h["messages"][0]["t"], "room_e2e_enabled");
        s.post(
            "/api/v1/groups.invite",
            Some(&u),
            json!({"roomId": gid, "username": "vera"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/groups.setEncrypted",
            Some(&v),
            json!({"roomId": gid, "encrypted": false}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post(
            "/api/v1/groups.setEncrypted",
            Some(&u),
            json!({"roomId": gid}),
        )
        .await
        .err_type("error-invalid-params");
        s.post(
            "/api/v1/groups.setEncrypted",
            Some(&u),
            json!({"roomId": rid, "encrypted": true}),
        )
        .await
        .err_type("error-room-not-found");
        // Teams are not supported: a proper error, after the permission checks.
        s.post(
            "/api/v1/channels.convertToTeam",
            Some(&u),
            json!({"channelId": rid}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post(
            "/api/v1/channels.convertToTeam",
            Some(&v),
            json!({"channelName": "fields"}),
        )
        .await
        .err(403);
        let e = s
            .post("/api/v1/channels.convertToTeam", Some(&u), json!({}))
            .await
            .err(400);
        assert_eq!(
            e["error"],
            "The parameter \"channelId\" or \"channelName\" is required"
        );
        s.post(
            "/api/v1/groups.convertToTeam",
            Some(&u),
            json!({"roomId": gid}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.stop().await;
    }

    pub async fn mentions_and_discussions(s: TestServer) {
        let u = s.user("uma").await;
        let v = s.user("val").await;
        s.user("wes").await;
        let rid = channel(&s, &u, "talk", "c").await;
        s.post("/api/v1/channels.join", Some(&v), json!({"roomId": rid}))
            .await
            .ok();
        post(&s, &u, &rid, "hello @val").await;
        post(&s, &u, &rid, "nothing here").await;
        post(&s, &u, &rid, "again @val and @uma").await;
        let m = s
            .get(
                &format!("/api/v1/chat.getMentionedMessages?roomId={rid}"),
                Some(&v),
            )
            .await
            .ok();
        assert_eq!(m["total"], 2);
        assert_eq!(m["messages"][0]["msg"], "again @val and @uma");
        let m = s
            .get(
                &format!("/api/v1/chat.getMentionedMessages?roomId={rid}&count=1&offset=1"),
                Some(&v),
            )
            .await
            .ok();
        assert_eq!(m["count"], 1);
        assert_eq!(m["messages"][0]["msg"], "hello @val");
        let all = s
            .get(
                &format!("/api/v1/channels.getAllUserMentionsByChannel?roomId={rid}"),
                Some(&v),
            )
            .await
            .ok();
        assert_eq!(all["total"], 2);
        assert_eq!(all["mentions"][0]["msg"], "hello @val", "oldest first");
        let e = s
            .get("/api/v1/chat.getMentionedMessages?roomId=NOPE", Some(&v))
            .await
            .err(400);
        assert_eq!(e["error"], "error-not-allowed");
        s.get("/api/v1/chat.getMentionedMessages", Some(&v))
            .await
            .err_type("error-invalid-params");
        s.get(
            "/api/v1/channels.getAllUserMentionsByChannel?roomId=NOPE",
            Some(&v),
        )
        .await
        .err_type("error-invalid-room");

        // A discussion with a first reply and an invited user.
        let mut events = watch(&s);
        let d = s
            .post(
                "/api/v1/rooms.createDiscussion",
                Some(&v),
                json!({"prid": rid, "t_name": "Side topic", "users": ["wes", "ghost"], "reply": "first!"}),
            )
            .await
            .ok()["discussion"]
            .clone();
        let drid = d["_id"].as_str().unwrap().to_owned();
        assert_eq!(d["rid"], json!(drid));
        assert_eq!(d["prid"], json!(rid));
        assert_eq!(d["fname"], "Side topic");
        assert_eq!(d["t"], "c");
        assert_eq!(d["topic"], "talk");
        assert_eq!(d["usersCount"], 2, "val and wes");
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.topic == Topic::Room(rid.clone())
            && matches!(e.kind, EventKind::MessageCreated { .. })));
        assert!(evs.iter().any(|e| e.kind
            == EventKind::RoomChanged {
                room_id: drid.clone()
            }));
        let ds = s
            .get(
                &format!("/api/v1/chat.getDiscussions?roomId={rid}"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(ds["total"], 1);
        let dm = &ds["messages"][0];
        assert_eq!(dm["t"], "discussion-created");
        assert_eq!(dm["msg"], "Side topic");
        assert_eq!(dm["drid"], json!(drid));
        assert_eq!(dm["dcount"], 1);
        assert!(dm["dlm"].is_string());
        let ds = s
            .get(
                &format!("/api/v1/chat.getDiscussions?roomId={rid}&text=nomatch"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(ds["total"], 0);
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={drid}"),
                Some(&v),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["roles"], json!(["owner"]));
        assert_eq!(sub["subscription"]["prid"], json!(rid));
        // From a message: its author is invited and the message quoted.
        let root = post(&s, &u, &rid, "quote me").await;
        let d2 = s
            .post(
                "/api/v1/rooms.createDiscussion",
                Some(&v),
                json!({"prid": rid, "pmid": root["_id"], "t_name": "On that"}),
            )
            .await
            .ok()["discussion"]
            .clone();
        assert_eq!(d2["description"], "quote me");
        assert_eq!(d2["usersCount"], 2, "val and uma");
        // Errors.
        s.post(
            "/api/v1/rooms.createDiscussion",
            Some(&v),
            json!({"prid": drid, "t_name": "deeper"}),
        )
        .await
        .err_type("error-nested-discussion");
        let e = s
            .post(
                "/api/v1/rooms.createDiscussion",
                Some(&v),
                json!({"prid": rid}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "Body parameter \"t_name\" is required.");
        s.post(
            "/api/v1/rooms.createDiscussion",
            Some(&v),
            json!({"prid": rid, "pmid": "NOPE", "t_name": "x"}),
        )
        .await
        .err_type("error-invalid-message");
        let gid = channel(&s, &u, "closed", "p").await;
        s.post(
            "/api/v1/rooms.createDiscussion",
            Some(&v),
            json!({"prid": gid, "t_name": "x"}),
        )
        .await
        .err_type("error-not-allowed");
        s.stop().await;
    }

    pub async fn clean_history_and_muting(s: TestServer) {
        let u = s.user("ulf").await;
        let v = s.user("vik").await;
        let rid = channel(&s, &u, "prune", "c").await;
        s.post("/api/v1/channels.join", Some(&v), json!({"roomId": rid}))
            .await
            .ok();
        let first = post(&s, &v, &rid, "one").await;
        post(&s, &u, &rid, "two").await;
        let keep = post(&s, &v, &rid, "three").await;
        s.post(
            "/api/v1/chat.pinMessage",
            Some(&u),
            json!({"messageId": keep["_id"]}),
        )
        .await
        .ok();
        let oldest = first["ts"].as_str().unwrap().to_owned();
        let latest = "2999-01-01T00:00:00.000Z";
        // clean-channel-history is the admin's.
        s.post(
            "/api/v1/rooms.cleanHistory",
            Some(&u),
            json!({"roomId": rid, "latest": latest, "oldest": oldest}),
        )
        .await
        .err_type("error-not-allowed");
        let e = s
            .post(
                "/api/v1/rooms.cleanHistory",
                Some(&s.admin),
                json!({"roomId": rid, "oldest": oldest}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "Body parameter \"latest\" is required.");
        s.post(
            "/api/v1/rooms.cleanHistory",
            Some(&s.admin),
            json!({"roomId": rid, "latest": "soon", "oldest": oldest}),
        )
        .await
        .err_type("error-latest-param-invalid");
        // Only vik's messages, pinned ones kept.
        let mut events = watch(&s);
        let r = s
            .post(
                "/api/v1/rooms.cleanHistory",
                Some(&s.admin),
                json!({"roomId": rid, "latest": latest, "oldest": oldest, "inclusive": true,
                       "users": ["vik"], "excludePinned": true}),
            )
            .await
            .ok();
        assert_eq!(r["_id"], json!(rid));
        assert_eq!(r["count"], 1);
        let evs = events_within(&mut events, 300).await;
        assert!(
            evs.iter().any(|e| e.topic == Topic::Room(rid.clone())
                && e.kind
                    == EventKind::MessagesBulkDeleted {
                        room_id: rid.clone(),
                        message_ids: vec![first["_id"].as_str().unwrap().to_owned()],
                    }),
            "{evs:?}"
        );
        let texts: Vec<String> = history(&s, &u, &rid)
            .await
            .iter()
            .map(|m| m["msg"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(!texts.contains(&"one".to_owned()), "{texts:?}");
        assert!(texts.contains(&"two".to_owned()) && texts.contains(&"three".to_owned()));
        // The deletion shows up in sync.
        let del = s
            .get(
                &format!(
                    "/api/v1/chat.getDeletedMessages?roomId={rid}&since=2000-01-01T00:00:00.000Z"
                ),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(del["messages"][0]["_id"], first["_id"]);
        // Everything else in the window.
        let r = s
            .post(
                "/api/v1/rooms.cleanHistory",
                Some(&s.admin),
                json!({"roomId": rid, "latest": latest, "oldest": "2000-01-01T00:00:00.000Z"}),
            )
            .await
            .ok();
        assert!(r["count"].as_u64().unwrap() >= 3, "{r}");
        assert_eq!(history(&s, &u, &rid).await, Vec::<Value>::new());
        let info = s
            .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&u))
            .await
            .ok();
        assert_eq!(info["channel"]["msgs"], 0);

        // Muting: the owner may (mute-user), a member may not.
        s.post(
            "/api/v1/rooms.muteUser",
            Some(&v),
            json!({"roomId": rid, "username": "ulf"}),
        )
        .await
        .err_type("error-not-allowed");
        let mut events = watch(&s);
        s.post(
            "/api/v1/rooms.muteUser",
            Some(&u),
            json!({"roomId": rid, "userId": v.user_id}),
        )
        .await
        .ok();
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.kind
            == EventKind::RoomChanged {
                room_id: rid.clone()
            }));
        let info = s
            .get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&u))
            .await
            .ok();
        assert_eq!(info["channel"]["muted"], json!(["vik"]));
        assert_eq!(history(&s, &u, &rid).await[0]["t"], "user-muted");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&v),
            json!({"roomId": rid, "text": "let me talk"}),
        )
        .await
        .err_type("error-user-muted");
        s.post(
            "/api/v1/rooms.muteUser",
            Some(&u),
            json!({"roomId": rid, "username": "admin"}),
        )
        .await
        .err_type("error-user-not-in-room");
        s.post("/api/v1/rooms.muteUser", Some(&u), json!({"roomId": rid}))
            .await
            .err_type("error-user-param-not-provided");
        s.post(
            "/api/v1/rooms.unmuteUser",
            Some(&u),
            json!({"roomId": rid, "username": "vik"}),
        )
        .await
        .ok();
        assert_eq!(history(&s, &u, &rid).await[0]["t"], "user-unmuted");
        post(&s, &v, &rid, "thanks").await;
        s.stop().await;
    }

    pub async fn direct_message_extras(s: TestServer) {
        let u = s.user("uli").await;
        let v = s.user("vin").await;
        let rid = s
            .post("/api/v1/dm.create", Some(&u), json!({"username": "vin"}))
            .await
            .ok()["room"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        post(&s, &u, &rid, "hi @vin").await;
        let star = post(&s, &v, &rid, "yo").await;
        post(&s, &u, &rid, "third").await;
        s.post(
            "/api/v1/chat.starMessage",
            Some(&u),
            json!({"messageId": star["_id"]}),
        )
        .await
        .ok();
        let m = s
            .get(&format!("/api/v1/dm.messages?roomId={rid}"), Some(&u))
            .await
            .ok();
        assert_eq!(m["total"], 3);
        assert_eq!(m["messages"][0]["msg"], "third", "newest first");
        let m = s
            .get(
                "/api/v1/im.messages?username=vin&sort=%7B%22ts%22%3A1%7D&count=1",
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(m["messages"][0]["msg"], "hi @vin");
        assert_eq!(m["count"], 1);
        let m = s
            .get(
                &format!("/api/v1/dm.messages?roomId={rid}&mentionIds={}", v.user_id),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(m["total"], 1);
        let m = s
            .get(
                &format!("/api/v1/dm.messages?roomId={rid}&starredIds={}", u.user_id),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(m["messages"][0]["msg"], "yo");
        s.get("/api/v1/dm.messages", Some(&u))
            .await
            .err_type("error-room-param-not-provided");
        // Files: none yet.
        let f = s
            .get(&format!("/api/v1/dm.files?roomId={rid}"), Some(&v))
            .await
            .ok();
        assert_eq!(f["files"], json!([]));
        // Others' messages: view-room-administration, and the setting.
        s.get(
            &format!("/api/v1/dm.messages.others?roomId={rid}"),
            Some(&u),
        )
        .await
        .err(403);
        s.get(
            &format!("/api/v1/dm.messages.others?roomId={rid}"),
            Some(&s.admin),
        )
        .await
        .err_type("error-endpoint-disabled");
        s.post(
            "/api/v1/settings/API_Enable_Direct_Message_History_EndPoint",
            Some(&s.admin),
            json!({"value": true}),
        )
        .await
        .ok();
        let o = s
            .get(
                &format!("/api/v1/im.messages.others?roomId={rid}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(o["total"], 3);
        s.get("/api/v1/dm.messages.others?roomId=GENERAL", Some(&s.admin))
            .await
            .err_type("error-room-not-found");
        // Topic: needs edit-room in the room.
        s.post(
            "/api/v1/dm.setTopic",
            Some(&u),
            json!({"roomId": rid, "topic": "plans"}),
        )
        .await
        .err(403);
        s.post("/api/v1/dm.setTopic", Some(&u), json!({"topic": "x"}))
            .await
            .err_type("error-room-param-not-provided");
        // Every DM: admins only.
        s.get("/api/v1/dm.list.everyone", Some(&u)).await.err(403);
        let all = s.get("/api/v1/im.list.everyone", Some(&s.admin)).await.ok();
        assert!(
            all["ims"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["_id"] == json!(rid))
        );
        assert_eq!(all["total"], all["count"]);
        // Deleting: delete-d (the admin's), even for a room they are not in.
        s.post("/api/v1/dm.delete", Some(&u), json!({"roomId": rid}))
            .await
            .err_type("error-not-allowed");
        s.post(
            "/api/v1/dm.delete",
            Some(&s.admin),
            json!({"roomId": "NOPE"}),
        )
        .await
        .err_type("error-room-not-found");
        let mut events = watch(&s);
        s.post("/api/v1/im.delete", Some(&s.admin), json!({"roomId": rid}))
            .await
            .ok();
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.kind
            == EventKind::RoomDeleted {
                room_id: rid.clone()
            }));
        assert!(evs.iter().any(|e| e.kind
            == EventKind::SubscriptionRemoved {
                user_id: v.user_id.clone(),
                room_id: rid.clone()
            }));
        s.get(&format!("/api/v1/dm.messages?roomId={rid}"), Some(&u))
            .await
            .err_type("error-room-not-found");
        s.stop().await;
    }

    pub async fn ignore_previews_receipts_thread_sync(s: TestServer) {
        let u = s.user("uri").await;
        let v = s.user("vlad").await;
        let mut events = watch(&s);
        s.get(
            &format!(
                "/api/v1/chat.ignoreUser?rid=GENERAL&userId={}&ignore=true",
                v.user_id
            ),
            Some(&u),
        )
        .await
        .ok();
        let evs = events_within(&mut events, 300).await;
        assert!(evs.iter().any(|e| e.kind
            == EventKind::SubscriptionChanged {
                user_id: u.user_id.clone(),
                room_id: "GENERAL".into()
            }));
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&u))
            .await
            .ok();
        assert_eq!(sub["subscription"]["ignored"], json!([v.user_id]));
        // Their messages are still delivered.
        post(&s, &v, "GENERAL", "can you hear me").await;
        s.get(
            &format!(
                "/api/v1/chat.ignoreUser?rid=GENERAL&userId={}&ignore=false",
                v.user_id
            ),
            Some(&u),
        )
        .await
        .ok();
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&u))
            .await
            .ok();
        assert!(sub["subscription"].get("ignored").is_none());
        s.get(
            &format!("/api/v1/chat.ignoreUser?userId={}", v.user_id),
            Some(&u),
        )
        .await
        .err_type("error-room-id-param-not-provided");
        s.get("/api/v1/chat.ignoreUser?rid=GENERAL", Some(&u))
            .await
            .err_type("error-user-id-param-not-provided");
        s.get("/api/v1/chat.ignoreUser?rid=GENERAL&userId=NOPE", Some(&u))
            .await
            .err_type("error-invalid-subscription");

        // URL previews carry no fetched metadata.
        let p = s
            .get(
                "/api/v1/chat.getURLPreview?roomId=GENERAL&url=https%3A%2F%2Fexample.com%2Fx",
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(p["urlPreview"]["url"], "https://example.com/x");
        assert_eq!(p["urlPreview"]["meta"], json!({}));
        assert_eq!(p["urlPreview"]["ignoreParse"], true);
        s.get("/api/v1/chat.getURLPreview?roomId=GENERAL", Some(&u))
            .await
            .err_type("error-invalid-params");
        let gid = channel(&s, &v, "private-x", "p").await;
        s.get(
            &format!("/api/v1/chat.getURLPreview?roomId={gid}&url=x"),
            Some(&u),
        )
        .await
        .err_type("error-not-allowed");
        // Read receipts are enterprise-only in Rocket.Chat.
        let e = s
            .get("/api/v1/chat.getMessageReadReceipts?messageId=x", Some(&u))
            .await
            .err_type("error-action-not-allowed");
        assert_eq!(
            e["error"],
            "This is an enterprise feature [error-action-not-allowed]"
        );

        // Thread sync.
        let root = post(&s, &u, "GENERAL", "root").await;
        let before = "2000-01-01T00:00:00.000Z";
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&v),
            json!({"message": {"rid": "GENERAL", "msg": "reply", "tmid": root["_id"]}}),
        )
        .await
        .ok();
        let t = s
            .get(
                &format!(
                    "/api/v1/chat.syncThreadMessages?tmid={}&updatedSince={before}",
                    root["_id"].as_str().unwrap()
                ),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(t["messages"]["update"][0]["msg"], "reply");
        assert_eq!(t["messages"]["remove"], json!([]));
        let t = s
            .get(
                &format!("/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince={before}"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(t["threads"]["update"][0]["_id"], root["_id"]);
        assert_eq!(t["threads"]["update"][0]["tcount"], 1);
        let t = s
            .get(
                "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=2999-01-01T00:00:00.000Z",
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(t["threads"]["update"], json!([]));
        s.get(
            "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=never",
            Some(&u),
        )
        .await
        .err_type("error-updatedSince-param-invalid");
        s.get(
            &format!("/api/v1/chat.syncThreadMessages?tmid=NOPE&updatedSince={before}"),
            Some(&u),
        )
        .await
        .err_type("error-invalid-message");
        s.get(
            &format!("/api/v1/chat.syncThreadsList?rid={gid}&updatedSince={before}"),
            Some(&u),
        )
        .await
        .err_type("error-not-allowed");
        s.stop().await;
    }

    pub async fn admin_rooms_search_and_user_rooms(s: TestServer) {
        let u = s.user("ute").await;
        let v = s.user("vanya").await;
        channel(&s, &u, "findme-pub", "c").await;
        channel(&s, &u, "findme-mine", "p").await;
        channel(&s, &v, "findme-hidden", "p").await;
        // Room administration.
        s.get("/api/v1/rooms.adminRooms", Some(&u)).await.err(403);
        let all = s
            .get("/api/v1/rooms.adminRooms?count=2", Some(&s.admin))
            .await
            .ok();
        assert_eq!(all["count"], 2);
        assert!(all["total"].as_u64().unwrap() >= 4);
        let groups = s
            .get(
                "/api/v1/rooms.adminRooms?types[]=p&filter=findme",
                Some(&s.admin),
            )
            .await
            .ok();
        let names: Vec<&str> = groups["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["findme-hidden", "findme-mine"]);
        assert_eq!(groups["total"], 2);
        s.get("/api/v1/rooms.adminRooms?sort=bad", Some(&s.admin))
            .await
            .err_type("error-invalid-sort");
        // Search finds public channels and the caller's own private rooms only.
        let sp = s
            .get("/api/v1/spotlight?query=%23findme", Some(&u))
            .await
            .ok();
        let names: Vec<&str> = sp["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["findme-mine", "findme-pub"]);
        let dir = s
            .get(
                "/api/v1/directory?type=channels&text=findme&count=1",
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(dir["total"], 2);
        assert_eq!(dir["count"], 1);
        let dir = s
            .get("/api/v1/directory?type=channels&text=findme", Some(&v))
            .await
            .ok();
        let names: Vec<&str> = dir["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["findme-hidden", "findme-pub"]);
        // users.info with rooms: for oneself, or with view-other-user-channels.
        let me = s
            .get(
                &format!(
                    "/api/v1/users.info?userId={}&includeUserRooms=true",
                    u.user_id
                ),
                Some(&u),
            )
            .await
            .ok();
        let rooms = me["user"]["rooms"].as_array().unwrap();
        assert!(rooms.iter().any(|r| r["rid"] == "GENERAL" && r["t"] == "c"));
        let mine = rooms.iter().find(|r| r["name"] == "findme-mine").unwrap();
        assert_eq!(mine["roles"], json!(["owner"]));
        assert_eq!(mine["unread"], 0);
        let other = s
            .get(
                &format!(
                    "/api/v1/users.info?userId={}&includeUserRooms=true",
                    v.user_id
                ),
                Some(&u),
            )
            .await
            .ok();
        assert!(other["user"].get("rooms").is_none());
        assert_eq!(other["user"]["username"], "vanya");
        let by_admin = s
            .get(
                "/api/v1/users.info?username=vanya&includeUserRooms=true",
                Some(&s.admin),
            )
            .await
            .ok();
        assert!(
            by_admin["user"]["rooms"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "findme-hidden")
        );
        let plain = s
            .get("/api/v1/users.info?username=vanya", Some(&s.admin))
            .await
            .ok();
        assert!(plain["user"].get("rooms").is_none());
        s.stop().await;
    }
}

db_tests!(
    add_all_online_files_integrations,
    custom_fields_encryption_teams,
    mentions_and_discussions,
    clean_history_and_muting,
    direct_message_extras,
    ignore_previews_receipts_thread_sync,
    admin_rooms_search_and_user_rooms,
);
