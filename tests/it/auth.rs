//! Logging in and out, tokens, brute-force blocking.

use apogee_blackbox::{ADMIN, ADMIN_PASS, Backend, Creds, TestServer, backends, db_tests};
use serde_json::json;

fn sha256_hex(s: &str) -> String {
    apogee_users::password::sha256_hex(s)
}

mod bodies {
    use super::*;

    pub async fn login_body_forms(s: TestServer) {
        s.user("formuser").await;
        let pw = "formuser-pw";
        for body in [
            json!({"user": "formuser", "password": pw}),
            json!({"username": "formuser", "password": pw}),
            json!({"user": "formuser@example.com", "password": pw}),
            json!({"email": "FormUser@Example.com", "password": pw}),
            json!({"user": {"username": "formuser"}, "password": {"digest": sha256_hex(pw), "algorithm": "sha-256"}}),
            json!({"user": "FORMUSER", "password": pw, "code": "123456"}),
        ] {
            let b = s.post("/api/v1/login", None, body.clone()).await.ok();
            assert_eq!(b["status"], "success", "{body}");
            assert_eq!(b["data"]["me"]["username"], "formuser");
            assert!(b["data"]["authToken"].as_str().unwrap().len() == 43);
        }
        // Each login is its own session.
        let a = s.login("formuser", pw).await;
        let b = s.login("formuser", pw).await;
        assert_ne!(a.token, b.token);
        s.get("/api/v1/me", Some(&a)).await.ok();
        s.get("/api/v1/me", Some(&b)).await.ok();
        s.stop().await;
    }

    pub async fn login_failures_are_401(s: TestServer) {
        let b = s
            .post(
                "/api/v1/login",
                None,
                json!({"user": ADMIN, "password": "wrong"}),
            )
            .await
            .err(401);
        assert_eq!(b["error"], "unauthorized");
        assert_eq!(b["status"], "error");
        let b = s
            .post(
                "/api/v1/login",
                None,
                json!({"user": "ghost", "password": "x"}),
            )
            .await
            .err(401);
        assert_eq!(b["error"], "unauthorized");
        s.post("/api/v1/login", None, json!({"resume": "not-a-token"}))
            .await
            .err(401);
        s.post("/api/v1/login", None, json!({"password": "x"}))
            .await
            .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn resume_me_and_logout(s: TestServer) {
        let b = s
            .post("/api/v1/login", None, json!({"resume": s.admin.token}))
            .await
            .ok();
        assert_eq!(b["data"]["authToken"], json!(s.admin.token));
        let me = s.get("/api/v1/me", Some(&s.admin)).await.ok();
        assert_eq!(me["username"], ADMIN);
        assert_eq!(me["roles"], json!(["admin", "user"]));
        assert_eq!(me["emails"][0]["address"], "admin@example.com");
        assert_eq!(me["services"], json!({"password": {"exists": true}}));
        let text = me.to_string();
        assert!(
            !text.contains("argon2") && !text.contains(&s.admin.token),
            "{text}"
        );
        // POST logout kills this token only; GET logout works too.
        let other = s.login(ADMIN, ADMIN_PASS).await;
        let b = s
            .post("/api/v1/logout", Some(&s.admin), json!({}))
            .await
            .ok();
        assert_eq!(b["data"]["message"], "You've been logged out!");
        s.get("/api/v1/me", Some(&s.admin)).await.err(401);
        s.get("/api/v1/me", Some(&other)).await.ok();
        s.get("/api/v1/logout", Some(&other)).await.ok();
        s.get("/api/v1/me", Some(&other)).await.err(401);
        s.stop().await;
    }

    pub async fn secrets_are_hashed_at_rest(s: TestServer) {
        let db = s.running().users().db();
        let me = apogee_storage::repo::users::by_username(db, ADMIN)
            .await
            .unwrap()
            .unwrap();
        let hash = me.password_hash.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains(ADMIN_PASS));
        // The token is not stored; its base64(sha256) is.
        assert!(
            apogee_storage::repo::tokens::by_hash(db, &s.admin.token)
                .await
                .unwrap()
                .is_none()
        );
        let hashed = apogee_users::tokens::hash_token(&s.admin.token);
        let row = apogee_storage::repo::tokens::by_hash(db, &hashed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.user_id, s.admin.user_id);
        assert!(row.expires_at.unwrap() > apogee_core::Timestamp::now().millis() + 89 * 86_400_000);
        s.stop().await;
    }

