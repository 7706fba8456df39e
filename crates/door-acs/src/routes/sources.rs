//! Play sources as the media plane's prompts: a `file` source by its URI (and
//! `playSourceCacheId`); `text` and `ssml` sources synthesised by the runtime's offline speech
//! engine into a cached prompt (405 `8520` when no engine is installed, 400 `8523` for SSML it
//! cannot read).

use ringside_acs_wire::{PlaySource, PlaySourceKind, TextSource, VoiceKind};
use ringside_engine::MediaRef;
use ringside_runtime::speech::{TextContent, TextPrompt, TextPromptError};

use crate::error::AcsError;
use crate::request::{invalid, not_implemented, Result};
use crate::AcsState;

/// The prompts `sources` name, in order.
pub(super) async fn prompts<'a>(
    state: &AcsState,
    sources: impl IntoIterator<Item = &'a PlaySource>,
) -> Result<Vec<MediaRef>> {
    let mut refs = Vec::new();
    for source in sources {
        let media = match source.effective_kind() {
            PlaySourceKind::File => file(source)?,
            PlaySourceKind::Text => speak(state, text(source)?).await?,
            PlaySourceKind::Ssml => speak(state, ssml(source)?).await?,
            PlaySourceKind::Other(kind) => {
                return Err(invalid(format!(
                    "'{kind}' is not a play source kind (file, text or ssml)."
                )))
            }
        };
        refs.push(media);
    }
    Ok(refs)
}

fn file(source: &PlaySource) -> Result<MediaRef> {
    let uri = source
        .file
        .as_ref()
        .map(|file| file.uri.clone())
        .ok_or_else(|| invalid("A file play source needs file.uri."))?;
    Ok(MediaRef {
        uri,
        cache_key: source.play_source_cache_id.clone(),
    })
}

/// A text source as a synthesis request: `voiceName` picks the voice (its locale too);
/// `voiceKind` without a name picks the locale's male or female voice.
fn text(source: &PlaySource) -> Result<TextPrompt> {
    let Some(TextSource {
        text,
        source_locale,
        voice_kind,
        voice_name,
        ..
    }) = source.text.as_ref()
    else {
        return Err(invalid("A text play source needs text.text."));
    };
    if text.trim().is_empty() {
        return Err(invalid("text.text must not be empty."));
    }
    let locale = source_locale.clone().filter(|l| !l.trim().is_empty());
    let voice_name = voice_name.clone().or_else(|| match voice_kind {
        // The locale's first voice of that kind in Azure's naming (see crates/speech voices).
        Some(VoiceKind::Male) => Some(format!(
            "{}-GuyNeural",
            locale.as_deref().unwrap_or("en-US")
        )),
        _ => None,
    });
    Ok(TextPrompt {
        content: TextContent::Text(text.clone()),
        voice_name,
        locale,
        rate: 1.0,
    })
}

fn ssml(source: &PlaySource) -> Result<TextPrompt> {
    let document = source
        .ssml
        .as_ref()
        .map(|s| s.ssml_text.clone())
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid("An ssml play source needs ssml.ssmlText."))?;
    Ok(TextPrompt {
        content: TextContent::Ssml(document),
        voice_name: None,
        locale: None,
        rate: 1.0,
    })
}

async fn speak(state: &AcsState, request: TextPrompt) -> Result<MediaRef> {
    state.calls().text_prompt(request).await.map_err(refusal)
}

fn refusal(error: TextPromptError) -> AcsError {
    match error {
        TextPromptError::Unavailable(_) => {
            not_implemented("Text and SSML play sources (no text-to-speech engine is installed)")
        }
        TextPromptError::Invalid(why) => invalid(format!("ssmlText is not valid SSML: {why}.")),
        TextPromptError::Failed(why) => AcsError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            format!("The text-to-speech engine failed: {why}."),
        ),
    }
}
