//! The media plane's state: one [`Conversation`] per mix with its [`Leg`]s, running prompt and
//! recording operations and media streams, plus the per-leg sources (prompt [`Sequence`]s, DTMF
//! [`KeySender`]s) and a simulated endpoint's media ([`Endpoint`]).

use std::collections::VecDeque;
use std::mem::size_of;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ringside_audio::{
    hold_music, DtmfDetector, DtmfGenerator, DtmfGeneratorConfig, Frame, MixLeg, Mixer, Oscillator,
    Prompt, Recorder, ToneGenerator, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE,
};
use ringside_engine::{ConversationId, LegId, OperationId};
use ringside_model::Tone;

use crate::stream::Stream;
/// Most legs a conversation's mix holds; further legs are ignored.
pub const MAX_LEGS: usize = 64;

/// Longest recording a simulated endpoint keeps (longer audio is not recorded).
pub const MAX_ENDPOINT_RECORDING: Duration = Duration::from_secs(600);

/// Consecutive voiced frames that start "audio" in an endpoint's detection log.
pub(super) const AUDIO_START_FRAMES: u32 = 3;
/// Consecutive silent frames that stop it (500 ms).
pub(super) const AUDIO_STOP_FRAMES: u32 = 25;
/// Tone duration of generated DTMF.
pub(super) const KEY_ON_MS: u32 = 100;
/// Pause after each key an endpoint presses.
pub(super) const KEY_OFF_MS: u32 = 60;
/// Frequency of the simulated endpoints' test tone.
pub const TEST_TONE_HZ: f32 = 1004.0;
pub(super) const FRAME_U64: u64 = FRAME_SAMPLES as u64;

/// The recordResponse beep: 400 ms of 1 kHz at -12 dBFS with 5 ms ramps, shared.
pub fn beep() -> Arc<Prompt> {
    static BEEP: OnceLock<Arc<Prompt>> = OnceLock::new();
    BEEP.get_or_init(|| {
        let len = SAMPLE_RATE as usize * 2 / 5;
        let mut x = vec![0f32; len];
        Oscillator::new(1000.0, -12.0).add_to(0, &mut x);
        let ramp = 80.0;
        let samples: Vec<i16> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let gain = ((i as f32 + 0.5) / ramp)
                    .min((len - i) as f32 / ramp)
                    .min(1.0);
                (v * gain).round() as i16
            })
            .collect();
        Arc::new(Prompt::from_samples(samples))
    })
    .clone()
}

/// Default hold music, shared.
pub(super) fn default_hold_music() -> Arc<Prompt> {
    static MUSIC: OnceLock<Arc<Prompt>> = OnceLock::new();
    MUSIC.get_or_init(|| Arc::new(hold_music())).clone()
}

/// Prompts played back to back, optionally looped.
#[derive(Debug)]
pub(super) struct Sequence {
    pub(super) prompts: Vec<Arc<Prompt>>,
    pub(super) index: usize,
    pub(super) position: usize,
    pub(super) looped: bool,
}

impl Sequence {
    pub(super) fn new(prompts: Vec<Arc<Prompt>>, looped: bool) -> Sequence {
        let audible = prompts.iter().any(|p| !p.is_empty());
        Sequence {
            prompts,
            index: 0,
            position: 0,
            looped: looped && audible,
        }
    }

    /// Overwrites `out` with the next samples; true once everything has played (never if looped).
    pub(super) fn render(&mut self, out: &mut [i16]) -> bool {
        let mut written = 0;
        while written < out.len() {
            if self.index >= self.prompts.len() {
                if !self.looped {
                    break;
                }
                self.index = 0;
                self.position = 0;
            }
            let samples = match self.prompts.get(self.index) {
                Some(p) => p.samples(),
                None => break,
            };
            let available = samples.len().saturating_sub(self.position);
            let n = available.min(out.len() - written);
            if let (Some(dst), Some(src)) = (
                out.get_mut(written..written + n),
                samples.get(self.position..self.position + n),
            ) {
                dst.copy_from_slice(src);
            }
            written += n;
            self.position += n;
            if self.position >= samples.len() {
                self.index += 1;
                self.position = 0;
            }
        }
        if let Some(rest) = out.get_mut(written..) {
            rest.fill(0);
        }
        !self.looped && self.index >= self.prompts.len()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.prompts.capacity() * size_of::<Arc<Prompt>>()
    }
}