    pub async fn personal_access_tokens(s: TestServer) {
        let u = s.user("patuser").await;
        let tok = s
            .post(
                "/api/v1/users.generatePersonalAccessToken",
                Some(&u),
                json!({"tokenName": "ci"}),
            )
            .await
            .ok()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let pat = Creds {
            user_id: u.user_id.clone(),
            token: tok.clone(),
        };
        assert_eq!(
            s.get("/api/v1/me", Some(&pat)).await.ok()["username"],
            "patuser"
        );
        s.post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&u),
            json!({"tokenName": "ci"}),
        )
        .await
        .err_type("error-token-already-exists");
        let list = s
            .get("/api/v1/users.getPersonalAccessTokens", Some(&u))
            .await
            .ok();
        assert_eq!(list["tokens"][0]["name"], "ci");
        assert_eq!(
            list["tokens"][0]["lastTokenPart"],
            json!(tok[tok.len() - 6..])
        );
        assert!(!list.to_string().contains(&tok));
        let new = s
            .post(
                "/api/v1/users.regeneratePersonalAccessToken",
                Some(&u),
                json!({"tokenName": "ci"}),
            )
            .await
            .ok()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        s.get("/api/v1/me", Some(&pat)).await.err(401);
        let pat2 = Creds {
            user_id: u.user_id.clone(),
            token: new,
        };
        s.get("/api/v1/me", Some(&pat2)).await.ok();
        s.post(
            "/api/v1/users.removePersonalAccessToken",
            Some(&u),
            json!({"tokenName": "ci"}),
        )
        .await
        .ok();
        s.get("/api/v1/me", Some(&pat2)).await.err(401);
        s.post(
            "/api/v1/users.removePersonalAccessToken",
            Some(&u),
            json!({"tokenName": "ci"}),
        )
        .await
        .err_type("error-token-does-not-exists");
        s.post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&u),
            json!({}),
        )
        .await
        .err_type("error-invalid-params");
        s.stop().await;
    }

    pub async fn create_token_disabled_by_default(s: TestServer) {
        let u = s.user("ctuser").await;
        s.post(
            "/api/v1/users.createToken",
            Some(&s.admin),
            json!({"userId": u.user_id, "secret": "x"}),
        )
        .await
        .err_type("error-not-authorized");
        s.stop().await;
    }

    pub async fn users_logout_everywhere(s: TestServer) {
        let u = s.user("outuser").await;
        let u2 = s.login("outuser", "outuser-pw").await;
        s.post(
            "/api/v1/users.logout",
            Some(&u),
            json!({"userId": s.admin.user_id}),
        )
        .await
        .err(403);
        let b = s
            .post(
                "/api/v1/users.logout",
                Some(&s.admin),
                json!({"userId": u.user_id}),
            )
            .await
            .ok();
        assert_eq!(
            b["message"],
            json!(format!("User {} has been logged out!", u.user_id))
        );
        s.get("/api/v1/me", Some(&u)).await.err(401);
        s.get("/api/v1/me", Some(&u2)).await.err(401);
        s.stop().await;
    }
}

db_tests!(
    login_body_forms,
    login_failures_are_401,
    resume_me_and_logout,
    secrets_are_hashed_at_rest,
    personal_access_tokens,
    create_token_disabled_by_default,
    users_logout_everywhere,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_token_when_enabled() {
    for b in backends() {
        let env = apogee::DeployEnv::from_pairs(&[
            ("CREATE_TOKENS_FOR_USERS".into(), "true".into()),
            ("CREATE_TOKENS_FOR_USERS_SECRET".into(), "s3cret".into()),
        ])
        .unwrap();
        let s = TestServer::start_with(&b, env).await;
        let u = s.user("tokuser").await;
        s.post(
            "/api/v1/users.createToken",
            Some(&s.admin),
            json!({"userId": u.user_id, "secret": "wrong"}),
        )
        .await
        .err_type("error-not-authorized");
        s.post(
            "/api/v1/users.createToken",
            Some(&u),
            json!({"userId": s.admin.user_id, "secret": "s3cret"}),
        )
        .await
        .err(403);
        let d = s
            .post(
                "/api/v1/users.createToken",
                Some(&s.admin),
                json!({"username": "tokuser", "secret": "s3cret"}),
            )
            .await
            .ok();
        let c = Creds {
            user_id: d["data"]["userId"].as_str().unwrap().into(),
            token: d["data"]["authToken"].as_str().unwrap().into(),
        };
        assert_eq!(
            s.get("/api/v1/me", Some(&c)).await.ok()["username"],
            "tokuser"
        );
        s.stop().await;
    }
}

/// Rocket.Chat's brute-force rule: 10 failures for a username block it; the right password is
/// refused while blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_blocks_username() {
    let b: &Backend = &backends()[0];
    let s = TestServer::start(b).await;
    s.user("victim").await;
    for _ in 0..10 {
        s.post(
            "/api/v1/login",
            None,
            json!({"user": "victim", "password": "guess"}),
        )
        .await
        .err(401);
    }
    let body = s
        .post(
            "/api/v1/login",
            None,
            json!({"user": "victim", "password": "victim-pw"}),
        )
        .await
        .err(401);
    assert_eq!(body["error"], "error-login-blocked-for-user");
    // Other users are unaffected.
    s.login(ADMIN, ADMIN_PASS).await;
    s.stop().await;
}
