//! Media stream taps: a bot leg's audio leaving the call (mixed or one channel per participant, at
//! 16 or 24 kHz, 20 ms frames with silent flags) and the app's audio entering it through a small
//! jitter buffer as the bot leg's voice. The plane owns the state; the server's WebSocket client
//! carries the frames.
//!
//! 24 kHz streams convert with the audio crate's band-limited [`StreamResampler`] (windowed
//! sinc, [`ringside_audio::Design::STREAM`]: 70 dB stop band from 8 kHz, pass band to 6.4 kHz),
//! one per channel and direction, each adding its filter delay (1.375 ms) to the stream.

use std::collections::VecDeque;
use std::sync::OnceLock;

use ringside_audio::{Frame, SilenceDetector, StreamResampler, FRAME_SAMPLES};
use ringside_engine::{ConversationId, LegId};

/// Most participant channels an unmixed stream carries (ACS sends up to four).
pub const MAX_UNMIXED_CHANNELS: usize = 4;

/// Most participant channels a call recording tap carries (ACS unmixed recordings: channels 0–4).
pub const MAX_RECORDING_CHANNELS: usize = 5;

/// Frames the jitter buffer waits for before playing the app's audio (40 ms).
pub const JITTER_FRAMES: usize = 2;

/// Most frames of the app's audio queued per stream (60 s): an app may send a whole reply at once
/// (as the Azure OpenAI voice samples forward each delta unpaced); it is played in real time.
/// Beyond the cap the oldest frames are dropped and counted.
pub const MAX_QUEUED_FRAMES: usize = 3_000;

/// Frames reserved for the app's audio on its first push (200 ms); the queue grows past it as needed.
const INITIAL_QUEUE_FRAMES: usize = 10;

/// A stream, named by whoever starts it (unique per plane).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub u64);

/// What a stream carries out of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamChannel {
    /// One channel: what the bot leg hears (every other participant, mixed).
    Mixed,
    /// One channel per other participant leg (their own voice), up to
    /// [`MAX_UNMIXED_CHANNELS`].
    Unmixed,
    /// One channel: the whole call as a recorder hears it (every connected, unmuted, unheld
    /// leg's voice summed, the bot's prompts included). Not tied to the stream's leg: it runs
    /// until it is stopped or the conversation ends.
    CallMixed,
    /// One channel per connected leg, the stream's own leg included (its prompts and app audio),
    /// up to [`MAX_RECORDING_CHANNELS`]. Not tied to the stream's leg, as [`Self::CallMixed`].
    CallUnmixed,
}

impl StreamChannel {
    /// A whole-call tap (recording) rather than a bot leg's view.
    pub fn is_call_tap(self) -> bool {
        matches!(self, StreamChannel::CallMixed | StreamChannel::CallUnmixed)
    }
}

/// Sample rates a stream can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamRate {
    /// 16 kHz (320 samples per 20 ms frame), the plane's own rate.
    Khz16,
    /// 24 kHz (480 samples per 20 ms frame).
    Khz24,
}

impl StreamRate {
    /// From Hz (16000 or 24000).
    pub fn from_hz(hz: u32) -> Option<StreamRate> {
        match hz {
            16_000 => Some(StreamRate::Khz16),
            24_000 => Some(StreamRate::Khz24),
            _ => None,
        }
    }

    /// In Hz.
    pub fn hz(self) -> u32 {
        match self {
            StreamRate::Khz16 => 16_000,
            StreamRate::Khz24 => 24_000,
        }
    }

    /// Samples per 20 ms frame.
    pub fn frame_samples(self) -> usize {
        match self {
            StreamRate::Khz16 => FRAME_SAMPLES,
            StreamRate::Khz24 => FRAME_SAMPLES * 3 / 2,
        }
    }
}

/// One 20 ms frame leaving the call on a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamFrame {
    /// The conversation.
    pub conversation: ConversationId,
    /// The stream.
    pub stream: StreamId,
    /// Whose voice (unmixed) or `None` (mixed).
    pub participant: Option<LegId>,
    /// Media time of the frame's start, in ms since the stream started.
    pub timestamp_ms: u64,
    /// The frame is silence (below the silence detector's threshold).
    pub silent: bool,
    /// PCM s16 samples at the stream's rate ([`StreamRate::frame_samples`] of them).
    pub samples: Vec<i16>,
}

/// Per-stream counters, reported with [`crate::MediaOutput::StreamStopped`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamCounters {
    /// Frames sent out of the call.
    pub frames_out: u64,
    /// Frames of the app's audio played into the call.
    pub frames_in: u64,
    /// Frames of the app's audio dropped because the queue was full.
    pub dropped_in: u64,
    /// Frames of the app's audio discarded unplayed by `StopAudio` (barge-in).
    pub cleared_in: u64,
}

/// Samples of a 20 ms frame at 24 kHz.
const FRAME_SAMPLES_24K: usize = FRAME_SAMPLES * 3 / 2;

/// A fresh 16 → 24 kHz (`up`) or 24 → 16 kHz resampler, cloned from one built once (building
/// designs the filter; cloning copies it).
fn resampler(up: bool) -> Option<StreamResampler> {
    static UP: OnceLock<Option<StreamResampler>> = OnceLock::new();
    static DOWN: OnceLock<Option<StreamResampler>> = OnceLock::new();
    let (cell, from, to) = if up {
        (&UP, 16_000, 24_000)
    } else {
        (&DOWN, 24_000, 16_000)
    };
    cell.get_or_init(|| StreamResampler::new(from, to).ok())
        .clone()
}

