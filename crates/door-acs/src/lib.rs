//! The ACS Call Automation front door (`/calling/...`, digest acs-call-automation.md): request
//! authentication, api-version checks, `Repeatability-Request-ID` replay and the ACS error envelope.
//!
//! # Layout
//! - [`auth`]: Entra bearer tokens for the ACS scope (rule in its doc), or HMAC-SHA256 verification against every ACS resource's primary and secondary key
//!   (the signature identifies the resource; the `Host` a client signs is Ringside's listener, as the
//!   dev connection string `endpoint=https://127.0.0.1:<port>/` makes it), ±15 min clock skew, body
//!   hash. Failures are 401 with code `7509`.
//! - [`error`]: [`error::AcsError`], the `{"error":{"code","message"}}` envelope.
//! - [`versions`]: the accepted api-versions (every published GA and preview one) and the event
//!   shape each gives a connection (handlers get it as a [`versions::EventShape`] extension).
//! - Event Grid mechanics (the validation handshake, `aeg-*` headers, topics) are the runtime's
//!   ([`ringside_runtime::eventgrid`]): the platform API uses them too.
//! - [`incoming`]: `Microsoft.Communication.IncomingCall` rendering (identifiers with rawIds, the
//!   event data, Event Grid and CloudEvents envelopes) and the HMAC-sealed `incomingCallContext`
//!   token naming the ACS resource, conversation and offered leg.
//! - [`repeat`]: the bounded, TTL'd `Repeatability-Request-ID` cache. A retry with the same id and the
//!   same method/path/body gets the first response again; the same id with a different request is
//!   409 `RepeatabilityRequestIdConflict`; the same id while the first is still running is 409 too.
//!
//! Every request under `/calling` passes [`guard`] first (in this order: authentication,
//! api-version, repeatability); handlers get the caller as an [`auth::AcsCaller`] request extension
//! and the body already buffered.
//!
//! - [`calls`]: the call-connection table (IncomingCall delivery, CloudEvent callbacks);
//!   [`routes`]: the operations (setup, the connection, media, participants), which, like
//!   [`recording`], read requests and answer errors through [`request`]; [`media_streaming`]:
//!   streaming options and state; [`wire`]: small wire values (serverCallId, tone names, …) every
//!   module may use. Imports go one way: `routes` and `recording` → `request` → `calls` →
//!   `media_streaming`, `wire`.
//!
//! # Adding an operation
//! axum's router cannot match a parameter followed by a `:action` suffix in one segment, so
//! `/calling/callConnections/{id}:terminate`, `…/{id}:play` and so on all arrive at the
//! `/calling/callConnections/{segment}` route; split the segment at its first `:` (call ids never
//! contain one) and dispatch on the action. Top-level actions (`/calling/callConnections:answer`)
//! are literal routes. Answer with exactly the success status of the digest's §2 table and errors
//! as [`error::AcsError`]. Paths no operation serves answer 404 `UnknownOperation` in the ACS
//! envelope.

pub(crate) mod auth;
pub(crate) mod calls;
pub mod codes;
pub(crate) mod error;
pub(crate) mod incoming;
pub(crate) mod media_streaming;
pub(crate) mod recording;
pub(crate) mod recording_writer;
pub(crate) mod repeat;
pub(crate) mod request;
mod routes;
pub(crate) mod storage;
pub mod stream_wire;
pub(crate) mod strict_json;
pub(crate) mod transcription;
pub(crate) mod versions;
pub(crate) mod wire;

pub use calls::{event_grid_row_wanted, AcsCalls, CALLBACKS, EVENT_GRID};

/// The owner tag of the ACS door's media streams and recording taps.
pub(crate) const OWNER: &str = "acs";

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;

use self::error::AcsError;
use self::repeat::{Lookup, Remembered, RepeatabilityCache};
use ringside_http::RawPathAndQuery;
use ringside_runtime::Node;

/// The door's own state, shared by its middleware and handlers. Cheap to clone; derefs to the
/// [`Node`].
#[derive(Clone)]
pub struct AcsState {
    node: Node,
    repeatability: Arc<Mutex<RepeatabilityCache>>,
}

