//! Presence over DDP and REST: status across several connections, the default status, REST logins,
//! and the frames a second connection sees (`stream-notify-logged` `user-status`,
//! `stream-user-presence`).

use crate::ddp::{Ddp, stream_event};
use apogee_blackbox::{ADMIN, ADMIN_PASS, TestServer, db_tests};
use serde_json::{Value, json};

/// Creates an account without logging it in anywhere; its id.
async fn account(s: &TestServer, username: &str) -> String {
    let r = s
        .post(
            "/api/v1/users.create",
            Some(&s.admin),
            json!({"username": username, "email": format!("{username}@example.com"),
                   "name": format!("User {username}"), "password": format!("{username}-pw")}),
        )
        .await
        .ok();
    r["user"]["_id"].as_str().unwrap().to_owned()
}

/// The `user-status` event of one user.
fn status_of(uid: String) -> impl Fn(&Value) -> bool {
    let is_status = stream_event("stream-notify-logged", "user-status".into());
    move |v: &Value| is_status(v) && v["fields"]["args"][0][0] == uid.as_str()
}

/// The `stream-user-presence` event of one user.
fn presence_of(uid: String) -> impl Fn(&Value) -> bool {
    move |v: &Value| {
        v["msg"] == "changed"
            && v["collection"] == "stream-user-presence"
            && v["id"] == uid.as_str()
    }
}

/// The status REST reports for a user (`users.getPresence`, checked against `users.info`).
async fn rest_status(s: &TestServer, uid: &str) -> String {
    let p = s
        .get(
            &format!("/api/v1/users.getPresence?userId={uid}"),
            Some(&s.admin),
        )
        .await
        .ok();
    let info = s
        .get(&format!("/api/v1/users.info?userId={uid}"), Some(&s.admin))
        .await
        .ok();
    assert_eq!(info["user"]["status"], p["presence"], "{info}");
    p["presence"].as_str().unwrap().to_owned()
}

mod bodies {
    use super::*;

    pub async fn presence_follows_connections_and_default_status(s: TestServer) {
        let pam = account(&s, "pam").await;
        assert_eq!(rest_status(&s, &pam).await, "offline");
        let mut w = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        let r = w
            .sub("stream-notify-logged", json!(["user-status", false]))
            .await;
        assert_eq!(r["msg"], "ready", "{r}");
        // stream-user-presence: the first subscription is the main one and starts with the
        // watched user's current status.
        let r = w
            .sub("stream-user-presence", json!(["", {"added": [pam]}]))
            .await;
        assert_eq!(r["msg"], "ready", "{r}");
        let first = w.wait_for(presence_of(pam.clone())).await;
        assert_eq!(
            first["fields"],
            json!({"uid": pam, "eventName": pam, "args": [["pam", 0, ""]]})
        );

        // A first connection: online, seen on both streams.
        let mut c1 = Ddp::user(&s, "pam", "pam-pw").await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(
            ev["fields"]["args"],
            json!([[pam, "pam", 1, "", "User pam", ["user"]]])
        );
        let ev = w.wait_for(presence_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"], json!([["pam", 1, ""]]));
        assert_eq!(rest_status(&s, &pam).await, "online");

        // A second connection changes nothing; one of two going away changes nothing.
        let mut c2 = Ddp::user(&s, "pam", "pam-pw").await;
        let r = c1.call("UserPresence:away", json!([])).await;
        assert!(r.get("error").is_none(), "{r}");
        assert!(w.collect(300, status_of(pam.clone())).await.is_empty());
        assert_eq!(rest_status(&s, &pam).await, "online");
        // Both away: away.
        c2.call("UserPresence:away", json!([])).await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 2);
        assert_eq!(rest_status(&s, &pam).await, "away");
        c2.call("UserPresence:online", json!([])).await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 1);

