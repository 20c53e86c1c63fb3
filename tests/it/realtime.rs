//! The realtime API: DDP over `/websocket` with a real websocket client (tokio-tungstenite).

use crate::ddp::{Ddp, stream_event};
use apogee_blackbox::{ADMIN, ADMIN_PASS, TestServer, db_tests};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::connect_async;

mod bodies {
    use super::*;

    pub async fn ddp_protocol_basics(s: TestServer) {
        // Frames before `connect` are refused, not fatal.
        let mut c = Ddp::open(&s).await;
        c.send(json!({"msg": "method", "method": "x", "id": "1", "params": []}))
            .await;
        let e = c.recv().await;
        assert_eq!(e["msg"], "error");
        assert_eq!(e["reason"], "Must connect first");
        // rocketchat-async pipelines connect and login without waiting: both are answered, in order.
        c.send(json!({"msg": "connect", "version": "1", "support": ["1"]}))
            .await;
        c.send(json!({"msg": "method", "method": "login", "id": "2",
                      "params": [{"user": {"username": ADMIN}, "password": ADMIN_PASS}]}))
            .await;
        assert_eq!(c.recv().await["msg"], "connected");
        let added = c.recv().await;
        assert_eq!(added["msg"], "added");
        assert_eq!(added["collection"], "users");
        assert_eq!(added["fields"]["username"], ADMIN);
        let r = c.recv().await;
        assert_eq!(r["msg"], "result");
        assert_eq!(r["id"], "2");
        assert_eq!(r["result"]["type"], "password");
        assert_eq!(c.recv().await, json!({"msg": "updated", "methods": ["2"]}));
        // Heartbeats both ways.
        c.send(json!({"msg": "ping", "id": "p1"})).await;
        assert_eq!(c.recv().await, json!({"msg": "pong", "id": "p1"}));
        c.send(json!({"msg": "ping"})).await;
        assert_eq!(c.recv().await, json!({"msg": "pong"}));
        // Garbage.
        c.send_raw("this is not json").await;
        assert_eq!(
            c.recv().await,
            json!({"msg": "error", "reason": "Parse error"})
        );
        c.send(json!({"msg": "bogus", "x": 1})).await;
        assert_eq!(
            c.recv().await,
            json!({"msg": "error", "reason": "Bad request", "offendingMessage": {"msg": "bogus", "x": 1}})
        );
        c.send(json!({"msg": "method", "params": []})).await;
        assert_eq!(c.recv().await["reason"], "Malformed method invocation");
        // Unknown methods: Meteor's 404.
        let r = c.call("noSuchMethod", json!([])).await;
        assert_eq!(
            r["error"],
            json!({"isClientSafe": true, "error": 404, "reason": "Method 'noSuchMethod' not found",
                   "message": "Method 'noSuchMethod' not found [404]", "errorType": "Meteor.Error"})
        );
        // Unknown publications, and `unsub` is always answered.
        let n = c.sub("no-such-publication", json!([])).await;
        assert_eq!(n["msg"], "nosub");
        assert_eq!(n["error"]["error"], 404);
        assert_eq!(
            c.sub("meteor.loginServiceConfiguration", json!([])).await["msg"],
            "ready"
        );
        c.send(json!({"msg": "unsub", "id": "never-subscribed"}))
            .await;
        assert_eq!(
            c.recv().await,
            json!({"msg": "nosub", "id": "never-subscribed"})
        );
        // An unsupported version: `failed` with the one we speak, then the socket closes.
        let mut old = Ddp::open(&s).await;
        old.send(json!({"msg": "connect", "version": "0.9", "support": ["0.9"]}))
            .await;
        assert_eq!(old.recv().await, json!({"msg": "failed", "version": "1"}));
        assert!(old.read().await.is_none());
        // Plain HTTP on the websocket path, and SockJS's probe.
        let r = s.get("/websocket", None).await;
        assert_eq!(r.status.as_u16(), 400);
        let info = s.get("/sockjs/info", None).await;
        assert_eq!(info.body["websocket"], true);
        // The raw-websocket SockJS path speaks DDP too.
        let url = format!(
            "{}/sockjs/123/abcdefgh/websocket",
            s.base.replace("http://", "ws://")
        );
        let (mut ws, _) = connect_async(url).await.unwrap();
        let first = ws.next().await.unwrap().unwrap();
        assert_eq!(first.to_text().unwrap(), r#"{"server_id":"0"}"#);
        s.stop().await;
    }

    pub async fn ddp_login_forms_and_errors(s: TestServer) {
        let creds = s.user("lena").await;
        let mut c = Ddp::connected(&s).await;
        // The digest form (rocketchat-async, ddp-client).
        let digest = apogee_users::password::sha256_hex("lena-pw");
        let r = c
            .call(
                "login",
                json!([{"user": {"username": "lena"}, "password": {"digest": digest, "algorithm": "sha-256"}}]),
            )
            .await;
        let res = &r["result"];
        assert_eq!(res["id"], creds.user_id.as_str());
        assert_eq!(res["type"], "password");
        assert!(res["tokenExpires"]["$date"].is_i64(), "{r}");
        let ddp_token = res["token"].as_str().unwrap().to_owned();
        // The token works over REST.
        let me = s
            .get(
                "/api/v1/me",
                Some(&apogee_blackbox::Creds {
                    user_id: creds.user_id.clone(),
                    token: ddp_token,
                }),
            )
            .await
            .ok();
        assert_eq!(me["username"], "lena");
        // A REST token resumes over DDP.
        let mut r2 = Ddp::connected(&s).await;
        let r = r2.call("login", json!([{"resume": creds.token}])).await;
        assert_eq!(r["result"]["type"], "resume");
        assert_eq!(r["result"]["token"], creds.token.as_str());
        assert_eq!(r["result"]["id"], creds.user_id.as_str());
        // Email selector with a plain password (asteroid).
        let mut r3 = Ddp::connected(&s).await;
        let r = r3
            .call(
                "login",
                json!([{"user": {"email": "lena@example.com"}, "password": "lena-pw"}]),
            )
            .await;
        assert_eq!(r["result"]["id"], creds.user_id.as_str());
        // Failures in Meteor's shape.
        let mut bad = Ddp::connected(&s).await;
        let r = bad
            .call(
                "login",
                json!([{"user": {"username": "lena"}, "password": "wrong"}]),
            )
            .await;
        assert_eq!(r["error"]["error"], 403, "{r}");
        assert_eq!(r["error"]["errorType"], "Meteor.Error");
        assert_eq!(r["error"]["message"], "Incorrect password [403]");
        let r = bad.call("login", json!([{"resume": "nope"}])).await;
        assert_eq!(r["error"]["error"], 403);
        let r = bad.call("login", json!([{"ldap": true}])).await;
        assert_eq!(r["error"]["error"], 400);
        let r = bad.call("login", json!(["not an object"])).await;
        assert_eq!(r["error"]["reason"], "Match failed");
        // Methods that need a login say so.
        let r = bad.call("rooms/get", json!([])).await;
        assert_eq!(r["error"]["error"], "error-invalid-user");
        assert_eq!(r["error"]["details"]["method"], "rooms/get");
        // Logout ends the token (and the connection's login).
        let r = r2.call("logout", json!([])).await;
        assert!(r.get("result").is_none() && r.get("error").is_none(), "{r}");
        let r = r2.call("rooms/get", json!([])).await;
        assert_eq!(r["error"]["error"], "error-invalid-user");
        s.get("/api/v1/me", Some(&creds)).await.err(401);
        s.stop().await;
    }

    pub async fn ddp_messages_reach_streams(s: TestServer) {
        s.user("amy").await;
        s.user("bob").await;
        let mut a = Ddp::user(&s, "amy", "amy-pw").await;
        let mut b = Ddp::user(&s, "bob", "bob-pw").await;
        let ready = b
            .sub(
                "stream-room-messages",
                json!(["GENERAL", {"useCollection": false, "args": []}]),
            )
            .await;
        assert_eq!(ready["msg"], "ready", "{ready}");
        // sendMessage over DDP, seen by the other connection.
        let r = a
            .call(
                "sendMessage",
                json!([{"_id": "a1b2c3d4e5f6", "rid": "GENERAL", "msg": "hi @bob"}]),
            )
            .await;
        let m = &r["result"];
        assert_eq!(m["_id"], "a1b2c3d4e5f6", "{r}");
        assert!(m["ts"]["$date"].is_i64());
        assert!(m["_updatedAt"]["$date"].is_i64());
        assert_eq!(m["u"]["username"], "amy");
        assert_eq!(m["mentions"][0]["username"], "bob");
        let ev = b
            .wait_for(stream_event("stream-room-messages", "GENERAL".into()))
            .await;
        let got = &ev["fields"]["args"][0];
        assert_eq!(ev["id"], "id");
        assert_eq!(got["_id"], "a1b2c3d4e5f6");
        assert_eq!(got["msg"], "hi @bob");
        assert_eq!(got["ts"], m["ts"]);
        // A REST post reaches the stream too.
        s.post(
            "/api/v1/chat.postMessage",
            Some(&s.admin),
            json!({"roomId": "GENERAL", "text": "from rest"}),
        )
        .await
        .ok();
        let ev = b
            .wait_for(stream_event("stream-room-messages", "GENERAL".into()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["msg"], "from rest");
        assert!(ev["fields"]["args"][0]["ts"]["$date"].is_i64());
        // Edits and reactions arrive as the full updated message.
        let r = a
            .call(
                "updateMessage",
                json!([{"_id": "a1b2c3d4e5f6", "rid": "GENERAL", "msg": "edited"}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = b
            .wait_for(stream_event("stream-room-messages", "GENERAL".into()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["msg"], "edited");
        assert!(ev["fields"]["args"][0]["editedAt"]["$date"].is_i64());
        let r = b
            .call("setReaction", json!([":thumbsup:", "a1b2c3d4e5f6"]))
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = b
            .wait_for(stream_event("stream-room-messages", "GENERAL".into()))
            .await;
        assert_eq!(
            ev["fields"]["args"][0]["reactions"][":thumbsup:"]["usernames"],
            json!(["bob"])
        );
        // Reads through methods.
        let r = b.call("getSingleMessage", json!(["a1b2c3d4e5f6"])).await;
        assert_eq!(r["result"]["msg"], "edited");
        let r = b
            .call("loadHistory", json!(["GENERAL", null, 2, null]))
            .await;
        let msgs = r["result"]["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 2, "{r}");
        assert_eq!(msgs[0]["msg"], "from rest");
        assert!(msgs[0]["ts"]["$date"].as_i64() >= msgs[1]["ts"]["$date"].as_i64());
        // Deletion: `<rid>/deleteMessage` on stream-notify-room.
        let ready = b
            .sub(
                "stream-notify-room",
                json!(["GENERAL/deleteMessage", false]),
            )
            .await;
        assert_eq!(ready["msg"], "ready");
        let r = a
            .call("deleteMessage", json!([{"_id": "a1b2c3d4e5f6"}]))
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = b
            .wait_for(stream_event(
                "stream-notify-room",
                "GENERAL/deleteMessage".into(),
            ))
            .await;
        assert_eq!(ev["fields"]["args"], json!([{"_id": "a1b2c3d4e5f6"}]));
        // Errors from the domain keep their codes.
        let r = a
            .call("sendMessage", json!([{"rid": "NOWHERE", "msg": "x"}]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-room");
        assert_eq!(r["error"]["message"], "Invalid room [error-invalid-room]");
        let r = a.call("sendMessage", json!([{"msg": "no rid"}])).await;
        assert_eq!(r["error"]["error"], 400);
        // `unsub` stops delivery.
        let id = ready_id(&ready);
        b.send(json!({"msg": "unsub", "id": id})).await;
        b.wait_for(|v| v["msg"] == "nosub" && v["id"] == id.as_str())
            .await;
        s.stop().await;
    }

    fn ready_id(ready: &Value) -> String {
        ready["subs"][0].as_str().unwrap().to_owned()
    }

    pub async fn ddp_typing_is_relayed_not_echoed(s: TestServer) {
        s.user("tim").await;
        s.user("tom").await;
        let mut a = Ddp::user(&s, "tim", "tim-pw").await;
        let mut b = Ddp::user(&s, "tom", "tom-pw").await;
        for c in [&mut a, &mut b] {
            let r = c
                .sub(
                    "stream-notify-room",
                    json!(["GENERAL/user-activity", false]),
                )
                .await;
            assert_eq!(r["msg"], "ready");
        }
        let r = b
            .sub("stream-notify-room", json!(["GENERAL/typing", false]))
            .await;
        assert_eq!(r["msg"], "ready");
        let r = a
            .call(
                "stream-notify-room",
                json!(["GENERAL/user-activity", "tim", ["user-typing"], {}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = b
            .wait_for(stream_event(
                "stream-notify-room",
                "GENERAL/user-activity".into(),
            ))
            .await;
        assert_eq!(ev["fields"]["args"], json!(["tim", ["user-typing"], {}]));
        let ev = b
            .wait_for(stream_event("stream-notify-room", "GENERAL/typing".into()))
            .await;
        assert_eq!(ev["fields"]["args"], json!(["tim", true]));
        // Never echoed to the sender; someone else's name is refused.
        let echoed = a
            .collect(300, |v| v["collection"] == "stream-notify-room")
            .await;
        assert!(echoed.is_empty(), "{echoed:?}");
        let r = a
            .call(
                "stream-notify-room",
                json!(["GENERAL/user-activity", "tom", ["user-typing"], {}]),
            )
            .await;
        assert_eq!(r["error"]["error"], "error-not-allowed");
        s.stop().await;
    }

    pub async fn ddp_private_rooms_and_user_streams(s: TestServer) {
        let owner = s.user("olga").await;
        let outsider = s.user("oscar").await;
        let gid = s
            .post(
                "/api/v1/groups.create",
                Some(&owner),
                json!({"name": "secret-plans"}),
            )
            .await
            .ok()["group"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut o = Ddp::user(&s, "oscar", "oscar-pw").await;
        let n = o.sub("stream-room-messages", json!([gid, false])).await;
        assert_eq!(n["msg"], "nosub", "{n}");
        assert_eq!(
            n["error"],
            json!({"isClientSafe": true, "error": "not-allowed", "reason": "Not allowed",
                   "message": "Not allowed [not-allowed]", "errorType": "Meteor.Error"})
        );
        let n = o
            .sub(
                "stream-notify-user",
                json!([format!("{}/rooms-changed", owner.user_id), false]),
            )
            .await;
        assert_eq!(n["msg"], "nosub");
        // Anonymous connections get no room streams.
        let mut anon = Ddp::connected(&s).await;
        assert_eq!(
            anon.sub("stream-room-messages", json!(["GENERAL", false]))
                .await["msg"],
            "nosub"
        );
        // With `true`, the streamer's compat `added` frame comes before `ready`.
        let mut m = Ddp::user(&s, "olga", "olga-pw").await;
        m.send(json!({"msg": "sub", "id": "c1", "name": "stream-room-messages", "params": [gid, true]}))
            .await;
        m.stash.clear();
        assert_eq!(
            m.recv().await,
            json!({"msg": "added", "collection": "stream-room-messages", "id": "id", "fields": {"eventName": gid}})
        );
        assert_eq!(m.recv().await, json!({"msg": "ready", "subs": ["c1"]}));
        // The member's own notify-user streams: subscription and room changes.
        for ev in ["subscriptions-changed", "rooms-changed"] {
            let r = m
                .sub(
                    "stream-notify-user",
                    json!([format!("{}/{ev}", owner.user_id), false]),
                )
                .await;
            assert_eq!(r["msg"], "ready");
        }
        s.post(
            "/api/v1/groups.invite",
            Some(&owner),
            json!({"roomId": gid, "userId": outsider.user_id}),
        )
        .await
        .ok();
        let r = o
            .call("sendMessage", json!([{"rid": gid, "msg": "hello olga"}]))
            .await;
        assert!(r.get("error").is_none(), "{r}");
        // The invitation's `au` system message comes first, like any message.
        let ev = m
            .wait_for(stream_event("stream-room-messages", gid.clone()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["t"], "au");
        let ev = m
            .wait_for(stream_event("stream-room-messages", gid.clone()))
            .await;
        assert_eq!(ev["fields"]["args"][0]["msg"], "hello olga");
        let ev = m
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{}/rooms-changed", owner.user_id),
            ))
            .await;
        assert_eq!(ev["fields"]["args"][0], "updated");
        assert_eq!(ev["fields"]["args"][1]["_id"], gid.as_str());
        assert!(ev["fields"]["args"][1]["lm"]["$date"].is_i64(), "{ev}");
        let r = m.call("readMessages", json!([gid])).await;
        assert!(r.get("error").is_none(), "{r}");
        // (The post itself updated the owner's subscription too: unread 2; the read sets it to 0.)
        let changed = stream_event(
            "stream-notify-user",
            format!("{}/subscriptions-changed", owner.user_id),
        );
        let ev = m
            .wait_for(|v| changed(v) && v["fields"]["args"][1]["unread"] == 0)
            .await;
        assert_eq!(ev["fields"]["args"][0], "updated");
        assert_eq!(ev["fields"]["args"][1]["rid"], gid.as_str());
        assert_eq!(ev["fields"]["args"][1]["unread"], 0);
        // Now a member, the outsider may listen...
        assert_eq!(
            o.sub("stream-room-messages", json!([gid, false])).await["msg"],
            "ready"
        );
        // ...until removed from the room: delivery to them stops.
        s.post(
            "/api/v1/groups.kick",
            Some(&owner),
            json!({"roomId": gid, "userId": outsider.user_id}),
        )
        .await
        .ok();
        let r = m
            .call(
                "sendMessage",
                json!([{"rid": gid, "msg": "after the kick"}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        m.wait_for(|v| v["fields"]["args"][0]["msg"] == "after the kick")
            .await;
        let leaked = o
            .collect(300, |v| v["fields"]["args"][0]["msg"] == "after the kick")
            .await;
        assert!(leaked.is_empty(), "{leaked:?}");
        s.stop().await;
    }

    pub async fn ddp_room_and_workspace_methods(s: TestServer) {
        let u = s.user("rita").await;
        let mut c = Ddp::user(&s, "rita", "rita-pw").await;
        let r = c.call("rooms/get", json!([])).await;
        let rooms = r["result"].as_array().unwrap();
        assert!(
            rooms.iter().any(|r| r["_id"] == "GENERAL" && r["t"] == "c"),
            "{r}"
        );
        let r = c.call("rooms/get", json!([{"$date": 0}])).await;
        assert!(r["result"]["update"].is_array(), "{r}");
        assert!(r["result"]["remove"].is_array());
        let r = c.call("subscriptions/get", json!([])).await;
        let subs = r["result"].as_array().unwrap();
        let general = subs.iter().find(|s| s["rid"] == "GENERAL").unwrap();
        assert_eq!(general["u"]["_id"], u.user_id.as_str());
        assert!(general["ts"]["$date"].is_i64());
        assert!(general["_updatedAt"]["$date"].is_i64());
        let r = c.call("subscriptions/get", json!([{"$date": 0}])).await;
        assert!(r["result"]["update"].is_array(), "{r}");
        let r = c.call("getRoomIdByNameOrId", json!(["general"])).await;
        assert_eq!(r["result"], "GENERAL");
        let r = c.call("getRoomIdByNameOrId", json!(["GENERAL"])).await;
        assert_eq!(r["result"], "GENERAL");
        let r = c.call("getRoomNameById", json!(["GENERAL"])).await;
        assert_eq!(r["result"], "general");
        let r = c.call("canAccessRoom", json!(["GENERAL", u.user_id])).await;
        assert_eq!(r["result"]["_id"], "GENERAL");
        assert_eq!(r["result"]["username"], "rita");
        let r = c.call("getRoomRoles", json!(["GENERAL"])).await;
        assert!(r["result"].is_array(), "{r}");
        let r = c.call("public-settings/get", json!([])).await;
        let settings = r["result"].as_array().unwrap();
        assert!(settings.iter().any(|s| s["_id"] == "Site_Name"), "{r}");
        let r = c.call("permissions/get", json!([])).await;
        let perms = r["result"].as_array().unwrap();
        let p = perms.iter().find(|p| p["_id"] == "create-c").unwrap();
        assert!(p["_updatedAt"]["$date"].is_i64());
        let r = c
            .call(
                "spotlight",
                json!(["rit", [], {"users": true, "rooms": true}]),
            )
            .await;
        assert_eq!(r["result"]["users"][0]["username"], "rita", "{r}");
        let r = c
            .call(
                "spotlight",
                json!(["gener", [], {"users": false, "rooms": true}]),
            )
            .await;
        assert_eq!(r["result"]["rooms"][0]["_id"], "GENERAL", "{r}");
        let r = c.call("readMessages", json!(["GENERAL"])).await;
        assert!(r.get("error").is_none(), "{r}");
        s.stop().await;
    }

    pub async fn ddp_my_messages_and_room_methods(s: TestServer) {
        let bot = s.user("botty").await;
        s.user("carl").await;
        let mut b = Ddp::user(&s, "botty", "botty-pw").await;
        let mut c = Ddp::user(&s, "carl", "carl-pw").await;
        // @rocket.chat/sdk 0.2.9: `__my_messages__` with `true`, so the compat `added` comes first.
        b.stash.clear();
        b.send(
            json!({"msg": "sub", "id": "my", "name": "stream-room-messages",
                      "params": ["__my_messages__", true]}),
        )
        .await;
        assert_eq!(
            b.recv().await,
            json!({"msg": "added", "collection": "stream-room-messages", "id": "id",
                   "fields": {"eventName": "__my_messages__"}})
        );
        assert_eq!(b.recv().await, json!({"msg": "ready", "subs": ["my"]}));
        c.call(
            "sendMessage",
            json!([{"rid": "GENERAL", "msg": "hello bots"}]),
        )
        .await;
        let ev = b
            .wait_for(stream_event(
                "stream-room-messages",
                "__my_messages__".into(),
            ))
            .await;
        assert_eq!(ev["fields"]["args"][0]["msg"], "hello bots");
        assert_eq!(
            ev["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "c", "roomName": "general"})
        );
        // A room the bot is not in stays silent; a room it is created into does not.
        let r = c
            .call("createPrivateGroup", json!(["carls-corner", []]))
            .await;
        let corner = r["result"]["rid"].as_str().unwrap().to_owned();
        assert_eq!(r["result"]["t"], "p", "{r}");
        c.call("sendMessage", json!([{"rid": corner, "msg": "private"}]))
            .await;
        let r = c
            .call(
                "createChannel",
                json!(["bots-welcome", ["botty"], false, {}, {}]),
            )
            .await;
        let welcome = r["result"]["rid"].as_str().unwrap().to_owned();
        assert_eq!(r["result"]["inserted"], true, "{r}");
        c.call(
            "sendMessage",
            json!([{"rid": welcome, "msg": "welcome botty"}]),
        )
        .await;
        let ev = b
            .wait_for(|v| {
                v["fields"]["eventName"] == "__my_messages__"
                    && v["fields"]["args"][0]["msg"] == "welcome botty"
            })
            .await;
        assert_eq!(ev["fields"]["args"][1]["roomName"], "bots-welcome");
        let leaked = b
            .collect(300, |v| v["fields"]["args"][0]["rid"] == corner.as_str())
            .await;
        assert!(leaked.is_empty(), "{leaked:?}");
        // Direct messages: `roomType` `d` and no `roomName`.
        let r = c.call("createDirectMessage", json!(["botty"])).await;
        let dm = r["result"]["rid"].as_str().unwrap().to_owned();
        assert!(dm.contains(&bot.user_id), "{r}");
        c.call("sendMessage", json!([{"rid": dm, "msg": "psst"}]))
            .await;
        let ev = b
            .wait_for(|v| {
                v["fields"]["eventName"] == "__my_messages__"
                    && v["fields"]["args"][0]["msg"] == "psst"
            })
            .await;
        assert_eq!(
            ev["fields"]["args"][1],
            json!({"roomParticipant": true, "roomType": "d"})
        );
        // Pins, stars, favorites, status.
        let r = c
            .call(
                "sendMessage",
                json!([{"_id": "pinme", "rid": welcome, "msg": "pin me"}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let r = c.call("pinMessage", json!([{"_id": "pinme"}])).await;
        assert_eq!(r["result"]["t"], "message_pinned", "{r}");
        let r = b
            .call(
                "starMessage",
                json!([{"_id": "pinme", "rid": welcome, "starred": true}]),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let r = b.call("toggleFavorite", json!([welcome, true])).await;
        assert!(r.get("error").is_none(), "{r}");
        let r = b.call("subscriptions/get", json!([])).await;
        let sub = r["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rid"] == welcome.as_str())
            .cloned()
            .unwrap();
        assert_eq!(sub["f"], true);
        let r = b
            .call("UserPresence:setDefaultStatus", json!(["busy"]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        let info = s
            .get(
                &format!("/api/v1/users.info?userId={}", bot.user_id),
                Some(&bot),
            )
            .await
            .ok();
        assert_eq!(info["user"]["status"], "busy");
        s.stop().await;
    }

    pub async fn ddp_methods_over_rest(s: TestServer) {
        let u = s.user("remy").await;
        let frame = |method: &str, params: Value| json!({"message": json!({"msg": "method", "id": "7", "method": method, "params": params}).to_string()});
        let b = s
            .post(
                "/api/v1/method.call/getRoomNameById",
                Some(&u),
                frame("getRoomNameById", json!(["GENERAL"])),
            )
            .await
            .ok();
        let inner: Value = serde_json::from_str(b["message"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner,
            json!({"msg": "result", "id": "7", "result": "general"})
        );
        // Method errors travel inside the result, with a 200.
        let b = s
            .post(
                "/api/v1/method.call/noSuchMethod",
                Some(&u),
                frame("noSuchMethod", json!([])),
            )
            .await
            .ok();
        let inner: Value = serde_json::from_str(b["message"].as_str().unwrap()).unwrap();
        assert_eq!(inner["error"]["error"], 404);
        // A login is required, except on callAnon (the mobile app logs in through it).
        let r = s
            .post(
                "/api/v1/method.call/getRoomNameById",
                None,
                frame("getRoomNameById", json!(["GENERAL"])),
            )
            .await;
        assert_eq!(r.status.as_u16(), 401);
        let b = s
            .post(
                "/api/v1/method.callAnon/login",
                None,
                frame(
                    "login",
                    json!([{"user": {"username": "remy"}, "password": "remy-pw"}]),
                ),
            )
            .await
            .ok();
        let inner: Value = serde_json::from_str(b["message"].as_str().unwrap()).unwrap();
        assert_eq!(inner["result"]["id"], u.user_id.as_str(), "{inner}");
        assert_eq!(inner["result"]["type"], "password");
        s.stop().await;
    }

    pub async fn ddp_slow_client_is_cut_off(s: TestServer) {
        s.user("fast").await;
        s.user("slow").await;
        let mut fast = Ddp::user(&s, "fast", "fast-pw").await;
        let mut slow = Ddp::user(&s, "slow", "slow-pw").await;
        assert_eq!(
            fast.sub("stream-room-messages", json!(["GENERAL", false]))
                .await["msg"],
            "ready"
        );
        // The slow client listens many times over (duplicates are allowed, as in Rocket.Chat)
        // and then stops reading.
        for _ in 0..200 {
            assert_eq!(
                slow.sub("stream-room-messages", json!(["GENERAL", false]))
                    .await["msg"],
                "ready"
            );
        }
        let text = "x".repeat(4000);
        let started = std::time::Instant::now();
        for i in 0..40 {
            s.post(
                "/api/v1/chat.postMessage",
                Some(&s.admin),
                json!({"roomId": "GENERAL", "text": format!("{i} {text}")}),
            )
            .await
            .ok();
        }
        // Publishing never waited for the slow reader.
        assert!(started.elapsed() < Duration::from_secs(30));
        // The fast client got every message.
        let mut seen = 0;
        while seen < 40 {
            fast.wait_for(stream_event("stream-room-messages", "GENERAL".into()))
                .await;
            seen += 1;
        }
        // The slow one was disconnected: draining its socket ends.
        let drained = tokio::time::timeout(Duration::from_secs(20), async {
            let mut frames = 0usize;
            while let Some(Ok(_)) = slow.ws.next().await {
                frames += 1;
            }
            frames
        })
        .await
        .expect("the slow client was never disconnected");
        assert!(drained < 40 * 200, "got all {drained} frames: not cut off");
        // And the fast one is still fine.
        let r = fast.call("getRoomNameById", json!(["GENERAL"])).await;
        assert_eq!(r["result"], "general");
        s.stop().await;
    }
}

db_tests!(
    ddp_protocol_basics,
    ddp_login_forms_and_errors,
    ddp_messages_reach_streams,
    ddp_typing_is_relayed_not_echoed,
    ddp_private_rooms_and_user_streams,
    ddp_room_and_workspace_methods,
    ddp_my_messages_and_room_methods,
    ddp_methods_over_rest,
    ddp_slow_client_is_cut_off,
);
