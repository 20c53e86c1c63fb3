//! Avatars: `users.setAvatar` (multipart, `data:` URI, and an http URL the server fetches through
//! its outbound policy), `users.resetAvatar`, `users.getAvatar` (a redirect), the pictures at
//! `/avatar/...`, their permissions, and the `updateAvatar` / `userData` frames a second
//! connection sees (api.md §8.9, "avatar change").

use crate::ddp::{Ddp, stream_event};
use apogee::DeployEnv;
use apogee_blackbox::{Creds, Reply, TestServer, backends, db_tests};
use base64::Engine;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A valid 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A GIF header is enough for the format check.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/// `users.setAvatar` as multipart: the file in `field`, plus text fields.
async fn upload(
    s: &TestServer,
    who: &Creds,
    field: &str,
    file: &[u8],
    extra: &[(&str, &str)],
) -> Reply {
    let boundary = "apogee-test-boundary-7d93";
    let mut body = Vec::new();
    for (k, v) in extra {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
             filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = s
        .http
        .post(format!("{}/api/v1/users.setAvatar", s.base))
        .header("X-User-Id", &who.user_id)
        .header("X-Auth-Token", &who.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    TestServer::reply(resp).await
}

/// `GET path` without following redirects: status, headers, body bytes.
async fn fetch(
    s: &TestServer,
    path: &str,
    if_none_match: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client.get(format!("{}{}", s.base, path));
    if let Some(tag) = if_none_match {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn etag_of(s: &TestServer, who: &Creds) -> Value {
    s.get("/api/v1/me", Some(who)).await.ok()["avatarETag"].clone()
}

mod bodies {
    use super::*;

    pub async fn avatars_upload_serve_and_reset(s: TestServer) {
        let alice = s.user("alice").await;
        let bob = s.user("bob").await;

        // No upload yet: initials, as SVG, for known and unknown names alike.
        let (status, h, body) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "content-type"), "image/svg+xml");
        let svg = String::from_utf8(body).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("\nA\n"), "{svg}");
        let (status, _, body) = fetch(&s, "/avatar/nobody-here", None).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8(body).unwrap().contains("\nN\n"));
        assert_eq!(etag_of(&s, &alice).await, Value::Null);

        // users.getAvatar redirects to the picture; unknown users get a JSON 400.
        let (status, h, body) = fetch(&s, "/api/v1/users.getAvatar?username=alice", None).await;
        assert_eq!(status, 307);
        let location = header(&h, "location").to_owned();
        assert!(location.ends_with("/avatar/alice"), "{location}");
        assert_eq!(String::from_utf8(body).unwrap(), location);
        let (status, _, _) = fetch(
            &s,
            &format!("/api/v1/users.getAvatar?userId={}", bob.user_id),
            None,
        )
        .await;
        assert_eq!(status, 307);
        s.get("/api/v1/users.getAvatar?username=nobody-here", None)
            .await
            .err_type("error-invalid-user");
        s.get("/api/v1/users.getAvatar", None)
            .await
            .err_type("error-user-param-not-provided");

        // A multipart upload becomes the picture, with a fresh avatarETag.
        upload(&s, &alice, "image", PNG, &[]).await.ok();
        let etag = etag_of(&s, &alice).await;
        let tag = etag.as_str().expect("avatarETag after upload").to_owned();
        let (status, h, body) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "content-type"), "image/png");
        assert_eq!(body, PNG);
        assert_eq!(header(&h, "etag"), format!("\"{tag}\""));
        let (status, _, body) = fetch(&s, "/avatar/alice", Some(&format!("\"{tag}\""))).await;
        assert_eq!(status, 304);
        assert!(body.is_empty());
        // Others see it in the user documents they read.
        let info = s
            .get("/api/v1/users.info?username=alice", Some(&bob))
            .await
            .ok();
        assert_eq!(info["user"]["avatarETag"], tag.as_str());

        // Not an image (an SVG could carry script), a wrong field, no file, a URL the outbound
        // policy refuses (cloud metadata).
        upload(
            &s,
            &alice,
            "image",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            &[],
        )
        .await
        .err_type("error-invalid-image-format");
        upload(&s, &alice, "picture", PNG, &[]).await.err(400);
        s.post("/api/v1/users.setAvatar", Some(&alice), json!({}))
            .await
            .err(400);
        s.post(
            "/api/v1/users.setAvatar",
            Some(&alice),
            json!({"avatarUrl": "http://169.254.169.254/latest/meta-data"}),
        )
        .await
        .err_type("error-avatar-invalid-url");
        assert_eq!(
            etag_of(&s, &alice).await,
            etag,
            "failed uploads change nothing"
        );

        // A data: URI over JSON works too.
        let uri = format!(
            "data:image/gif;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(GIF)
        );
        s.post(
            "/api/v1/users.setAvatar",
            Some(&alice),
            json!({"avatarUrl": uri}),
        )
        .await
        .ok();
        let (_, h, body) = fetch(&s, "/avatar/@alice", None).await;
        assert_eq!(header(&h, "content-type"), "image/gif");
        assert_eq!(body, GIF);
        assert_ne!(etag_of(&s, &alice).await, etag);

        // Someone else's avatar needs edit-other-user-avatar, by JSON or by form field.
        s.post(
            "/api/v1/users.setAvatar",
            Some(&bob),
            json!({"avatarUrl": uri, "userId": alice.user_id}),
        )
        .await
        .err(403);
        upload(&s, &bob, "image", PNG, &[("userId", &alice.user_id)])
            .await
            .err(403);
        s.post(
            "/api/v1/users.resetAvatar",
            Some(&bob),
            json!({"userId": alice.user_id}),
        )
        .await
        .err_type("error-not-allowed");
        let (_, _, body) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(body, GIF, "bob's attempts changed nothing");
        upload(&s, &s.admin, "image", PNG, &[("username", "bob")])
            .await
            .ok();
        let (_, h, _) = fetch(&s, "/avatar/bob", None).await;
        assert_eq!(header(&h, "content-type"), "image/png");

        // Reset: back to initials and no avatarETag; naming nobody is an error.
        s.post("/api/v1/users.resetAvatar", Some(&alice), json!({}))
            .await
            .err_type("error-user-param-not-provided");
        s.post(
            "/api/v1/users.resetAvatar",
            Some(&alice),
            json!({"username": "alice"}),
        )
        .await
        .ok();
        assert_eq!(etag_of(&s, &alice).await, Value::Null);
        let (_, h, _) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(header(&h, "content-type"), "image/svg+xml");
        s.post(
            "/api/v1/users.resetAvatar",
            Some(&s.admin),
            json!({"userId": bob.user_id}),
        )
        .await
        .ok();
        let (_, h, _) = fetch(&s, "/avatar/bob", None).await;
        assert_eq!(header(&h, "content-type"), "image/svg+xml");

        // With Accounts_AllowUserAvatarChange off, users keep the avatar they have.
        s.post(
            "/api/v1/settings/Accounts_AllowUserAvatarChange",
            Some(&s.admin),
            json!({"value": false}),
        )
        .await
        .ok();
        upload(&s, &alice, "image", PNG, &[])
            .await
            .err_type("error-not-allowed");
        // Rooms get initials of their name.
        let (status, h, body) = fetch(&s, "/avatar/room/GENERAL", None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "content-type"), "image/svg+xml");
        assert!(String::from_utf8(body).unwrap().contains("\nG\n"));
        s.stop().await;
    }

    pub async fn avatar_change_frames(s: TestServer) {
        let carol = s.user("carol").await;
        s.user("dave").await;
        // A second connection (dave) listens to updateAvatar; carol to her own userData.
        let mut watcher = Ddp::user(&s, "dave", "dave-pw").await;
        watcher.listen("stream-notify-logged", "updateAvatar").await;
        let mut own = Ddp::user(&s, "carol", "carol-pw").await;
        let user_data = format!("{}/userData", carol.user_id);
        own.listen("stream-notify-user", &user_data).await;

        // Over REST.
        upload(&s, &carol, "image", PNG, &[]).await.ok();
        let etag = etag_of(&s, &carol).await;
        let ev = watcher
            .wait_for(stream_event("stream-notify-logged", "updateAvatar".into()))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"username": "carol", "etag": etag}])
        );
        let ev = own
            .wait_for(stream_event("stream-notify-user", user_data.clone()))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"type": "updated", "id": carol.user_id,
                    "diff": {"avatarETag": etag}, "unset": {}}])
        );

        // Over DDP: setAvatarFromService with an upload, then resetAvatar.
        let uri = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(PNG)
        );
        let r = own
            .call("setAvatarFromService", json!([uri, "image/png", "upload"]))
            .await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = watcher
            .wait_for(stream_event("stream-notify-logged", "updateAvatar".into()))
            .await;
        let second = etag_of(&s, &carol).await;
        assert_ne!(second, etag);
        assert_eq!(ev["fields"]["args"][0]["etag"], second);
        let r = own.call("resetAvatar", json!([])).await;
        assert!(r.get("error").is_none(), "{r}");
        let ev = watcher
            .wait_for(stream_event("stream-notify-logged", "updateAvatar".into()))
            .await;
        assert_eq!(
            ev["fields"]["args"],
            json!([{"username": "carol", "etag": null}])
        );
        // Refused changes send nothing.
        let r = own
            .call(
                "setAvatarFromService",
                json!(["http://169.254.169.254/latest/a.png", "", "url"]),
            )
            .await;
        // The outbound policy refuses the cloud metadata address before any connection.
        assert_eq!(r["error"]["error"], "error-avatar-invalid-url", "{r}");
        let none = watcher
            .collect(
                400,
                stream_event("stream-notify-logged", "updateAvatar".into()),
            )
            .await;
        assert!(none.is_empty(), "{none:?}");
        s.stop().await;
    }
}

