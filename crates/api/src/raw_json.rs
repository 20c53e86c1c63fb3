//! A JSON response body serialized ahead of time, documented as the type it holds.
//!
//! `poem_openapi::payload::Json<T>` turns `T` into a `serde_json::Value` tree and then into bytes
//! on every response; a handler that can assemble the bytes from cached pieces (see
//! `history_cache`) answers with [`RawJson<T>`] instead. The OpenAPI description is `T`'s, exactly
//! as if the handler returned `Json<T>`, and the bytes must be what `Json<T>` would have sent.

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use std::marker::PhantomData;

/// Serialized JSON standing for a `T`.
pub struct RawJson<T> {
    body: Vec<u8>,
    of: PhantomData<fn() -> T>,
}

impl<T: ToJSON> RawJson<T> {
    /// Serializes `value` the way `Json<T>` does.
    pub fn of(value: &T) -> Self {
        Self::from_bytes(serde_json::to_vec(&value.to_json()).unwrap_or_default())
    }
}

impl<T> RawJson<T> {
    /// Bytes the caller assembled: they must be the JSON of a `T`.
    pub fn from_bytes(body: Vec<u8>) -> Self {
        Self {
            body,
            of: PhantomData,
        }
    }
}

impl<T: Type> Payload for RawJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for RawJson<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(self.body)
    }
}

impl<T: Type + Send> ApiResponse for RawJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