/// What a finished key batch reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyTag {
    /// A bot's SendDtmf operation.
    Operation(OperationId),
    /// A simulated endpoint's presses.
    Endpoint,
}

#[derive(Debug)]
pub(super) struct KeyBatch {
    pub(super) tag: KeyTag,
    pub(super) tones: Vec<Tone>,
    pub(super) off_ms: u32,
    pub(super) in_band: bool,
}

/// Queued DTMF batches rendered one after the other.
#[derive(Debug)]
pub(super) struct KeySender {
    pub(super) generator: DtmfGenerator,
    pub(super) running: Option<KeyTag>,
    pub(super) in_band: bool,
    pub(super) queue: VecDeque<KeyBatch>,
    pub(super) last_start: Option<u64>,
}

impl KeySender {
    pub(super) fn new() -> KeySender {
        KeySender {
            generator: DtmfGenerator::default(),
            running: None,
            in_band: true,
            queue: VecDeque::new(),
            last_start: None,
        }
    }

    pub(super) fn push(&mut self, batch: KeyBatch) {
        self.queue.push_back(batch);
    }

    pub(super) fn is_idle(&self) -> bool {
        self.running.is_none() && self.queue.is_empty()
    }

    /// True if the next frame makes sound.
    pub(super) fn audible(&self) -> bool {
        match self.running {
            Some(_) => self.in_band,
            None => self.queue.front().is_some_and(|b| b.in_band),
        }
    }

