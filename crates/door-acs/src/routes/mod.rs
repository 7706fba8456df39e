//! The Call Automation operations (digest §2): call setup (`createCall`, `:answer`, `:reject`,
//! `:redirect`, `:connect`: [`setup`]), the call connection (get, hang up, `:terminate`,
//! `:transferToParticipant`: [`connection`]), participants (list, get, `:add`, `:remove`, `:mute`,
//! `:cancelAddParticipant`: [`participants`]) and call media (`:play`,
//! `:cancelAllMediaOperations`, `:recognize` for DTMF and choices by their tones, continuous DTMF, `:sendDtmfTones`,
//! `:hold`/`:unhold`, media streaming: [`media`]). Each answers with exactly the success status
//! the SDKs expect and errors in the ACS envelope with the subcode as `code` (404 `8522` unknown
//! call, 400 `8523` invalid argument, 400 `8501` not valid in this state, 409 `8519` conflict,
//! 405 `8520` not implemented).
//!
//! Media streaming: `mediaStreamingOptions` on create/answer/connect and `:startMediaStreaming`/
//! `:stopMediaStreaming` (202) run through `media_streaming.rs` and the streaming service.
//!
//! Transcription: `transcriptionOptions` on create/answer/connect and `:startTranscription`/
//! `:stopTranscription`/`:updateTranscription` (202) run through `transcription.rs` and the
//! runtime's transcriber. Without the speech engines installed, transcription, text/SSML play
//! sources, speech recognition and choices no key can pick are 405 `8520` (saying so, without
//! reading the body's members). `moveHere` likewise.
//!
//! Bodies are read as `ringside_acs_wire` request types through [`crate::request::Body`]; each
//! operation names the members the door reads leniently.

mod connection;
mod listen;
mod media;
mod participants;
mod parties;
mod setup;
mod sources;
mod transcription;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ringside_engine::{Ack, EngineError, LegId};
use ringside_model::{AcsResourceId, Party, TenantId};
use serde_json::Value;

use crate::auth::AcsCaller;
use crate::calls::{AcsCall, AcsCalls, PendingOp};
use crate::error::AcsError;
use crate::request::{
    connection_id, invalid, not_found, not_implemented, optional_callback, Body, Result,
};
use crate::AcsState;
use ringside_runtime::door::DoorCtx;

/// The routes (behind the door's guard).
pub(crate) fn routes() -> Router<AcsState> {
    Router::new()
        .route("/calling/callConnections", post(setup::create_call))
        .route("/calling/callConnections:answer", post(setup::answer_call))
        .route("/calling/callConnections:reject", post(setup::reject_call))
        .route(
            "/calling/callConnections:redirect",
            post(setup::redirect_call),
        )
        .route(
            "/calling/callConnections:connect",
            post(setup::connect_call),
        )
        .route(
            "/calling/callConnections/{segment}",
            get(connection::get_call)
                .delete(connection::hang_up)
                .post(connection_action),
        )
        .route(
            "/calling/callConnections/{id}/{segment}",
            get(participants::list_participants).post(participants_action),
        )
        .route(
            "/calling/callConnections/{id}/participants/{raw}",
            get(participants::get_participant),
        )
}

/// The connection an action is for, with the caller's resource and its tenant.
pub(super) struct Connection {
    state: AcsState,
    resource: AcsResourceId,
    tenant: TenantId,
    id: LegId,
}

/// `POST /calling/callConnections/{id}:<action>`.
async fn connection_action(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path(segment): Path<String>,
    bytes: Bytes,
) -> Result<Response> {
    let (id, action) = segment.split_once(':').ok_or_else(|| {
        AcsError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "8520",
            "POST needs an action (…/{callConnectionId}:<action>).",
        )
    })?;
    let id = connection_id(id)?;
    let body = Body::read(&bytes)?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let at = Connection {
        state,
        resource: caller.resource,
        tenant,
        id,
    };
    use transcription::Action::{Start, Stop, Update};
    match action {
        "terminate" => connection::terminate(at).await,
        "transferToParticipant" => connection::transfer(at, &body).await,
        "play" => media::play(at, &body).await,
        "cancelAllMediaOperations" => media::cancel_all(at).await,
        "recognize" => media::recognize(at, &body).await,
        "startContinuousDtmfRecognition" => media::continuous_dtmf(at, &body, true).await,
        "stopContinuousDtmfRecognition" => media::continuous_dtmf(at, &body, false).await,
        "sendDtmfTones" => media::send_dtmf(at, &body).await,
        "hold" => media::hold(at, &body, true).await,
        "unhold" => media::hold(at, &body, false).await,
        "startMediaStreaming" => media::streaming(at, &body, true).await,
        "stopMediaStreaming" => media::streaming(at, &body, false).await,
        "startTranscription" => transcription::transcription(at, &body, Start).await,
        "stopTranscription" => transcription::transcription(at, &body, Stop).await,
        "updateTranscription" => transcription::transcription(at, &body, Update).await,
        other => Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{other}' is not a call connection action."),
        )),
    }
}

