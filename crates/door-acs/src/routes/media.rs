//! Call media: `:play` (file, text and SSML sources: [`super::sources`]), `:cancelAllMediaOperations`, `:recognize` (DTMF, and
//! choices by their tones),
//! `:startContinuousDtmfRecognition`/`:stop…`, `:sendDtmfTones`, `:hold`/`:unhold` and
//! `:startMediaStreaming`/`:stopMediaStreaming`.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ringside_acs_wire::{
    ContinuousDtmfRecognitionRequest, DtmfTone, HoldRequest, OperationContextRequest, PlayRequest,
    RecognizeInputType, RecognizeRequest, SendDtmfTonesRequest, SendDtmfTonesResult,
};
use ringside_engine::{Command, RecognizeOptions};
use ringside_model::{Party, TenantId, Tone};
use serde_json::{json, Value};

use super::parties::{parties, party};
use super::{engine_error, listen, participant_leg, pending, remember, reply, sources, Connection};
use crate::error::AcsError;
use crate::request::{invalid, live, not_found, not_implemented, run, Body, Result};
use crate::wire::tone_from_name;
use crate::AcsState;

/// A DTMF tone the door knows (`'"x"' is not a DTMF tone.` otherwise, naming it as JSON).
fn tone(given: &DtmfTone) -> Result<Tone> {
    tone_from_name(given.as_str())
        .ok_or_else(|| invalid(format!("'{}' is not a DTMF tone.", json!(given.as_str()))))
}