#[derive(Debug)]
pub(crate) struct Stream {
    pub(crate) id: StreamId,
    pub(crate) leg: LegId,
    pub(crate) channel: StreamChannel,
    pub(crate) rate: StreamRate,
    pub(crate) frames: u64,
    /// Per channel 16 → 24 kHz resamplers (mixed uses the first), keyed by participant.
    pub(crate) up: Vec<(Option<LegId>, StreamResampler)>,
    /// 24 → 16 kHz for the app's audio (24 kHz streams).
    pub(crate) down: Option<StreamResampler>,
    /// The app's audio, 16 kHz frames (200 ms allocated on the first push, grown up to
    /// [`MAX_QUEUED_FRAMES`]; steady-state injection does not allocate).
    pub(crate) inbound: VecDeque<Frame>,
    /// The jitter buffer has filled and the app's audio is playing.
    pub(crate) playing: bool,
    pub(crate) counters: StreamCounters,
}

impl Stream {
    pub(crate) fn new(
        id: StreamId,
        leg: LegId,
        channel: StreamChannel,
        rate: StreamRate,
    ) -> Stream {
        Stream {
            id,
            leg,
            channel,
            rate,
            frames: 0,
            up: Vec::new(),
            down: match rate {
                StreamRate::Khz16 => None,
                StreamRate::Khz24 => resampler(false),
            },
            inbound: VecDeque::new(),
            playing: false,
            counters: StreamCounters::default(),
        }
    }

    /// Queues the app's audio (at the stream's rate; any length, split into 20 ms frames, a short
    /// tail padded with silence). Drops the oldest frames beyond [`MAX_QUEUED_FRAMES`].
    pub(crate) fn push_inbound(&mut self, samples: &[i16]) {
        let per = self.rate.frame_samples();
        if self.inbound.capacity() < INITIAL_QUEUE_FRAMES {
            self.inbound.reserve_exact(INITIAL_QUEUE_FRAMES);
        }
        for chunk in samples.chunks(per) {
            if self.inbound.len() >= MAX_QUEUED_FRAMES {
                self.inbound.pop_front();
                self.counters.dropped_in += 1;
            }
            let mut frame: Frame = [0i16; FRAME_SAMPLES];
            match self.rate {
                StreamRate::Khz16 => {
                    if let Some(dst) = frame.get_mut(..chunk.len()) {
                        dst.copy_from_slice(chunk);
                    }
                }
                StreamRate::Khz24 => {
                    if let Some(down) = self.down.as_mut() {
                        // A short tail is padded with silence before resampling, so every frame
                        // stays 480 samples in, 320 out.
                        let n = down.process(chunk, &mut frame);
                        let pad = &[0i16; FRAME_SAMPLES_24K][chunk.len().min(per)..];
                        down.process(pad, frame.get_mut(n..).unwrap_or_default());
                    }
                }
            }
            self.inbound.push_back(frame);
        }
    }

    /// Discards the app's queued audio at once (`StopAudio`: barge-in) and counts it.
    pub(crate) fn clear_inbound(&mut self) {
        self.counters.cleared_in += self.inbound.len() as u64;
        self.inbound.clear();
        self.playing = false;
    }

    /// The next frame of the app's audio to play, if any (jitter buffer: waits for
    /// [`JITTER_FRAMES`] before starting, and again after running dry).
    pub(crate) fn next_inbound(&mut self, out: &mut Frame) -> bool {
        if !self.playing {
            if self.inbound.len() < JITTER_FRAMES {
                return false;
            }
            self.playing = true;
        }
        match self.inbound.pop_front() {
            Some(frame) => {
                *out = frame;
                self.counters.frames_in += 1;
                true
            }
            None => {
                self.playing = false;
                false
            }
        }
    }

    /// Emits one frame (resampled as needed) into `frames`.
    pub(crate) fn emit(
        &mut self,
        conversation: ConversationId,
        participant: Option<LegId>,
        audio: &Frame,
        frames: &mut Vec<StreamFrame>,
    ) {
        let silent = SilenceDetector::default().is_silent(audio);
        let mut samples = Vec::with_capacity(self.rate.frame_samples());
        match self.rate {
            StreamRate::Khz16 => samples.extend_from_slice(audio),
            StreamRate::Khz24 => {
                let i = match self.up.iter().position(|(p, _)| *p == participant) {
                    Some(i) => Some(i),
                    None => resampler(true).map(|r| {
                        self.up.push((participant, r));
                        self.up.len() - 1
                    }),
                };
                samples.resize(FRAME_SAMPLES_24K, 0);
                if let Some((_, up)) = i.and_then(|i| self.up.get_mut(i)) {
                    up.process(audio, &mut samples);
                }
            }
        }
        self.counters.frames_out += 1;
        frames.push(StreamFrame {
            conversation,
            stream: self.id,
            participant,
            timestamp_ms: self.frames * 20,
            silent,
            samples,
        });
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.inbound.capacity() * std::mem::size_of::<Frame>()
            + self.up.capacity() * std::mem::size_of::<(Option<LegId>, StreamResampler)>()
            + self.up.iter().map(|(_, r)| r.heap_bytes()).sum::<usize>()
            + self.down.as_ref().map_or(0, StreamResampler::heap_bytes)
    }
}
