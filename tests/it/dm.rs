//! `dm.*` / `im.*` and posting to `@user`.

use apogee_blackbox::{TestServer, db_tests};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn direct_messages(s: TestServer) {
        let a = s.user("amy").await;
        let b = s.user("ben").await;
        let c = s.user("cat").await;
        let r = s
            .post("/api/v1/dm.create", Some(&a), json!({"username": "ben"}))
            .await
            .ok()["room"]
            .clone();
        let expected = if a.user_id < b.user_id {
            format!("{}{}", a.user_id, b.user_id)
        } else {
            format!("{}{}", b.user_id, a.user_id)
        };
        assert_eq!(r["_id"], json!(expected));
        assert_eq!(r["rid"], json!(expected));
        assert_eq!(r["t"], "d");
        assert_eq!(r["usernames"], json!(["amy", "ben"]));
        assert!(r.get("name").is_none() && r.get("u").is_none());
        // Idempotent, from either side, and through the alias.
        let again = s
            .post("/api/v1/im.create", Some(&b), json!({"username": "amy"}))
            .await
            .ok();
        assert_eq!(again["room"]["_id"], json!(expected));
        // The receiver's subscription stays closed until a message arrives.
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={expected}"),
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["name"], "amy");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&a),
            json!({"channel": "@ben", "text": "psst"}),
        )
        .await
        .ok();
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={expected}"),
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["open"], true);
        assert_eq!(sub["subscription"]["unread"], 1);
        let h = s
            .get("/api/v1/dm.history?username=amy", Some(&b))
            .await
            .ok();
        assert_eq!(h["messages"][0]["msg"], "psst");
        let h = s
            .get(&format!("/api/v1/im.history?roomId={expected}"), Some(&a))
            .await
            .ok();
        assert_eq!(h["messages"].as_array().unwrap().len(), 1);
        assert_eq!(
            s.get("/api/v1/dm.list", Some(&a)).await.ok()["ims"][0]["_id"],
            json!(expected)
        );
        assert_eq!(
            s.get(&format!("/api/v1/dm.members?roomId={expected}"), Some(&a))
                .await
                .ok()["total"],
            2
        );
        // A third user cannot read it.
        s.get(&format!("/api/v1/dm.history?roomId={expected}"), Some(&c))
            .await
            .err_type("error-room-not-found");
        s.post(
            "/api/v1/chat.sendMessage",
            Some(&c),
            json!({"message": {"rid": expected, "msg": "me?"}}),
        )
        .await
        .err_type("error-not-allowed");
        s.get(
            &format!("/api/v1/channels.info?roomId={expected}"),
            Some(&a),
        )
        .await
        .err_type("error-room-not-found");
        // Group DMs get a room of their own, found again by their members.
        let g = s
            .post(
                "/api/v1/dm.create",
                Some(&a),
                json!({"usernames": "ben,cat"}),
            )
            .await
            .ok()["room"]
            .clone();
        assert_eq!(g["usersCount"], 3);
        let g2 = s
            .post(
                "/api/v1/dm.create",
                Some(&c),
                json!({"usernames": "amy, ben"}),
            )
            .await
            .ok()["room"]
            .clone();
        assert_eq!(g["_id"], g2["_id"]);
        let sub = s
            .get(
                &format!(
                    "/api/v1/subscriptions.getOne?roomId={}",
                    g["_id"].as_str().unwrap()
                ),
                Some(&c),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["name"], "amy, ben");
        // Close, counters, reopen.
        s.post("/api/v1/dm.close", Some(&b), json!({"username": "amy"}))
            .await
            .ok();
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={expected}"),
                Some(&b),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["open"], false);
        let counters = s
            .get("/api/v1/im.counters?username=amy", Some(&b))
            .await
            .ok();
        assert_eq!(counters["unreads"], 1);
        assert_eq!(counters["members"], 2);
        s.post("/api/v1/im.open", Some(&b), json!({"roomId": expected}))
            .await
            .ok();
        s.post("/api/v1/dm.close", Some(&b), json!({"roomId": expected}))
            .await
            .ok();
        // Errors.
        s.post("/api/v1/dm.create", Some(&a), json!({"username": "ghost"}))
            .await
            .err_type("error-invalid-user");
        s.post("/api/v1/dm.create", Some(&a), json!({}))
            .await
            .err_type("error-invalid-params");
        s.get("/api/v1/dm.history", Some(&a))
            .await
            .err_type("error-room-param-not-provided");
        s.post(
            "/api/v1/chat.postMessage",
            Some(&a),
            json!({"channel": "@ghost", "text": "x"}),
        )
        .await
        .err_type("error-invalid-user");
        s.stop().await;
    }
}

db_tests!(direct_messages);
