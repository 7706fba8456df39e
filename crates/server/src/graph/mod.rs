//! The Microsoft Graph front door: bearer-token authentication (audience, issuer, tenant, roles,
//! throttling) and the Graph routes Ringside serves under `/v1.0` and `/beta`: resource accounts, the
//! calls API ([`calls`]) and online meetings ([`meetings`]), described by `openapi.json` (served at
//! `/ringside/v1/openapi/graph.json`).

mod auth;
pub(crate) mod calls;
pub(crate) mod meetings;
pub(crate) mod raw_media;
mod resource_accounts;
pub mod stream_wire;

pub(crate) use auth::GraphCaller;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The OpenAPI document of the Graph routes (made by `scripts/gen-graph-openapi.py`).
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// Graph routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ringside/v1/openapi/graph.json", get(openapi))
        .route(
            "/beta/admin/teams/resourceAccounts",
            get(resource_accounts::list),
        )
        .merge(calls::routes::routes())
        .merge(calls::media_ops::routes())
        .merge(calls::participants::routes())
        .merge(meetings::routes())
}
