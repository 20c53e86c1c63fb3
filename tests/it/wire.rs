//! Wire rules: envelopes, status codes, content type, lenient parsing, docs.

use apogee_blackbox::{TestServer, db_tests};
use reqwest::Method;
use serde_json::json;

mod bodies {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub async fn info_anonymous_and_admin(s: TestServer) {
        let anon = s.get("/api/info", None).await;
        assert_eq!(
            anon.headers.get("content-type").unwrap(),
            "application/json"
        );
        assert_eq!(anon.headers.get("cache-control").unwrap(), "no-store");
        let b = anon.ok();
        assert_eq!(b["version"], "8.5");
        assert!(b.get("info").is_none());
        assert_eq!(b["minimumClientVersions"]["mobile"], "4.39.0");
        let admin = s.get("/api/info", Some(&s.admin)).await.ok();
        assert_eq!(admin["version"], "8.5.0");
        assert_eq!(admin["info"]["version"], "8.5.0");
        let user = s.user("plainuser").await;
        assert_eq!(s.get("/api/info", Some(&user)).await.ok()["version"], "8.5");
        s.stop().await;
    }

    pub async fn errors_are_json_envelopes(s: TestServer) {
        // Unknown routes and wrong methods.
        let b = s
            .get("/api/v1/no.such.method", Some(&s.admin))
            .await
            .err(404);
        assert_eq!(b["error"], "Resource not found");
        s.get("/nowhere", None).await.err(404);
        s.call(Method::DELETE, "/api/v1/me", Some(&s.admin), None)
            .await
            .err(404);
        // No token, or only half of the credentials.
        let b = s.get("/api/v1/me", None).await.err(401);
        assert_eq!(
            b,
            json!({"success":false,"status":"error","error":"You must be logged in to do this.","message":"You must be logged in to do this."})
        );
        let half = apogee_blackbox::Creds {
            user_id: String::new(),
            token: s.admin.token.clone(),
        };
        s.get("/api/v1/me", Some(&half)).await.err(401);
        let wrong = apogee_blackbox::Creds {
            user_id: s.admin.user_id.clone(),
            token: "nope".into(),
        };
        s.get("/api/v1/me", Some(&wrong)).await.err(401);
        // Malformed JSON, mistyped and missing parameters.
        let b = s
            .raw(
                Method::POST,
                "/api/v1/users.create",
                Some(&s.admin),
                "application/json",
                "{not json",
            )
            .await;
        assert_eq!(b.err(400)["errorType"], "error-invalid-params");
        let b = s
            .post(
                "/api/v1/users.setActiveStatus",
                Some(&s.admin),
                json!({"userId": "x", "activeStatus": "maybe"}),
            )
            .await;
        b.err_type("error-invalid-params");
        let b = s
            .post(
                "/api/v1/users.create",
                Some(&s.admin),
                json!({"username": 5}),
            )
            .await;
        b.err_type("error-invalid-params");
        let b = s.get("/api/v1/users.list?count=abc", Some(&s.admin)).await;
        b.err_type("error-invalid-params");
        let b = s
            .post("/api/v1/login", None, json!({"user": "admin"}))
            .await
            .err_type("error-invalid-params");
        assert_eq!(b["error"], "must have required property 'password'");
        // Oversized body: refused from its Content-Length, before it is read.
        let addr = s.base.trim_start_matches("http://").to_owned();
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let req = format!(
            "POST /api/v1/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{",
            64 * 1024 * 1024
        );
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        conn.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 413"), "{out}");
        assert!(out.contains("content-type: application/json"), "{out}");
        assert!(
            out.contains(r#""errorType":"error-payload-too-large""#),
            "{out}"
        );
        // A body streamed without Content-Length: read normally when small, refused with a JSON
        // error once it passes the limit (never buffered whole).
        let chunked = |body_chunks: Vec<Vec<u8>>| {
            let addr = addr.clone();
            async move {
                let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
                let head = format!(
                    "POST /api/v1/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                );
                conn.write_all(head.as_bytes()).await.unwrap();
                for c in body_chunks {
                    let mut frame = format!("{:x}\r\n", c.len()).into_bytes();
                    frame.extend_from_slice(&c);
                    frame.extend_from_slice(b"\r\n");
                    // The server may answer and close before the whole body is sent.
                    if conn.write_all(&frame).await.is_err() {
                        break;
                    }
                }
                let _ = conn.write_all(b"0\r\n\r\n").await;
                let mut out = Vec::new();
                let _ = conn.read_to_end(&mut out).await;
                String::from_utf8_lossy(&out).into_owned()
            }
        };
        let out = chunked(vec![
            br#"{"user":"admin","#.to_vec(),
            br#""password":"wrong"}"#.to_vec(),
        ])
        .await;
        assert!(out.starts_with("HTTP/1.1 401"), "{out}");
        // Valid JSON (a 10 MiB password): without the cap this would be a 401.
        let mut big = vec![br#"{"user":"admin","password":""#.to_vec()];
        big.extend((0..160).map(|_| vec![b'a'; 64 * 1024]));
        big.push(br#""}"#.to_vec());
        let out = chunked(big).await;
        let status: u16 = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(matches!(status, 400 | 413), "{out}");
        assert!(out.contains("content-type: application/json"), "{out}");
        assert!(out.contains(r#""success":false"#), "{out}");
        s.get("/api/info", None).await.ok();
        s.stop().await;
    }

    pub async fn lenient_requests(s: TestServer) {
        // A body without JSON content type is still JSON; a missing body is `{}`.
        let b = s
            .raw(
                Method::POST,
                "/api/v1/login",
                None,
                "text/plain",
                &json!({"user": "admin", "password": apogee_blackbox::ADMIN_PASS}).to_string(),
            )
            .await
            .ok();
        assert_eq!(b["status"], "success");
        let b = s
            .raw(
                Method::POST,
                "/api/v1/users.logout",
                Some(&s.admin),
                "text/plain",
                "",
            )
            .await
            .ok();
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .contains("has been logged out")
        );
        // CORS preflight.
        let r = s.call(Method::OPTIONS, "/api/v1/me", None, None).await;
        assert_eq!(r.status.as_u16(), 200);
        assert!(
            r.headers
                .get("access-control-allow-headers")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("X-Auth-Token")
        );
        s.stop().await;
    }

    /// rocketchat_API builds query strings by hand; `requests` then encodes only quotes and spaces, so
    /// the server sees raw braces and colons.
    pub async fn raw_unencoded_query_strings(s: TestServer) {
        let admin = s.admin.clone();
        s.user("rawquery_user").await;
        let addr = s.base.trim_start_matches("http://").to_owned();
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let req = format!(
            "GET /api/v1/directory?query={{%22text%22:%20%22rawquery%22,%20%22type%22:%20%22users%22}}&offset=0&count=50 HTTP/1.1\r\nHost: {addr}\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
            admin.user_id, admin.token
        );
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        conn.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(out.contains("rawquery_user"), "{out}");
        s.stop().await;
    }

    pub async fn openapi_served_and_docs_render(s: TestServer) {
        let spec = s.get("/api/v1/openapi.json", None).await;
        assert_eq!(spec.status.as_u16(), 200);
        let ops: Vec<String> = spec.body["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| {
                p.as_object()
                    .unwrap()
                    .values()
                    .filter_map(|o| o["operationId"].as_str().map(str::to_owned))
            })
            .collect();
        for id in [
            "login",
            "me",
            "info",
            "users.create",
            "users.list",
            "roles.list",
            "permissions.listAll",
            "settings.public",
            "statistics",
            "spotlight",
            "directory",
        ] {
            assert!(ops.iter().any(|o| o == id), "operation {id} missing");
        }
        // Every operation has a summary and documents a 400 error.
        for (path, item) in spec.body["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["summary"].is_string(), "{method} {path} has no summary");
            }
        }
        let docs = s
            .http
            .get(format!("{}/api/docs", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(docs.status().as_u16(), 200);
        let html = docs.text().await.unwrap();
        assert!(html.contains("swagger"), "{html}");
        s.stop().await;
    }
}

db_tests!(
    info_anonymous_and_admin,
    errors_are_json_envelopes,
    lenient_requests,
    raw_unencoded_query_strings,
    openapi_served_and_docs_render,
);
