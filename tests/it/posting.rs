//! Concurrent posting: posts that share a group commit still get their own sequence numbers,
//! counters and outcomes.

use apogee_blackbox::{TestServer, db_tests, events_within, watch};
use apogee_core::EventKind;
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn concurrent_posts_share_commits_not_outcomes(s: TestServer) {
        let reader = s.user("rita").await;
        let writers = [s.user("wendy").await, s.user("walt").await];
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&s.admin),
                json!({"name": "busy", "members": ["rita", "wendy", "walt"]}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        // What the reader has already seen: the room's system messages, if any.
        s.post(
            "/api/v1/subscriptions.read",
            Some(&reader),
            json!({"rid": rid}),
        )
        .await
        .ok();
        let before = s
            .get(
                &format!("/api/v1/channels.info?roomId={rid}"),
                Some(&s.admin),
            )
            .await
            .ok()["channel"]["msgs"]
            .as_i64()
            .unwrap();
        let mut events = watch(&s);
        const POSTS: usize = 60;
        let posts = (0..POSTS).map(|i| {
            let who = &writers[i % 2];
            s.post(
                "/api/v1/chat.postMessage",
                Some(who),
                json!({"roomId": rid, "text": format!("post {i}")}),
            )
        });
        // Two sends with the same client-chosen id race among the posts: exactly one wins.
        let dupes = (0..2).map(|_| {
            s.post(
                "/api/v1/chat.sendMessage",
                Some(&writers[0]),
                json!({"message": {"_id": "same-client-id", "rid": rid, "msg": "once"}}),
            )
        });
        let (posted, duplicated) = tokio::join!(
            futures::future::join_all(posts),
            futures::future::join_all(dupes)
        );
        let mut ids = std::collections::HashSet::new();
        for r in posted {
            let b = r.ok();
            assert!(ids.insert(b["message"]["_id"].as_str().unwrap().to_owned()));
        }
        let (won, lost): (Vec<_>, Vec<_>) =
            duplicated.into_iter().partition(|r| r.status.is_success());
        assert_eq!((won.len(), lost.len()), (1, 1));
        let lost = lost.into_iter().next().unwrap().err(400);
        assert_eq!(lost["errorType"], "error-message-already-exists", "{lost}");

        let info = s
            .get(
                &format!("/api/v1/channels.info?roomId={rid}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(
            info["channel"]["msgs"].as_i64().unwrap(),
            before + POSTS as i64 + 1
        );
        // Every post counts once as unread for the reader: sequence numbers are dense.
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&reader),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["unread"], POSTS + 1, "{sub}");
        // The writers have read their own posts.
        let own = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&writers[1]),
            )
            .await
            .ok();
        assert!(own["subscription"]["unread"].as_u64().unwrap() <= POSTS as u64 / 2 + 1);
        let history = s
            .get(
                &format!("/api/v1/channels.history?roomId={rid}&count=200"),
                Some(&reader),
            )
            .await
            .ok();
        let texts: Vec<&str> = history["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["t"].is_null())
            .map(|m| m["msg"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), POSTS + 1);
        let evs = events_within(&mut events, 500).await;
        let shown = evs
            .iter()
            .filter(
                |e| matches!(&e.kind, EventKind::MessageCommitted { room_id, .. } if *room_id == rid),
            )
            .count();
        let counted = evs
            .iter()
            .filter(
                |e| matches!(&e.kind, EventKind::MessageCounted { room_id, .. } if *room_id == rid),
            )
            .count();
        assert_eq!((shown, counted), (POSTS + 1, POSTS + 1));
    }

    /// Mentions posted at the same time all count: each is one atomic increment, not a
    /// read-modify-write of the mentioned member's subscription.
    pub async fn concurrent_mentions_all_count(s: TestServer) {
        let writers = [s.user("mia").await, s.user("max").await];
        let mentioned = s.user("mo").await;
        s.post(
            "/api/v1/subscriptions.read",
            Some(&mentioned),
            json!({"rid": "GENERAL"}),
        )
        .await
        .ok();
        const POSTS: usize = 40;
        let posts = (0..POSTS).map(|i| {
            s.post(
                "/api/v1/chat.postMessage",
                Some(&writers[i % 2]),
                json!({"roomId": "GENERAL", "text": format!("@mo look {i}")}),
            )
        });
        for r in futures::future::join_all(posts).await {
            r.ok();
        }
        let sub = s
            .get(
                "/api/v1/subscriptions.getOne?roomId=GENERAL",
                Some(&mentioned),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["userMentions"], POSTS as i64, "{sub}");
        assert_eq!(sub["subscription"]["unread"], POSTS as i64, "{sub}");
    }

    /// Reactions of many members and replies in its thread, all at once on one message, are all
    /// kept: each rewrites the message's data, and a write that lost a race is redone.
    pub async fn concurrent_reactions_and_replies_all_kept(s: TestServer) {
        const N: usize = 12;
        let mut users = Vec::new();
        for i in 0..N {
            users.push(s.user(&format!("fan{i}")).await);
        }
        let root = s
            .post(
                "/api/v1/chat.postMessage",
                Some(&s.admin),
                json!({"roomId": "GENERAL", "text": "react to me"}),
            )
            .await
            .ok();
        let mid = root["message"]["_id"].as_str().unwrap().to_owned();
        let reactions = futures::future::join_all(users.iter().map(|u| {
            s.post(
                "/api/v1/chat.react",
                Some(u),
                json!({"messageId": mid, "emoji": ":thumbsup:"}),
            )
        }));
        let replies = futures::future::join_all(users.iter().map(|u| {
            s.post(
                "/api/v1/chat.postMessage",
                Some(u),
                json!({"roomId": "GENERAL", "tmid": mid, "text": "me too"}),
            )
        }));
        let (reactions, replies) = futures::join!(reactions, replies);
        for r in reactions.into_iter().chain(replies) {
            r.ok();
        }
        let m = s
            .get(
                &format!("/api/v1/chat.getMessage?msgId={mid}"),
                Some(&s.admin),
            )
            .await
            .ok();
        let reacted = m["message"]["reactions"][":thumbsup:"]["usernames"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(reacted, N, "{m}");
        assert_eq!(m["message"]["tcount"], N as i64, "{m}");
        let followers = m["message"]["replies"].as_array().map_or(0, Vec::len);
        assert_eq!(followers, N + 1, "{m}");
    }

    /// A member's own subscription changes (here: favorite on and off) racing with mentions of
    /// them keep every mention: an update writes only the columns it changed.
    pub async fn subscription_updates_keep_concurrent_mentions(s: TestServer) {
        let writer = s.user("mia").await;
        let mentioned = s.user("mo").await;
        s.post(
            "/api/v1/subscriptions.read",
            Some(&mentioned),
            json!({"rid": "GENERAL"}),
        )
        .await
        .ok();
        const POSTS: usize = 40;
        let posts = futures::future::join_all((0..POSTS).map(|i| {
            s.post(
                "/api/v1/chat.postMessage",
                Some(&writer),
                json!({"roomId": "GENERAL", "text": format!("@mo look {i}")}),
            )
        }));
        let favorites = futures::future::join_all((0..POSTS).map(|i| {
            s.post(
                "/api/v1/rooms.favorite",
                Some(&mentioned),
                json!({"roomId": "GENERAL", "favorite": i % 2 == 0}),
            )
        }));
        let (posts, favorites) = futures::join!(posts, favorites);
        for r in posts.into_iter().chain(favorites) {
            r.ok();
        }
        let sub = s
            .get(
                "/api/v1/subscriptions.getOne?roomId=GENERAL",
                Some(&mentioned),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["userMentions"], POSTS as i64, "{sub}");
        assert_eq!(sub["subscription"]["unread"], POSTS as i64, "{sub}");
    }
}

db_tests!(
    concurrent_posts_share_commits_not_outcomes,
    concurrent_mentions_all_count,
    subscription_updates_keep_concurrent_mentions,
    concurrent_reactions_and_replies_all_kept,
);