    /// Renders the next frame into `out` (overwriting) if in-band; reports each key as it starts and
    /// the batch that finished, if any.
    pub(super) fn next_frame(
        &mut self,
        out: &mut Frame,
        mut on_key: impl FnMut(Tone, bool),
    ) -> Option<KeyTag> {
        if self.running.is_none() {
            let batch = self.queue.pop_front()?;
            self.generator = DtmfGenerator::new(DtmfGeneratorConfig {
                on_ms: KEY_ON_MS,
                off_ms: batch.off_ms,
                ..DtmfGeneratorConfig::default()
            });
            self.generator.send(&batch.tones);
            self.running = Some(batch.tag);
            self.in_band = batch.in_band;
            self.last_start = None;
        }
        let in_band = self.in_band;
        let last_start = &mut self.last_start;
        let mut on_event = |e: ringside_audio::DtmfEvent| {
            if *last_start != Some(e.start_sample) {
                *last_start = Some(e.start_sample);
                on_key(e.tone, in_band);
            }
        };
        if in_band {
            self.generator.next_frame(out, &mut on_event);
        } else {
            self.generator.advance(FRAME_SAMPLES, &mut on_event);
        }
        if self.generator.is_idle() {
            self.running.take()
        } else {
            None
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.queue.capacity() * size_of::<KeyBatch>()
            + self
                .queue
                .iter()
                .map(|b| b.tones.capacity() * size_of::<Tone>())
                .sum::<usize>()
    }
}

/// A simulated endpoint's audio activity log with hysteresis.
#[derive(Debug)]
pub(super) struct Detect {
    pub(super) detector: DtmfDetector,
    /// Leg frame at which the detector started (its sample 0).
    pub(super) base_frame: u64,
    pub(super) active: bool,
    pub(super) run: u32,
    pub(super) run_start: u64,
}

/// A simulated endpoint's media state (boxed: most legs of a bot call have none).
#[derive(Debug, Default)]
pub(super) struct Endpoint {
    pub(super) play: Option<Sequence>,
    pub(super) test_tone: Option<(ToneGenerator, u64)>,
    pub(super) keys: Option<KeySender>,
    pub(super) echo: Option<Box<Frame>>,
    pub(super) record: Option<Recorder>,
    pub(super) detect: Option<Detect>,
}

impl Endpoint {
    pub(super) fn has_source(&self) -> bool {
        self.play.is_some()
            || self.test_tone.is_some()
            || self.echo.is_some()
            || self.keys.as_ref().is_some_and(KeySender::audible)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        size_of::<Endpoint>()
            + self.play.as_ref().map_or(0, Sequence::heap_bytes)
            + self.keys.as_ref().map_or(0, KeySender::heap_bytes)
            + self.echo.as_ref().map_or(0, |_| size_of::<Frame>())
            + self
                .record
                .as_ref()
                .map_or(0, |r| std::mem::size_of_val(r.pending()))
    }
}

/// A leg whose participant's audio comes from outside the plane (an RTP leg's jitter buffer,
/// through the shard): the frame to play into the call at its next tick, and what it heard at its
/// last tick (boxed: most legs have none).
#[derive(Debug)]
pub(super) struct External {
    /// The leg's voice for the next tick.
    pub(super) input: Frame,
    /// `input` holds a frame not yet played.
    pub(super) has_input: bool,
    /// What the leg heard at its last tick (silence when it heard nothing).
    pub(super) heard: Frame,
}

#[derive(Debug)]
pub(super) struct Leg {
    pub(super) id: LegId,
    /// In the mixer (connected and not on hold).
    pub(super) mix: Option<MixLeg>,
    pub(super) connected: bool,
    pub(super) muted: bool,
    pub(super) subscribed: bool,
    pub(super) hold: Option<Sequence>,
    /// Frames since the plane first saw the leg (its media time).
    pub(super) frames: u64,
    /// DTMF in what the leg sends.
    pub(super) detector: DtmfDetector,
    /// A bot's SendDtmf batches.
    pub(super) keys: Option<Box<KeySender>>,
    pub(super) endpoint: Option<Box<Endpoint>>,
    /// Audio fed from outside the plane (an RTP leg).
    pub(super) external: Option<Box<External>>,
}

impl Leg {
    pub(super) fn new(id: LegId) -> Leg {
        Leg {
            id,
            mix: None,
            connected: false,
            muted: false,
            subscribed: false,
            hold: None,
            frames: 0,
            detector: DtmfDetector::default(),
            keys: None,
            endpoint: None,
            external: None,
        }
    }

    pub(super) fn at_ms(&self) -> u64 {
        self.frames * u64::from(FRAME_MS)
    }
}

#[derive(Debug)]
pub(super) struct PromptOp {
    pub(super) operation: OperationId,
    pub(super) leg: LegId,
    /// `None`: everyone but the bot, through the mix; otherwise only these legs.
    pub(super) audience: Option<Vec<LegId>>,
    pub(super) sequence: Sequence,
    /// The rendered frame of a private (listed-legs) prompt.
    pub(super) private: Option<Box<Frame>>,
    /// Its first frame was rendered (`PromptStarted` reported).
    pub(super) started: bool,
    pub(super) done: bool,
}

/// A bot's SendDtmf that one leg hears: rendered privately, added to what that leg hears.
#[derive(Debug)]
pub(super) struct KeysTo {
    /// The sending bot leg.
    pub(super) leg: LegId,
    /// The leg that hears the keys.
    pub(super) to: LegId,
    pub(super) operation: OperationId,
    pub(super) sender: KeySender,
    /// This tick's rendered frame.
    pub(super) frame: Box<Frame>,
    pub(super) done: bool,
}

#[derive(Debug)]
pub(super) struct RecordOp {
    pub(super) operation: OperationId,
    pub(super) leg: LegId,
    /// Prompt and beep still to play before recording starts.
    pub(super) preamble: Option<Sequence>,
    pub(super) recorder: Recorder,
}

/// Who hears whom beyond the main mix (Graph audio routing groups): legs taken out of the main
/// mix, and private routes `(source, receiver)`.
#[derive(Debug, Default)]
pub(super) struct Routing {
    pub(super) out_of_main: Vec<LegId>,
    pub(super) routes: Vec<(LegId, LegId)>,
    /// `routes` as mixer handles, rebuilt each tick (legs join, leave, hold).
    mixed: Vec<(MixLeg, MixLeg)>,
}

impl Routing {
    /// Hands the routing to the mixer for this tick.
    pub(super) fn apply(&mut self, legs: &[Leg], mixer: &mut Mixer) {
        let mix_of = |id: LegId| legs.iter().find(|l| l.id == id).and_then(|l| l.mix);
        for leg in legs {
            if let Some(mix) = leg.mix {
                mixer.set_in_main(mix, !self.out_of_main.contains(&leg.id));
            }
        }
        self.mixed.clear();
        for &(source, receiver) in &self.routes {
            if let (Some(s), Some(r)) = (mix_of(source), mix_of(receiver)) {
                self.mixed.push((s, r));
            }
        }
        mixer.set_routes(&self.mixed);
    }
}

#[derive(Debug)]
pub(super) struct Conversation {
    pub(super) id: ConversationId,
    pub(super) mixer: Mixer,
    pub(super) legs: Vec<Leg>,
    pub(super) prompts: Vec<PromptOp>,
    /// Keys a bot sends to one leg.
    pub(super) keys_to: Vec<KeysTo>,
    pub(super) recordings: Vec<RecordOp>,
    pub(super) streams: Vec<Stream>,
    /// Audio routing beyond the main mix, if any was set.
    pub(super) routing: Option<Box<Routing>>,
}

impl Conversation {
    pub(super) fn new(id: ConversationId) -> Conversation {
        Conversation {
            id,
            mixer: Mixer::new(),
            legs: Vec::with_capacity(2),
            prompts: Vec::new(),
            keys_to: Vec::new(),
            recordings: Vec::new(),
            streams: Vec::new(),
            routing: None,
        }
    }

