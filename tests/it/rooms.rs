//! `channels.*`, `groups.*`, `subscriptions.*`, and the events they publish.

use apogee_blackbox::{TestServer, db_tests, events_within, watch};
use apogee_core::{EventKind, Topic};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn new_users_join_default_channels(s: TestServer) {
        let u = s.user("newbie").await;
        let subs = s.get("/api/v1/subscriptions.get", Some(&u)).await.ok();
        let general = subs["update"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rid"] == "GENERAL")
            .unwrap()
            .clone();
        assert_eq!(general["name"], "general");
        assert_eq!(general["t"], "c");
        assert_eq!(general["u"]["username"], "newbie");
        assert_eq!(general["unread"], 0);
        assert_eq!(general["alert"], false);
        assert_eq!(general["open"], true);
        assert_eq!(subs["remove"], json!([]));
        let info = s
            .get("/api/v1/channels.info?roomId=GENERAL", Some(&u))
            .await
            .ok();
        assert_eq!(info["channel"]["usersCount"], 2, "admin and newbie");
        assert_eq!(info["channel"]["default"], true);
        // users.create can opt out.
        s.post("/api/v1/users.create", Some(&s.admin), json!({"username": "loner", "email": "l@example.com", "name": "L", "password": "pw", "joinDefaultChannels": false}))
            .await
            .ok();
        let l = s.login("loner", "pw").await;
        assert_eq!(
            s.get("/api/v1/subscriptions.get", Some(&l)).await.ok()["update"],
            json!([])
        );
        s.stop().await;
    }

    pub async fn create_info_list_channels(s: TestServer) {
        let u = s.user("olga").await;
        s.user("pete").await;
        let mut events = watch(&s);
        let c = s
            .post("/api/v1/channels.create", Some(&u), json!({"name": "dev", "members": ["pete"], "readOnly": "false", "extraData": {"topic": "code"}}))
            .await
            .ok()["channel"]
            .clone();
        let rid = c["_id"].as_str().unwrap().to_owned();
        assert_eq!(rid.len(), 17);
        assert_eq!(c["t"], "c");
        assert_eq!(c["name"], "dev");
        assert_eq!(c["fname"], "dev");
        assert_eq!(c["u"]["username"], "olga");
        assert_eq!(c["usersCount"], 2);
        assert_eq!(c["msgs"], 0);
        assert_eq!(c["ro"], false);
        assert_eq!(c["topic"], "code");
        assert_eq!(c["joinCodeRequired"], false);
        let evs = events_within(&mut events, 300).await;
        assert!(
            evs.iter().any(|e| e.topic == Topic::Room(rid.clone())
                && e.kind
                    == EventKind::RoomChanged {
                        room_id: rid.clone()
                    }),
            "{evs:?}"
        );
        assert!(
            evs.iter().any(|e| e.kind
                == EventKind::SubscriptionChanged {
                    user_id: u.user_id.clone(),
                    room_id: rid.clone()
                }),
            "{evs:?}"
        );
        // The creator owns it.
        let sub = s
            .get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(sub["subscription"]["roles"], json!(["owner"]));
        let b = s
            .get("/api/v1/channels.info?roomName=dev", Some(&u))
            .await
            .ok();
        assert_eq!(b["channel"]["_id"], json!(rid));
        s.get("/api/v1/channels.info?roomName=%23dev", Some(&u))
            .await
            .ok();
        let e = s
            .get("/api/v1/channels.info?roomId=NOPE", Some(&u))
            .await
            .err_type("error-room-not-found");
        assert_eq!(
            e["error"],
            "The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]"
        );
        s.get("/api/v1/channels.info", Some(&u))
            .await
            .err_type("error-room-param-not-provided");
        // Errors on creation.
        s.post("/api/v1/channels.create", Some(&u), json!({"name": "DEV"}))
            .await
            .err_type("error-duplicate-channel-name");
        s.post(
            "/api/v1/channels.create",
            Some(&u),
            json!({"name": "bad name"}),
        )
        .await
        .err_type("error-invalid-room-name");
        s.post(
            "/api/v1/channels.create",
            Some(&u),
            json!({"name": "x", "members": ["ghost"]}),
        )
        .await
        .err_type("error-invalid-user");
        s.post("/api/v1/channels.create", Some(&u), json!({}))
            .await
            .err_type("error-invalid-params");
        // Paging through every channel.
        for i in 0..4 {
            s.post(
                "/api/v1/channels.create",
                Some(&u),
                json!({"name": format!("room{i}")}),
            )
            .await
            .ok();
        }
        let mut names = Vec::new();
        let mut offset = 0;
        loop {
            let b = s
                .get(
                    &format!("/api/v1/channels.list?count=2&offset={offset}"),
                    Some(&u),
                )
                .await
                .ok();
            assert_eq!(b["total"], 6);
            let page = b["channels"].as_array().unwrap().clone();
            names.extend(page.iter().map(|c| c["name"].as_str().unwrap().to_owned()));
            offset += page.len();
            if page.len() < 2 {
                break;
            }
        }
        assert_eq!(
            names,
            ["dev", "general", "room0", "room1", "room2", "room3"]
        );
        let joined = s.get("/api/v1/channels.list.joined", Some(&u)).await.ok();
        assert_eq!(joined["total"], 6);
        // Without create-c, creation is refused.
        s.post(
            "/api/v1/permissions.update",
            Some(&s.admin),
            json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]}),
        )
        .await
        .ok();
        s.post("/api/v1/channels.create", Some(&u), json!({"name": "nope"}))
            .await
            .err(403);
        s.stop().await;
    }

    pub async fn join_leave_invite_kick(s: TestServer) {
        let owner = s.user("quinn").await;
        let rita = s.user("rita").await;
        s.user("sam").await;
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&owner),
                json!({"name": "ops"}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let c = s
            .post("/api/v1/channels.join", Some(&rita), json!({"roomId": rid}))
            .await
            .ok();
        assert_eq!(c["channel"]["usersCount"], 2);
        // Joining twice changes nothing.
        assert_eq!(
            s.post("/api/v1/channels.join", Some(&rita), json!({"roomId": rid}))
                .await
                .ok()["channel"]["usersCount"],
            2
        );
        // A plain member may not invite or kick.
        s.post(
            "/api/v1/channels.invite",
            Some(&rita),
            json!({"roomId": rid, "username": "sam"}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/channels.kick",
            Some(&rita),
            json!({"roomId": rid, "username": "quinn"}),
        )
        .await
        .err(403);
        let c = s
            .post(
                "/api/v1/channels.invite",
                Some(&owner),
                json!({"roomId": rid, "username": "sam"}),
            )
            .await
            .ok();
        assert_eq!(c["channel"]["usersCount"], 3);
        let members = s
            .get(
                &format!("/api/v1/channels.members?roomId={rid}&count=2"),
                Some(&rita),
            )
            .await
            .ok();
        assert_eq!(members["total"], 3);
        assert_eq!(members["count"], 2);
        assert_eq!(members["members"][0]["username"], "quinn");
        // Kicked: the subscription goes, and sync reports it.
        let before = apogee_core::Timestamp::now().plus_millis(-1).to_iso();
        let sam = s.login("sam", "sam-pw").await;
        let c = s
            .post(
                "/api/v1/channels.kick",
                Some(&owner),
                json!({"roomId": rid, "username": "sam"}),
            )
            .await
            .ok();
        assert_eq!(c["channel"]["usersCount"], 2);
        let sync = s
            .get(
                &format!("/api/v1/subscriptions.get?updatedSince={before}"),
                Some(&sam),
            )
            .await
            .ok();
        assert_eq!(sync["remove"].as_array().unwrap().len(), 1);
        assert_eq!(
            s.get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&sam)
            )
            .await
            .ok()["subscription"],
            json!(null)
        );
        s.post(
            "/api/v1/channels.kick",
            Some(&owner),
            json!({"roomId": rid, "username": "sam"}),
        )
        .await
        .err_type("error-user-not-in-room");
        // The last owner cannot leave; a member can.
        let e = s
            .post(
                "/api/v1/channels.leave",
                Some(&owner),
                json!({"roomId": rid}),
            )
            .await
            .err_type("error-you-are-last-owner");
        assert!(e["error"].as_str().unwrap().contains("last owner"));
        s.post(
            "/api/v1/channels.leave",
            Some(&rita),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/channels.leave",
            Some(&rita),
            json!({"roomId": rid}),
        )
        .await
        .err_type("error-user-not-in-room");
        s.stop().await;
    }

    pub async fn private_groups_stay_private(s: TestServer) {
        let owner = s.user("tina").await;
        let outsider = s.user("uma").await;
        s.user("vic").await;
        let g = s
            .post(
                "/api/v1/groups.create",
                Some(&owner),
                json!({"name": "secret", "members": ["vic"]}),
            )
            .await
            .ok()["group"]
            .clone();
        assert_eq!(g["t"], "p");
        let rid = g["_id"].as_str().unwrap().to_owned();
        let vic = s.login("vic", "vic-pw").await;
        assert_eq!(
            s.get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&vic))
                .await
                .ok()["group"]["name"],
            "secret"
        );
        // An outsider learns nothing, by id or by name, and cannot list members or join.
        s.get(
            &format!("/api/v1/groups.info?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .err_type("error-room-not-found");
        s.get("/api/v1/groups.info?roomName=secret", Some(&outsider))
            .await
            .err_type("error-room-not-found");
        s.get(
            &format!("/api/v1/groups.members?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .err_type("error-room-not-found");
        s.post(
            "/api/v1/channels.join",
            Some(&outsider),
            json!({"roomId": rid}),
        )
        .await
        .err_type("error-room-not-found");
        s.post(
            "/api/v1/groups.invite",
            Some(&outsider),
            json!({"roomId": rid, "username": "uma"}),
        )
        .await
        .err_type("error-room-not-found");
        assert_eq!(
            s.get("/api/v1/groups.list", Some(&outsider)).await.ok()["total"],
            0
        );
        assert_eq!(
            s.get("/api/v1/groups.list", Some(&vic)).await.ok()["groups"][0]["name"],
            "secret"
        );
        // channels.* does not address groups.
        s.get(&format!("/api/v1/channels.info?roomId={rid}"), Some(&owner))
            .await
            .err_type("error-room-not-found");
        s.get("/api/v1/groups.listAll", Some(&owner)).await.err(403);
        assert_eq!(
            s.get("/api/v1/groups.listAll", Some(&s.admin)).await.ok()["total"],
            1
        );
        s.post(
            "/api/v1/groups.invite",
            Some(&owner),
            json!({"roomId": rid, "username": "uma"}),
        )
        .await
        .ok();
        s.get(
            &format!("/api/v1/groups.info?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .ok();
        s.post(
            "/api/v1/groups.kick",
            Some(&owner),
            json!({"roomId": rid, "username": "uma"}),
        )
        .await
        .ok();
        s.get(
            &format!("/api/v1/groups.info?roomId={rid}"),
            Some(&outsider),
        )
        .await
        .err_type("error-room-not-found");
        s.post(
            "/api/v1/groups.leave",
            Some(&vic),
            json!({"roomName": "secret"}),
        )
        .await
        .ok();
        s.stop().await;
    }

    pub async fn room_settings_and_roles(s: TestServer) {
        let owner = s.user("ola").await;
        let member = s.user("max").await;
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&owner),
                json!({"name": "town", "members": ["max"]}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b = s
            .post(
                "/api/v1/channels.setTopic",
                Some(&owner),
                json!({"roomId": rid, "topic": "news"}),
            )
            .await
            .ok();
        assert_eq!(b["topic"], "news");
        s.post(
            "/api/v1/channels.setDescription",
            Some(&owner),
            json!({"roomId": rid, "description": "d"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/channels.setAnnouncement",
            Some(&owner),
            json!({"roomId": rid, "announcement": "a"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/channels.setTopic",
            Some(&member),
            json!({"roomId": rid, "topic": "mine"}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/channels.setTopic",
            Some(&owner),
            json!({"roomId": rid}),
        )
        .await
        .err_type("error-invalid-params");
        let c = s
            .post(
                "/api/v1/channels.rename",
                Some(&owner),
                json!({"roomId": rid, "name": "city"}),
            )
            .await
            .ok()["channel"]
            .clone();
        assert_eq!(c["name"], "city");
        assert_eq!(
            s.get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&member)
            )
            .await
            .ok()["subscription"]["name"],
            "city"
        );
        s.post(
            "/api/v1/channels.rename",
            Some(&owner),
            json!({"roomId": rid, "name": "general"}),
        )
        .await
        .err_type("error-duplicate-channel-name");
        let c = s
            .post(
                "/api/v1/channels.setReadOnly",
                Some(&owner),
                json!({"roomId": rid, "readOnly": true}),
            )
            .await
            .ok()["channel"]
            .clone();
        assert_eq!(c["ro"], true);
        // System messages record each change, newest first.
        let h = s
            .get(
                &format!("/api/v1/channels.history?roomId={rid}&count=5"),
                Some(&member),
            )
            .await
            .ok();
        let types: Vec<&str> = h["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["t"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            types,
            [
                "room-set-read-only",
                "r",
                "room_changed_announcement",
                "room_changed_description",
                "room_changed_topic"
            ]
        );
        // Room roles.
        s.post(
            "/api/v1/channels.addModerator",
            Some(&member),
            json!({"roomId": rid, "userId": member.user_id}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/channels.addModerator",
            Some(&owner),
            json!({"roomId": rid, "userId": member.user_id}),
        )
        .await
        .ok();
        let mods = s
            .get(
                &format!("/api/v1/channels.moderators?roomId={rid}"),
                Some(&member),
            )
            .await
            .ok();
        assert_eq!(mods["moderators"][0]["username"], "max");
        let roles = s
            .get(
                &format!("/api/v1/channels.roles?roomId={rid}"),
                Some(&member),
            )
            .await
            .ok();
        assert_eq!(roles["roles"].as_array().unwrap().len(), 2);
        // A moderator may now edit the room.
        s.post(
            "/api/v1/channels.setTopic",
            Some(&member),
            json!({"roomId": rid, "topic": "by max"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/channels.addModerator",
            Some(&owner),
            json!({"roomId": rid, "userId": member.user_id}),
        )
        .await
        .err_type("error-user-already-moderator");
        s.post(
            "/api/v1/channels.removeOwner",
            Some(&owner),
            json!({"roomId": rid, "userId": owner.user_id}),
        )
        .await
        .err_type("error-remove-last-owner");
        s.post(
            "/api/v1/channels.addOwner",
            Some(&owner),
            json!({"roomId": rid, "userId": member.user_id}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/channels.removeOwner",
            Some(&owner),
            json!({"roomId": rid, "userId": owner.user_id}),
        )
        .await
        .ok();
        // The former owner may leave now that another owner exists.
        s.post(
            "/api/v1/channels.leave",
            Some(&owner),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        // Archive: no posting; unarchive restores it.
        let bystander = s.user("olaf").await;
        s.post(
            "/api/v1/channels.archive",
            Some(&bystander),
            json!({"roomId": rid}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/channels.archive",
            Some(&s.admin),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/chat.postMessage",
            Some(&member),
            json!({"roomId": rid, "text": "x"}),
        )
        .await
        .err_type("error-room-archived");
        s.post(
            "/api/v1/channels.archive",
            Some(&s.admin),
            json!({"roomId": rid}),
        )
        .await
        .err_type("error-room-archived");
        s.post(
            "/api/v1/channels.unarchive",
            Some(&s.admin),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        // Join codes.
        s.post(
            "/api/v1/channels.setJoinCode",
            Some(&member),
            json!({"roomId": rid, "joinCode": "open-sesame"}),
        )
        .await
        .ok();
        let info = s
            .get(
                &format!("/api/v1/channels.info?roomId={rid}"),
                Some(&member),
            )
            .await
            .ok();
        assert_eq!(info["channel"]["joinCodeRequired"], true);
        assert!(!info.to_string().contains("open-sesame"));
        let late = s.user("ned").await;
        s.post("/api/v1/channels.join", Some(&late), json!({"roomId": rid}))
            .await
            .err_type("error-code-invalid");
        s.post(
            "/api/v1/channels.join",
            Some(&late),
            json!({"roomId": rid, "joinCode": "open-sesame"}),
        )
        .await
        .ok();
        // Default channels are for admins; new users then join it.
        s.post(
            "/api/v1/channels.setDefault",
            Some(&bystander),
            json!({"roomId": rid, "default": true}),
        )
        .await
        .err(403);
        let c = s
            .post(
                "/api/v1/channels.setDefault",
                Some(&s.admin),
                json!({"roomId": rid, "default": "true"}),
            )
            .await
            .ok()["channel"]
            .clone();
        assert_eq!(c["default"], json!(true));
        let newcomer = s.user("nora").await;
        assert!(
            s.get(
                &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
                Some(&newcomer)
            )
            .await
            .ok()["subscription"]
                .is_object()
        );
        // Type change and deletion.
        let c = s
            .post(
                "/api/v1/channels.setType",
                Some(&member),
                json!({"roomId": rid, "type": "p"}),
            )
            .await
            .ok()["channel"]
            .clone();
        assert_eq!(c["t"], "p");
        s.get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&member))
            .await
            .ok();
        s.post("/api/v1/groups.delete", Some(&late), json!({"roomId": rid}))
            .await
            .err(403);
        s.post(
            "/api/v1/groups.delete",
            Some(&member),
            json!({"roomId": rid}),
        )
        .await
        .ok();
        s.get(&format!("/api/v1/groups.info?roomId={rid}"), Some(&member))
            .await
            .err_type("error-room-not-found");
        s.post(
            "/api/v1/channels.delete",
            Some(&s.admin),
            json!({"roomId": "GENERAL"}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.stop().await;
    }

    pub async fn rooms_get_and_info(s: TestServer) {
        let u = s.user("pia").await;
        let before = apogee_core::Timestamp::now().plus_millis(-1).to_iso();
        let rid = s
            .post(
                "/api/v1/channels.create",
                Some(&u),
                json!({"name": "studio"}),
            )
            .await
            .ok()["channel"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        s.post(
            "/api/v1/chat.postMessage",
            Some(&u),
            json!({"roomId": rid, "text": "latest news"}),
        )
        .await
        .ok();
        let all = s.get("/api/v1/rooms.get", Some(&u)).await.ok();
        let ids: Vec<&str> = all["update"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["_id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"GENERAL") && ids.contains(&rid.as_str()),
            "{ids:?}"
        );
        let studio = all["update"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["_id"] == json!(rid))
            .unwrap()
            .clone();
        assert_eq!(studio["lastMessage"]["msg"], "latest news");
        let since = s
            .get(
                &format!("/api/v1/rooms.get?updatedSince={before}"),
                Some(&u),
            )
            .await
            .ok();
        let ids: Vec<&str> = since["update"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [rid.as_str()]);
        s.post(
            "/api/v1/channels.leave",
            Some(&s.admin),
            json!({"roomId": "GENERAL"}),
        )
        .await
        .ok();
        let admin_since = s
            .get(
                &format!("/api/v1/rooms.get?updatedSince={before}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(admin_since["remove"], json!([{"_id": "GENERAL"}]));
        let info = s
            .get(&format!("/api/v1/rooms.info?roomId={rid}"), Some(&u))
            .await
            .ok();
        assert_eq!(info["room"]["lastMessage"]["msg"], "latest news");
        s.get("/api/v1/rooms.info?roomName=studio", Some(&u))
            .await
            .ok();
        s.get("/api/v1/subscriptions.get?updatedSince=later", Some(&u))
            .await
            .err_type("error-updatedSince-param-invalid");
        s.get("/api/v1/rooms.get?updatedSince=later", Some(&u))
            .await
            .err_type("error-updatedSince-param-invalid");
        let g = s
            .post("/api/v1/groups.create", Some(&u), json!({"name": "hidden"}))
            .await
            .ok()["group"]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let other = s.user("quin").await;
        s.get(&format!("/api/v1/rooms.info?roomId={g}"), Some(&other))
            .await
            .err_type("error-room-not-found");
        s.stop().await;
    }

    pub async fn favorites_open_close_counters_mentions(s: TestServer) {
        let u = s.user("fay").await;
        let v = s.user("gus").await;
        s.post(
            "/api/v1/rooms.favorite",
            Some(&u),
            json!({"roomId": "GENERAL", "favorite": true}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&u))
                .await
                .ok()["subscription"]["f"],
            true
        );
        s.post(
            "/api/v1/rooms.favorite",
            Some(&u),
            json!({"roomId": "GENERAL"}),
        )
        .await
        .err_type("error-invalid-params");
        s.post(
            "/api/v1/channels.close",
            Some(&u),
            json!({"roomId": "GENERAL"}),
        )
        .await
        .ok();
        assert_eq!(
            s.get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&u))
                .await
                .ok()["subscription"]["open"],
            false
        );
        // A direct mention counts, and reopens the room for the mentioned user.
        s.post(
            "/api/v1/chat.postMessage",
            Some(&v),
            json!({"roomId": "GENERAL", "text": "hey @fay"}),
        )
        .await
        .ok();
        let sub = s
            .get("/api/v1/subscriptions.getOne?roomId=GENERAL", Some(&u))
            .await
            .ok()["subscription"]
            .clone();
        assert_eq!(sub["userMentions"], 1);
        assert_eq!(sub["open"], true);
        let c = s
            .get("/api/v1/channels.counters?roomId=GENERAL", Some(&u))
            .await
            .ok();
        assert_eq!(c["joined"], true);
        assert_eq!(c["members"], 3);
        assert_eq!(c["unreads"], 1);
        assert_eq!(c["msgs"], 1);
        assert_eq!(c["userMentions"], 1);
        s.post(
            "/api/v1/subscriptions.read",
            Some(&u),
            json!({"rid": "GENERAL"}),
        )
        .await
        .ok();
        let c = s
            .get("/api/v1/channels.counters?roomId=GENERAL", Some(&u))
            .await
            .ok();
        assert_eq!(c["unreads"], 0);
        assert_eq!(c["userMentions"], 0);
        s.post(
            "/api/v1/channels.open",
            Some(&u),
            json!({"roomId": "GENERAL"}),
        )
        .await
        .ok();
        s.stop().await;
    }
}

db_tests!(
    new_users_join_default_channels,
    create_info_list_channels,
    join_leave_invite_kick,
    private_groups_stay_private,
    room_settings_and_roles,
    rooms_get_and_info,
    favorites_open_close_counters_mentions,
);
