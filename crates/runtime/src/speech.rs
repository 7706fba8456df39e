//! Offline speech for the runtime: text prompts (ACS `TextSource`/`SsmlSource`) synthesised by
//! `ringside-speech` (espeak-ng) and put into the prompt cache under a `tts:` reference, which the
//! media plane then plays like any fetched prompt (PlayStarted when its audio starts); and the
//! speech recognition engine (pocketsphinx), loaded once on first use.

use std::sync::Arc;

use ringside_audio::Prompt;
use ringside_engine::MediaRef;
use std::sync::OnceLock;

use ringside_speech::{SpeechError, SttConfig, SttEngine, Tts, TtsConfig};

use crate::fetch::PromptCache;

pub use ringside_speech::{Content as TextContent, TtsRequest as TextPrompt};

/// Why a text prompt cannot be made.
#[derive(Debug, Clone, PartialEq)]
pub enum TextPromptError {
    /// No speech engine is installed (the dialect's "not supported").
    Unavailable(String),
    /// The request is invalid (malformed SSML).
    Invalid(String),
    /// The engine failed.
    Failed(String),
}

/// The text-to-speech engine, if it could be loaded, and the prompt cache it fills.
pub struct TextPrompts {
    tts: Result<Tts, String>,
    cache: Arc<PromptCache>,
}

impl TextPrompts {
    /// Loads the engine once; without it every request is [`TextPromptError::Unavailable`].
    pub fn new(cache: Arc<PromptCache>) -> TextPrompts {
        let tts = Tts::new(&TtsConfig::default()).map_err(|error| {
            tracing::warn!(%error, "text prompts are unavailable");
            error.to_string()
        });
        TextPrompts { tts, cache }
    }

    /// A reference to `request`'s audio, synthesised now unless already cached.
    pub async fn prompt(&self, request: TextPrompt) -> Result<MediaRef, TextPromptError> {
        let key = reference(&request);
        let media = MediaRef {
            uri: key.clone(),
            cache_key: Some(key),
        };
        if self.cache.get(&media).is_some() {
            return Ok(media);
        }
        let samples = self.samples(request).await?;
        self.cache
            .insert(&media, Arc::new(Prompt::from_samples(samples)));
        Ok(media)
    }

    /// `request`'s audio: 16 kHz mono samples (the engine's own cache makes a repeat cheap).
    pub async fn samples(&self, request: TextPrompt) -> Result<Arc<[i16]>, TextPromptError> {
        let tts = match &self.tts {
            Ok(tts) => tts.clone(),
            Err(why) => return Err(TextPromptError::Unavailable(why.clone())),
        };
        tokio::task::spawn_blocking(move || tts.synthesize(&request).and_then(|s| s.into_samples()))
            .await
            .map_err(|error| TextPromptError::Failed(error.to_string()))?
            .map_err(|error| match error {
                SpeechError::Unavailable(why) => TextPromptError::Unavailable(why),
                SpeechError::InvalidSsml(why) | SpeechError::InvalidRequest(why) => {
                    TextPromptError::Invalid(why)
                }
                other => TextPromptError::Failed(other.to_string()),
            })
    }
}

/// The speech recognition engine, loaded on first use (it loads a dictionary and starts worker
/// threads); `None` forever when it is not installed.
#[derive(Default)]
pub struct Recognition(OnceLock<Option<SttEngine>>);

impl Recognition {
    /// The engine, loading it on a blocking thread the first time.
    pub async fn engine(self: &Arc<Self>) -> Option<SttEngine> {
        if let Some(loaded) = self.0.get() {
            return loaded.clone();
        }
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || this.load())
            .await
            .ok()
            .flatten()
    }

    /// The engine if it has been loaded (never loads it).
    pub fn loaded(&self) -> Option<SttEngine> {
        self.0.get().cloned().flatten()
    }

    fn load(&self) -> Option<SttEngine> {
        self.0
            .get_or_init(|| match SttEngine::new(&SttConfig::default()) {
                Ok(engine) => Some(engine),
                Err(error) => {
                    tracing::warn!(%error, "speech recognition is unavailable");
                    None
                }
            })
            .clone()
    }
}

/// `tts:<sha-256 of the request>`: the same text, voice, locale and rate share one prompt.
fn reference(request: &TextPrompt) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{request:?}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("tts:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_depends_on_everything_that_shapes_the_audio() {
        let plain = TextPrompt::text("Hello");
        let mut slow = plain.clone();
        slow.rate = 0.5;
        let mut german = plain.clone();
        german.locale = Some("de-DE".into());
        let refs = [reference(&plain), reference(&slow), reference(&german)];
        assert!(refs.iter().all(|r| r.starts_with("tts:") && r.len() == 68));
        assert_ne!(refs[0], refs[1]);
        assert_ne!(refs[0], refs[2]);
        assert_eq!(refs[0], reference(&TextPrompt::text("Hello")));
    }
}
