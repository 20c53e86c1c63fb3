//! `users.*`.

use apogee_blackbox::{ADMIN, TestServer, backends, db_tests};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn create_and_info(s: TestServer) {
        let b = s
            .post(
                "/api/v1/users.create",
                Some(&s.admin),
                json!({"username": "alice", "email": "alice@example.com", "name": "Alice", "password": "pw", "verified": "true"}),
            )
            .await
            .ok();
        let id = b["user"]["_id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 17);
        assert_eq!(b["user"]["roles"], json!(["user"]));
        assert_eq!(b["user"]["type"], "user");
        assert_eq!(b["user"]["active"], true);
        assert_eq!(
            b["user"]["emails"][0],
            json!({"address": "alice@example.com", "verified": true})
        );
        assert!(b["user"].get("services").is_none());
        // By id, by username; a regular user sees no emails of others.
        let info = s
            .get(&format!("/api/v1/users.info?userId={id}"), Some(&s.admin))
            .await
            .ok();
        assert_eq!(info["user"]["username"], "alice");
        let bob = s.user("bob").await;
        let info = s
            .get("/api/v1/users.info?username=alice", Some(&bob))
            .await
            .ok();
        assert_eq!(info["user"]["_id"], json!(id));
        assert!(info["user"].get("emails").is_none());
        let own = s
            .get("/api/v1/users.info?username=bob", Some(&bob))
            .await
            .ok();
        assert!(own["user"]["emails"].is_array());
        // Errors.
        let e = s
            .get("/api/v1/users.info?username=ghost", Some(&bob))
            .await
            .err(400);
        assert_eq!(e["error"], "User not found.");
        s.get("/api/v1/users.info", Some(&bob))
            .await
            .err_type("error-user-param-not-provided");
        s.get("/api/v1/users.info?username=alice", None)
            .await
            .err(401);
        s.stop().await;
    }

    pub async fn create_validation_and_permission(s: TestServer) {
        let u = s.user("regular").await;
        let body =
            json!({"username": "x1", "email": "x1@example.com", "name": "X", "password": "pw"});
        let e = s
            .post("/api/v1/users.create", Some(&u), body.clone())
            .await
            .err(403);
        assert_eq!(
            e["error"],
            "User does not have the permissions required for this action [error-forbidden]"
        );
        let e = s
            .post(
                "/api/v1/users.create",
                Some(&s.admin),
                json!({"email": "a@b.co", "name": "n", "password": "p"}),
            )
            .await
            .err_type("error-invalid-params");
        assert_eq!(e["error"], "must have required property 'username'");
        s.post(
            "/api/v1/users.create",
            Some(&s.admin),
            json!({"username": "regular", "email": "r2@example.com", "name": "n", "password": "p"}),
        )
        .await
        .err_type("error-field-unavailable");
        s.post(
            "/api/v1/users.create",
            Some(&s.admin),
            json!({"username": "REGULAR", "email": "r3@example.com", "name": "n", "password": "p"}),
        )
        .await
        .err_type("error-field-unavailable");
        s.post("/api/v1/users.create", Some(&s.admin), json!({"username": "new1", "email": "Regular@Example.com", "name": "n", "password": "p"}))
            .await
            .err_type("error-field-unavailable");
        s.post(
            "/api/v1/users.create",
            Some(&s.admin),
            json!({"username": "bad name", "email": "b@example.com", "name": "n", "password": "p"}),
        )
        .await
        .err_type("error-input-is-not-a-valid-field");
        s.post(
            "/api/v1/users.create",
            Some(&s.admin),
            json!({"username": "okname", "email": "not-an-email", "name": "n", "password": "p"}),
        )
        .await
        .err_type("error-invalid-email");
        s.post("/api/v1/users.create", Some(&s.admin), json!({"username": "okname", "email": "ok@example.com", "name": "n", "password": "p", "roles": ["nosuchrole"]}))
            .await
            .err_type("error-invalid-role");
        s.stop().await;
    }

    pub async fn list_pages_to_the_end(s: TestServer) {
        for i in 0..7 {
            s.post(
                "/api/v1/users.create",
                Some(&s.admin),
                json!({"username": format!("pager{i}"), "email": format!("p{i}@example.com"), "name": format!("P{i}"), "password": "pw"}),
            )
            .await
            .ok();
        }
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let b = s
                .get(
                    &format!("/api/v1/users.list?offset={offset}&count=3"),
                    Some(&s.admin),
                )
                .await
                .ok();
            let page = b["users"].as_array().unwrap().clone();
            assert_eq!(b["count"], json!(page.len()));
            assert_eq!(b["offset"], json!(offset));
            assert_eq!(b["total"], json!(8));
            seen.extend(
                page.iter()
                    .map(|u| u["username"].as_str().unwrap().to_owned()),
            );
            offset += page.len();
            if page.len() < 3 {
                break;
            }
        }
        assert_eq!(seen.len(), 8);
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted, "default order is by username");
        let b = s
            .get(
                r#"/api/v1/users.list?sort={"username":-1}&count=1"#,
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(b["users"][0]["username"], "pager6");
        s.get("/api/v1/users.list?sort=nope", Some(&s.admin))
            .await
            .err_type("error-invalid-sort");
        // count=0 means all (API_Allow_Infinite_Count); count is capped at 100.
        assert_eq!(
            s.get("/api/v1/users.list?count=0", Some(&s.admin))
                .await
                .ok()["count"],
            8
        );
        let b = s
            .get(
                "/api/v1/users.list?fields={\"name\":1}&query={}",
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(b["total"], 8);
        s.stop().await;
    }

    pub async fn update_and_own_info(s: TestServer) {
        let u = s.user("carol").await;
        let b = s
            .post("/api/v1/users.update", Some(&s.admin), json!({"userId": u.user_id, "data": {"name": "Carol C", "password": "newpw", "email": "carol2@example.com"}}))
            .await
            .ok();
        assert_eq!(b["user"]["name"], "Carol C");
        assert_eq!(b["user"]["emails"][0]["address"], "carol2@example.com");
        s.login("carol", "newpw").await;
        s.post(
            "/api/v1/users.update",
            Some(&u),
            json!({"userId": s.admin.user_id, "data": {"name": "x"}}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/users.update",
            Some(&s.admin),
            json!({"userId": u.user_id}),
        )
        .await
        .err_type("error-invalid-params");
        s.post(
            "/api/v1/users.update",
            Some(&s.admin),
            json!({"userId": "nobody", "data": {}}),
        )
        .await
        .err_type("error-invalid-user");
        // Own info: password changes need the current password (digest, as clients send it).
        let c = s.login("carol", "newpw").await;
        let b = s
            .post(
                "/api/v1/users.updateOwnBasicInfo",
                Some(&c),
                json!({"data": {"name": "Caroline", "bio": "hi"}}),
            )
            .await
            .ok();
        assert_eq!(b["user"]["name"], "Caroline");
        s.post("/api/v1/users.updateOwnBasicInfo", Some(&c), json!({"data": {"newPassword": "pw3", "currentPassword": apogee_users::password::sha256_hex("wrong")}}))
            .await
            .err_type("error-invalid-password");
        s.post("/api/v1/users.updateOwnBasicInfo", Some(&c), json!({"data": {"newPassword": "pw3", "currentPassword": apogee_users::password::sha256_hex("newpw")}}))
            .await
            .ok();
        s.login("carol", "pw3").await;
        s.post("/api/v1/users.updateOwnBasicInfo", Some(&c), json!({}))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn delete_and_last_admin(s: TestServer) {
        let u = s.user("dave").await;
        s.post(
            "/api/v1/users.delete",
            Some(&u),
            json!({"userId": s.admin.user_id}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/users.delete",
            Some(&s.admin),
            json!({"userId": u.user_id}),
        )
        .await
        .ok();
        s.get("/api/v1/me", Some(&u)).await.err(401);
        s.get("/api/v1/users.info?username=dave", Some(&s.admin))
            .await
            .err(400);
        s.post(
            "/api/v1/users.delete",
            Some(&s.admin),
            json!({"userId": s.admin.user_id}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post("/api/v1/users.delete", Some(&s.admin), json!({}))
            .await
            .err_type("error-user-param-not-provided");
        s.stop().await;
    }

    pub async fn register_and_first_admin(s: TestServer) {
        let b = s
            .post("/api/v1/users.register", None, json!({"username": "reg1", "email": "reg1@example.com", "pass": "pw1", "name": "Reg One"}))
            .await
            .ok();
        assert_eq!(b["user"]["roles"], json!(["user"]));
        s.login("reg1", "pw1").await;
        let e = s
            .post("/api/v1/users.register", None, json!({"username": "reg1", "email": "other@example.com", "pass": "pw", "name": "R"}))
            .await
            .err(400);
        assert_eq!(e["error"], "Username is already in use");
        s.post(
            "/api/v1/users.register",
            None,
            json!({"username": "reg2", "email": "reg1@example.com", "pass": "pw", "name": "R"}),
        )
        .await
        .err_type("error-invalid-email");
        s.post(
            "/api/v1/users.register",
            None,
            json!({"username": "reg2", "email": "r@example.com", "name": "R"}),
        )
        .await
        .err_type("error-invalid-params");
        // With nobody holding admin, the next account becomes admin.
        let db = s.running().users().db();
        apogee_storage::repo::users::remove_role(db, &s.admin.user_id, "admin")
            .await
            .unwrap();
        let b = s
            .post(
                "/api/v1/users.register",
                None,
                json!({"username": "reg3", "email": "reg3@example.com", "pass": "pw", "name": "R"}),
            )
            .await
            .ok();
        assert!(
            b["user"]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("admin"))
        );
        s.stop().await;
    }

    pub async fn status_and_presence(s: TestServer) {
        let u = s.user("erin").await;
        s.post(
            "/api/v1/users.setStatus",
            Some(&u),
            json!({"status": "busy", "message": "in a meeting"}),
        )
        .await
        .ok();
        let st = s.get("/api/v1/users.getStatus", Some(&u)).await.ok();
        assert_eq!(st["status"], "busy");
        assert_eq!(st["message"], "in a meeting");
        assert_eq!(st["_id"], json!(u.user_id));
        let other = s
            .get("/api/v1/users.getStatus?username=erin", Some(&s.admin))
            .await
            .ok();
        assert_eq!(other["status"], "busy");
        s.post(
            "/api/v1/users.setStatus",
            Some(&u),
            json!({"status": "sleeping"}),
        )
        .await
        .err_type("error-invalid-params");
        s.post("/api/v1/users.setStatus", Some(&u), json!({}))
            .await
            .err_type("error-invalid-params");
        s.post(
            "/api/v1/users.setStatus",
            Some(&u),
            json!({"status": "away", "userId": s.admin.user_id}),
        )
        .await
        .err(403);
        let own = s.get("/api/v1/users.getPresence", Some(&u)).await.ok();
        assert_eq!(own["presence"], "busy");
        assert!(own["connectionStatus"].is_string() && own["lastLogin"].is_string());
        let theirs = s
            .get(
                &format!("/api/v1/users.getPresence?userId={}", u.user_id),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(theirs["presence"], "busy");
        assert!(theirs.get("lastLogin").is_none());
        let p = s
            .get(
                &format!(
                    "/api/v1/users.presence?ids[]={}&ids[]={}",
                    u.user_id, s.admin.user_id
                ),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(p["full"], true);
        assert_eq!(p["users"].as_array().unwrap().len(), 2);
        let p = s
            .get(
                &format!(
                    "/api/v1/users.presence?ids={},{}&from=2999-01-01T00:00:00.000Z",
                    u.user_id, s.admin.user_id
                ),
                Some(&u),
            )
            .await
            .ok();
        assert_eq!(p["full"], false);
        assert_eq!(p["users"].as_array().unwrap().len(), 0);
        s.get("/api/v1/users.presence?from=yesterday", Some(&u))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn active_status(s: TestServer) {
        let u = s.user("frank").await;
        s.post(
            "/api/v1/users.setActiveStatus",
            Some(&u),
            json!({"userId": u.user_id, "activeStatus": false}),
        )
        .await
        .err(403);
        let b = s
            .post(
                "/api/v1/users.setActiveStatus",
                Some(&s.admin),
                json!({"userId": u.user_id, "activeStatus": false}),
            )
            .await
            .ok();
        assert_eq!(b["user"], json!({"_id": u.user_id, "active": false}));
        s.get("/api/v1/me", Some(&u)).await.err(401);
        let e = s
            .post(
                "/api/v1/login",
                None,
                json!({"user": "frank", "password": "frank-pw"}),
            )
            .await
            .err(401);
        assert_eq!(e["error"], "error-user-is-not-activated");
        s.post(
            "/api/v1/users.setActiveStatus",
            Some(&s.admin),
            json!({"userId": u.user_id, "activeStatus": "true"}),
        )
        .await
        .ok();
        s.login("frank", "frank-pw").await;
        s.post(
            "/api/v1/users.setActiveStatus",
            Some(&s.admin),
            json!({"userId": s.admin.user_id, "activeStatus": false}),
        )
        .await
        .err_type("error-action-not-allowed");
        s.post(
            "/api/v1/users.setActiveStatus",
            Some(&s.admin),
            json!({"userId": u.user_id}),
        )
        .await
        .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn preferences_and_forgot_password(s: TestServer) {
        let u = s.user("gina").await;
        assert_eq!(
            s.get("/api/v1/users.getPreferences", Some(&u)).await.ok()["preferences"],
            json!({})
        );
        s.post(
            "/api/v1/users.setPreferences",
            Some(&u),
            json!({"data": {"language": "de", "hideRoles": true}}),
        )
        .await
        .ok();
        let b = s
            .post(
                "/api/v1/users.setPreferences",
                Some(&u),
                json!({"data": {"hideRoles": false}}),
            )
            .await
            .ok();
        assert_eq!(
            b["user"]["settings"]["preferences"],
            json!({"language": "de", "hideRoles": false})
        );
        s.post(
            "/api/v1/users.setPreferences",
            Some(&u),
            json!({"userId": s.admin.user_id, "data": {"x": 1}}),
        )
        .await
        .err(403);
        s.post(
            "/api/v1/users.setPreferences",
            Some(&u),
            json!({"data": "nope"}),
        )
        .await
        .err_type("error-invalid-params");
        let me = s.get("/api/v1/me", Some(&u)).await.ok();
        assert_eq!(me["settings"]["preferences"]["language"], "de");
        assert_eq!(
            s.post(
                "/api/v1/users.forgotPassword",
                None,
                json!({"email": "gina@example.com"})
            )
            .await
            .ok(),
            json!({"success": true})
        );
        assert_eq!(
            s.post(
                "/api/v1/users.forgotPassword",
                None,
                json!({"email": "nobody@example.com"})
            )
            .await
            .ok(),
            json!({"success": true})
        );
        s.post("/api/v1/users.forgotPassword", None, json!({}))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn spotlight_and_directory(s: TestServer) {
        let u = s.user("hank_the_tank").await;
        s.user("hankxthe").await;
        let b = s
            .get("/api/v1/spotlight?query=hank_the", Some(&u))
            .await
            .ok();
        let names: Vec<&str> = b["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["hank_the_tank"], "`_` matches literally");
        assert!(b["rooms"].as_array().unwrap().is_empty());
        let b = s
            .get("/api/v1/spotlight?query=%23gene", Some(&u))
            .await
            .ok();
        assert_eq!(b["rooms"][0]["_id"], "GENERAL");
        assert!(b["users"].as_array().unwrap().is_empty());
        let b = s
            .get("/api/v1/directory?type=users&text=hank&count=1", Some(&u))
            .await
            .ok();
        assert_eq!(b["total"], 2);
        assert_eq!(b["count"], 1);
        assert!(b["result"][0].get("emails").is_none());
        let b = s
            .get("/api/v1/directory?text=hank&type=users", Some(&s.admin))
            .await
            .ok();
        assert!(b["result"][0]["emails"].is_array());
        let b = s
            .get("/api/v1/directory?type=channels&text=gen", Some(&u))
            .await
            .ok();
        assert_eq!(b["result"][0]["name"], "general");
        s.get("/api/v1/directory?type=planets", Some(&u))
            .await
            .err_type("error-invalid-type");
        s.get("/api/v1/directory?query={broken", Some(&u))
            .await
            .err_type("error-invalid-params");
        s.get("/api/v1/spotlight?query=x", None).await.err(401);
        s.stop().await;
    }
}

db_tests!(
    create_and_info,
    create_validation_and_permission,
    list_pages_to_the_end,
    update_and_own_info,
    delete_and_last_admin,
    register_and_first_admin,
    status_and_presence,
    active_status,
    preferences_and_forgot_password,
    spotlight_and_directory,
);

/// SQLite serializes writers: many concurrent registrations all succeed (no SQLITE_BUSY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed() {
    for b in backends() {
        let s = std::sync::Arc::new(TestServer::start(&b).await);
        let mut tasks = Vec::new();
        for i in 0..40 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.post(
                    "/api/v1/users.register",
                    None,
                    json!({"username": format!("conc{i}"), "email": format!("conc{i}@example.com"), "pass": "pw", "name": "C"}),
                )
                .await
                .ok();
                s.post("/api/v1/login", None, json!({"user": ADMIN, "password": apogee_blackbox::ADMIN_PASS})).await.ok();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let total = s
            .get("/api/v1/users.list?count=1", Some(&s.admin))
            .await
            .ok()["total"]
            .clone();
        assert_eq!(total, 41);
        if let Ok(s) = std::sync::Arc::try_unwrap(s) {
            s.stop().await;
        }
    }
}
