//! The runtime's configuration (`[media]` in the server's config file): how prompts are fetched
//! and how long recordResponse recordings are kept.

use serde::Deserialize;

/// `[media]`: how Graph prompts (`mediaInfo.uri`) are fetched and how long recordResponse
/// recordings are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Fetch prompts from hosts that resolve to private (RFC 1918), unique-local, CGNAT or loopback
    /// addresses. Off by default (server-side request forgery); dev mode always allows loopback.
    /// Link-local addresses (cloud metadata services) are only reachable through `prompt_hosts`.
    pub allow_private_prompt_hosts: bool,
    /// Host names or IP addresses whose prompts are fetched whatever they resolve to.
    pub prompt_hosts: Vec<String>,
    /// Largest prompt file, bytes.
    pub max_prompt_bytes: usize,
    /// Time limit for one prompt download (connect, redirects and body), seconds.
    pub prompt_fetch_timeout_secs: u64,
    /// Redirects followed per prompt download.
    pub max_prompt_redirects: usize,
    /// How long recordResponse recordings stay downloadable, seconds.
    pub recording_retention_secs: u64,
    /// Recordings kept at most; the oldest go first.
    pub max_recordings: usize,
}

impl Default for MediaConfig {
    fn default() -> MediaConfig {
        MediaConfig {
            allow_private_prompt_hosts: false,
            prompt_hosts: Vec::new(),
            max_prompt_bytes: 10 << 20,
            prompt_fetch_timeout_secs: 10,
            max_prompt_redirects: 3,
            recording_retention_secs: 3600,
            max_recordings: 1000,
        }
    }
}
