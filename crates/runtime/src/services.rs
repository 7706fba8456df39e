//! The service-hosted media helpers the runtime and the doors share: the prompt fetcher (with its
//! cache, which the runtime resolves prompts from), text prompts, the recordResponse recording
//! store and the media streaming service. Built
//! once from the `[media]` config in [`crate::serve`] and handed to the runtime.

use std::path::Path;
use std::sync::Arc;

use crate::config::MediaConfig;
use crate::fetch::{FetchPolicy, PromptCache, PromptFetcher};
use crate::recordings::RecordingStore;

/// Prompt fetcher and recording store. Cheap to clone.
#[derive(Clone)]
pub struct MediaServices {
    pub fetcher: Arc<PromptFetcher>,
    pub recordings: Arc<RecordingStore>,
    /// Live media streams to apps over WebSocket ([`crate::streaming`]).
    pub streams: Arc<crate::streaming::StreamService>,
    /// Text prompts synthesised into the fetcher's cache ([`crate::speech`]).
    pub text: Arc<crate::speech::TextPrompts>,
    /// The speech recognition engine, loaded on first use ([`crate::speech`]).
    pub recognition: Arc<crate::speech::Recognition>,
}

impl MediaServices {
    /// From the config: loopback prompt hosts (and http to them) are allowed in dev mode;
    /// `local_ca_pem` is trusted for prompt hosts besides the public roots.
    pub fn new(
        media: &MediaConfig,
        dev_mode: bool,
        data_dir: &Path,
        local_ca_pem: Option<Vec<u8>>,
    ) -> anyhow::Result<MediaServices> {
        let roots: Vec<Vec<u8>> = local_ca_pem.into_iter().collect();
        let policy = FetchPolicy::from_config(media, dev_mode);
        let streams = crate::streaming::StreamService::new(
            crate::streaming::StreamPolicy::from_fetch(&policy),
            &roots,
        )?;
        let cache = Arc::new(PromptCache::default());
        let fetcher = PromptFetcher::new(policy, &roots, cache.clone())?;
        Ok(MediaServices {
            text: Arc::new(crate::speech::TextPrompts::new(cache)),
            recognition: Arc::new(crate::speech::Recognition::default()),
            fetcher: Arc::new(fetcher),
            streams: Arc::new(streams),
            recordings: Arc::new(RecordingStore::open(
                data_dir,
                media.recording_retention_secs,
                media.max_recordings,
            )),
        })
    }
}
