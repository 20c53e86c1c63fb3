//! `chat.search` finds a message from the moment it is committed, before and after the SQLite
//! full-text index takes it in (the index catches up in bulk a moment later), and paging runs
//! across the two parts without gaps or repeats.

use apogee_blackbox::{Creds, TestServer, db_tests};
use serde_json::{Value, json};

mod bodies {
    use super::*;

    async fn search(
        s: &TestServer,
        who: &Creds,
        rid: &str,
        text: &str,
        offset: u32,
        count: u32,
    ) -> Vec<String> {
        let b: Value = s
            .get(
                &format!(
                    "/api/v1/chat.search?roomId={rid}&searchText={text}&offset={offset}&count={count}"
                ),
                Some(who),
            )
            .await
            .ok();
        b["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["msg"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn post(s: &TestServer, who: &Creds, rid: &str, text: &str) -> String {
        s.post(
            "/api/v1/chat.postMessage",
            Some(who),
            json!({"roomId": rid, "text": text}),
        )
        .await
        .ok()["message"]["_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn search_sees_new_and_indexed_messages(s: TestServer) {
        let u = s.user("sam").await;
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&u),
                json!({"name": "searchable"}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        for i in 0..4 {
            post(&s, &u, &rid, &format!("Apple pie number {i}")).await;
        }
        // Found at once, newest first, whole words, any case.
        let now = search(&s, &u, &rid, "APPLE", 0, 10).await;
        assert_eq!(
            now,
            [
                "Apple pie number 3",
                "Apple pie number 2",
                "Apple pie number 1",
                "Apple pie number 0"
            ]
        );
        assert!(search(&s, &u, &rid, "app", 0, 10).await.is_empty());
        // The index catches up (every 250 ms); the answer does not change.
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_eq!(search(&s, &u, &rid, "apple", 0, 10).await, now);
        // Newer messages, not yet indexed, in front of indexed ones; pages cross the boundary.
        for i in 4..7 {
            post(&s, &u, &rid, &format!("apple tart number {i}")).await;
        }
        let all = search(&s, &u, &rid, "apple", 0, 50).await;
        assert_eq!(all.len(), 7, "{all:?}");
        assert_eq!(all[0], "apple tart number 6");
        let mut paged = Vec::new();
        for offset in (0..8).step_by(2) {
            paged.extend(search(&s, &u, &rid, "apple", offset, 2).await);
        }
        assert_eq!(paged, all);
        assert_eq!(search(&s, &u, &rid, "apple tart", 0, 50).await.len(), 3);
        // Edits and deletes of indexed messages reach the index.
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let id = post(&s, &u, &rid, "banana split").await;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert_eq!(
            search(&s, &u, &rid, "banana", 0, 10).await,
            ["banana split"]
        );
        s.post(
            "/api/v1/chat.update",
            Some(&u),
            json!({"roomId": rid, "msgId": id, "text": "cherry split"}),
        )
        .await
        .ok();
        assert!(search(&s, &u, &rid, "banana", 0, 10).await.is_empty());
        assert_eq!(
            search(&s, &u, &rid, "cherry", 0, 10).await,
            ["cherry split"]
        );
        s.post(
            "/api/v1/chat.delete",
            Some(&u),
            json!({"roomId": rid, "msgId": id}),
        )
        .await
        .ok();
        assert!(search(&s, &u, &rid, "cherry", 0, 10).await.is_empty());
        assert_eq!(search(&s, &u, &rid, "split", 0, 10).await.len(), 0);
    }
}

db_tests!(search_sees_new_and_indexed_messages);