impl AcsState {
    /// The door's state on `node`.
    pub fn new(node: Node) -> AcsState {
        AcsState {
            node,
            repeatability: Arc::new(Mutex::new(RepeatabilityCache::default())),
        }
    }
}

impl std::ops::Deref for AcsState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.node
    }
}

/// The `/calling` routes, each behind [`guard`], and the recording downloads, with the door's state.
pub fn router(state: AcsState) -> Router {
    Router::new()
        .merge(routes::routes())
        .merge(recording::routes())
        .route("/calling", any(unknown_operation))
        .route("/calling/{*rest}", any(unknown_operation))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .merge(storage::routes())
        .merge(other_services())
        .with_state(state)
}

/// The other data-plane services a connection string's endpoint hosts on Azure (identities,
/// rooms, chat, SMS, email, phone numbers): Ringside serves none of them, and says so in the ACS
/// envelope rather than Graph's.
fn other_services() -> Router<AcsState> {
    [
        "identities",
        "rooms",
        "chat",
        "sms",
        "emails",
        "phoneNumbers",
        "availablePhoneNumbers",
    ]
    .iter()
    .fold(Router::new(), |router, service| {
        router
            .route(&format!("/{service}"), any(unknown_service))
            .route(&format!("/{service}/{{*rest}}"), any(unknown_service))
    })
}

/// 404 `UnknownService` in the ACS envelope.
async fn unknown_service(uri: Uri) -> Response {
    AcsError::new(
        StatusCode::NOT_FOUND,
        "UnknownService",
        format!(
            "Ringside serves ACS Call Automation (/calling) and recording downloads only, not '{}'.",
            uri.path()
        ),
    )
    .into_response()
}

/// 404 in the ACS envelope for a path no operation serves yet.
async fn unknown_operation(uri: Uri) -> Response {
    AcsError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperation",
        format!("Ringside's ACS door does not serve '{}' (yet).", uri.path()),
    )
    .into_response()
}

/// What an HMAC signature covers of a request: the raw path and query as sent, and the `Host`
/// (the URI authority on HTTP/2).
fn signed_target(parts: &Parts) -> (String, Option<String>) {
    let raw = parts
        .extensions
        .get::<RawPathAndQuery>()
        .map(|r| r.0.clone())
        .or_else(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
        .unwrap_or_default();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_string()));
    (raw, host)
}

fn api_version(query: Option<&str>) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        name.eq_ignore_ascii_case("api-version")
            .then(|| value.to_string())
    })
}

/// Authenticates a request (see [`auth`]) by its signed target, headers and buffered body.
pub(crate) fn authenticate_parts(
    door: &AcsState,
    parts: &Parts,
    body: &[u8],
    now: i64,
) -> Result<auth::AcsCaller, AcsError> {
    let (raw, host) = signed_target(parts);
    auth::authenticate(
        door,
        &parts.method,
        &raw,
        host.as_deref(),
        &parts.headers,
        body,
        now,
    )
}

/// Middleware: buffers the body, authenticates, checks api-version, and replays or reserves
/// `Repeatability-Request-ID`s.
async fn guard(State(door): State<AcsState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = match buffer_body(body).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let now = door.now();
    let caller = match authenticate_parts(&door, &parts, &body, now) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let shape = match check_api_version(parts.uri.query()) {
        Ok(shape) => shape,
        Err(error) => return error.into_response(),
    };
    parts.extensions.insert(caller);
    parts.extensions.insert(shape);
    match repeat_id(&parts.headers) {
        Ok(None) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Ok(Some(id)) => {
            let repeat = Repeat {
                resource: caller.resource.to_string(),
                id,
            };
            repeat.handle(&door, parts, body, now, next).await
        }
        Err(error) => error.into_response(),
    }
}

/// The body, read whole up to the server's limit.
async fn buffer_body(body: Body) -> Result<Bytes, AcsError> {
    axum::body::to_bytes(body, ringside_http::body_limit())
        .await
        .map_err(|_| {
            AcsError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestBodyTooLarge",
                format!(
                    "The request body is larger than {} bytes.",
                    ringside_http::body_limit()
                ),
            )
        })
}

