//! `roles.*` and `permissions.*`.

use apogee_blackbox::{TestServer, db_tests};
use serde_json::json;

mod bodies {
    use super::*;

    pub async fn builtin_roles_and_crud(s: TestServer) {
        let u = s.user("ivan").await;
        let roles = s.get("/api/v1/roles.list", Some(&u)).await.ok();
        let ids: Vec<&str> = roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["_id"].as_str().unwrap())
            .collect();
        for r in [
            "admin",
            "user",
            "bot",
            "app",
            "guest",
            "owner",
            "moderator",
            "leader",
        ] {
            assert!(ids.contains(&r), "{r}");
        }
        let owner = roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["_id"] == "owner")
            .unwrap();
        assert_eq!(owner["scope"], "Subscriptions");
        assert_eq!(owner["protected"], true);
        s.post("/api/v1/roles.create", Some(&u), json!({"name": "auditor"}))
            .await
            .err(403);
        let r = s
            .post(
                "/api/v1/roles.create",
                Some(&s.admin),
                json!({"name": "auditor", "description": "Reads logs"}),
            )
            .await
            .ok()["role"]
            .clone();
        assert_eq!(r["name"], "auditor");
        assert_eq!(r["scope"], "Users");
        assert_eq!(r["protected"], false);
        let rid = r["_id"].as_str().unwrap().to_owned();
        s.post(
            "/api/v1/roles.create",
            Some(&s.admin),
            json!({"name": "auditor"}),
        )
        .await
        .err_type("error-duplicate-role-names-not-allowed");
        s.post(
            "/api/v1/roles.create",
            Some(&s.admin),
            json!({"name": "x", "scope": "Planets"}),
        )
        .await
        .err_type("error-invalid-scope");
        s.post("/api/v1/roles.create", Some(&s.admin), json!({}))
            .await
            .err_type("error-invalid-params");
        let r = s
            .post(
                "/api/v1/roles.update",
                Some(&s.admin),
                json!({"roleId": rid, "name": "auditors"}),
            )
            .await
            .ok();
        assert_eq!(r["role"]["name"], "auditors");
        s.post(
            "/api/v1/roles.update",
            Some(&s.admin),
            json!({"roleId": "admin", "name": "boss"}),
        )
        .await
        .err_type("error-role-protected");
        // Holders.
        s.post(
            "/api/v1/roles.addUserToRole",
            Some(&s.admin),
            json!({"roleId": rid, "username": "ivan"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/roles.addUserToRole",
            Some(&s.admin),
            json!({"roleId": rid, "username": "ivan"}),
        )
        .await
        .err_type("error-user-already-in-role");
        // The caller's own view changes at once (no stale cached login).
        let me = s.get("/api/v1/me", Some(&u)).await.ok();
        assert!(
            me["roles"].as_array().unwrap().contains(&json!(rid)),
            "{me}"
        );
        let info = s
            .get("/api/v1/users.info?username=ivan", Some(&s.admin))
            .await
            .ok();
        assert!(
            info["user"]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!(rid))
        );
        let holders = s
            .get(
                &format!("/api/v1/roles.getUsersInRole?role={rid}"),
                Some(&s.admin),
            )
            .await
            .ok();
        assert_eq!(holders["total"], 1);
        assert_eq!(holders["users"][0]["username"], "ivan");
        let public = s
            .get("/api/v1/roles.getUsersInPublicRoles", Some(&u))
            .await
            .ok();
        assert!(
            public["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["username"] == "ivan")
        );
        s.post(
            "/api/v1/roles.delete",
            Some(&s.admin),
            json!({"roleId": rid}),
        )
        .await
        .err_type("error-role-in-use");
        s.post(
            "/api/v1/roles.removeUserFromRole",
            Some(&s.admin),
            json!({"roleId": rid, "username": "ivan"}),
        )
        .await
        .ok();
        let me = s.get("/api/v1/me", Some(&u)).await.ok();
        assert!(
            !me["roles"].as_array().unwrap().contains(&json!(rid)),
            "{me}"
        );
        s.post(
            "/api/v1/roles.removeUserFromRole",
            Some(&s.admin),
            json!({"roleId": rid, "username": "ivan"}),
        )
        .await
        .err_type("error-user-not-in-role");
        s.post(
            "/api/v1/roles.delete",
            Some(&s.admin),
            json!({"roleId": "admin"}),
        )
        .await
        .err_type("error-role-protected");
        s.post(
            "/api/v1/roles.delete",
            Some(&s.admin),
            json!({"roleId": rid}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/roles.delete",
            Some(&s.admin),
            json!({"roleId": rid}),
        )
        .await
        .err_type("error-role-not-found");
        // Sync reports the deletion.
        let sync = s
            .get(
                "/api/v1/roles.sync?updatedSince=2020-01-01T00:00:00.000Z",
                Some(&u),
            )
            .await
            .ok();
        assert!(
            sync["roles"]["remove"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["_id"] == json!(rid))
        );
        assert!(
            sync["roles"]["update"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["_id"] == "admin")
        );
        let sync = s
            .get(
                "/api/v1/roles.sync?updatedSince=2999-01-01T00:00:00.000Z",
                Some(&u),
            )
            .await
            .ok();
        assert!(sync["roles"]["update"].as_array().unwrap().is_empty());
        s.get("/api/v1/roles.sync?updatedSince=soon", Some(&u))
            .await
            .err_type("error-updatedSince-param-invalid");
        s.get("/api/v1/roles.sync", Some(&u))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn last_admin_cannot_be_removed(s: TestServer) {
        s.post(
            "/api/v1/roles.removeUserFromRole",
            Some(&s.admin),
            json!({"roleId": "admin", "username": "admin"}),
        )
        .await
        .err_type("error-admin-required");
        s.user("judy").await;
        s.post(
            "/api/v1/roles.addUserToRole",
            Some(&s.admin),
            json!({"roleName": "admin", "username": "judy"}),
        )
        .await
        .ok();
        s.post(
            "/api/v1/roles.removeUserFromRole",
            Some(&s.admin),
            json!({"roleId": "admin", "username": "admin"}),
        )
        .await
        .ok();
        s.stop().await;
    }

    pub async fn permissions_list_and_update(s: TestServer) {
        let u = s.user("kate").await;
        let all = s.get("/api/v1/permissions.listAll", Some(&u)).await.ok();
        let create_c = all["update"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["_id"] == "create-c")
            .unwrap()
            .clone();
        assert!(
            create_c["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("user"))
        );
        assert!(create_c["_updatedAt"].is_string());
        assert_eq!(all["remove"], json!([]));
        // A permission change takes effect: without create-personal-access-tokens, users get 403.
        s.post(
            "/api/v1/permissions.update",
            Some(&u),
            json!({"permissions": [{"_id": "create-c", "roles": []}]}),
        )
        .await
        .err(403);
        let b = s
            .post("/api/v1/permissions.update", Some(&s.admin), json!({"permissions": [{"_id": "create-personal-access-tokens", "roles": ["admin"]}]}))
            .await
            .ok();
        assert!(b["permissions"].as_array().unwrap().len() > 50);
        s.post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&u),
            json!({"tokenName": "t"}),
        )
        .await
        .err(403);
        let since = s
            .get(
                "/api/v1/permissions.listAll?updatedSince=2020-01-01T00:00:00.000Z",
                Some(&u),
            )
            .await
            .ok();
        assert!(!since["update"].as_array().unwrap().is_empty());
        s.post(
            "/api/v1/permissions.update",
            Some(&s.admin),
            json!({"permissions": [{"_id": "no-such-perm", "roles": []}]}),
        )
        .await
        .err_type("error-invalid-permission");
        s.post(
            "/api/v1/permissions.update",
            Some(&s.admin),
            json!({"permissions": [{"_id": "create-c", "roles": ["wizard"]}]}),
        )
        .await
        .err_type("error-invalid-role");
        s.post("/api/v1/permissions.update", Some(&s.admin), json!({}))
            .await
            .err_type("error-invalid-params");
        s.get("/api/v1/permissions.listAll?updatedSince=never", Some(&u))
            .await
            .err_type("error-updatedSince-param-invalid");
        s.stop().await;
    }
}

db_tests!(
    builtin_roles_and_crud,
    last_admin_cannot_be_removed,
    permissions_list_and_update
);