/// `:play`: 202; PlayStarted when the media plane starts the audio (a queued play once it is its
/// turn; a prompt that cannot be fetched never starts: PlayFailed alone).
pub(super) async fn play(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: PlayRequest = body.parse(&["playSources", "playTo[]"])?;
    if request.play_sources.is_empty() {
        return Err(invalid("playSources needs at least one play source."));
    }
    let prompts = sources::prompts(&state, &request.play_sources).await?;
    let audience_parties = parties(&state, tenant, &request.play_to.unwrap_or_default())?;
    state.calls().prefetch(&prompts).await;
    let looped = request.play_options.is_some_and(|o| o.loop_);
    let barge_in = request.interrupt_call_media_operation.unwrap_or(false);
    let mut op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    op.reports_start = true;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let mut audience = Vec::new();
        for p in &audience_parties {
            audience.push(participant_leg(ctx, &call, p)?);
        }
        let ack = ctx
            .command(Command::PlayPrompt {
                leg: id,
                prompts,
                audience,
                looped,
                barge_in,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `:cancelAllMediaOperations`: 202.
pub(super) async fn cancel_all(at: Connection) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    run(&state, move |ctx| {
        live(ctx, resource, id)?;
        ctx.command(Command::CancelMediaProcessing {
            leg: id,
            client_context: String::new(),
        })
        .map_err(engine_error)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// Seconds between 0 (excluded) and `max`, `default` when absent.
fn secs(given: Option<f64>, default: u64, max: u64, name: &str) -> Result<Duration> {
    match given {
        None => Ok(Duration::from_secs(default)),
        Some(s) if s > 0.0 && s <= max as f64 => Ok(Duration::from_secs_f64(s)),
        Some(_) => Err(invalid(format!(
            "{name} must be between 1 and {max} seconds."
        ))),
    }
}

/// What a DTMF recognize asks for: whose keys, the prompts, and how to collect the keys.
fn dtmf_options(
    state: &AcsState,
    tenant: TenantId,
    request: &RecognizeRequest,
) -> Result<(Party, RecognizeOptions)> {
    let options = &request.recognize_options;
    let target = party(state, tenant, &options.target_participant)?;
    let dtmf = options.dtmf_options.clone().unwrap_or_default();
    let max_tones = match dtmf.max_tones_to_collect {
        None => 1,
        Some(n) if (1..=64).contains(&n) => n as usize,
        Some(_) => return Err(invalid("maxTonesToCollect must be between 1 and 64.")),
    };
    let stop_tones = dtmf
        .stop_tones
        .iter()
        .flatten()
        .map(tone)
        .collect::<Result<Vec<_>>>()?;
    let recognize = RecognizeOptions {
        prompts: Vec::new(),
        interrupt_prompt: options.interrupt_prompt.unwrap_or(true),
        initial_silence: secs(
            options.initial_silence_timeout_in_seconds,
            5,
            300,
            "initialSilenceTimeoutInSeconds",
        )?,
        inter_tone: secs(
            dtmf.inter_tone_timeout_in_seconds,
            2,
            60,
            "interToneTimeoutInSeconds",
        )?,
        max_tones,
        stop_tones,
        speech: None,
    };
    Ok((target, recognize))
}

/// Whether a recognize of `kind` can be served by keys alone (DTMF, or choices with tones).
fn keys_only(kind: &str, body: &Body) -> bool {
    kind.eq_ignore_ascii_case("dtmf") || (kind.eq_ignore_ascii_case("choices") && any_tone(body))
}

/// Whether a body's `recognizeOptions.choices` give any choice a `tone`.
fn any_tone(body: &Body) -> bool {
    body.member("recognizeOptions")
        .and_then(|options| options.get("choices"))
        .and_then(Value::as_array)
        .is_some_and(|choices| choices.iter().any(|c| c.get("tone").is_some()))
}

/// The choices a key can pick (tone and label).
fn tone_choices(request: &RecognizeRequest) -> Result<Vec<(Tone, String)>> {
    let mut picks = Vec::new();
    for choice in request.recognize_options.choices.iter().flatten() {
        if let Some(given) = &choice.tone {
            picks.push((tone(given)?, choice.label.clone()));
        }
    }
    Ok(picks)
}

/// `:recognize` (DTMF; choices picked by their tones or phrases; speech and speech-or-DTMF, see
/// [`listen`]; 405 for speech where no recognizer is installed, whatever else the body says): 202.
pub(super) async fn recognize(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let can_listen = state.calls().recognizes_speech().await;
    let request: RecognizeRequest = match body.parse(&[
        "playPrompt",
        "playPrompts",
        "recognizeOptions.targetParticipant",
    ]) {
        Ok(request) => request,
        // Without a recognizer, a body that asks for speech (not DTMF, not choices with tones) is
        // answered 405 before the rest is looked at.
        Err(error) => match body.member("recognizeInputType") {
            Some(Value::String(kind)) if !keys_only(kind, body) && !can_listen => {
                return Err(listen::no_recognizer())
            }
            // recognizeInputType is required: its absence is an invalid request, not speech.
            _ => return Err(error),
        },
    };
    let speech = listen::speech_options(can_listen, &request)?;
    let choices = match request.recognize_input_type {
        RecognizeInputType::Choices => Some(tone_choices(&request)?),
        _ => None,
    };
    let (target, mut recognize) = dtmf_options(&state, tenant, &request)?;
    recognize.prompts = sources::prompts(&state, request.prompts()).await?;
    if choices.is_some() {
        // One key picks a choice.
        recognize.max_tones = 1;
        recognize.stop_tones.clear();
    }
    recognize.speech = speech;
    state.calls().prefetch(&recognize.prompts).await;
    let barge_in = request.interrupt_call_media_operation.unwrap_or(false);
    let mut op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    op.choices = choices;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let target = participant_leg(ctx, &call, &target)?;
        let ack = ctx
            .command(Command::Recognize {
                leg: id,
                target,
                options: recognize,
                barge_in,
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `:startContinuousDtmfRecognition` / `:stopContinuousDtmfRecognition`: 200.
pub(super) async fn continuous_dtmf(at: Connection, body: &Body, start: bool) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: ContinuousDtmfRecognitionRequest = body.parse(&["targetParticipant"])?;
    let target = party(&state, tenant, &request.target_participant)?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let target = participant_leg(ctx, &call, &target)?;
        let command = if start {
            Command::SubscribeToTone {
                leg: id,
                source: Some(target),
                client_context: op.context.clone(),
            }
        } else {
            Command::UnsubscribeFromTone {
                leg: id,
                client_context: op.context.clone(),
            }
        };
        let ack = ctx.command(command).map_err(engine_error)?;
        if start {
            if let Some(call) = ctx.door().calls.get_mut(&id) {
                call.continuous_dtmf = Some(op);
            }
        } else {
            if let Some(call) = ctx.door().calls.get_mut(&id) {
                call.continuous_dtmf = None;
            }
            remember(ctx, id, &ack, op);
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}

/// `:sendDtmfTones`: 202 `{operationContext}`; only the target participant hears the keys.
pub(super) async fn send_dtmf(at: Connection, body: &Body) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: SendDtmfTonesRequest = body.parse(&["targetParticipant"])?;
    if request.tones.is_empty() || request.tones.len() > 18 {
        return Err(invalid("tones must hold 1 to 18 DTMF tones."));
    }
    let tones = request.tones.iter().map(tone).collect::<Result<Vec<_>>>()?;
    let target = party(&state, tenant, &request.target_participant)?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    let context = op.context.clone();
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let target = participant_leg(ctx, &call, &target)?;
        let ack = ctx
            .command(Command::SendDtmfTo {
                leg: id,
                target,
                tones,
                delay_between: Duration::from_millis(100),
                client_context: op.context.clone(),
            })
            .map_err(engine_error)?;
        remember(ctx, id, &ack, op);
        Ok(())
    })
    .await?;
    Ok(reply(
        StatusCode::ACCEPTED,
        &SendDtmfTonesResult::new(&context),
    ))
}

/// `:hold` (with music on hold) / `:unhold`: 200. Both read the hold body: `:unhold` checks a
/// `playSourceInfo` it is given too.
pub(super) async fn hold(at: Connection, body: &Body, hold: bool) -> Result<Response> {
    let Connection {
        state,
        resource,
        tenant,
        id,
    } = at;
    let request: HoldRequest = body.parse(&["targetParticipant", "playSourceInfo"])?;
    let target = party(&state, tenant, &request.target_participant)?;
    let music = sources::prompts(&state, &request.play_source_info)
        .await?
        .into_iter()
        .next();
    if let Some(music) = &music {
        state.calls().prefetch(std::slice::from_ref(music)).await;
    }
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    run(&state, move |ctx| {
        let call = live(ctx, resource, id)?.clone();
        let participant = participant_leg(ctx, &call, &target)?;
        let command = if hold {
            Command::Hold {
                leg: id,
                participant,
                music,
                client_context: op.context.clone(),
            }
        } else {
            Command::Unhold {
                leg: id,
                participant,
                client_context: op.context.clone(),
            }
        };
        ctx.command(command).map_err(engine_error)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}

/// `:startMediaStreaming` / `:stopMediaStreaming`: 202; MediaStreamingStarted/Stopped follow.
pub(super) async fn streaming(at: Connection, body: &Body, start: bool) -> Result<Response> {
    let Connection {
        state,
        resource,
        id,
        ..
    } = at;
    let request: OperationContextRequest = body.parse(&[])?;
    let op = pending(
        request.operation_context,
        request.operation_callback_uri,
        None,
    )?;
    run(&state, move |ctx| {
        let conversation = live(ctx, resource, id)?.conversation;
        let roster = ctx.participants(conversation).unwrap_or_default();
        let names = ctx.door().raw_names(&roster);
        let acs = &mut ctx.door();
        let Some(media) = acs.media.as_ref() else {
            return Err(not_implemented("Media streaming"));
        };
        let call = acs.calls.get_mut(&id).ok_or_else(not_found)?;
        let already = if start {
            call.streaming.stream.is_some()
        } else {
            call.streaming.stream.is_none()
        };
        if start && call.streaming.options.is_none() {
            return Err(invalid(
                "The call was not set up with mediaStreamingOptions.",
            ));
        }
        if already {
            return Err(AcsError::new(
                StatusCode::BAD_REQUEST,
                "8583",
                if start {
                    "Media streaming is already started."
                } else {
                    "Media streaming is not started."
                },
            ));
        }
        call.streaming.context = Some(op.context.clone()).filter(|c| !c.is_empty());
        call.streaming.callback = op.callback.clone();
        let at = call.stream_at();
        if !start {
            media.stop(&call.streaming, "stopMediaStreaming");
        } else if let Err(message) =
            media.start(&mut call.streaming, at, names.into_iter().collect())
        {
            let callback = call.streaming.callback.take();
            acs.streaming_refused(id, &message, callback.as_deref());
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