/// `POST /calling/callConnections/{id}/participants:<action>`.
async fn participants_action(
    State(state): State<AcsState>,
    Extension(caller): Extension<AcsCaller>,
    Path((id, segment)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response> {
    let Some(action) = segment.strip_prefix("participants:") else {
        return Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{segment}' is not a participants action."),
        ));
    };
    let id = connection_id(&id)?;
    let body = Body::read(&bytes)?;
    let tenant = resource_tenant(&state, caller.resource)?;
    let at = Connection {
        state,
        resource: caller.resource,
        tenant,
        id,
    };
    match action {
        "add" => participants::add(at, &body).await,
        "remove" => participants::remove(at, &body).await,
        "mute" => participants::mute(at, &body).await,
        "cancelAddParticipant" => participants::cancel_add(at, &body).await,
        "moveHere" => Err(not_implemented("Moving participants between calls")),
        other => Err(AcsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            format!("'{other}' is not a participants action."),
        )),
    }
}

/// A JSON answer, written through serde_json's `Value` so its members come in the order the door
/// has always written them (by name).
fn reply<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, Json(serde_json::to_value(body).unwrap_or_default())).into_response()
}

/// An engine refusal in the ACS envelope.
fn engine_error(error: EngineError) -> AcsError {
    let message = error.to_string();
    match error {
        EngineError::UnknownConversation(_)
        | EngineError::UnknownLeg(_)
        | EngineError::UnknownOperation(_)
        | EngineError::LegTerminated(_) => not_found(),
        EngineError::InvalidState { .. } => AcsError::new(
            StatusCode::BAD_REQUEST,
            "8501",
            format!("Action is not valid in the current call state: {message}."),
        ),
        EngineError::Conflict(_) => AcsError::new(StatusCode::CONFLICT, "8519", message),
        EngineError::NotSupported(_) => {
            AcsError::new(StatusCode::METHOD_NOT_ALLOWED, "8520", message)
        }
        EngineError::InvalidArgument(_)
        | EngineError::WrongEndpoint { .. }
        | EngineError::NotInConversation { .. } => invalid(message),
    }
}

/// The tenant of the caller's ACS resource.
fn resource_tenant(state: &AcsState, resource: AcsResourceId) -> Result<TenantId> {
    state
        .directory()
        .read(|d| d.acs_resource(resource).map(|r| r.tenant))
        .ok_or_else(|| AcsError::unauthorized("The ACS resource no longer exists."))
}

/// Keeps an operation's context and callback for its events.
fn remember(ctx: &mut DoorCtx<'_, AcsCalls>, leg: LegId, ack: &Ack, op: PendingOp) {
    if let Some(operation) = ack.operation() {
        if let Some(call) = ctx.door().calls.get_mut(&leg) {
            call.ops.insert(operation.id, op);
        }
    }
}

/// An operation's `operationContext` and `operationCallbackUri` (checked), and the participant its
/// events name.
fn pending(
    context: Option<String>,
    callback: Option<String>,
    participant: Option<Value>,
) -> Result<PendingOp> {
    Ok(PendingOp {
        context: context.unwrap_or_default(),
        callback: optional_callback(callback, "operationCallbackUri")?,
        participant,
        choices: None,
        reports_start: false,
    })
}

/// The participant leg an identifier names in the connection's conversation.
fn participant_leg(ctx: &DoorCtx<'_, AcsCalls>, call: &AcsCall, who: &Party) -> Result<LegId> {
    ctx.participants(call.conversation)
        .map_err(engine_error)?
        .into_iter()
        .find(|p| &p.party == who && p.leg != call.id)
        .map(|p| p.leg)
        .ok_or_else(|| {
            AcsError::new(
                StatusCode::NOT_FOUND,
                "8522",
                "The participant is not in the call.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_acs_wire::{CancelAddParticipantResponse, OperationContextResponse};

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[tokio::test]
    async fn replies_are_written_as_the_door_always_wrote_them() {
        let answer = reply(StatusCode::ACCEPTED, &OperationContextResponse::new(""));
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        assert_eq!(text(answer).await, r#"{"operationContext":""}"#);
        let cancel = CancelAddParticipantResponse {
            operation_context: Some("c".into()),
            invitation_id: Some("i".into()),
        };
        assert_eq!(
            text(reply(StatusCode::ACCEPTED, &cancel)).await,
            r#"{"invitationId":"i","operationContext":"c"}"#
        );
    }
}
