//! Per-room notification preferences (`rooms.saveNotification`, `saveNotificationSettings`),
//! blocking in direct messages (`blockUser` / `unblockUser`) and token revocation
//! (`users.removeOtherTokens`, `removeOtherTokens`, `users.logout`, deactivation), each over REST
//! and DDP, with the frames a connected client sees.

use crate::ddp::{Ddp, stream_event};
use apogee_blackbox::{Creds, TestServer, db_tests};
use serde_json::{Value, json};

/// A `subscriptions-changed` `updated` event of `uid` for room `rid` whose subscription matches.
fn sub_changed(uid: &str, rid: &str, pred: impl Fn(&Value) -> bool) -> impl Fn(&Value) -> bool {
    let is = stream_event("stream-notify-user", format!("{uid}/subscriptions-changed"));
    let rid = rid.to_owned();
    move |v: &Value| {
        let s = &v["fields"]["args"][1];
        is(v) && v["fields"]["args"][0] == "updated" && s["rid"] == rid.as_str() && pred(s)
    }
}

async fn post(s: &TestServer, who: &Creds, rid: &str, text: &str) {
    s.post(
        "/api/v1/chat.postMessage",
        Some(who),
        json!({"roomId": rid, "text": text}),
    )
    .await
    .ok();
}

/// The `<uid>/notification` events for messages with this text arriving within a short while.
async fn notes_for(c: &mut Ddp, uid: &str, rid: &str, text: &str) -> usize {
    // The message itself arrives first on the room's stream; notifications follow it.
    let on_room = stream_event("stream-room-messages", rid.to_owned());
    let t = text.to_owned();
    c.wait_for(move |v| on_room(v) && v["fields"]["args"][0]["msg"] == t.as_str())
        .await;
    let is = stream_event("stream-notify-user", format!("{uid}/notification"));
    let t = text.to_owned();
    c.collect(400, move |v| {
        is(v) && v["fields"]["args"][0]["payload"]["message"]["msg"] == t.as_str()
    })
    .await
    .len()
}

async fn sub_of(s: &TestServer, who: &Creds, rid: &str) -> Value {
    let b = s
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
            Some(who),
        )
        .await
        .ok();
    b["subscription"].clone()
}

/// Reads until the server closes the socket (within the client's five-second frame timeout).
async fn closed(c: &mut Ddp) -> Vec<Value> {
    let mut seen: Vec<Value> = c.stash.drain(..).collect();
    while let Some(v) = c.read().await {
        seen.push(v);
    }
    seen
}

mod bodies {
    use super::*;

