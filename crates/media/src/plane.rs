//! The sans-IO [`MediaPlane`]: every conversation of one shard, mixed and processed one 20 ms frame
//! at a time in a single batch per [`MediaPlane::tick`]. This module owns the plane's public
//! surface and the tick loop over conversations; [`state`] holds the conversation and leg state,
//! [`commands`] applies each command family and [`tick`] runs one conversation's frame.

mod commands;
mod state;
mod tick;

use std::collections::HashMap;

use ringside_audio::{Frame, SILENT_FRAME};
use ringside_engine::{ConversationId, LegId, MediaSignal};

use crate::command::{MediaCommand, MediaOutput};
use crate::stream::StreamFrame;

use state::Conversation;
pub use state::{beep, MAX_ENDPOINT_RECORDING, MAX_LEGS, TEST_TONE_HZ};

/// Finished bot recordings waiting to be taken, by handle.
#[derive(Debug, Default)]
struct Outbox {
    /// WAV files by handle.
    ready: HashMap<String, Vec<u8>>,
    /// Handles that finished since [`MediaPlane::drain_recordings`] last ran.
    finished: Vec<String>,
}

impl Outbox {
    fn put(&mut self, handle: String, wav: Vec<u8>) {
        self.finished.push(handle.clone());
        self.ready.insert(handle, wav);
    }
}

/// All media of the conversations on one shard. Sans-IO: [`handle`](Self::handle) commands, then
/// [`tick`](Self::tick) once per 20 ms frame; outputs come out of `tick` (including those caused by
/// commands handled since the previous tick).
///
/// Per tick and conversation: every connected leg's inbound audio is assembled (its endpoint's
/// playback / test tone / keys / echo and the bot's DTMF, in which DTMF is detected so that
/// [`MediaSignal::ToneDetected`] names the source leg; then the bot's prompts to the whole
/// conversation and recording preambles), the [`Mixer`](ringside_audio::Mixer) builds each leg's
/// N-1 mix (muted legs are not heard, held legs are not mixed and hear hold music), private prompts
/// are added for their listed legs, and what each leg hears feeds its bot recordings and its
/// endpoint's recording, detection log and echo.
#[derive(Debug, Default)]
pub struct MediaPlane {
    conversations: Vec<Conversation>,
    index: HashMap<ConversationId, usize>,
    /// Outputs caused by commands, emitted at the start of the next tick.
    pending: Vec<MediaOutput>,
    /// Finished bot recordings.
    outbox: Outbox,
    ticks: u64,
}

impl MediaPlane {
    /// An empty plane.
    pub fn new() -> MediaPlane {
        MediaPlane::default()
    }

    /// Conversations on this plane.
    pub fn conversation_count(&self) -> usize {
        self.conversations.len()
    }

    /// Legs on this plane.
    pub fn leg_count(&self) -> usize {
        self.conversations.iter().map(|c| c.legs.len()).sum()
    }

    /// Whether the conversation exists.
    pub fn has_conversation(&self, conversation: ConversationId) -> bool {
        self.index.contains_key(&conversation)
    }

    /// Whether a bot leg subscribed to tones (`StartToneDetection`).
    pub fn is_subscribed(&self, conversation: ConversationId, leg: LegId) -> bool {
        self.conversation(conversation)
            .and_then(|c| c.legs.iter().find(|l| l.id == leg))
            .is_some_and(|l| l.subscribed)
    }

    /// Ticks processed.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Estimated bytes one conversation holds (its state, mixer slots, players, detectors,
    /// recorders' buffered audio; prompts are shared and not counted), or `None` if unknown.
    pub fn footprint(&self, conversation: ConversationId) -> Option<usize> {
        self.conversation(conversation).map(Conversation::footprint)
    }

    /// Takes a finished bot recording (16 kHz mono WAV) by the handle its
    /// [`MediaSignal::RecordingEnded`] carried. Recordings wait here until taken.
    pub fn take_recording(&mut self, handle: &str) -> Option<Vec<u8>> {
        self.outbox.ready.remove(handle)
    }

    /// Moves every finished recording out of the outbox (the media clock publishes them).
    pub fn drain_recordings(&mut self, mut f: impl FnMut(String, Vec<u8>)) {
        for handle in self.outbox.finished.drain(..) {
            if let Some(wav) = self.outbox.ready.remove(&handle) {
                f(handle, wav);
            }
        }
    }

    fn conversation(&self, id: ConversationId) -> Option<&Conversation> {
        self.index.get(&id).and_then(|&i| self.conversations.get(i))
    }

    fn conversation_mut(&mut self, id: ConversationId) -> Option<&mut Conversation> {
        match self.index.get(&id) {
            Some(&i) => self.conversations.get_mut(i),
            None => None,
        }
    }

    fn signal(&mut self, conversation: ConversationId, signal: MediaSignal) {
        self.pending.push(MediaOutput::Engine {
            conversation,
            signal,
        });
    }

