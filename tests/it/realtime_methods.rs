//! The DDP methods of api.md §7.5 beyond the basics in `realtime.rs`, each checked against what its
//! REST twin shows.

use crate::ddp::{Ddp, stream_event};
use apogee_blackbox::{ADMIN, ADMIN_PASS, TestServer, db_tests};
use serde_json::{Value, json};

fn no_error(r: &Value) {
    assert!(r.get("error").is_none(), "{r}");
}

mod bodies {
    use super::*;

    pub async fn ddp_history_windows(s: TestServer) {
        s.user("hal").await;
        let mut h = Ddp::user(&s, "hal", "hal-pw").await;
        let r = h.call("createChannel", json!(["hist", []])).await;
        no_error(&r);
        let rid = r["result"]["rid"].as_str().unwrap().to_owned();
        let mut ts = Vec::new();
        for i in 0..7 {
            let r = h
                .call("sendMessage", json!([{"rid": rid, "msg": format!("m{i}")}]))
                .await;
            no_error(&r);
            ts.push(r["result"]["ts"].clone());
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        // loadNextMessages: after a date, oldest first, limited.
        let r = h.call("loadNextMessages", json!([rid, ts[2], 3])).await;
        let msgs: Vec<&str> = r["result"]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert_eq!(msgs, ["m3", "m4", "m5"], "{r}");
        // loadSurroundingMessages: older (newest first), the message, newer (oldest first).
        let mid = h.call("loadHistory", json!([rid, null, 7, null])).await["result"]["messages"][3]
            ["_id"]
            .clone();
        let r = h
            .call(
                "loadSurroundingMessages",
                json!([{"_id": mid, "rid": rid}, 4]),
            )
            .await;
        let msgs: Vec<&str> = r["result"]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert_eq!(msgs, ["m2", "m1", "m3", "m4", "m5"], "{r}");
        assert_eq!(r["result"]["moreBefore"], true);
        assert_eq!(r["result"]["moreAfter"], true);
        // No access: false.
        s.user("out").await;
        let mut o = Ddp::user(&s, "out", "out-pw").await;
        let r = h.call("createPrivateGroup", json!(["secret", []])).await;
        let gid = r["result"]["rid"].as_str().unwrap().to_owned();
        assert_eq!(
            o.call("loadNextMessages", json!([gid, null, 5])).await["result"],
            false
        );
        let r = o
            .call("loadNextMessages", json!([gid, "yesterday", 5]))
            .await;
        assert_eq!(r["error"]["error"], 400, "{r}");
        // Threads.
        let root = h
            .call("sendMessage", json!([{"rid": rid, "msg": "root"}]))
            .await["result"]["_id"]
            .clone();
        h.call(
            "sendMessage",
            json!([{"rid": rid, "msg": "reply", "tmid": root}]),
        )
        .await;
        let r = h.call("getThreadMessages", json!([{"tmid": root}])).await;
        assert_eq!(r["result"][0]["msg"], "reply", "{r}");
        // unreadMessages, then the subscription shows it.
        let mut adm = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        no_error(&adm.call("joinRoom", json!([rid])).await);
        no_error(&adm.call("readMessages", json!([rid])).await);
        no_error(&adm.call("unreadMessages", json!([null, rid])).await);
        let subs = adm.call("subscriptions/get", json!([])).await;
        let sub = subs["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rid"] == rid.as_str())
            .cloned()
            .unwrap();
        assert_eq!(sub["alert"], true, "{sub}");
        // cleanRoomHistory removes through rooms.cleanHistory's rules.
        // (An admin's permission.)
        let r = h
            .call(
                "cleanRoomHistory",
                json!([{"roomId": rid, "latest": {"$date": 4_102_444_800_000_i64},
                        "oldest": {"$date": 0}}]),
            )
            .await;
        assert_eq!(r["error"]["error"], "error-not-allowed", "{r}");
        let r = adm
            .call(
                "cleanRoomHistory",
                json!([{"roomId": rid, "latest": {"$date": 4_102_444_800_000_i64},
                        "oldest": {"$date": 0}}]),
            )
            .await;
        no_error(&r);
        assert!(r["result"].as_u64().unwrap() >= 7, "{r}");
        s.stop().await;
    }