        // A chosen status wins over the connections.
        let r = c1
            .call("UserPresence:setDefaultStatus", json!(["busy"]))
            .await;
        assert_eq!(r["result"], true, "{r}");
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 3);
        let ev = w.wait_for(presence_is(pam.clone(), 3)).await;
        assert_eq!(ev["fields"]["args"], json!([["pam", 3, ""]]));
        assert_eq!(rest_status(&s, &pam).await, "busy");
        let me = s
            .get(
                &format!("/api/v1/users.getStatus?userId={pam}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(me["connectionStatus"], "online", "{me}");

        // Closing one connection keeps the user present; closing the last makes them offline.
        drop(c1);
        assert!(w.collect(400, status_of(pam.clone())).await.is_empty());
        drop(c2);
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 0);
        assert_eq!(rest_status(&s, &pam).await, "offline");
        let me = s
            .get(
                &format!("/api/v1/users.getStatus?userId={pam}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(me["connectionStatus"], "offline", "{me}");

        // The default status outlives connections: the next login is busy again.
        let mut c3 = Ddp::user(&s, "pam", "pam-pw").await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 3);
        // users.setStatus (REST, by an admin) changes it back, with a status message.
        s.post(
            "/api/v1/users.setStatus",
            Some(&s.admin),
            json!({"userId": pam, "status": "online", "message": "at lunch"}),
        )
        .await
        .ok();
        let ev = w
            .wait_for(|v| presence_of(pam.clone())(v) && v["fields"]["args"][0][2] == "at lunch")
            .await;
        assert_eq!(ev["fields"]["args"], json!([["pam", 1, "at lunch"]]));
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][3], "at lunch");
        // Invisible: offline to others while connected.
        c3.call("UserPresence:setDefaultStatus", json!(["offline"]))
            .await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 0);
        assert_eq!(rest_status(&s, &pam).await, "offline");
        let r = c3
            .call("UserPresence:setDefaultStatus", json!(["sleeping"]))
            .await;
        assert!(r["error"].is_object(), "{r}");
        c3.call("UserPresence:setDefaultStatus", json!(["online"]))
            .await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 1);
        // Logging out ends the connection's presence.
        c3.call("logout", json!([])).await;
        let ev = w.wait_for(status_of(pam.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 0);
        s.stop().await;
    }

    pub async fn presence_subscription_protocol(s: TestServer) {
        let a = account(&s, "ann").await;
        let b = account(&s, "ben").await;
        // Logged-in only.
        let mut anon = Ddp::connected(&s).await;
        let r = anon
            .sub("stream-user-presence", json!(["", {"added": [a]}]))
            .await;
        assert_eq!(r["msg"], "nosub");
        assert_eq!(r["error"]["error"], "not-allowed");
        let r = anon
            .sub("stream-notify-logged", json!(["user-status", false]))
            .await;
        assert_eq!(r["msg"], "nosub");
        assert_eq!(r["error"]["error"], "not-allowed");

        let mut w = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        let r = w
            .sub("stream-user-presence", json!(["", {"added": [a]}]))
            .await;
        assert_eq!(r["msg"], "ready");
        w.wait_for(presence_of(a.clone())).await;
        // Later subscriptions change the watched set and end at once (no error).
        let r = w
            .sub(
                "stream-user-presence",
                json!(["", {"added": [b], "removed": [a]}]),
            )
            .await;
        assert_eq!(r["msg"], "nosub");
        assert!(r.get("error").is_none(), "{r}");
        w.wait_for(presence_of(b.clone())).await;
        let _ann = Ddp::user(&s, "ann", "ann-pw").await;
        let _ben = Ddp::user(&s, "ben", "ben-pw").await;
        let ev = w.wait_for(presence_of(b.clone())).await;
        assert_eq!(ev["fields"]["args"], json!([["ben", 1, ""]]));
        // ann is no longer watched.
        assert!(w.collect(300, presence_of(a.clone())).await.is_empty());

        // Presence_broadcast_disabled (Troubleshoot): changes go out to nobody until it is off.
        let r = w
            .sub("stream-notify-logged", json!(["user-status", false]))
            .await;
        assert_eq!(r["msg"], "ready");
        let switch = |on: bool| {
            s.post(
                "/api/v1/settings/Presence_broadcast_disabled",
                Some(&s.admin),
                json!({"value": on}),
            )
        };
        switch(true).await.ok();
        let ben = s.login("ben", "ben-pw").await;
        let set_status = |status: &'static str| {
            s.post(
                "/api/v1/users.setStatus",
                Some(&ben),
                json!({"status": status, "message": ""}),
            )
        };
        set_status("busy").await.ok();
        let quiet = w
            .collect(400, |v| {
                presence_of(b.clone())(v)
                    || stream_event("stream-notify-logged", "user-status".into())(v)
            })
            .await;
        assert!(quiet.is_empty(), "{quiet:?}");
        switch(false).await.ok();
        set_status("away").await.ok();
        let ev = w.wait_for(presence_of(b.clone())).await;
        assert_eq!(ev["fields"]["args"], json!([["ben", 2, ""]]));
        w.wait_for(stream_event("stream-notify-logged", "user-status".into()))
            .await;
        s.stop().await;
    }

    pub async fn rest_login_counts_as_presence(s: TestServer) {
        let rita = account(&s, "rita").await;
        let mut w = Ddp::user(&s, ADMIN, ADMIN_PASS).await;
        w.sub("stream-notify-logged", json!(["user-status", false]))
            .await;
        // A bot that only uses REST shows as online.
        let creds = s.login("rita", "rita-pw").await;
        let ev = w.wait_for(status_of(rita.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 1);
        assert_eq!(rest_status(&s, &rita).await, "online");
        let own = s.get("/api/v1/users.getPresence", Some(&creds)).await.ok();
        assert_eq!(own["presence"], "online", "{own}");
        assert_eq!(own["connectionStatus"], "online", "{own}");
        // ... and channels.online lists it.
        let online = s
            .get("/api/v1/channels.online?_id=GENERAL", Some(&s.admin))
            .await;
        let body = online.body.clone();
        if body["success"] == true {
            let names: Vec<&str> = body["online"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|u| u["username"].as_str())
                .collect();
            assert!(names.contains(&"rita"), "{body}");
        }
        // A DDP connection of the same user comes and goes: still online (the REST session).
        let c = Ddp::user(&s, "rita", "rita-pw").await;
        drop(c);
        assert!(w.collect(400, status_of(rita.clone())).await.is_empty());
        assert_eq!(rest_status(&s, &rita).await, "online");
        // Logging out the REST token ends it.
        s.post("/api/v1/logout", Some(&creds), json!({})).await.ok();
        let ev = w.wait_for(status_of(rita.clone())).await;
        assert_eq!(ev["fields"]["args"][0][2], 0);
        assert_eq!(rest_status(&s, &rita).await, "offline");
        s.stop().await;
    }

    pub async fn presence_does_not_outlive_a_restart(mut s: TestServer) {
        let uid = account(&s, "gus").await;
        // A REST login's session lives in the server's memory (nothing ends it at shutdown).
        s.login("gus", "gus-pw").await;
        assert_eq!(rest_status(&s, &uid).await, "online");
        // Sessions die with the server: nobody is online when it is back.
        s.restart().await;
        assert_eq!(rest_status(&s, &uid).await, "offline");
        s.stop().await;
    }
}

db_tests!(
    presence_follows_connections_and_default_status,
    presence_subscription_protocol,
    rest_login_counts_as_presence,
    presence_does_not_outlive_a_restart,
);

/// The `stream-user-presence` event of one user with a status code.
fn presence_is(uid: String, code: u8) -> impl Fn(&Value) -> bool {
    let of = presence_of(uid);
    move |v: &Value| of(v) && v["fields"]["args"][0][1] == code
}