/// The query's api-version must be present and one the door knows ([`versions`]); the shape of
/// the events of connections it sets up.
fn check_api_version(query: Option<&str>) -> Result<versions::EventShape, AcsError> {
    let version = api_version(query).ok_or_else(AcsError::missing_api_version)?;
    versions::EventShape::of(&version).ok_or_else(|| AcsError::unsupported_api_version(&version))
}

/// The `Repeatability-Request-ID` header, if sent (and readable): a non-empty id of at most 128
/// characters.
fn repeat_id(headers: &HeaderMap) -> Result<Option<String>, AcsError> {
    let Some(id) = headers
        .get("repeatability-request-id")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if id.is_empty() || id.len() > 128 {
        return Err(AcsError::invalid_request(
            "Repeatability-Request-ID must be a non-empty id of at most 128 characters.",
        ));
    }
    Ok(Some(id.to_string()))
}

/// A request sent with a `Repeatability-Request-ID`, which is unique per ACS resource.
struct Repeat {
    resource: String,
    id: String,
}

impl Repeat {
    /// Replays the first response to this id, refuses a different or concurrent request with it,
    /// or runs the request and remembers its response.
    async fn handle(
        &self,
        door: &AcsState,
        parts: Parts,
        body: Bytes,
        now: i64,
        next: Next,
    ) -> Response {
        let fingerprint = format!(
            "{} {} {}",
            parts.method,
            parts.uri.path(),
            ringside_identity::content_sha256(&body)
        );
        let lookup = door
            .repeatability
            .lock()
            .map(|mut c| c.begin(&self.resource, &self.id, &fingerprint, now))
            .unwrap_or(Lookup::Fresh);
        match lookup {
            Lookup::Replay(first) => replay(first),
            Lookup::Mismatch => self.conflict(format!(
                "Repeatability-Request-ID '{}' was already used for a different request.",
                self.id
            )),
            Lookup::InFlight => self.conflict(format!(
                "The request with Repeatability-Request-ID '{}' is still being processed.",
                self.id
            )),
            Lookup::Fresh => {
                let response = next.run(Request::from_parts(parts, Body::from(body))).await;
                self.remember(door, response).await
            }
        }
    }

    /// 409 `RepeatabilityRequestIdConflict`, `Repeatability-Result: rejected`.
    fn conflict(&self, message: String) -> Response {
        let mut response = AcsError::new(
            StatusCode::CONFLICT,
            "RepeatabilityRequestIdConflict",
            message,
        )
        .into_response();
        response
            .headers_mut()
            .insert("repeatability-result", HeaderValue::from_static("rejected"));
        response
    }

    /// Buffers the first response to this id, keeps it for retries (the cache decides which it
    /// keeps) and answers it with `Repeatability-Result: accepted`.
    async fn remember(&self, door: &AcsState, response: Response) -> Response {
        let (mut head, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.ok();
        let remembered = bytes.as_ref().map(|b| Remembered {
            status: head.status,
            headers: head.headers.clone(),
            body: b.clone(),
        });
        if let Ok(mut cache) = door.repeatability.lock() {
            cache.finish(&self.resource, &self.id, remembered);
        }
        head.headers
            .insert("repeatability-result", HeaderValue::from_static("accepted"));
        Response::from_parts(head, Body::from(bytes.unwrap_or_default()))
    }
}

/// The first response to a repeated request, again, with `Repeatability-Result: accepted`.
fn replay(first: Remembered) -> Response {
    let mut response = (first.status, first.body).into_response();
    *response.headers_mut() = first.headers;
    response
        .headers_mut()
        .insert("repeatability-result", HeaderValue::from_static("accepted"));
    response
}

#[cfg(test)]
mod tests {
    use super::api_version;

    #[test]
    fn api_version_is_read_from_the_query() {
        assert_eq!(
            api_version(Some("api-version=2026-03-12")).as_deref(),
            Some("2026-03-12")
        );
        assert_eq!(api_version(Some("a=b&API-VERSION=x")).as_deref(), Some("x"));
        assert_eq!(api_version(Some("a=b")), None);
        assert_eq!(api_version(None), None);
    }
}
