//! Request hygiene shared by every front door: request ids (`request-id`, echoed `client-request-id`),
//! path normalisation (`//` collapsed, Graph's case-insensitive segments canonicalised), the body limit,
//! and the 404/405 fallbacks in the Graph envelope.

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::new_guid;

/// Per-request context visible to error rendering.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestContext {
    pub(crate) request_id: String,
    pub(crate) client_request_id: Option<String>,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// The current request's context (a fresh id outside a request, e.g. in unit tests).
pub(crate) fn current_request() -> RequestContext {
    REQUEST
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestContext {
            request_id: new_guid().to_string(),
            client_request_id: None,
        })
}

static BODY_LIMIT: OnceLock<usize> = OnceLock::new();

/// The configured maximum request body size.
pub(crate) fn body_limit() -> usize {
    *BODY_LIMIT
        .get()
        .unwrap_or(&crate::config::DEFAULT_MAX_BODY_BYTES)
}

/// Records the body limit for error messages (first server in the process wins; the value is per
/// process in practice).
pub(crate) fn set_body_limit(limit: usize) {
    let _ = BODY_LIMIT.set(limit);
}

/// Middleware: assigns `request-id`, echoes `client-request-id` (Graph SDKs send it; the C# SDK uses
/// `Client-Request-Id`), and makes both visible to error rendering.
pub(crate) async fn request_context(request: Request, next: Next) -> Response {
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

/// Graph path segments that are matched case-insensitively (Graph treats segment and action names so);
/// ids and values are left alone.
const GRAPH_SEGMENTS: &[&str] = &[
    "admin",
    "teams",
    "resourceAccounts",
    "communications",
    "calls",
    "onlineMeetings",
    "participants",
    "operations",
    "audioRoutingGroups",
    "contentSharingSessions",
    "answer",
    "reject",
    "redirect",
    "transfer",
    "keepAlive",
    "playPrompt",
    "recordResponse",
    "cancelMediaProcessing",
    "subscribeToTone",
    "sendDtmfTones",
    "mute",
    "unmute",
    "changeScreenSharingRole",
    "updateRecordingStatus",
    "invite",
    "startHoldMusic",
    "stopHoldMusic",
    "addLargeGalleryView",
    "logTeleconferenceDeviceQuality",
];

/// Rewrites a request path: collapses runs of `/` (kiota sends `/v1.0//communications/calls`), drops a
/// trailing `/`, and canonicalises Graph segment names under `/v1.0` and `/beta`, including the
/// namespace-qualified action form `microsoft.graph.<action>`.
pub(crate) fn normalize_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_graph = matches!(segments.first(), Some(first) if first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta"));
    let mut out = String::with_capacity(path.len());
    for (index, segment) in segments.iter().enumerate() {
        out.push('/');
        if is_graph && index == 0 {
            out.push_str(&segment.to_ascii_lowercase());
            continue;
        }
        if is_graph {
            let bare = segment
                .strip_prefix("microsoft.graph.")
                .or_else(|| {
                    let lower = segment.to_ascii_lowercase();
                    lower
                        .strip_prefix("microsoft.graph.")
                        .map(|_| &segment["microsoft.graph.".len()..])
                })
                .unwrap_or(segment);
            if let Some(canonical) = GRAPH_SEGMENTS
                .iter()
                .find(|known| known.eq_ignore_ascii_case(bare))
            {
                out.push_str(canonical);
                continue;
            }
        }
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The request target exactly as the client sent it (before [`normalize_request`]); ACS HMAC
/// signatures cover it.
#[derive(Debug, Clone)]
pub(crate) struct RawPathAndQuery(pub(crate) String);

/// Applies [`normalize_path`] to a request's URI, keeping the query. The original target is kept as a
/// [`RawPathAndQuery`] extension.
pub(crate) fn normalize_request(mut request: Request) -> Request {
    let raw = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    request.extensions_mut().insert(RawPathAndQuery(raw));
    let uri = request.uri();
    let normalized = normalize_path(uri.path());
    if normalized != uri.path() {
        let rebuilt = match uri.query() {
            Some(query) => format!("{normalized}?{query}"),
            None => normalized,
        };
        if let Ok(path_and_query) = rebuilt.parse::<axum::http::uri::PathAndQuery>() {
            let mut parts = uri.clone().into_parts();
            parts.path_and_query = Some(path_and_query);
            if let Ok(new_uri) = Uri::from_parts(parts) {
                *request.uri_mut() = new_uri;
            }
        }
    }
    request
}

/// Fallback for unknown routes: 404 in the envelope, naming the path.
pub(crate) async fn not_found(uri: Uri) -> Response {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "UnknownError",
        format!("Resource not found for the segment '{}'.", uri.path()),
    )
    .into_response()
}

/// 405 in the envelope.
pub(crate) async fn method_not_allowed() -> Response {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "The HTTP method is not allowed on this resource.",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn collapses_slashes_and_canonicalises_graph_segments() {
        for (input, expected) in [
            ("/v1.0//communications/calls", "/v1.0/communications/calls"),
            (
                "/V1.0/Communications/Calls/AbC/microsoft.graph.answer",
                "/v1.0/communications/calls/AbC/answer",
            ),
            (
                "/v1.0/communications/calls/x/Microsoft.Graph.PlayPrompt",
                "/v1.0/communications/calls/x/playPrompt",
            ),
            (
                "/beta//admin/teams/resourceaccounts",
                "/beta/admin/teams/resourceAccounts",
            ),
            ("//ringside/v1//tenants/", "/ringside/v1/tenants"),
            ("/", "/"),
            ("", "/"),
            ("/T1/oauth2/v2.0/token", "/T1/oauth2/v2.0/token"),
        ] {
            assert_eq!(normalize_path(input), expected, "{input}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_paths() {
        let alphabet: Vec<char> = "/aZ.9%-_~:é漢 microsoftgraphv1.0beta".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let length = (seed % 40) as usize;
            let path: String = (0..length)
                .map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let normalized = normalize_path(&path);
            assert!(normalized.starts_with('/'));
            assert!(!normalized.contains("//"), "{path:?} -> {normalized:?}");
        }
    }
}