    pub(super) fn leg_index(&self, leg: LegId) -> Option<usize> {
        self.legs.iter().position(|l| l.id == leg)
    }

    pub(super) fn leg_mut(&mut self, leg: LegId) -> Option<&mut Leg> {
        self.legs.iter_mut().find(|l| l.id == leg)
    }

    /// The leg, created (not connected) if the conversation has room.
    pub(super) fn leg_or_insert(&mut self, leg: LegId) -> Option<&mut Leg> {
        match self.leg_index(leg) {
            Some(i) => self.legs.get_mut(i),
            None if self.legs.len() < MAX_LEGS => {
                self.legs.push(Leg::new(leg));
                self.legs.last_mut()
            }
            None => None,
        }
    }

    pub(super) fn footprint(&self) -> usize {
        let slot = 2 * size_of::<Frame>() + 16;
        let mut bytes = size_of::<Conversation>()
            + self.legs.capacity() * size_of::<Leg>()
            + self.mixer.leg_count().max(self.legs.len()) * slot
            + self.prompts.capacity() * size_of::<PromptOp>()
            + self.keys_to.capacity() * size_of::<KeysTo>()
            + self.recordings.capacity() * size_of::<RecordOp>();
        for leg in &self.legs {
            bytes += leg.hold.as_ref().map_or(0, Sequence::heap_bytes);
            bytes += leg
                .keys
                .as_ref()
                .map_or(0, |k| size_of::<KeySender>() + k.heap_bytes());
            bytes += leg.endpoint.as_ref().map_or(0, |e| e.heap_bytes());
            bytes += leg.external.as_ref().map_or(0, |_| size_of::<External>());
        }
        for op in &self.prompts {
            bytes += op.sequence.heap_bytes()
                + op.audience.as_ref().map_or(0, |a| a.capacity() * 16)
                + op.private.as_ref().map_or(0, |_| size_of::<Frame>());
        }
        for op in &self.keys_to {
            bytes += size_of::<Frame>() + op.sender.heap_bytes();
        }
        for op in &self.recordings {
            bytes += std::mem::size_of_val(op.recorder.pending());
        }
        bytes += self.streams.capacity() * size_of::<Stream>();
        for stream in &self.streams {
            bytes += stream.heap_bytes();
        }
        bytes
    }
}
