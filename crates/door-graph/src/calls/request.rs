//! What every Graph call route shares: running door code in the call runtime (with the two
//! error layers flattened) and the API version of a request.

use axum::extract::Request;
use ringside_http::ApiError;
use ringside_runtime::door::DoorCtx;

use super::table::GraphCalls;
use super::wire;
use crate::state::GraphState;

/// Runs door code in the call runtime and flattens the two error layers.
pub(crate) async fn run<T: Send + 'static>(
    state: &GraphState,
    f: impl FnOnce(&mut DoorCtx<'_, GraphCalls>) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state.calls().exec(f).await.map_err(wire::runtime_error)?
}

/// `v1.0` or `beta`, from the request path.
pub(crate) fn version_of(request: &Request) -> &'static str {
    if request.uri().path().starts_with("/beta/") {
        "beta"
    } else {
        "v1.0"
    }
}
