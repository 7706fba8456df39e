//! The simulated-phone routes' request extractors: percent-decoded path parameters (a call, a leg,
//! an endpoint resolved through the directory) and a JSON body that may be empty. Failures are 400
//! or 404 in the envelope.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use ringside_engine::{ConversationId, LegId};
use ringside_model::Guid;
use ringside_runtime::routing::{self, EndpointNameError, NamedEndpoint};
use serde_json::Value;

use crate::state::PlatformState;
use ringside_http::ApiError;

/// Percent-decoded path parameters; undecodable paths are a 400 in the envelope.
pub(super) struct Params(HashMap<String, String>);

impl FromRequestParts<PlatformState> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Params, ApiError> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(map)| Params(map))
            .map_err(|rejection| ApiError::bad_request(format!("Malformed path: {rejection}")))
    }
}

impl Params {
    pub(super) fn raw(&self, name: &str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("route has no '{name}' parameter")))
    }

    fn guid(&self, name: &str, what: &str) -> Result<Guid, ApiError> {
        let raw = self.raw(name)?;
        Guid::parse(raw).map_err(|error| ApiError::bad_request(format!("Invalid {what}: {error}.")))
    }

    pub(super) fn call(&self) -> Result<ConversationId, ApiError> {
        self.guid("callId", "call id").map(ConversationId)
    }

    pub(super) fn leg(&self) -> Result<(ConversationId, LegId), ApiError> {
        Ok((self.call()?, LegId(self.guid("legId", "leg id")?)))
    }

    pub(super) fn endpoint(&self, state: &PlatformState) -> Result<NamedEndpoint, ApiError> {
        resolve(state, self.raw("endpoint")?)
    }
}

pub(super) fn resolve(state: &PlatformState, raw: &str) -> Result<NamedEndpoint, ApiError> {
    state
        .directory()
        .read(|d| routing::resolve_endpoint(d, raw))
        .map_err(|error| match error {
            EndpointNameError::Invalid(message) => ApiError::bad_request(message),
            EndpointNameError::UnknownUser(message) => ApiError::not_found(message),
        })
}

/// A JSON body, or `None` when empty; failures in the envelope.
pub(super) struct Body(pub(super) Option<Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Body, ApiError> {
        let bytes = ringside_http::read_body(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(None));
        }
        ringside_http::parse_json(&bytes).map(|value| Body(Some(value)))
    }
}

impl Body {
    pub(super) fn required(self) -> Result<Value, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::bad_request("The request body is empty; a JSON object is required.")
        })
    }
}
