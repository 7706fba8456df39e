//! The Microsoft Graph front door: bearer-token authentication (audience, issuer, tenant, roles,
//! throttling) and the Graph routes Ringside serves under `/v1.0` and `/beta`: resource accounts, the
//! calls API ([`calls`]) and online meetings ([`meetings`]). Each handler is described by its
//! `#[utoipa::path]` attribute and registered through [`openapi::ApiRoutes`], which builds the
//! OpenAPI document served at [`OPENAPI_PATH`] from the same routes. The door plugs into the call
//! runtime as [`GraphCalls`] (a [`ringside_runtime::Door`]): it adopts calls offered to Graph bots
//! with a calling webhook, renders their events as commsNotifications ([`DELIVERY`]), and starts
//! app-hosted calls' raw media ([`RawMedia`], [`stream_wire`]).

mod auth;
mod calls;
pub mod codes;
mod meetings;
mod openapi;
mod raw_media;
mod resource_accounts;
mod state;
pub mod stream_wire;

pub(crate) use auth::GraphCaller;
pub use calls::completion::RecordingLinks;
pub use calls::table::{GraphCalls, DELIVERY};
pub use raw_media::RawMedia;
pub use state::GraphState;

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa_axum::routes;

/// Where the OpenAPI document of the Graph routes is served.
pub const OPENAPI_PATH: &str = "/ringside/v1/openapi/graph.json";

/// The Graph routes, with the door's state, and their OpenAPI document at [`OPENAPI_PATH`].
pub fn router(state: GraphState) -> Router {
    unstated_router().with_state(state)
}

/// The OpenAPI 3.1 document of the Graph routes, as [`router`] serves it.
pub fn openapi() -> Result<serde_json::Value, serde_json::Error> {
    routes().document_json()
}

/// Every route [`router`] serves; the OpenAPI document is generated once, here.
fn unstated_router() -> Router<GraphState> {
    let routes = routes();
    let document = routes
        .document_json()
        .and_then(|document| serde_json::to_vec_pretty(&document))
        .map(axum::body::Bytes::from)
        .map_err(|error| error.to_string());
    routes.into_router().route(
        OPENAPI_PATH,
        get(move || {
            let document = document.clone();
            async move { serve(document) }
        }),
    )
}

fn serve(document: Result<axum::body::Bytes, String>) -> Response {
    match document {
        Ok(body) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(error) => {
            ringside_http::ApiError::internal(format!("the Graph OpenAPI document: {error}"))
                .into_response()
        }
    }
}

/// Graph routes, each described for the OpenAPI document.
fn routes() -> openapi::ApiRoutes {
    openapi::ApiRoutes::new()
        .beta_route(routes!(resource_accounts::list))
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
