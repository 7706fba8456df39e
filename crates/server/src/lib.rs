//! Ringside's composition root: the one HTTPS listener serving every front door (identity and the
//! platform's own `/ringside/v1` API, Graph, ACS), TLS material, configuration, and the wiring of the
//! call runtime with its doors. The doors themselves live in their own crates.
//!
//! Start a server with [`Server::start`]; the `ringside` binary and the integration tests both do.

mod body;
mod compose;
mod config;
mod forward;
mod http;
mod metrics;
mod serve;
mod sip;
mod state;
pub mod stream_bench;
mod telemetry;
mod tls;

pub use ringside_runtime::{behaviour, streaming};

/// The doors' media-streaming wire formats (for tests, benchmarks and fuzz targets).
pub mod stream_wire {
    pub use ringside_door_acs::stream_wire as acs;
    pub use ringside_door_graph::stream_wire as graph;
}
pub use config::{Config, ConfigError, MediaConfig, RateLimitConfig, TelemetryConfig};
pub use ringside_platform::DevInfo;
pub use ringside_sip_gateway::Bound as SipBound;
pub use serve::{RunningServer, ServeOptions, Server};
pub use sip::SipConfig;
pub use state::AppState;
pub use telemetry::{Telemetry, TelemetrySettings};

use axum::Router;

/// Every front door on one router, the web console and `/metrics`; every request is counted and
/// has a span (exported when telemetry is configured).
pub(crate) fn routes(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/", axum::routing::get(root))
        .route("/metrics", axum::routing::get(scrape))
        .with_state(state.clone())
        .merge(ringside_platform::router(state.platform().clone()))
        .merge(ringside_door_graph::router(state.graph().clone()))
        .merge(ringside_door_acs::router(state.acs().clone()))
        .merge(ringside_console::router(state.console().clone()))
        .fallback(ringside_http::not_found)
        .method_not_allowed_fallback(ringside_http::method_not_allowed)
        .layer(serve::body_limit_layer(max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.forwarder(),
            forward::route,
        ))
        .layer(axum::middleware::from_fn(ringside_http::request_context))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics().clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(telemetry::span::request))
}

/// `GET /metrics`: 401 without the admin token (as the platform API); otherwise the Prometheus text.
async fn scrape(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if let Err(error) = state.platform().check_admin(&headers) {
        return error.into_response();
    }
    metrics::render(state.metrics(), state.calls()).await
}

/// `GET /`: what this server is and where its front doors are.
async fn root(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::Json<serde_json::Value> {
    let base = state.base_url();
    axum::Json(serde_json::json!({
        "name": "Ringside",
        "version": env!("CARGO_PKG_VERSION"),
        "mode": if state.dev_mode() { "dev" } else { "production" },
        "graph": format!("{base}/v1.0"),
        "graphBeta": format!("{base}/beta"),
        "platformApi": format!("{base}/ringside/v1"),
        "openapi": format!("{base}/ringside/v1/openapi.json"),
        "graphOpenapi": format!("{base}/ringside/v1/openapi/graph.json"),
    }))
}
