//! Ringside's web console, served under `/console` by `ringside serve`: sign-in with the admin
//! token ([`auth`]; a cookie the platform API accepts too), the live calls page and a page per
//! call, both fed by Server-Sent Events ([`sse`]) of the runtime's engine events as the console's
//! stable JSON ([`events`]) and of the outbox's delivery attempts ([`deliveries`]), kept in a
//! bounded hub for resuming and timelines ([`hub`]). The pages are plain ES modules embedded in
//! the binary ([`assets`]); they act through the platform API. The softphone is a WebSocket
//! ([`phone`]) whose leg is a simulated endpoint heard and voiced through a stream tap. Alerts
//! (failed webhook deliveries) have an unread badge on every page and a view of their own. The
//! recordings page lists every recording the node holds ([`recordings`]) with a waveform the
//! server computes ([`waveform`]), playable and seekable in the page. The provisioning page edits
//! the directory through the platform API, one small definition per resource.

mod api;
mod assets;
mod auth;
pub mod deliveries;
mod embedded;
pub mod events;
pub mod hub;
pub mod phone;
pub mod recording_events;
pub mod recordings;
pub mod sse;
mod state;
pub mod waveform;

pub use assets::CSP;
pub use state::ConsoleState;

use axum::routing::{get, post};
use axum::Router;

/// Where the console is mounted.
pub const PREFIX: &str = "/console";

/// The console's routes, with their state. (The server drops a path's trailing `/`, so the
/// live calls page is `/console`.)
pub fn router(state: ConsoleState) -> Router {
    let at = |path: &str| format!("{PREFIX}{path}");
    Router::new()
        .route(PREFIX, get(assets::index))
        .route(&at("/calls/{callId}"), get(assets::call_page))
        .route(&at("/alerts"), get(assets::alerts_page))
        .route(&at("/recordings"), get(assets::recordings_page))
        .route(&at("/provisioning"), get(assets::provisioning_page))
        .route(
            &at("/login"),
            get(auth::login_page).post(auth::login_submit),
        )
        .route(&at("/logout"), post(auth::logout))
        .route(&at("/login.css"), get(assets::login_css))
        .route(&at("/assets/{*path}"), get(assets::asset))
        .route(&at("/events"), get(sse::events))
        .route(&at("/phone"), get(phone::phone))
        .route(&at("/api/calls/{callId}/events"), get(api::call_events))
        .route(&at("/api/alerts"), get(api::alerts))
        .route(&at("/api/recordings"), get(recordings::list))
        .route(
            &at("/api/recordings/{id}/waveform"),
            get(recordings::waveform),
        )
        .route(&at("/api/recordings/{id}/audio"), get(recordings::audio))
        .layer(axum::middleware::from_fn(assets::security_headers))
        .with_state(state)
}
