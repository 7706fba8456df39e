//! The Microsoft Graph front door: bearer-token authentication (audience, issuer, tenant, roles,
//! throttling) and the Graph routes Ringside serves under `/v1.0` and `/beta`: resource accounts and the
//! calls API ([`calls`]).

mod auth;
pub(crate) mod calls;
pub(crate) mod meetings;
mod resource_accounts;

pub(crate) use auth::GraphCaller;

use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// Graph routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/beta/admin/teams/resourceAccounts",
            get(resource_accounts::list),
        )
        .merge(calls::routes::routes())
        .merge(calls::media_ops::routes())
        .merge(calls::participants::routes())
        .merge(meetings::routes())
}
