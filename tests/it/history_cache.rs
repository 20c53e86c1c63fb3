//! `channels.history` answers its newest window from a cache of serialized messages: after every
//! kind of change to a room's messages the cached answer must equal the uncached one (asked with a
//! `latest` bound, which the cache never serves).

use apogee_blackbox::{Creds, TestServer, db_tests};
use serde_json::{Value, json};

mod bodies {
    use super::*;

    /// The cached newest window and the same window read through the uncached path.
    async fn both(
        s: &TestServer,
        who: &Creds,
        rid: &str,
        offset: u32,
        count: u32,
    ) -> (Value, Value) {
        let cached = s
            .get(
                &format!("/api/v1/channels.history?roomId={rid}&offset={offset}&count={count}"),
                Some(who),
            )
            .await
            .ok();
        let uncached = s
            .get(
                &format!(
                    "/api/v1/channels.history?roomId={rid}&offset={offset}&count={count}\
                     &latest=2999-01-01T00:00:00.000Z"
                ),
                Some(who),
            )
            .await
            .ok();
        (cached, uncached)
    }

    async fn same(s: &TestServer, who: &Creds, rid: &str, step: &str) -> Value {
        for (offset, count) in [(0, 50), (0, 2), (1, 3), (4, 10), (99, 1)] {
            let (cached, uncached) = both(s, who, rid, offset, count).await;
            assert_eq!(
                cached, uncached,
                "after {step}, offset {offset} count {count}"
            );
        }
        both(s, who, rid, 0, 50).await.0
    }

    pub async fn cached_history_follows_every_change(s: TestServer) {
        let author = s.user("cora").await;
        let reader = s.user("cole").await;
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&author),
                json!({"name": "cachetest", "members": ["cole"]}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut ids = Vec::new();
        for i in 0..6 {
            let b = s
                .post(
                    "/api/v1/chat.postMessage",
                    Some(&author),
                    json!({"roomId": rid, "text": format!("message {i}")}),
                )
                .await
                .ok();
            ids.push(b["message"]["_id"].as_str().unwrap().to_owned());
        }
        let h = same(&s, &reader, &rid, "posting").await;
        assert_eq!(h["messages"][0]["msg"], "message 5");

        s.post(
            "/api/v1/chat.update",
            Some(&author),
            json!({"roomId": rid, "msgId": ids[5], "text": "edited"}),
        )
        .await
        .ok();
        let h = same(&s, &reader, &rid, "an edit").await;
        assert_eq!(h["messages"][0]["msg"], "edited");
        assert!(h["messages"][0]["editedAt"].is_string());

        s.post(
            "/api/v1/chat.react",
            Some(&reader),
            json!({"messageId": ids[4], "emoji": ":smile:"}),
        )
        .await
        .ok();
        let h = same(&s, &reader, &rid, "a reaction").await;
        assert!(h["messages"][1]["reactions"][":smile:"].is_object());

        s.post(
            "/api/v1/chat.pinMessage",
            Some(&author),
            json!({"messageId": ids[3]}),
        )
        .await
        .ok();
        same(&s, &reader, &rid, "a pin").await;

        s.post(
            "/api/v1/chat.starMessage",
            Some(&reader),
            json!({"messageId": ids[2]}),
        )
        .await
        .ok();
        same(&s, &reader, &rid, "a star").await;

        s.post(
            "/api/v1/chat.delete",
            Some(&author),
            json!({"roomId": rid, "msgId": ids[5]}),
        )
        .await
        .ok();
        let h = same(&s, &reader, &rid, "a delete").await;
        assert!(
            h["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["_id"] != ids[5].as_str())
        );

        s.post(
            "/api/v1/channels.setTopic",
            Some(&author),
            json!({"roomId": rid, "topic": "news"}),
        )
        .await
        .ok();
        let h = same(&s, &reader, &rid, "a system message").await;
        assert_eq!(h["messages"][0]["t"], "room_changed_topic");

        s.post(
            "/api/v1/rooms.cleanHistory",
            Some(&s.admin),
            json!({"roomId": rid, "latest": "2999-01-01T00:00:00.000Z", "oldest": "2000-01-01T00:00:00.000Z"}),
        )
        .await
        .ok();
        let h = same(&s, &reader, &rid, "cleaning the history").await;
        assert_eq!(h["messages"].as_array().unwrap().len(), 0, "{h}");
    }

    /// A deleted channel re-created under the same name is a new room: nothing of the old one's
    /// cached page may show.
    pub async fn recreated_room_starts_empty(s: TestServer) {
        let owner = s.user("rory").await;
        let create = || async {
            s.post(
                "/api/v1/channels.create",
                Some(&owner),
                json!({"name": "phoenix"}),
            )
            .await
            .ok()["channel"]["_id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let rid = create().await;
        s.post(
            "/api/v1/chat.postMessage",
            Some(&owner),
            json!({"roomId": rid, "text": "old life"}),
        )
        .await
        .ok();
        same(&s, &owner, &rid, "posting").await;
        s.post(
            "/api/v1/channels.delete",
            Some(&owner),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        let rid2 = create().await;
        let h = same(&s, &owner, &rid2, "re-creating").await;
        assert!(
            h["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["msg"] != "old life"),
            "{h}"
        );
    }
}

db_tests!(
    cached_history_follows_every_change,
    recreated_room_starts_empty,
);
