//! A cluster's request routing (nodes sharing a PostgreSQL database): a request for a call, an
//! incoming-call context or a recording that another live node owns — the owner's number is the tag
//! in the id ([`ringside_runtime::ids::node_tag`]) — is forwarded to that node over the internal
//! HTTPS link (its CA pinned, the request authenticated with the cluster's forwarding key), and the
//! owner's response is returned as it is; a new call (Graph `POST /communications/calls`, ACS
//! `createCall`) is placed on the least-loaded live node the same way. The client's own credentials
//! travel unchanged: the owner checks them as if it had been asked directly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use ringside_http::RawPathAndQuery;
use ringside_runtime::cluster::Cluster;
use ringside_runtime::ids::node_tag;
use ringside_store::NodeRow;

/// Who forwarded a request, when, and the proof: `<node> <unix ms> <base64url HMAC-SHA256>`.
pub(crate) const FORWARDED_BY: &str = "x-ringside-forwarded-by";
/// The `Host` the client sent (its ACS signature covers it).
pub(crate) const FORWARDED_HOST: &str = "x-ringside-forwarded-host";
/// How far a forwarded request's stamp may be from the receiver's clock.
const STAMP_WINDOW_MS: i64 = 60_000;
/// A forwarded request's time limit (connect + response).
const RELAY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a peer may take to accept the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Headers that belong to one connection, never relayed.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Where a request is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Here: not about a call, or about one this node owns.
    Here,
    /// By the node with this number.
    Owner(u16),
    /// A new call: on the least-loaded live node.
    Place,
}

/// The cluster's forwarding: its key, and one HTTPS client per peer CA.
pub(crate) struct Forwarder {
    cluster: Cluster,
    key: hmac::Key,
    clients: Mutex<HashMap<String, reqwest::Client>>,
    max_body_bytes: usize,
}

impl Forwarder {
    /// Forwarding for `cluster`, authenticated with the cluster's shared `key`.
    pub(crate) fn new(cluster: Cluster, key: &[u8], max_body_bytes: usize) -> Forwarder {
        Forwarder {
            cluster,
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            clients: Mutex::new(HashMap::new()),
            max_body_bytes,
        }
    }

