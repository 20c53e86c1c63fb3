//! Wire rules applied to every response: JSON error envelopes for everything that fails (framework
//! errors included), `Content-Type: application/json` without a charset (clients compare it
//! literally), `Cache-Control: no-store`, CORS preflight, lenient request bodies and a size limit
//! (by Content-Length up front, or while reading a body streamed without one).

use crate::error::{ApiError, framework_error};
use crate::state::AppState;
use apogee_protocol::ErrorBody;
use poem::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, PRAGMA, TRANSFER_ENCODING};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::middleware::CatchPanic;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response};
use poem_openapi::payload::Json;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// Wraps the route tree with the wire rules and the shared state.
pub fn apply<E: Endpoint + 'static>(ep: E, state: AppState) -> impl Endpoint {
    ep.data(state)
        .with(CatchPanic::new().with_handler(|_| {
            tracing::error!("a request handler panicked");
            ApiError::Internal(Json(ErrorBody {
                success: false,
                error: "Internal server error".into(),
                error_type: None,
                details: None,
            }))
            .into_response()
        }))
        .around(wire)
}

async fn wire<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    if req.method() == Method::OPTIONS {
        return Ok(preflight());
    }
    let too_large = req
        .header(CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| n > crate::MAX_BODY_BYTES);
    if too_large {
        return Ok(finish(framework_error(poem::Error::from_status(
            StatusCode::PAYLOAD_TOO_LARGE,
        ))));
    }
    lenient_body(&mut req);
    if req.header(CONTENT_LENGTH).is_none() && req.header(TRANSFER_ENCODING).is_some() {
        // A streamed body (no Content-Length) cannot be refused up front: cap it while read.
        let body = req.take_body().into_async_read();
        req.set_body(Body::from_async_read(Capped {
            inner: Box::pin(body),
            left: crate::MAX_BODY_BYTES,
        }));
    }
    let resp = match ep.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => framework_error(e),
    };
    Ok(finish(resp))
}

/// Rocket.Chat treats a missing or odd content type as JSON, and a missing body as `{}`.
fn lenient_body(req: &mut Request) {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return;
    }
    let ct = req
        .header(CONTENT_TYPE)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !ct.contains("json") && !ct.starts_with("multipart/") {
        req.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let empty = match req.header(CONTENT_LENGTH) {
        Some(len) => len.trim() == "0",
        None => req.header(TRANSFER_ENCODING).is_none(),
    };
    if empty {
        req.headers_mut().remove(CONTENT_LENGTH);
        req.set_body("{}");
    }
}

/// A request body that fails once more than `left` bytes have been read from it.
struct Capped {
    inner: Pin<Box<dyn AsyncRead + Send>>,
    left: usize,
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = self.inner.as_mut().poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let n = buf.filled().len() - before;
            if n > self.left {
                return Poll::Ready(Err(std::io::Error::other("request body too large")));
            }
            self.left -= n;
        }
        polled
    }
}

fn preflight() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
        .header(
            "Access-Control-Allow-Headers",
            "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-2fa-code, x-2fa-method",
        )
        .header(CONTENT_TYPE, "text/plain")
        .body("OK")
}

fn finish(mut resp: Response) -> Response {
    let headers = resp.headers_mut();
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    }
    resp
}
