//! What every ACS operation (call connections and recordings alike) shares: the result type, the
//! error answers (400 `8523` invalid argument, 404 `8522` unknown call, 405 `8520` not
//! implemented), running a closure on the call runtime, the caller's live connection, and reading
//! the request body and its members.

use axum::http::StatusCode;
use ringside_engine::LegId;
use ringside_model::{AcsResourceId, Guid};
use serde_json::{Map, Value};

use crate::calls::{AcsCall, AcsCalls};
use crate::error::AcsError;
use crate::AcsState;
use ringside_runtime::door::DoorCtx;

/// An operation's result: its answer, or an error in the ACS envelope.
pub(crate) type Result<T> = std::result::Result<T, AcsError>;

/// 400 `8523`.
pub(crate) fn invalid(message: impl Into<String>) -> AcsError {
    AcsError::new(StatusCode::BAD_REQUEST, "8523", message)
}

/// 404 `8522`: the call connection is unknown (or not the caller's, or over).
pub(crate) fn not_found() -> AcsError {
    AcsError::new(StatusCode::NOT_FOUND, "8522", "Call not found.")
}

/// 405 `8520`: `what` is not supported by this server.
pub(crate) fn not_implemented(what: &str) -> AcsError {
    AcsError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "8520",
        format!("{what} is not supported by this server."),
    )
}

/// Runs `f` on the call runtime (503 when it is gone).
pub(crate) async fn run<T: Send + 'static>(
    state: &AcsState,
    f: impl FnOnce(&mut DoorCtx<'_, AcsCalls>) -> Result<T> + Send + 'static,
) -> Result<T> {
    state.calls().exec(f).await.map_err(|error| match error {
        ringside_runtime::CallError::Busy => AcsError::too_many_requests(1),
        _ => AcsError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The call runtime is not available.",
        ),
    })?
}

/// The connection of the caller's resource that is still live.
pub(crate) fn live<'a>(
    ctx: &'a mut DoorCtx<'_, AcsCalls>,
    resource: AcsResourceId,
    id: LegId,
) -> Result<&'a mut AcsCall> {
    let call = ctx.door().visible(resource, id).ok_or_else(not_found)?;
    if call.state.is_terminated() {
        return Err(not_found());
    }
    Ok(call)
}

/// A `callConnectionId` (404 when it cannot be one of ours).
pub(crate) fn connection_id(text: &str) -> Result<LegId> {
    Guid::parse(text.trim()).map(LegId).map_err(|_| not_found())
}

/// The body as a JSON object (empty: `{}`).
pub(crate) fn body(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("The request body must be a JSON object.")),
        Err(error) => Err(invalid(format!(
            "The request body is not valid JSON: {error}."
        ))),
    }
}

/// A member by name in any letter case; `null` reads as absent.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// A string member, if given.
pub(crate) fn string(map: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match field(map, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string."))),
    }
}

/// A string member that must be given and not blank.
pub(crate) fn required(map: &Map<String, Value>, name: &str) -> Result<String> {
    string(map, name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid(format!("{name} is required.")))
}

/// A required callback URL: https (http only for loopback hosts).
pub(crate) fn callback_uri(map: &Map<String, Value>, name: &str) -> Result<String> {
    let uri = required(map, name)?;
    ringside_directory::validate::https_url(name, &uri)
        .map(|()| uri.clone())
        .map_err(|_| {
            invalid(format!(
                "{name} must be an https URL (http only for loopback hosts)."
            ))
        })
}

/// An optional callback URL (checked like [`callback_uri`] when given).
pub(crate) fn optional_callback(map: &Map<String, Value>, name: &str) -> Result<Option<String>> {
    match field(map, name) {
        None => Ok(None),
        Some(_) => callback_uri(map, name).map(Some),
    }
}

/// The rawId of a CommunicationIdentifierModel: its `rawId`, else built from the sub-object (the
/// Python SDK never sends `kind`; JS leaves `rawId` out in some places).
pub(crate) fn raw_id_of(value: &Value) -> Option<String> {
    let from = |pointer: &str, prefix: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(|v| format!("{prefix}{v}"))
    };
    value
        .get("rawId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| from("/phoneNumber/value", "4:"))
        .or_else(|| from("/communicationUser/id", ""))
        .or_else(|| from("/microsoftTeamsUser/userId", "8:orgid:"))
        .or_else(|| from("/microsoftTeamsApp/appId", "28:orgid:"))
}