    pub async fn notification_prefs_rest_and_ddp(s: TestServer) {
        let amy = s.user("amy").await;
        let bob = s.user("bob").await;
        s.user("cat").await;
        let cat = s.login("cat", "cat-pw").await;
        let r = s
            .post(
                "/api/v1/channels.create",
                Some(&amy),
                json!({"name": "prefs1", "members": ["bob"]}),
            )
            .await
            .ok();
        let rid = r["channel"]["_id"].as_str().unwrap().to_owned();
        let b_id = bob.user_id.clone();
        let mut b = Ddp::user(&s, "bob", "bob-pw").await;
        b.listen("stream-room-messages", &rid).await;
        b.listen("stream-notify-user", &format!("{b_id}/rooms-changed"))
            .await;
        b.listen(
            "stream-notify-user",
            &format!("{b_id}/subscriptions-changed"),
        )
        .await;
        b.listen("stream-notify-user", &format!("{b_id}/notification"))
            .await;

        // Nothing chosen: a plain channel message does not notify, a mention does.
        post(&s, &amy, &rid, "plain one").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "plain one").await, 0);
        post(&s, &amy, &rid, "hey @bob").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "hey @bob").await, 1);

        // REST: desktop "all" (with a sound); the subscription shows it, and says so live.
        s.post(
            "/api/v1/rooms.saveNotification",
            Some(&bob),
            json!({"roomId": rid, "notifications": {
                "desktopNotifications": "all", "audioNotificationValue": "beep",
                "hideUnreadStatus": "1"}}),
        )
        .await
        .ok();
        let ev = b
            .wait_for(sub_changed(&b_id, &rid, |s| {
                s["desktopNotifications"] == "all"
            }))
            .await;
        let doc = &ev["fields"]["args"][1];
        assert_eq!(doc["desktopPrefOrigin"], "subscription", "{ev}");
        assert_eq!(doc["audioNotificationValue"], "beep", "{ev}");
        assert_eq!(doc["hideUnreadStatus"], true, "{ev}");
        let sub = sub_of(&s, &bob, &rid).await;
        assert_eq!(sub["desktopNotifications"], "all", "{sub}");
        assert_eq!(sub["desktopPrefOrigin"], "subscription", "{sub}");
        assert_eq!(sub["hideUnreadStatus"], true, "{sub}");
        post(&s, &amy, &rid, "plain two").await;
        let is = stream_event("stream-room-messages", rid.clone());
        b.wait_for(move |v| is(v) && v["fields"]["args"][0]["msg"] == "plain two")
            .await;
        let ev = b
            .wait_for(stream_event(
                "stream-notify-user",
                format!("{b_id}/notification"),
            ))
            .await;
        let n = &ev["fields"]["args"][0];
        assert_eq!(n["payload"]["message"]["msg"], "plain two", "{ev}");
        assert_eq!(n["payload"]["audioNotificationValue"], "beep", "{ev}");

        // DDP: desktop "nothing"; even a mention is silent. The method answers true.
        let r = b
            .call(
                "saveNotificationSettings",
                json!([rid, "desktopNotifications", "nothing"]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        b.wait_for(sub_changed(&b_id, &rid, |s| {
            s["desktopNotifications"] == "nothing"
        }))
        .await;
        post(&s, &amy, &rid, "again @bob").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "again @bob").await, 0);

        // "default" without a user preference clears the field (Rocket.Chat unsets it).
        let r = b
            .call(
                "saveNotificationSettings",
                json!([rid, "desktopNotifications", "default"]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        b.wait_for(sub_changed(&b_id, &rid, |s| {
            s.get("desktopNotifications").is_none() && s.get("desktopPrefOrigin").is_none()
        }))
        .await;

        // muteGroupMentions: @all is silent, a mention by name is not.
        let r = b
            .call(
                "saveNotificationSettings",
                json!([rid, "muteGroupMentions", "1"]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        b.wait_for(sub_changed(&b_id, &rid, |s| s["muteGroupMentions"] == true))
            .await;
        post(&s, &amy, &rid, "news @all").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "news @all").await, 0);
        post(&s, &amy, &rid, "news @all and @bob").await;
        assert_eq!(
            notes_for(&mut b, &b_id, &rid, "news @all and @bob").await,
            1
        );

        // The user's own preference applies where the room says "default".
        s.post(
            "/api/v1/users.setPreferences",
            Some(&bob),
            json!({"data": {"desktopNotifications": "all"}}),
        )
        .await
        .ok();
        post(&s, &amy, &rid, "plain three").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "plain three").await, 1);
        // ... and "default" saved now records it, marked as the user's.
        s.post(
            "/api/v1/rooms.saveNotification",
            Some(&bob),
            json!({"roomId": rid, "notifications": {"desktopNotifications": "default"}}),
        )
        .await
        .ok();
        let sub = sub_of(&s, &bob, &rid).await;
        assert_eq!(sub["desktopNotifications"], "all", "{sub}");
        assert_eq!(sub["desktopPrefOrigin"], "user", "{sub}");

        // disableNotifications: nothing notifies, not even a mention (boolean accepted too).
        s.post(
            "/api/v1/rooms.saveNotification",
            Some(&bob),
            json!({"roomId": rid, "notifications": {"disableNotifications": true}}),
        )
        .await
        .ok();
        b.wait_for(sub_changed(&b_id, &rid, |s| {
            s["disableNotifications"] == true
        }))
        .await;
        post(&s, &amy, &rid, "last @bob").await;
        assert_eq!(notes_for(&mut b, &b_id, &rid, "last @bob").await, 0);

        // Direct messages: "nothing" silences the DM too.
        let dm = s
            .post("/api/v1/dm.create", Some(&amy), json!({"username": "bob"}))
            .await
            .ok();
        let dm_rid = dm["room"]["_id"].as_str().unwrap().to_owned();
        let mut b2 = Ddp::user(&s, "bob", "bob-pw").await;
        b2.listen("stream-room-messages", &dm_rid).await;
        b2.listen("stream-notify-user", &format!("{b_id}/notification"))
            .await;
        post(&s, &amy, &dm_rid, "dm one").await;
        assert_eq!(notes_for(&mut b2, &b_id, &dm_rid, "dm one").await, 1);
        let r = b2
            .call(
                "saveNotificationSettings",
                json!([dm_rid, "desktopNotifications", "nothing"]),
            )
            .await;
        assert_eq!(r["result"], true, "{r}");
        post(&s, &amy, &dm_rid, "dm two").await;
        assert_eq!(notes_for(&mut b2, &b_id, &dm_rid, "dm two").await, 0);

        // Errors: Rocket.Chat's, never a 500.
        let e = s
            .post(
                "/api/v1/rooms.saveNotification",
                Some(&bob),
                json!({"roomId": rid, "notifications": {"colour": "red"}}),
            )
            .await
            .err_type("error-invalid-settings");
        assert_eq!(
            e["error"],
            "Invalid settings field [error-invalid-settings]"
        );
        let e = s
            .post(
                "/api/v1/rooms.saveNotification",
                Some(&bob),
                json!({"roomId": rid, "notifications": {"emailNotifications": "loud"}}),
            )
            .await
            .err_type("error-invalid-settings");
        assert_eq!(
            e["error"],
            "Invalid settings value [error-invalid-settings]"
        );
        let e = s
            .post(
                "/api/v1/rooms.saveNotification",
                Some(&bob),
                json!({"notifications": {"desktopNotifications": "all"}}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "The 'roomId' param is required");
        let e = s
            .post(
                "/api/v1/rooms.saveNotification",
                Some(&bob),
                json!({"roomId": rid, "notifications": {}}),
            )
            .await
            .err(400);
        assert_eq!(e["error"], "The 'notifications' param is required");
        // Not a member of the room: no subscription to change.
        s.post(
            "/api/v1/rooms.saveNotification",
            Some(&cat),
            json!({"roomId": rid, "notifications": {"desktopNotifications": "all"}}),
        )
        .await
        .err_type("error-invalid-subscription");
        s.post(
            "/api/v1/rooms.saveNotification",
            None,
            json!({"roomId": rid, "notifications": {"desktopNotifications": "all"}}),
        )
        .await
        .err(401);
        let r = b
            .call(
                "saveNotificationSettings",
                json!([rid, "desktopNotifications", "loud"]),
            )
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-settings", "{r}");
        let r = b
            .call("saveNotificationSettings", json!([rid, "nonsense", "1"]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-settings", "{r}");
        let r = b
            .call(
                "saveNotificationSettings",
                json!([rid, "desktopNotifications", {"x": 1}]),
            )
            .await;
        assert_eq!(r["error"]["error"], 400, "{r}");
        let r = b
            .call(
                "saveNotificationSettings",
                json!(["nowhere", "desktopNotifications", "all"]),
            )
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-subscription", "{r}");
        s.stop().await;
    }

    pub async fn block_user_in_direct_messages(s: TestServer) {
        let amy = s.user("amy").await;
        let bob = s.user("bob").await;
        let cat = s.user("cat").await;
        let dm = s
            .post("/api/v1/dm.create", Some(&amy), json!({"username": "bob"}))
            .await
            .ok();
        let rid = dm["room"]["_id"].as_str().unwrap().to_owned();
        post(&s, &amy, &rid, "before").await;
        let (a_id, b_id) = (amy.user_id.clone(), bob.user_id.clone());
        let mut a = Ddp::user(&s, "amy", "amy-pw").await;
        a.listen(
            "stream-notify-user",
            &format!("{a_id}/subscriptions-changed"),
        )
        .await;
        let mut b = Ddp::user(&s, "bob", "bob-pw").await;
        b.listen(
            "stream-notify-user",
            &format!("{b_id}/subscriptions-changed"),
        )
        .await;

        // amy blocks bob: her subscription is the blocker, his the blocked, each told live.
        let r = a
            .call("blockUser", json!([{"rid": rid, "blocked": b_id}]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        a.wait_for(sub_changed(&a_id, &rid, |s| s["blocker"] == true))
            .await;
        b.wait_for(sub_changed(&b_id, &rid, |s| s["blocked"] == true))
            .await;
        assert_eq!(sub_of(&s, &amy, &rid).await["blocker"], true);
        assert_eq!(sub_of(&s, &bob, &rid).await["blocked"], true);
        assert!(sub_of(&s, &amy, &rid).await.get("blocked").is_none());

        // Neither can post, over REST or DDP.
        for who in [&amy, &bob] {
            let e = s
                .post(
                    "/api/v1/chat.postMessage",
                    Some(who),
                    json!({"roomId": rid, "text": "blocked?"}),
                )
                .await
                .err(400);
            assert_eq!(e["error"], "room_is_blocked", "{e}");
            let e = s
                .post(
                    "/api/v1/chat.sendMessage",
                    Some(who),
                    json!({"message": {"rid": rid, "msg": "blocked?"}}),
                )
                .await
                .err(400);
            assert_eq!(e["error"], "room_is_blocked", "{e}");
        }
        let r = b
            .call("sendMessage", json!([{"rid": rid, "msg": "blocked?"}]))
            .await;
        assert_eq!(r["error"]["reason"], "room_is_blocked", "{r}");

        // Unblocking removes both flags; posting works again.
        let r = a
            .call("unblockUser", json!([{"rid": rid, "blocked": b_id}]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        b.wait_for(sub_changed(&b_id, &rid, |s| s.get("blocked").is_none()))
            .await;
        assert!(sub_of(&s, &amy, &rid).await.get("blocker").is_none());
        post(&s, &bob, &rid, "after").await;
        let r = a
            .call("sendMessage", json!([{"rid": rid, "msg": "after too"}]))
            .await;
        assert!(r.get("error").is_none(), "{r}");

        // Only in a direct message both are in.
        let ch = s
            .post(
                "/api/v1/channels.create",
                Some(&amy),
                json!({"name": "blockless", "members": ["bob"]}),
            )
            .await
            .ok();
        let ch_rid = ch["channel"]["_id"].as_str().unwrap();
        let r = a
            .call("blockUser", json!([{"rid": ch_rid, "blocked": b_id}]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-room", "{r}");
        let r = a
            .call("blockUser", json!([{"rid": rid, "blocked": cat.user_id}]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-room", "{r}");
        let r = a
            .call("blockUser", json!([{"rid": "nowhere", "blocked": b_id}]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-room", "{r}");
        let mut c = Ddp::user(&s, "cat", "cat-pw").await;
        let r = c
            .call("blockUser", json!([{"rid": rid, "blocked": b_id}]))
            .await;
        assert_eq!(r["error"]["error"], "error-invalid-room", "{r}");
        let r = c.call("blockUser", json!([{"rid": rid}])).await;
        assert_eq!(r["error"]["error"], 400, "{r}");
        s.stop().await;
    }

    pub async fn revoked_tokens_end_realtime_sessions(s: TestServer) {
        let bob = s.user("bob").await;
        let other = s.login("bob", "bob-pw").await;
        let third = s.login("bob", "bob-pw").await;
        let b_id = bob.user_id.clone();
        let resume = |token: &str| json!([{"resume": token}]);

        // A connection per token: `keep` uses the token of the call, `gone` another one.
        let mut keep = Ddp::connected(&s).await;
        let r = keep.call("login", resume(&bob.token)).await;
        assert!(r.get("error").is_none(), "{r}");
        keep.listen("stream-notify-user", &format!("{b_id}/force_logout"))
            .await;
        let mut gone = Ddp::connected(&s).await;
        let r = gone.call("login", resume(&other.token)).await;
        assert!(r.get("error").is_none(), "{r}");
        gone.listen("stream-notify-user", &format!("{b_id}/force_logout"))
            .await;

        // REST users.removeOtherTokens: `gone` hears force_logout and is closed.
        s.post("/api/v1/users.removeOtherTokens", Some(&bob), json!({}))
            .await
            .ok();
        let frames = closed(&mut gone).await;
        assert!(
            frames.iter().any(|v| stream_event(
                "stream-notify-user",
                format!("{b_id}/force_logout")
            )(v) && v["fields"]["args"] == json!([])),
            "{frames:?}"
        );
        s.get("/api/v1/me", Some(&other)).await.err(401);
        s.get("/api/v1/me", Some(&third)).await.err(401);
        s.get("/api/v1/me", Some(&bob)).await.ok();
        // The connection of the kept token lives on, and was not told to log out.
        let told = keep
            .collect(
                300,
                stream_event("stream-notify-user", format!("{b_id}/force_logout")),
            )
            .await;
        assert!(told.is_empty(), "{told:?}");
        let r = keep.call("subscriptions/get", json!([])).await;
        assert!(r.get("error").is_none(), "{r}");

        // The DDP method, from a connection whose token stays.
        let fourth = s.login("bob", "bob-pw").await;
        let mut victim = Ddp::connected(&s).await;
        let r = victim.call("login", resume(&fourth.token)).await;
        assert!(r.get("error").is_none(), "{r}");
        let r = keep.call("removeOtherTokens", json!([])).await;
        assert!(r.get("error").is_none(), "{r}");
        closed(&mut victim).await;
        s.get("/api/v1/me", Some(&fourth)).await.err(401);
        let r = keep.call("subscriptions/get", json!([])).await;
        assert!(r.get("error").is_none(), "{r}");

        // An admin's users.logout closes every connection of the user.
        s.post(
            "/api/v1/users.logout",
            Some(&s.admin),
            json!({"userId": b_id}),
        )
        .await
        .ok();
        closed(&mut keep).await;
        s.get("/api/v1/me", Some(&bob)).await.err(401);

        // Deactivation closes them too; a REST logout closes those of its token.
        let again = s.login("bob", "bob-pw").await;
        let mut c = Ddp::connected(&s).await;
        let r = c.call("login", resume(&again.token)).await;
        assert!(r.get("error").is_none(), "{r}");
        s.post("/api/v1/logout", Some(&again), json!({})).await.ok();
        closed(&mut c).await;
        let last = s.login("bob", "bob-pw").await;
        let mut c = Ddp::connected(&s).await;
        let r = c.call("login", resume(&last.token)).await;
        assert!(r.get("error").is_none(), "{r}");
        s.post(
            "/api/v1/users.setActiveStatus",
            Some(&s.admin),
            json!({"userId": b_id, "activeStatus": false}),
        )
        .await
        .ok();
        closed(&mut c).await;

        // Anonymous callers are refused.
        s.post("/api/v1/users.removeOtherTokens", None, json!({}))
            .await
            .err(401);
        let mut anon = Ddp::connected(&s).await;
        let r = anon.call("removeOtherTokens", json!([])).await;
        assert_eq!(r["error"]["error"], "error-invalid-user", "{r}");
        s.stop().await;
    }
}

db_tests!(
    notification_prefs_rest_and_ddp,
    block_user_in_direct_messages,
    revoked_tokens_end_realtime_sessions,
);