db_tests!(avatars_upload_serve_and_reset, avatar_change_frames);

/// A local image host: `/a.png` (the PNG), `/page.html` (HTML), `/fake.png` (text labelled
/// `image/png`), `/broken` (500), anything else 404. Counts the requests it reads.
async fn image_host() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let head = String::from_utf8_lossy(&head).into_owned();
                let (status, content_type, body): (&str, &str, &[u8]) =
                    match head.split(' ').nth(1).unwrap_or("/") {
                        "/a.png" => ("200 OK", "image/png", PNG),
                        "/page.html" => ("200 OK", "text/html", b"<html>hi</html>"),
                        "/fake.png" => ("200 OK", "image/png", b"not a picture"),
                        "/broken" => ("500 Internal Server Error", "text/plain", b"oops"),
                        _ => ("404 Not Found", "text/plain", b"no"),
                    };
                let mut out = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(body);
                let _ = sock.write_all(&out).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, requests)
}

async fn set_avatar_url(s: &TestServer, who: &Creds, url: &str) -> Reply {
    s.post(
        "/api/v1/users.setAvatar",
        Some(who),
        json!({ "avatarUrl": url }),
    )
    .await
}

/// `users.setAvatar` with an http `avatarUrl`: fetched when the outbound allow list opens the
/// (private) image host, answered like Rocket.Chat's `setUserAvatar` service `url` otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatars_from_url() {
    let (host, requests) = image_host().await;
    for backend in backends() {
        let s = TestServer::start_configured(&backend, DeployEnv::default(), |c| {
            c.outbound.allow = "127.0.0.1/32".into();
        })
        .await;
        let alice = s.user("alice").await;
        set_avatar_url(&s, &alice, &format!("http://{host}/a.png"))
            .await
            .ok();
        let etag = etag_of(&s, &alice).await;
        assert!(etag.is_string(), "{etag}");
        let (status, h, body) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&h, "content-type"), "image/png");
        assert_eq!(body, PNG);

        // Not an image type, a 404: error-avatar-invalid-url with the URL.
        let html = format!("http://{host}/page.html");
        let b = set_avatar_url(&s, &alice, &html)
            .await
            .err_type("error-avatar-invalid-url");
        assert_eq!(
            b["error"],
            format!("Invalid avatar URL: {html} [error-avatar-invalid-url]")
        );
        set_avatar_url(&s, &alice, &format!("http://{host}/missing.png"))
            .await
            .err_type("error-avatar-invalid-url");
        // Another failing status: error-avatar-url-handling, naming the user.
        let broken = format!("http://{host}/broken");
        let b = set_avatar_url(&s, &alice, &broken)
            .await
            .err_type("error-avatar-url-handling");
        assert_eq!(
            b["error"],
            format!(
                "Error while handling avatar setting from a URL ({broken}) for alice \
                 [error-avatar-url-handling]"
            )
        );
        // An image type on bytes that are no image: the format check still applies.
        set_avatar_url(&s, &alice, &format!("http://{host}/fake.png"))
            .await
            .err_type("error-invalid-image-format");
        // Addresses outside the allow list stay closed; not a URL at all.
        set_avatar_url(&s, &alice, "http://169.254.169.254/")
            .await
            .err_type("error-avatar-invalid-url");
        set_avatar_url(&s, &alice, "ftp://example.com/a.png")
            .await
            .err_type("error-avatar-invalid-url");
        // Someone else's avatar without edit-other-user-avatar: refused before any fetch.
        let carol = s.user("carol").await;
        let before = requests.load(Ordering::SeqCst);
        s.post(
            "/api/v1/users.setAvatar",
            Some(&carol),
            json!({"avatarUrl": format!("http://{host}/a.png"), "userId": alice.user_id}),
        )
        .await
        .err(403);
        assert_eq!(requests.load(Ordering::SeqCst), before);
        assert_eq!(etag_of(&s, &alice).await, etag, "failures change nothing");
        let (_, _, body) = fetch(&s, "/avatar/alice", None).await;
        assert_eq!(body, PNG);
        s.stop().await;

        // Without the allow list the local host is private: refused before any request.
        let s = TestServer::start(&backend).await;
        let bob = s.user("bob").await;
        let before = requests.load(Ordering::SeqCst);
        let url = format!("http://127.0.0.1:{}/a.png", host.port());
        let b = set_avatar_url(&s, &bob, &url)
            .await
            .err_type("error-avatar-invalid-url");
        assert_eq!(
            b["error"],
            format!("Invalid avatar URL: {url} [error-avatar-invalid-url]")
        );
        set_avatar_url(&s, &bob, &format!("http://localhost:{}/a.png", host.port()))
            .await
            .err_type("error-avatar-invalid-url");
        set_avatar_url(&s, &bob, "http://169.254.169.254/")
            .await
            .err_type("error-avatar-invalid-url");
        assert_eq!(
            requests.load(Ordering::SeqCst),
            before,
            "no request was made"
        );
        assert_eq!(etag_of(&s, &bob).await, Value::Null);
        s.stop().await;
    }
}
