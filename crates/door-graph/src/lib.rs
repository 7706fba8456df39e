//! The Microsoft Graph front door: bearer-token authentication (audience, issuer, tenant, roles,
//! throttling) and the Graph routes Ringside serves under `/v1.0` and `/beta`: resource accounts, the
//! calls API ([`calls`]) and online meetings ([`meetings`]), described by `openapi.json` (served at
//! `/ringside/v1/openapi/graph.json`). The door plugs into the call runtime as [`GraphCalls`] (a
//! [`ringside_runtime::Door`]): it adopts calls offered to Graph bots with a calling webhook,
//! renders their events as commsNotifications ([`DELIVERY`]), and starts app-hosted calls' raw
//! media ([`RawMedia`], [`stream_wire`]).

mod auth;
mod calls;
pub mod codes;
mod meetings;
mod raw_media;
mod resource_accounts;
mod state;
pub mod stream_wire;

pub(crate) use auth::GraphCaller;
pub use calls::media_ops::RecordingLinks;
pub use calls::table::{GraphCalls, DELIVERY};
pub use raw_media::RawMedia;
pub use state::GraphState;

use axum::routing::get;
use axum::Router;

/// The OpenAPI document of the Graph routes (made by `scripts/gen-graph-openapi.py`).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// The Graph routes, with the door's state.
pub fn router(state: GraphState) -> Router {
    routes().with_state(state)
}

/// Graph routes.
fn routes() -> Router<GraphState> {
    Router::new()
        .route("/ringside/v1/openapi/graph.json", get(openapi))
        .route(
            "/beta/admin/teams/resourceAccounts",
            get(resource_accounts::list),
        )
        .merge(calls::create::routes())
        .merge(calls::routes::routes())
        .merge(calls::media_ops::routes())
        .merge(calls::participants::routes())
        .merge(calls::self_ops::routes())
        .merge(calls::audio_routing::routes())
        .merge(meetings::routes())
}

/// Graph path segments that are matched case-insensitively (Graph treats segment and action names so);
/// ids and values are left alone.
pub const SEGMENTS: &[&str] = &[
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
