//! The console's own API (everything else comes from the platform API): `GET
//! /console/api/calls/{callId}/events`, a call's timeline of engine events as the hub kept them
//! (`{"value": [event…], "latest": id}`, oldest first; 404 for a call the console never saw or has
//! forgotten), and `GET /console/api/alerts`, the kept alerts (`{"value": [alert…], "latest":
//! id}`, newest first).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_http::ApiError;
use serde_json::{json, Value};

use crate::auth::Session;
use crate::state::ConsoleState;

/// `GET /console/api/alerts`.
pub(crate) async fn alerts(_: Session, State(state): State<ConsoleState>) -> Response {
    let latest = state.hub().latest();
    Json(json!({ "value": parsed(&state.hub().alerts()), "latest": latest })).into_response()
}

/// The entries' JSON.
fn parsed(entries: &[std::sync::Arc<crate::hub::Entry>]) -> Vec<Value> {
    entries
        .iter()
        .filter_map(|entry| serde_json::from_str(&entry.data).ok())
        .collect()
}

/// `GET /console/api/calls/{callId}/events`.
pub(crate) async fn call_events(
    _: Session,
    State(state): State<ConsoleState>,
    Path(call): Path<String>,
) -> Response {
    let latest = state.hub().latest();
    let Some(events) = state.hub().timeline(&call) else {
        return ApiError::not_found(format!("The console has no events of call '{call}'."))
            .into_response();
    };
    Json(json!({ "value": parsed(&events), "latest": latest })).into_response()
}
