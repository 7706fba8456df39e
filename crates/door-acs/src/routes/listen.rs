//! What `:recognize` asks to hear besides keys: `speech` (free speech), `speechOrDtmf` (free
//! speech or keys) and `choices` (phrases, and tones) become the engine's [`SpeechOptions`],
//! recognized by the runtime's offline recognizer. Without one installed, speech is refused with
//! 405 `8520`, and choices that have tones are still picked by their keys.

use std::time::Duration;

use ringside_acs_wire::{RecognizeInputType, RecognizeRequest};
use ringside_engine::{SpeechChoice, SpeechOptions};

use crate::error::AcsError;
use crate::request::{invalid, not_implemented, Result};

/// Silence that ends an utterance when `speechOptions.endSilenceTimeoutInMs` is absent (ACS's
/// default).
const END_SILENCE_DEFAULT: Duration = Duration::from_millis(500);
/// Longest end silence accepted.
const END_SILENCE_MAX_MS: u64 = 60_000;

/// 405 `8520`: speech asked for where no recognizer runs.
pub(super) fn no_recognizer() -> AcsError {
    not_implemented("Speech recognition (no speech recognition engine is installed)")
}

/// The speech half of a recognize; `None` when only keys are recognized.
pub(super) fn speech_options(
    can_listen: bool,
    request: &RecognizeRequest,
) -> Result<Option<SpeechOptions>> {
    let options = &request.recognize_options;
    let choices = options.choices.as_deref().unwrap_or_default();
    let any_tone = choices.iter().any(|c| c.tone.is_some());
    let any_phrase = choices.iter().any(|c| !c.phrases.is_empty());
    let (free, tones) = match &request.recognize_input_type {
        RecognizeInputType::Dtmf => return Ok(None),
        RecognizeInputType::Speech => (true, false),
        RecognizeInputType::SpeechOrDtmf => (true, true),
        RecognizeInputType::Choices if any_phrase => (false, any_tone),
        RecognizeInputType::Choices if any_tone => return Ok(None),
        RecognizeInputType::Choices => {
            return Err(invalid("choices need phrases or a tone to be picked by."))
        }
        RecognizeInputType::Other(kind) => {
            return Err(invalid(format!(
                "'{kind}' is not a recognizeInputType (dtmf, speech, speechOrDtmf or choices)."
            )))
        }
    };
    if !can_listen {
        return match request.recognize_input_type {
            RecognizeInputType::Choices if any_tone => Ok(None),
            _ => Err(no_recognizer()),
        };
    }
    let language = options
        .speech_language
        .clone()
        .filter(|l| !l.trim().is_empty());
    if let Some(language) = &language {
        let english = language.trim().to_ascii_lowercase();
        if english != "en-us" && english != "en" {
            return Err(not_implemented(&format!(
                "Speech recognition in '{}' (only en-US is installed)",
                language.trim()
            )));
        }
    }
    if options.speech_recognition_model_endpoint_id.is_some() {
        return Err(not_implemented(
            "Custom speech models (speechRecognitionModelEndpointId)",
        ));
    }
    let choices = if free {
        Vec::new()
    } else {
        speech_choices(request)?
    };
    Ok(Some(SpeechOptions {
        choices,
        language: options
            .speech_language
            .clone()
            .filter(|l| !l.trim().is_empty()),
        end_silence: end_silence(request)?,
        tones,
    }))
}

fn speech_choices(request: &RecognizeRequest) -> Result<Vec<SpeechChoice>> {
    let mut choices = Vec::new();
    for choice in request.recognize_options.choices.iter().flatten() {
        if choice.label.trim().is_empty() {
            return Err(invalid("Every choice needs a label."));
        }
        choices.push(SpeechChoice {
            label: choice.label.clone(),
            phrases: choice
                .phrases
                .iter()
                .filter(|p| !p.trim().is_empty())
                .cloned()
                .collect(),
        });
    }
    Ok(choices)
}

fn end_silence(request: &RecognizeRequest) -> Result<Duration> {
    let given = request
        .recognize_options
        .speech_options
        .as_ref()
        .and_then(|s| s.end_silence_timeout_in_ms);
    match given {
        None => Ok(END_SILENCE_DEFAULT),
        Some(ms) if (1..=END_SILENCE_MAX_MS).contains(&ms) => Ok(Duration::from_millis(ms)),
        Some(_) => Err(invalid(format!(
            "speechOptions.endSilenceTimeoutInMs must be between 1 and {END_SILENCE_MAX_MS}."
        ))),
    }
}
