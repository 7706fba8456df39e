//! `:startTranscription`, `:stopTranscription` and `:updateTranscription` (202): without the
//! recognition engine 405 `8520` before the body is read (as before); with it, on a connection set
//! up with `transcriptionOptions`, the runtime's transcription starts and stops and the
//! Transcription* callbacks follow (`transcription.rs`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ringside_acs_wire::{OperationContextRequest, TranscriptionRequest};

use super::{pending, Connection};
use crate::error::AcsError;
use crate::request::{invalid, live, not_found, not_implemented, run, Body, Result};
use crate::transcription::{check_speech, updated, Refusal};

/// What a transcription request asks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Start,
    Stop,
    Update,
}

/// A refusal in the ACS envelope.
pub(super) fn refusal(refusal: Refusal) -> AcsError {
    match refusal {
        Refusal::Invalid(message) => invalid(message),
        Refusal::NotSupported(what) => not_implemented(&what),
    }
}

/// 400 `8583`: the transcription is not in a state the request can change.
fn wrong_state(message: &str) -> AcsError {
    AcsError::new(StatusCode::BAD_REQUEST, "8583", message)
}

pub(super) async fn transcription(at: Connection, body: &Body, action: Action) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    if !state.calls().recognizes_speech().await {
        return Err(not_implemented(
            "Transcription (no speech engine is configured)",
        ));
    }
    let (context, callback) = match action {
        Action::Stop => {
            let request: OperationContextRequest = body.parse(&[])?;
            (request.operation_context, request.operation_callback_uri)
        }
        Action::Start | Action::Update => {
            let request: TranscriptionRequest = body.parse(&[])?;
            let model = request
                .speech_model_endpoint_id
                .as_deref()
                .or(request.speech_recognition_model_endpoint_id.as_deref());
            if action == Action::Update
                && request
                    .locale
                    .as_deref()
                    .is_none_or(|l| l.trim().is_empty())
            {
                return Err(invalid("locale is required."));
            }
            check_speech(request.locale.as_deref(), model).map_err(refusal)?;
            (request.operation_context, request.operation_callback_uri)
        }
    };
    let op = pending(context, callback, None)?;
    run(&state, move |ctx| {
        let conversation = live(ctx, resource, id)?.conversation;
        let roster = ctx.participants(conversation).unwrap_or_default();
        let acs = ctx.door();
        let names = acs.raw_names(&roster).into_iter().collect();
        let call = acs.calls.get_mut(&id).ok_or_else(not_found)?;
        if call.transcription.options.is_none() {
            return Err(invalid(
                "The call was not set up with transcriptionOptions.",
            ));
        }
        match action {
            Action::Start if call.transcription.active => {
                Err(wrong_state("Transcription is already started."))
            }
            Action::Start => {
                acs.start_transcription(id, names, op.context, op.callback);
                Ok(())
            }
            Action::Stop if !call.transcription.active => {
                Err(wrong_state("Transcription is not started."))
            }
            Action::Stop => {
                let (kind, data, callback) = call.transcription.stop(op.context, op.callback);
                acs.callback(id, kind, data, callback.as_deref());
                Ok(())
            }
            Action::Update => {
                let (kind, data, callback) = updated(op.context, op.callback);
                acs.callback(id, kind, data, callback.as_deref());
                Ok(())
            }
        }
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