    pub async fn ddp_room_admin_methods(s: TestServer) {
        s.user("ida").await;
        s.user("joe").await;
        let mut i = Ddp::user(&s, "ida", "ida-pw").await;
        let r = i.call("createPrivateGroup", json!(["crew", []])).await;
        let rid = r["result"]["rid"].as_str().unwrap().to_owned();
        // addUsersToRoom, then getUsersOfRoom (like groups.members).
        let r = i
            .call("addUsersToRoom", json!([{"rid": rid, "users": ["joe"]}]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        let r = i.call("getUsersOfRoom", json!([rid, true])).await;
        assert_eq!(r["result"]["total"], 2, "{r}");
        let names: Vec<&str> = r["result"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"joe") && names.contains(&"ida"), "{r}");
        let r = i
            .call(
                "getUsersOfRoom",
                json!([rid, true, {"limit": 1, "skip": 0}, "jo"]),
            )
            .await;
        assert_eq!(r["result"]["total"], 1, "{r}");
        assert_eq!(r["result"]["records"][0]["username"], "joe");
        // getRoomByTypeAndName.
        let r = i.call("getRoomByTypeAndName", json!(["p", "crew"])).await;
        assert_eq!(r["result"]["_id"], rid.as_str(), "{r}");
        // saveRoomSettings, one key or several; REST shows the change.
        let r = i
            .call("saveRoomSettings", json!([rid, "roomTopic", "plans"]))
            .await;
        assert_eq!(r["result"], json!({"result": true, "rid": rid}), "{r}");
        let r = i
            .call(
                "saveRoomSettings",
                json!([rid, {"roomDescription": "the crew", "roomAnnouncement": "hi"}]),
            )
            .await;
        no_error(&r);
        let ida = s.login("ida", "ida-pw").await;
        let info = s
            .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&ida))
            .await
            .ok();
        assert_eq!(info["group"]["topic"], "plans", "{info}");
        assert_eq!(info["group"]["description"], "the crew");
        let r = i.call("saveRoomSettings", json!([rid, "bogus", 1])).await;
        assert_eq!(r["error"]["error"], "error-invalid-settings", "{r}");
        // mute / unmute.
        let r = i
            .call("muteUserInRoom", json!([{"rid": rid, "username": "joe"}]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        let mut j = Ddp::user(&s, "joe", "joe-pw").await;
        let r = j
            .call("sendMessage", json!([{"rid": rid, "msg": "x"}]))
            .await;
        assert_eq!(r["error"]["error"], "error-user-muted", "{r}");
        i.call("unmuteUserInRoom", json!([{"rid": rid, "username": "joe"}]))
            .await;
        no_error(
            &j.call("sendMessage", json!([{"rid": rid, "msg": "x"}]))
                .await,
        );
        // A member without the permission may not erase; the owner may.
        let r = j.call("eraseRoom", json!([rid])).await;
        assert!(r["error"].is_object(), "{r}");
        assert_eq!(i.call("eraseRoom", json!([rid])).await["result"], true);
        let gone = s
            .get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&ida))
            .await;
        assert!(!gone.status.is_success());
        s.stop().await;
    }

    pub async fn ddp_account_methods(s: TestServer) {
        // registerUser (registration is open in test mode), then a login works.
        let mut anon = Ddp::connected(&s).await;
        let r = anon
            .call(
                "registerUser",
                json!([{"email": "kim@example.com", "pass": "kim-pw", "name": "Kim",
                        "username": "kim"}]),
            )
            .await;
        let kid = r["result"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_owned();
        let mut k = Ddp::user(&s, "kim", "kim-pw").await;
        let r = anon
            .call(
                "registerUser",
                json!([{"email": "kim@example.com", "pass": "x", "name": "K", "username": "kim2"}]),
            )
            .await;
        assert!(r["error"].is_object(), "{r}");
        // saveUserPreferences, seen by users.getPreferences.
        let r = k
            .call(
                "saveUserPreferences",
                json!([{"emailNotificationMode": "nothing"}]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        let kc = s.login("kim", "kim-pw").await;
        let p = s.get("/api/v1/users.getPreferences", Some(&kc)).await.ok();
        assert_eq!(p["preferences"]["emailNotificationMode"], "nothing", "{p}");
        // saveUserProfile (like users.updateOwnBasicInfo), announced as Users:NameChanged.
        let mut w = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        assert_eq!(
            w.sub("stream-notify-logged", json!(["Users:NameChanged", false]))
                .await["msg"],
            "ready"
        );
        let r = k
            .call(
                "saveUserProfile",
                json!([{"realname": "Kim Two", "bio": "hi"}, {}]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        let me = s.get("/api/v1/me", Some(&kc)).await.ok();
        assert_eq!(me["name"], "Kim Two", "{me}");
        let ev = w
            .wait_for(stream_event(
                "stream-notify-logged",
                "Users:NameChanged".into(),
            ))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"_id": kid, "name": "Kim Two", "username": "kim"}])
        );
        let r = k.call("saveUserProfile", json!([{"realname": 5}])).await;
        assert_eq!(r["error"]["error"], 400, "{r}");
        let r = k.call("getReadReceipts", json!([{"messageId": "x"}])).await;
        assert_eq!(r["error"]["error"], "error-action-not-allowed", "{r}");
        // private-settings/get: everything for an admin, nothing for others.
        let mut a = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        let r = a.call("private-settings/get", json!([])).await;
        let all = r["result"].as_array().unwrap();
        assert!(all.iter().any(|x| x["_id"] == "API_Default_Count"), "{r}");
        let r = k.call("private-settings/get", json!([])).await;
        assert_eq!(r["result"], json!([]));
        // stream-notify-user: a call (webrtc) reaches the callee's listeners, not the caller.
        let ev = format!("{kid}/webrtc");
        assert_eq!(
            k.sub("stream-notify-user", json!([ev, false])).await["msg"],
            "ready"
        );
        let r = a
            .call("stream-notify-user", json!([ev, "call", {"from": "admin"}]))
            .await;
        no_error(&r);
        let got = k
            .wait_for(stream_event("stream-notify-user", ev.clone()))
            .await;
        assert_eq!(got["fields"]["args"], json!(["call", {"from": "admin"}]));
        // Others' private events cannot be written.
        let r = a
            .call(
                "stream-notify-user",
                json!([format!("{kid}/notification"), {}]),
            )
            .await;
        assert_eq!(r["error"]["error"], "error-not-allowed", "{r}");
        s.stop().await;
    }
}

db_tests!(
    ddp_history_windows,
    ddp_room_admin_methods,
    ddp_account_methods
);
