//! One span per HTTP request (`METHOD route`, server kind): method, route, path, door, response
//! status and the request id the response carries. Disabled spans (no exporter, log filter below
//! INFO) cost one check.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::field::Empty;
use tracing::Instrument as _;

/// The middleware, outside the request-id one so the span covers the whole request.
pub(crate) async fn request(request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "http request",
        otel.name = Empty,
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = Empty,
        http.route = Empty,
        url.path = Empty,
        ringside.door = Empty,
        http.response.status_code = Empty,
        request_id = Empty,
    );
    if span.is_disabled() {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_string();
    let path = request.uri().path();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    span.record(
        "otel.name",
        match route {
            Some(route) => format!("{method} {route}"),
            None => method.clone(),
        },
    );
    if let Some(route) = route {
        span.record("http.route", route);
    }
    span.record("http.request.method", method.as_str());
    span.record("url.path", path);
    span.record("ringside.door", crate::metrics::door_of(path));
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if let Some(id) = response
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
    {
        span.record("request_id", id);
    }
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
    response
}
