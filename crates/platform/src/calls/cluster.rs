//! The servers sharing this one's database: `GET /cluster` (each node's name, URL, start, last
//! heartbeat, whether it is live, the calls it carries; the outbox's backlog).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ringside_http::ApiError;
use serde_json::json;

use crate::api_doc::{json_schema, Busy, Unauthorized, Unavailable};
use crate::state::{Admin, PlatformState};

/// This part's routes.
pub(super) fn routes() -> Router<PlatformState> {
    Router::new().route("/cluster", get(cluster_status))
}

/// This part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(cluster_status), components(schemas(ClusterStatusSchema)))]
pub(super) struct Api;

json_schema!(
    /// The `ClusterStatus` component.
    ClusterStatusSchema as "ClusterStatus" = {
        "type": "object",
        "required": ["nodes", "outboxBacklog"],
        "properties": {
            "nodes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "number", "url", "internalUrl", "startedAtMs", "lastHeartbeatMs", "live", "calls", "thisNode"],
                    "properties": {
                        "name": { "type": "string" },
                        "number": { "type": "integer", "minimum": 0, "maximum": 65535, "description": "The tag of the ids the node mints (the first four hex digits of its calls' ids)." },
                        "url": { "type": "string" },
                        "internalUrl": { "type": "string", "description": "Where the other nodes forward requests for its calls." },
                        "startedAtMs": { "type": "integer" },
                        "lastHeartbeatMs": { "type": "integer" },
                        "live": { "type": "boolean" },
                        "calls": { "type": "integer", "minimum": 0 },
                        "thisNode": { "type": "boolean" }
                    }
                }
            },
            "outboxBacklog": { "type": "integer", "minimum": 0 }
        }
    }
);

/// `GET /cluster`: the nodes as they last reported (every 2 s; silent for 10 s is not live) and the
/// notifications waiting for delivery.
#[utoipa::path(
    get,
    path = "/cluster",
    operation_id = "getClusterStatus",
    tags = ["calls"],
    summary = "The servers sharing this one's database: name, URL, start and last heartbeat (unix ms), whether each is live (reported within 10 s), the calls each carries, and the notifications waiting for delivery over the cluster.",
    responses(
        (status = 200, description = "The nodes and the outbox backlog.", body = ClusterStatusSchema),
        (status = 401, response = inline(Unauthorized)),
        (status = 429, response = inline(Busy)),
        (status = 503, response = inline(Unavailable))
    )
)]
async fn cluster_status(
    _: Admin,
    State(state): State<PlatformState>,
) -> Result<Response, ApiError> {
    let Some(cluster) = state.node().cluster() else {
        return Ok(Json(json!({ "nodes": [], "outboxBacklog": 0 })).into_response());
    };
    let status = cluster.status().await.map_err(|why| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            format!("the nodes table cannot be read: {why}"),
        )
    })?;
    Ok(Json(status).into_response())
}
