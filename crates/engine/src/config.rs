//! Engine timer settings ([`EngineConfig`]).

use std::time::Duration;

/// Timer settings; [`Default`] gives the documented platform values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// How long a simulated user or phone rings before the call is "not answered" (60 s).
    pub ring_timeout: Duration,
    /// How long a bot has to answer, reject or redirect an offered call (15 s).
    pub bot_answer_deadline: Duration,
    /// Graph legs end unless a keepAlive succeeds within this interval (45 min).
    pub keep_alive_interval: Duration,
    /// Default redirect timeout with one target (55 s).
    pub redirect_timeout_single: Duration,
    /// Default redirect timeout with several (simulring) targets (60 s).
    pub redirect_timeout_multiple: Duration,
    /// Default invitation timeout for invite/add participant (60 s).
    pub invitation_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            ring_timeout: Duration::from_secs(60),
            bot_answer_deadline: Duration::from_secs(15),
            keep_alive_interval: Duration::from_secs(45 * 60),
            redirect_timeout_single: Duration::from_secs(55),
            redirect_timeout_multiple: Duration::from_secs(60),
            invitation_timeout: Duration::from_secs(60),
        }
    }
}

/// Limits from the Graph reference (§8); ACS requests are checked against the same values.
pub mod limits {
    use std::time::Duration;

    /// Ad-hoc group call targets.
    pub const MAX_CALL_TARGETS: usize = 5;
    /// Simulring redirect targets.
    pub const MAX_REDIRECT_TARGETS: usize = 25;
    /// Invitees per invite request.
    pub const MAX_INVITEES: usize = 5;
    /// Prompts per playPrompt.
    pub const MAX_PROMPTS: usize = 20;
    /// Redirect timeout range.
    pub const REDIRECT_TIMEOUT: (Duration, Duration) =
        (Duration::from_secs(15), Duration::from_secs(90));
    /// Longest ring timeout a call may ask for.
    pub const MAX_RING_TIMEOUT: Duration = Duration::from_secs(600);
    /// Invitation timeout range (ACS `invitationTimeoutInSeconds`, 0 meaning default).
    pub const MAX_INVITATION_TIMEOUT: Duration = Duration::from_secs(180);
    /// recordResponse timeouts range (seconds).
    pub const RECORD_TIMEOUT_SECS: (u32, u32) = (1, 120);
    /// DTMF tones per sendDtmfTones.
    pub const MAX_DTMF_TONES: usize = 64;
}