    /// Applies a command. Unknown conversations, legs and operations are ignored, except that
    /// operations started on an unknown conversation report failure (PromptFinished `ok: false`,
    /// RecordingEnded `Failed`, DtmfSent) so that no engine operation waits forever.
    pub fn handle(&mut self, command: MediaCommand) {
        use MediaCommand as C;
        match command {
            C::StartStream { .. }
            | C::StopStream { .. }
            | C::StreamAudio { .. }
            | C::ClearStreamAudio { .. } => self.stream_command(command),
            C::CreateMix { .. }
            | C::DestroyMix { .. }
            | C::ConnectMedia { .. }
            | C::DisconnectMedia { .. }
            | C::SetMuted { .. }
            | C::SetAudioRouting { .. }
            | C::StartHoldMusic { .. }
            | C::StopHoldMusic { .. } => self.mix_command(command),
            C::StartPrompt { .. } | C::StopPrompt { .. } => self.prompt_command(command),
            C::StartRecording { .. } | C::StopRecording { .. } => self.recording_command(command),
            C::StartToneDetection { .. } | C::StopToneDetection { .. } | C::SendDtmf { .. } => {
                self.dtmf_command(command)
            }
            C::EndpointPlay { .. }
            | C::EndpointPress { .. }
            | C::EndpointTestTone { .. }
            | C::EndpointSilence { .. }
            | C::EndpointRecord { .. }
            | C::EndpointDetect { .. }
            | C::EndpointEcho { .. } => self.endpoint_command(command),
            // Sockets are the shard's: it applies these (crate::rtp) and feeds the leg through
            // the external-audio hooks below. A plane driven by hand has no transport to apply.
            C::AttachRtp { .. }
            | C::UpdateRtp { .. }
            | C::SendRtpDtmf { .. }
            | C::DetachRtp { .. } => {}
        }
    }

    /// Makes a leg's participant audio come from outside the plane (an RTP leg): creates the leg
    /// (unconnected) if needed. False if the conversation is unknown or full.
    pub(crate) fn attach_external(&mut self, conversation: ConversationId, leg: LegId) -> bool {
        let Some(l) = self
            .conversation_mut(conversation)
            .and_then(|c| c.leg_or_insert(leg))
        else {
            return false;
        };
        l.external.get_or_insert_with(|| {
            Box::new(state::External {
                input: SILENT_FRAME,
                has_input: false,
                heard: SILENT_FRAME,
            })
        });
        true
    }

    /// The leg's audio no longer comes from outside (it stays in the call, silent).
    pub(crate) fn detach_external(&mut self, conversation: ConversationId, leg: LegId) {
        if let Some(l) = self
            .conversation_mut(conversation)
            .and_then(|c| c.leg_mut(leg))
        {
            l.external = None;
        }
    }

    /// An external leg's voice for its next tick (`None`: it says nothing this frame).
    pub(crate) fn set_external_input(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
        frame: Option<&Frame>,
    ) {
        let external = self
            .conversation_mut(conversation)
            .and_then(|c| c.leg_mut(leg))
            .and_then(|l| l.external.as_deref_mut());
        if let Some(x) = external {
            match frame {
                Some(frame) => {
                    x.input = *frame;
                    x.has_input = true;
                }
                None => x.has_input = false,
            }
        }
    }

    /// What an external leg heard at its last tick (silence if it heard nothing: not connected).
    pub(crate) fn external_heard(
        &self,
        conversation: ConversationId,
        leg: LegId,
    ) -> Option<&Frame> {
        self.conversation(conversation)
            .and_then(|c| c.legs.iter().find(|l| l.id == leg))
            .and_then(|l| l.external.as_deref())
            .map(|x| &x.heard)
    }

    /// A leg's media time in ms (since the plane first saw it).
    pub(crate) fn leg_media_ms(&self, conversation: ConversationId, leg: LegId) -> Option<u64> {
        self.conversation(conversation)
            .and_then(|c| c.legs.iter().find(|l| l.id == leg))
            .map(state::Leg::at_ms)
    }

    /// Processes one 20 ms frame of every conversation, reporting outputs through `out`.
    pub fn tick(&mut self, out: &mut impl FnMut(MediaOutput)) {
        self.tick_phase(0, 1, out);
    }

    /// Processes one 20 ms frame of the conversations in `phase` of `phases` ([`phase_of`]),
    /// reporting outputs through `out` (pending command outputs of every phase included). Calling
    /// it for phases `0..phases` in turn, one every `20 ms / phases`, ticks every conversation once
    /// per 20 ms while spreading the work — and the bursts of stream frames — across the frame.
    pub fn tick_phase(&mut self, phase: u32, phases: u32, out: &mut impl FnMut(MediaOutput)) {
        for output in self.pending.drain(..) {
            out(output);
        }
        let mut buffers = tick::Buffers {
            scratch: SILENT_FRAME,
            heard: SILENT_FRAME,
        };
        let mut frames: Vec<StreamFrame> = Vec::new();
        for c in &mut self.conversations {
            if phases > 1 && phase_of(c.id, phases) != phase {
                continue;
            }
            let wrote = tick::tick_conversation(c, &mut buffers, &mut self.outbox, out);
            if !c.streams.is_empty() {
                tick::tap_streams(c, wrote, &mut frames);
            }
        }
        if !frames.is_empty() {
            out(MediaOutput::StreamFrames(frames));
        }
        if phase + 1 >= phases {
            self.ticks += 1;
        }
    }
}

/// Sub-ticks per frame: a shard wakes every `TICK / PHASES` ([`crate::clock::TICK`]) and ticks one
/// phase of its conversations ([`phase_of`]).
pub const PHASES: u32 = 4;

/// The phase (of `phases`) a conversation ticks in: from its id's high bits, so it never changes.
pub fn phase_of(conversation: ConversationId, phases: u32) -> u32 {
    ((conversation.0.as_u128() >> 64) as u64 % u64::from(phases.max(1))) as u32
}

/// Saturating sample-wise `dst += src`.
#[inline]
fn add_saturating(dst: &mut Frame, src: &Frame) {
    for (d, &s) in dst.iter_mut().zip(src.iter()) {
        *d = d.saturating_add(s);
    }
}
