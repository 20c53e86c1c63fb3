//! Contract checks over every operation in the OpenAPI document: no operation that needs a login
//! answers anything but Rocket.Chat's 401 without one, every body-taking operation answers
//! malformed JSON with a 400 carrying an `errorType`, and admin-only operations refuse a regular
//! user with 403. Nothing answers 500 or non-JSON.

use apogee_blackbox::{TestServer, db_tests};
use reqwest::Method;
use serde_json::{Value, json};

fn operations(spec: &Value) -> Vec<(Method, String, bool, bool)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let m: Method = method.to_uppercase().parse().unwrap();
            let secured = op
                .get("security")
                .is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()));
            let has_body = op.get("requestBody").is_some();
            let path = path.replace("{id}", "Site_Name");
            out.push((m, path, secured, has_body));
        }
    }
    out
}

mod bodies {
    use super::*;

    pub async fn every_secured_operation_needs_login(s: TestServer) {
        let spec = s.get("/api/v1/openapi.json", None).await.body;
        let ops = operations(&spec);
        assert!(ops.len() > 40, "{}", ops.len());
        for (m, path, secured, _) in &ops {
            if !secured {
                continue;
            }
            let r = s.call(m.clone(), path, None, Some(json!({}))).await;
            assert_eq!(r.status.as_u16(), 401, "{m} {path}: {}", r.body);
            assert_eq!(
                r.body["error"], "You must be logged in to do this.",
                "{m} {path}"
            );
        }
        s.stop().await;
    }

    pub async fn every_body_rejects_malformed_json(s: TestServer) {
        let spec = s.get("/api/v1/openapi.json", None).await.body;
        for (m, path, _, has_body) in operations(&spec) {
            if !has_body {
                continue;
            }
            let r = s
                .raw(
                    m.clone(),
                    &path,
                    Some(&s.admin),
                    "application/json",
                    "{\"broken\": ",
                )
                .await;
            assert_eq!(r.status.as_u16(), 400, "{m} {path}: {}", r.body);
            assert_eq!(r.body["success"], false, "{m} {path}");
            assert!(r.body["errorType"].is_string(), "{m} {path}: {}", r.body);
            let r = s
                .raw(
                    m.clone(),
                    &path,
                    Some(&s.admin),
                    "application/json",
                    "[1, 2]",
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                400,
                "{m} {path} with an array body: {}",
                r.body
            );
            assert!(r.body["errorType"].is_string(), "{m} {path}: {}", r.body);
        }
        s.stop().await;
    }

    pub async fn admin_operations_refuse_regular_users(s: TestServer) {
        let u = s.user("notadmin").await;
        let cases: Vec<(Method, &str, Value)> = vec![
            (
                Method::POST,
                "/api/v1/users.create",
                json!({"username": "z", "email": "z@example.com", "name": "z", "password": "p"}),
            ),
            (
                Method::POST,
                "/api/v1/users.delete",
                json!({"userId": s.admin.user_id}),
            ),
            (
                Method::POST,
                "/api/v1/users.update",
                json!({"userId": s.admin.user_id, "data": {"name": "x"}}),
            ),
            (
                Method::POST,
                "/api/v1/users.setActiveStatus",
                json!({"userId": s.admin.user_id, "activeStatus": false}),
            ),
            (
                Method::POST,
                "/api/v1/users.setStatus",
                json!({"userId": s.admin.user_id, "status": "away"}),
            ),
            (
                Method::POST,
                "/api/v1/users.setPreferences",
                json!({"userId": s.admin.user_id, "data": {}}),
            ),
            (
                Method::POST,
                "/api/v1/users.logout",
                json!({"userId": s.admin.user_id}),
            ),
            (Method::POST, "/api/v1/roles.create", json!({"name": "r"})),
            (
                Method::POST,
                "/api/v1/roles.update",
                json!({"roleId": "user", "description": "x"}),
            ),
            (
                Method::POST,
                "/api/v1/roles.delete",
                json!({"roleId": "guest"}),
            ),
            (
                Method::POST,
                "/api/v1/roles.addUserToRole",
                json!({"roleId": "admin", "username": "notadmin"}),
            ),
            (
                Method::POST,
                "/api/v1/roles.removeUserFromRole",
                json!({"roleId": "admin", "username": "admin"}),
            ),
            (
                Method::GET,
                "/api/v1/roles.getUsersInRole?role=admin",
                Value::Null,
            ),
            (
                Method::POST,
                "/api/v1/permissions.update",
                json!({"permissions": [{"_id": "create-c", "roles": []}]}),
            ),
            (Method::GET, "/api/v1/settings/Site_Name", Value::Null),
            (
                Method::POST,
                "/api/v1/settings/Site_Name",
                json!({"value": "mine"}),
            ),
            (Method::GET, "/api/v1/statistics", Value::Null),
            (Method::GET, "/api/v1/statistics.list", Value::Null),
        ];
        for (m, path, body) in cases {
            let body = (!body.is_null()).then_some(body);
            let r = s.call(m.clone(), path, Some(&u), body).await;
            assert_eq!(r.status.as_u16(), 403, "{m} {path}: {}", r.body);
            assert_eq!(
                r.body,
                json!({"success": false, "error": "User does not have the permissions required for this action [error-forbidden]"}),
                "{m} {path}"
            );
        }
        // Still an admin, still active, same name: nothing above took effect.
        let me = s.get("/api/v1/me", Some(&s.admin)).await.ok();
        assert_eq!(me["roles"], json!(["admin", "user"]));
        assert_eq!(me["name"], "Administrator");
        s.stop().await;
    }
}

db_tests!(
    every_secured_operation_needs_login,
    every_body_rejects_malformed_json,
    admin_operations_refuse_regular_users,
);