    fn sign(&self, from: &str, at_ms: i64, method: &Method, target: &str, host: &str) -> String {
        let text = format!("{from}\n{at_ms}\n{method}\n{target}\n{host}\n");
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, text.as_bytes()).as_ref())
    }

    /// Whether `headers` prove the request was forwarded by a node of this cluster just now.
    fn authentic(&self, method: &Method, target: &str, headers: &HeaderMap, now_ms: i64) -> bool {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(by), Some(host)) = (text(FORWARDED_BY), text(FORWARDED_HOST)) else {
            return false;
        };
        let mut fields = by.split(' ');
        let (Some(from), Some(at), Some(proof), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return false;
        };
        let Ok(at_ms) = at.parse::<i64>() else {
            return false;
        };
        let Ok(proof) = URL_SAFE_NO_PAD.decode(proof) else {
            return false;
        };
        let signed = format!("{from}\n{at_ms}\n{method}\n{target}\n{host}\n");
        (now_ms - at_ms).abs() <= STAMP_WINDOW_MS
            && hmac::verify(&self.key, signed.as_bytes(), &proof).is_ok()
    }

    fn client(&self, peer: &NodeRow) -> Result<reqwest::Client, reqwest::Error> {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(&peer.ca_pem) {
            return Ok(client.clone());
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(RELAY_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        if !peer.ca_pem.is_empty() {
            builder = builder
                .add_root_certificate(reqwest::Certificate::from_pem(peer.ca_pem.as_bytes())?);
        }
        let client = builder.build()?;
        clients.insert(peer.ca_pem.clone(), client.clone());
        Ok(client)
    }

    /// Sends the request to `peer` and returns its response.
    async fn relay(
        &self,
        peer: &NodeRow,
        parts: &axum::http::request::Parts,
        body: Bytes,
    ) -> Result<Response, reqwest::Error> {
        let target = raw_target(parts);
        let host = host_of(parts);
        let now = ringside_runtime::outbox::unix_ms();
        let proof = self.sign(self.cluster.name(), now, &parts.method, &target, &host);
        let mut request = self
            .client(peer)?
            .request(
                parts.method.clone(),
                format!("{}{target}", peer.internal_url),
            )
            .header(
                FORWARDED_BY,
                format!("{} {now} {proof}", self.cluster.name()),
            )
            .header(FORWARDED_HOST, host);
        for (name, value) in &parts.headers {
            if relayed(name) {
                request = request.header(name, value);
            }
        }
        let answer = request.body(body).send().await?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.bytes().await?;
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = status;
        for (name, value) in &headers {
            if relayed(name) {
                response.headers_mut().append(name, value.clone());
            }
        }
        Ok(response)
    }
}

/// Whether a header crosses the internal link (not per-connection, not our own, not a length
/// the new message recomputes).
fn relayed(name: &HeaderName) -> bool {
    let name = name.as_str();
    !HOP_BY_HOP.contains(&name)
        && name != header::CONTENT_LENGTH.as_str()
        && name != FORWARDED_BY
        && name != FORWARDED_HOST
}

/// The target exactly as the client sent it (ACS signatures cover it).
fn raw_target(parts: &axum::http::request::Parts) -> String {
    parts
        .extensions
        .get::<RawPathAndQuery>()
        .map(|raw| raw.0.clone())
        .or_else(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
        .unwrap_or_else(|| "/".into())
}

fn host_of(parts: &axum::http::request::Parts) -> String {
    parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// The middleware: serves here, or forwards to the owner or the chosen node.
pub(crate) async fn route(
    State(forwarder): State<Option<std::sync::Arc<Forwarder>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(forwarder) = forwarder else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let now = ringside_runtime::outbox::unix_ms();
    if parts.headers.contains_key(FORWARDED_BY) {
        let target = raw_target(&parts);
        if forwarder.authentic(&parts.method, &target, &parts.headers, now) {
            if let Some(host) = parts.headers.remove(FORWARDED_HOST) {
                parts.headers.insert(header::HOST, host);
            }
            parts.headers.remove(FORWARDED_BY);
            return next.run(Request::from_parts(parts, body)).await;
        }
        parts.headers.remove(FORWARDED_BY);
        parts.headers.remove(FORWARDED_HOST);
    }
    let Ok(bytes) = axum::body::to_bytes(body, forwarder.max_body_bytes).await else {
        // Over the limit: the door answers (413 in its envelope).
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let target = target(&parts.method, parts.uri.path(), &bytes);
    let peer = match target {
        Target::Here => None,
        Target::Owner(number) if number == forwarder.cluster.number() => None,
        Target::Owner(number) => forwarder.cluster.live_peer(number, now),
        Target::Place => forwarder.cluster.place(now),
    };
    let Some(peer) = peer else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    match forwarder.relay(&peer, &parts, bytes.clone()).await {
        Ok(response) => response,
        // A new call whose chosen node cannot be reached (it died within its last heartbeat's
        // window) is made here instead: nothing was sent, so nothing is made twice.
        Err(error) if target == Target::Place && error.is_connect() => {
            tracing::warn!(node = %peer.name, %error, "cluster: placing here instead");
            forwarder.cluster.suspect(&peer.name);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) => {
            tracing::warn!(node = %peer.name, %error, "cluster: forwarding failed");
            unavailable(&peer.name)
        }
    }
}

/// 503 in the shape both dialects use (`{"error": {"code", "message"}}`), with `Retry-After`.
fn unavailable(node: &str) -> Response {
    let body = serde_json::json!({"error": {
        "code": "ServiceUnavailable",
        "message": format!("The node that carries this call ({node}) did not answer; retry shortly."),
    }});
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Where a request belongs, from its (normalised) path and, for the routes that name a call only
/// in their body, the body.
pub(crate) fn target(method: &Method, path: &str, body: &[u8]) -> Target {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [version, "communications", "calls", rest @ ..] if is_graph(version) => match rest {
            [] if method == Method::POST => Target::Place,
            [id, ..] => owner(id),
            [] => Target::Here,
        },
        [version, "communications", keyed, ..] if is_graph(version) => match keyed
            .strip_prefix("calls(")
            .and_then(|key| key.strip_suffix(')'))
        {
            Some(key) => owner(key.trim_matches('\'')),
            None => Target::Here,
        },
        ["calling", "callConnections"] if method == Method::POST => Target::Place,
        ["calling", "callConnections", id, ..] => owner(id.split(':').next().unwrap_or(id)),
        ["calling", action] if action.starts_with("callConnections:") => match *action {
            "callConnections:answer" | "callConnections:reject" | "callConnections:redirect" => {
                context_owner(body)
            }
            _ => Target::Here,
        },
        ["calling", "recordings"] if method == Method::POST => recording_owner(body),
        ["calling", "recordings", id, ..] => owner(id.split(':').next().unwrap_or(id)),
        ["v1", "objects", document, ..] => owner(document.trim_start_matches("0-ringside-")),
        ["ringside", "v1", "recordings", id] => owner(id),
        _ => Target::Here,
    }
}

fn is_graph(version: &str) -> bool {
    version == "v1.0" || version == "beta"
}

/// The node a GUID (hyphenated or its 32 digits) was minted on; `Here` for anything else.
fn owner(id: &str) -> Target {
    let digits: String = id.chars().filter(|c| *c != '-').collect();
    if digits.len() != 32 {
        return Target::Here;
    }
    match u128::from_str_radix(&digits, 16) {
        Ok(bits) => match node_tag(ringside_model::Guid::from_u128(bits)) {
            0 => Target::Here,
            tag => Target::Owner(tag),
        },
        Err(_) => Target::Here,
    }
}

/// `answer`/`reject`/`redirect`: the conversation inside the `incomingCallContext` token (its
/// payload is readable; the owner checks the signature).
fn context_owner(body: &[u8]) -> Target {
    let conversation = || -> Option<String> {
        let json: serde_json::Value = serde_json::from_slice(body).ok()?;
        let token = json.get("incomingCallContext")?.as_str()?;
        let payload = URL_SAFE_NO_PAD.decode(token.split('.').next()?).ok()?;
        let context: serde_json::Value = serde_json::from_slice(&payload).ok()?;
        Some(context.get("c")?.as_str()?.to_string())
    };
    conversation().map_or(Target::Here, |id| owner(&id))
}

/// Start recording: the call connection, or the conversation a `serverCallId` names.
fn recording_owner(body: &[u8]) -> Target {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Target::Here;
    };
    if let Some(id) = json.get("callConnectionId").and_then(|v| v.as_str()) {
        return owner(id);
    }
    let server_call = json
        .pointer("/callLocator/serverCallId")
        .and_then(|v| v.as_str())
        .and_then(|id| URL_SAFE_NO_PAD.decode(id.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match server_call
        .as_deref()
        .and_then(|text| text.strip_prefix("ringside:conversation:"))
    {
        Some(id) => owner(id),
        None => Target::Here,
    }
}

#[cfg(test)]
mod tests;
