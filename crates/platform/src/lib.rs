//! Ringside's own API and the identity door, over the node every door shares:
//!
//! - [`admin`]: provisioning under `/ringside/v1` (tenants, users, app registrations, consent,
//!   resource accounts, licences, numbers, ACS resources, Event Grid subscriptions);
//! - [`openapi`]: the OpenAPI document of everything under `/ringside/v1`;
//! - [`calls`]: simulated phones and users, uploaded media, live and ended calls, the media clock's
//!   figures; [`recordings`]: recordResponse downloads;
//! - [`oauth`]: the Entra-compatible identity door (OpenID metadata, JWKS, client-credentials
//!   tokens, admin consent);
//! - [`devmode`]: dev-mode seeding and `dev.json`.
//!
//! Errors use the Graph-style envelope (OAuth's body on the identity door). The admin token guards
//! everything under `/ringside/v1` but `openapi.json` and the recording downloads (which take the
//! recording's own token); the web console's session cookie ([`session`]) stands in for it, with
//! an `Origin` check on writes.

pub mod admin;
mod api_doc;
pub mod calls;
pub mod devmode;
pub mod oauth;
pub mod openapi;
pub mod recordings;
#[cfg(test)]
mod route_table;
pub mod session;
mod state;
#[cfg(test)]
mod testing;

pub use devmode::DevInfo;
pub use state::{PlatformParts, PlatformState};

use axum::Router;

/// The platform API (mounted at `/ringside/v1`) and the identity door, with their state.
pub fn router(state: PlatformState) -> Router {
    Router::new()
        .nest(
            state::PREFIX,
            admin::routes()
                .merge(calls::routes())
                .merge(recordings::routes())
                .merge(openapi::routes()),
        )
        .merge(oauth::routes())
        .with_state(state)
}
