//! The per-request context every dialect's error rendering reads (`request-id`, echoed
//! `client-request-id`), the middleware that sets it, the body limit, the raw request target, the
//! bearer token of a request.

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

/// Default maximum request body (bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// A fresh random GUID (request ids).
fn new_guid() -> ringside_model::Guid {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    ringside_model::Guid::from_random_bytes(bytes)
}

/// Per-request context visible to error rendering.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub client_request_id: Option<String>,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// The current request's context (a fresh id outside a request, e.g. in unit tests).
pub fn current_request() -> RequestContext {
    REQUEST
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestContext {
            request_id: new_guid().to_string(),
            client_request_id: None,
        })
}

static BODY_LIMIT: OnceLock<usize> = OnceLock::new();

/// The configured maximum request body size.
pub fn body_limit() -> usize {
    *BODY_LIMIT.get().unwrap_or(&DEFAULT_MAX_BODY_BYTES)
}

/// Records the body limit for error messages (first server in the process wins; the value is per
/// process in practice).
pub fn set_body_limit(limit: usize) {
    let _ = BODY_LIMIT.set(limit);
}

/// Middleware: assigns `request-id`, echoes `client-request-id` (Graph SDKs send it; the C# SDK uses
/// `Client-Request-Id`), and makes both visible to error rendering.
pub async fn request_context(request: Request, next: Next) -> Response {
    let client_request_id = ["client-request-id", "x-ms-client-request-id"]
        .iter()
        .find_map(|name| request.headers().get(*name))
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .map(str::to_string);
    let context = RequestContext {
        request_id: new_guid().to_string(),
        client_request_id,
    };
    let request_id = context.request_id.clone();
    let echoed = context
        .client_request_id
        .clone()
        .unwrap_or_else(|| request_id.clone());
    let mut response = REQUEST.scope(context, next.run(request)).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&echoed) {
        headers.insert("client-request-id", value);
    }
    response
}

/// The request target exactly as the client sent it (before [`normalize_request`]); ACS HMAC
/// signatures cover it.
#[derive(Debug, Clone)]
pub struct RawPathAndQuery(pub String);

/// The token of an `Authorization: Bearer …` header, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
        Some(token.trim())
    } else {
        None
    }
}
