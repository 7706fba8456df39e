//! The sans-IO [`MediaPlane`]: every conversation of one shard, mixed and processed one 20 ms frame
//! at a time in a single batch per [`MediaPlane::tick`].

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ringside_audio::{
    hold_music, DetectorEvent, DtmfDetector, DtmfGenerator, DtmfGeneratorConfig, Frame, MixLeg,
    Mixer, Oscillator, Prompt, RecordEnd, RecordMode, Recorder, RecorderState, SilenceDetector,
    SilencePolicy, ToneGenerator, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, SILENT_FRAME,
};
use ringside_engine::{
    Audience, ConversationId, LegId, MediaSignal, OperationId, RecordOptions, RecordingEnd,
};
use ringside_model::Tone;

use crate::command::{EndpointEvent, MediaCommand, MediaOutput};
use crate::stream::{
    Stream, StreamChannel, StreamFrame, MAX_RECORDING_CHANNELS, MAX_UNMIXED_CHANNELS,
};

/// Most legs a conversation's mix holds; further legs are ignored.
pub const MAX_LEGS: usize = 64;

/// Longest recording a simulated endpoint keeps (longer audio is not recorded).
pub const MAX_ENDPOINT_RECORDING: Duration = Duration::from_secs(600);

/// Consecutive voiced frames that start "audio" in an endpoint's detection log.
const AUDIO_START_FRAMES: u32 = 3;
/// Consecutive silent frames that stop it (500 ms).
const AUDIO_STOP_FRAMES: u32 = 25;
/// Tone duration of generated DTMF.
const KEY_ON_MS: u32 = 100;
/// Pause after each key an endpoint presses.
const KEY_OFF_MS: u32 = 60;
/// Frequency of the simulated endpoints' test tone.
pub const TEST_TONE_HZ: f32 = 1004.0;
const FRAME_U64: u64 = FRAME_SAMPLES as u64;

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
fn default_hold_music() -> Arc<Prompt> {
    static MUSIC: OnceLock<Arc<Prompt>> = OnceLock::new();
    MUSIC.get_or_init(|| Arc::new(hold_music())).clone()
}

/// Prompts played back to back, optionally looped.
#[derive(Debug)]
struct Sequence {
    prompts: Vec<Arc<Prompt>>,
    index: usize,
    position: usize,
    looped: bool,
}

impl Sequence {
    fn new(prompts: Vec<Arc<Prompt>>, looped: bool) -> Sequence {
        let audible = prompts.iter().any(|p| !p.is_empty());
        Sequence {
            prompts,
            index: 0,
            position: 0,
            looped: looped && audible,
        }
    }

    /// Overwrites `out` with the next samples; true once everything has played (never if looped).
    fn render(&mut self, out: &mut [i16]) -> bool {
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

    fn heap_bytes(&self) -> usize {
        self.prompts.capacity() * size_of::<Arc<Prompt>>()
    }
}

/// What a finished key batch reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyTag {
    /// A bot's SendDtmf operation.
    Operation(OperationId),
    /// A simulated endpoint's presses.
    Endpoint,
}

#[derive(Debug)]
struct KeyBatch {
    tag: KeyTag,
    tones: Vec<Tone>,
    off_ms: u32,
    in_band: bool,
}

/// Queued DTMF batches rendered one after the other.
#[derive(Debug)]
struct KeySender {
    generator: DtmfGenerator,
    running: Option<KeyTag>,
    in_band: bool,
    queue: VecDeque<KeyBatch>,
    last_start: Option<u64>,
}

impl KeySender {
    fn new() -> KeySender {
        KeySender {
            generator: DtmfGenerator::default(),
            running: None,
            in_band: true,
            queue: VecDeque::new(),
            last_start: None,
        }
    }

    fn push(&mut self, batch: KeyBatch) {
        self.queue.push_back(batch);
    }

    fn is_idle(&self) -> bool {
        self.running.is_none() && self.queue.is_empty()
    }

    /// True if the next frame makes sound.
    fn audible(&self) -> bool {
        match self.running {
            Some(_) => self.in_band,
            None => self.queue.front().is_some_and(|b| b.in_band),
        }
    }

    /// Renders the next frame into `out` (overwriting) if in-band; reports each key as it starts and
    /// the batch that finished, if any.
    fn next_frame(
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

    fn heap_bytes(&self) -> usize {
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
struct Detect {
    detector: DtmfDetector,
    /// Leg frame at which the detector started (its sample 0).
    base_frame: u64,
    active: bool,
    run: u32,
    run_start: u64,
}

/// A simulated endpoint's media state (boxed: most legs of a bot call have none).
#[derive(Debug, Default)]
struct Endpoint {
    play: Option<Sequence>,
    test_tone: Option<(ToneGenerator, u64)>,
    keys: Option<KeySender>,
    echo: Option<Box<Frame>>,
    record: Option<Recorder>,
    detect: Option<Detect>,
}

impl Endpoint {
    fn has_source(&self) -> bool {
        self.play.is_some()
            || self.test_tone.is_some()
            || self.echo.is_some()
            || self.keys.as_ref().is_some_and(KeySender::audible)
    }

    fn heap_bytes(&self) -> usize {
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

#[derive(Debug)]
struct Leg {
    id: LegId,
    /// In the mixer (connected and not on hold).
    mix: Option<MixLeg>,
    connected: bool,
    muted: bool,
    subscribed: bool,
    hold: Option<Sequence>,
    /// Frames since the plane first saw the leg (its media time).
    frames: u64,
    /// DTMF in what the leg sends.
    detector: DtmfDetector,
    /// A bot's SendDtmf batches.
    keys: Option<Box<KeySender>>,
    endpoint: Option<Box<Endpoint>>,
}

impl Leg {
    fn new(id: LegId) -> Leg {
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
        }
    }

    fn at_ms(&self) -> u64 {
        self.frames * u64::from(FRAME_MS)
    }
}

#[derive(Debug)]
struct PromptOp {
    operation: OperationId,
    leg: LegId,
    /// `None`: everyone but the bot, through the mix; otherwise only these legs.
    audience: Option<Vec<LegId>>,
    sequence: Sequence,
    /// The rendered frame of a private (listed-legs) prompt.
    private: Option<Box<Frame>>,
    done: bool,
}

#[derive(Debug)]
struct RecordOp {
    operation: OperationId,
    leg: LegId,
    /// Prompt and beep still to play before recording starts.
    preamble: Option<Sequence>,
    recorder: Recorder,
}

#[derive(Debug)]
struct Conversation {
    id: ConversationId,
    mixer: Mixer,
    legs: Vec<Leg>,
    prompts: Vec<PromptOp>,
    recordings: Vec<RecordOp>,
    streams: Vec<Stream>,
}

impl Conversation {
    fn new(id: ConversationId) -> Conversation {
        Conversation {
            id,
            mixer: Mixer::new(),
            legs: Vec::with_capacity(2),
            prompts: Vec::new(),
            recordings: Vec::new(),
            streams: Vec::new(),
        }
    }

    fn leg_index(&self, leg: LegId) -> Option<usize> {
        self.legs.iter().position(|l| l.id == leg)
    }

    fn leg_mut(&mut self, leg: LegId) -> Option<&mut Leg> {
        self.legs.iter_mut().find(|l| l.id == leg)
    }

    /// The leg, created (not connected) if the conversation has room.
    fn leg_or_insert(&mut self, leg: LegId) -> Option<&mut Leg> {
        match self.leg_index(leg) {
            Some(i) => self.legs.get_mut(i),
            None if self.legs.len() < MAX_LEGS => {
                self.legs.push(Leg::new(leg));
                self.legs.last_mut()
            }
            None => None,
        }
    }

    fn footprint(&self) -> usize {
        let slot = 2 * size_of::<Frame>() + 16;
        let mut bytes = size_of::<Conversation>()
            + self.legs.capacity() * size_of::<Leg>()
            + self.mixer.leg_count().max(self.legs.len()) * slot
            + self.prompts.capacity() * size_of::<PromptOp>()
            + self.recordings.capacity() * size_of::<RecordOp>();
        for leg in &self.legs {
            bytes += leg.hold.as_ref().map_or(0, Sequence::heap_bytes);
            bytes += leg
                .keys
                .as_ref()
                .map_or(0, |k| size_of::<KeySender>() + k.heap_bytes());
            bytes += leg.endpoint.as_ref().map_or(0, |e| e.heap_bytes());
        }
        for op in &self.prompts {
            bytes += op.sequence.heap_bytes()
                + op.audience.as_ref().map_or(0, |a| a.capacity() * 16)
                + op.private.as_ref().map_or(0, |_| size_of::<Frame>());
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

/// All media of the conversations on one shard. Sans-IO: [`handle`](Self::handle) commands, then
/// [`tick`](Self::tick) once per 20 ms frame; outputs come out of `tick` (including those caused by
/// commands handled since the previous tick).
///
/// Per tick and conversation: every connected leg's inbound audio is assembled (its endpoint's
/// playback / test tone / keys / echo and the bot's DTMF, in which DTMF is detected so that
/// [`MediaSignal::ToneDetected`] names the source leg; then the bot's prompts to the whole
/// conversation and recording preambles), the [`Mixer`] builds each leg's N-1 mix (muted legs are not heard, held legs are
/// not mixed and hear hold music), private prompts are added for their listed legs, and what each
/// leg hears feeds its bot recordings and its endpoint's recording, detection log and echo.
#[derive(Debug, Default)]
pub struct MediaPlane {
    conversations: Vec<Conversation>,
    index: HashMap<ConversationId, usize>,
    /// Outputs caused by commands, emitted at the start of the next tick.
    pending: Vec<MediaOutput>,
    /// Finished bot recordings by handle.
    outbox: HashMap<String, Vec<u8>>,
    /// Handles that finished since [`MediaPlane::drain_recordings`] last ran.
    finished: Vec<String>,
    ticks: u64,
}

fn stream_stopped(conversation: ConversationId, stream: &Stream) -> MediaOutput {
    MediaOutput::StreamStopped {
        conversation,
        stream: stream.id,
        counters: stream.counters,
    }
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
        self.outbox.remove(handle)
    }

    /// Moves every finished recording out of the outbox (the media clock publishes them).
    pub fn drain_recordings(&mut self, mut f: impl FnMut(String, Vec<u8>)) {
        for handle in self.finished.drain(..) {
            if let Some(wav) = self.outbox.remove(&handle) {
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
        match command {
            MediaCommand::StartStream {
                conversation,
                leg,
                stream,
                channel,
                rate,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if let Some(i) = c.streams.iter().position(|s| s.id == stream) {
                    c.streams.swap_remove(i);
                }
                c.streams.push(Stream::new(stream, leg, channel, rate));
            }
            MediaCommand::StopStream {
                conversation,
                stream,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if let Some(i) = c.streams.iter().position(|s| s.id == stream) {
                    let removed = c.streams.swap_remove(i);
                    self.pending.push(stream_stopped(conversation, &removed));
                }
            }
            MediaCommand::StreamAudio {
                conversation,
                stream,
                samples,
            } => {
                if let Some(s) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.streams.iter_mut().find(|s| s.id == stream))
                {
                    s.push_inbound(&samples);
                }
            }
            MediaCommand::CreateMix { conversation } => {
                if !self.index.contains_key(&conversation) {
                    self.index.insert(conversation, self.conversations.len());
                    self.conversations.push(Conversation::new(conversation));
                }
            }
            MediaCommand::DestroyMix { conversation } => {
                let Some(i) = self.index.remove(&conversation) else {
                    return;
                };
                if i >= self.conversations.len() {
                    return;
                }
                let mut removed = self.conversations.swap_remove(i);
                if let Some(moved) = self.conversations.get(i) {
                    self.index.insert(moved.id, i);
                }
                for leg in &mut removed.legs {
                    deliver_endpoint_recording(conversation, leg, &mut self.pending);
                }
                for stream in &removed.streams {
                    self.pending.push(stream_stopped(conversation, stream));
                }
            }
            MediaCommand::ConnectMedia { conversation, leg } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                if c.leg_or_insert(leg).is_none() {
                    return;
                }
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    l.connected = true;
                    if l.mix.is_none() && l.hold.is_none() {
                        let m = mixer.add_leg();
                        mixer.set_muted(m, l.muted);
                        l.mix = Some(m);
                    }
                }
            }
            MediaCommand::DisconnectMedia { conversation, leg } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Some(i) = c.leg_index(leg) else {
                    return;
                };
                let mut l = c.legs.swap_remove(i);
                if let Some(m) = l.mix.take() {
                    c.mixer.remove_leg(m);
                }
                c.prompts.retain(|op| op.leg != leg);
                for op in &mut c.prompts {
                    if let Some(audience) = op.audience.as_mut() {
                        audience.retain(|a| *a != leg);
                    }
                }
                c.recordings.retain(|op| op.leg != leg);
                let mut k = 0;
                let mut stopped = Vec::new();
                while k < c.streams.len() {
                    if c.streams
                        .get(k)
                        .is_some_and(|s| s.leg == leg && !s.channel.is_call_tap())
                    {
                        let removed = c.streams.swap_remove(k);
                        stopped.push(stream_stopped(conversation, &removed));
                    } else {
                        k += 1;
                    }
                }
                self.pending.extend(stopped);
                deliver_endpoint_recording(conversation, &mut l, &mut self.pending);
            }
            MediaCommand::SetMuted {
                conversation,
                leg,
                muted,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    l.muted = muted;
                    if let Some(m) = l.mix {
                        mixer.set_muted(m, muted);
                    }
                }
            }
            MediaCommand::StartPrompt {
                conversation,
                leg,
                operation,
                prompts,
                audience,
                looped,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    self.signal(
                        conversation,
                        MediaSignal::PromptFinished {
                            operation,
                            ok: false,
                        },
                    );
                    return;
                };
                let audience = match audience {
                    Audience::Legs(legs) if !legs.is_empty() => Some(legs),
                    _ => None,
                };
                let private = audience.as_ref().map(|_| Box::new(SILENT_FRAME));
                c.prompts.push(PromptOp {
                    operation,
                    leg,
                    audience,
                    sequence: Sequence::new(prompts, looped),
                    private,
                    done: false,
                });
            }
            MediaCommand::StopPrompt {
                conversation,
                operation,
            } => {
                if let Some(c) = self.conversation_mut(conversation) {
                    c.prompts.retain(|op| op.operation != operation);
                }
            }
            MediaCommand::StartRecording {
                conversation,
                leg,
                operation,
                options,
                prompt,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    self.signal(
                        conversation,
                        MediaSignal::RecordingEnded {
                            operation,
                            reason: RecordingEnd::Failed,
                            recording: None,
                        },
                    );
                    return;
                };
                c.recordings
                    .push(record_op(leg, operation, &options, prompt));
            }
            MediaCommand::StopRecording {
                conversation,
                operation,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Some(i) = c.recordings.iter().position(|op| op.operation == operation) else {
                    return;
                };
                let mut op = c.recordings.swap_remove(i);
                op.recorder.stop();
                let output = finish_recording(
                    conversation,
                    op,
                    RecordingEnd::Stopped,
                    &mut self.outbox,
                    &mut self.finished,
                );
                self.pending.push(output);
            }
            MediaCommand::StartToneDetection { conversation, leg }
            | MediaCommand::StopToneDetection { conversation, leg } => {
                let on = matches!(command, MediaCommand::StartToneDetection { .. });
                if let Some(l) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.leg_mut(leg))
                {
                    l.subscribed = on;
                }
            }
            MediaCommand::SendDtmf {
                conversation,
                leg,
                operation,
                tones,
                delay_between,
            } => {
                let sent = MediaSignal::DtmfSent { operation };
                let Some(l) = self
                    .conversation_mut(conversation)
                    .and_then(|c| c.leg_mut(leg))
                else {
                    self.signal(conversation, sent);
                    return;
                };
                if tones.is_empty() {
                    self.signal(conversation, sent);
                    return;
                }
                let off_ms = u32::try_from(delay_between.as_millis())
                    .unwrap_or(u32::MAX)
                    .min(10_000);
                l.keys
                    .get_or_insert_with(|| Box::new(KeySender::new()))
                    .push(KeyBatch {
                        tag: KeyTag::Operation(operation),
                        tones,
                        off_ms,
                        in_band: true,
                    });
            }
            MediaCommand::StartHoldMusic {
                conversation,
                leg,
                music,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    let music = music.unwrap_or_else(default_hold_music);
                    l.hold = Some(Sequence::new(vec![music], true));
                    if let Some(m) = l.mix.take() {
                        mixer.remove_leg(m);
                    }
                }
            }
            MediaCommand::StopHoldMusic { conversation, leg } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Conversation { mixer, legs, .. } = c;
                if let Some(l) = legs.iter_mut().find(|l| l.id == leg) {
                    l.hold = None;
                    if l.connected && l.mix.is_none() {
                        let m = mixer.add_leg();
                        mixer.set_muted(m, l.muted);
                        l.mix = Some(m);
                    }
                }
            }
            MediaCommand::EndpointPlay {
                conversation,
                leg,
                prompt,
            } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.test_tone = None;
                    e.play = Some(Sequence::new(vec![prompt], false));
                }
            }
            MediaCommand::EndpointPress {
                conversation,
                leg,
                tones,
                in_band,
            } => {
                if tones.is_empty() {
                    return;
                }
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.keys.get_or_insert_with(KeySender::new).push(KeyBatch {
                        tag: KeyTag::Endpoint,
                        tones,
                        off_ms: KEY_OFF_MS,
                        in_band,
                    });
                }
            }
            MediaCommand::EndpointTestTone {
                conversation,
                leg,
                duration,
            } => {
                let samples = u64::try_from(duration.as_millis())
                    .unwrap_or(u64::MAX)
                    .saturating_mul(u64::from(SAMPLE_RATE) / 1000);
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.play = None;
                    e.test_tone = Some((ToneGenerator::test_tone(TEST_TONE_HZ), samples));
                }
            }
            MediaCommand::EndpointSilence { conversation, leg } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.play = None;
                    e.test_tone = None;
                    e.keys = None;
                }
            }
            MediaCommand::EndpointRecord {
                conversation,
                leg,
                enabled,
            } => {
                let Some(c) = self
                    .index
                    .get(&conversation)
                    .and_then(|&i| self.conversations.get_mut(i))
                else {
                    return;
                };
                let Some(l) = c.leg_or_insert(leg) else {
                    return;
                };
                if enabled {
                    let e = l.endpoint.get_or_insert_with(Box::default);
                    if e.record.is_none() {
                        let mut policy = SilencePolicy::none();
                        policy.max_duration =
                            Some(MAX_ENDPOINT_RECORDING.as_secs() * u64::from(SAMPLE_RATE));
                        let mut recorder = Recorder::new(RecordMode::Mixed, policy);
                        recorder.start();
                        e.record = Some(recorder);
                    }
                } else {
                    deliver_endpoint_recording(conversation, l, &mut self.pending);
                }
            }
            MediaCommand::EndpointDetect {
                conversation,
                leg,
                enabled,
            } => {
                let Some(c) = self.conversation_mut(conversation) else {
                    return;
                };
                let Some(l) = c.leg_or_insert(leg) else {
                    return;
                };
                let frames = l.frames;
                let e = l.endpoint.get_or_insert_with(Box::default);
                if !enabled {
                    e.detect = None;
                } else if e.detect.is_none() {
                    e.detect = Some(Detect {
                        detector: DtmfDetector::default(),
                        base_frame: frames,
                        active: false,
                        run: 0,
                        run_start: frames,
                    });
                }
            }
            MediaCommand::EndpointEcho {
                conversation,
                leg,
                enabled,
            } => {
                if let Some(e) = self.endpoint(conversation, leg) {
                    e.echo = enabled.then(|| Box::new(SILENT_FRAME));
                }
            }
        }
    }

    /// A leg's endpoint state, created (with the leg, unconnected) if needed.
    fn endpoint(&mut self, conversation: ConversationId, leg: LegId) -> Option<&mut Endpoint> {
        let l = self.conversation_mut(conversation)?.leg_or_insert(leg)?;
        Some(l.endpoint.get_or_insert_with(Box::default))
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
        let mut scratch: Frame = SILENT_FRAME;
        let mut heard: Frame = SILENT_FRAME;
        let mut frames: Vec<StreamFrame> = Vec::new();
        for c in &mut self.conversations {
            if phases > 1 && phase_of(c.id, phases) != phase {
                continue;
            }
            let wrote = tick_conversation(
                c,
                &mut scratch,
                &mut heard,
                &mut self.outbox,
                &mut self.finished,
                out,
            );
            if !c.streams.is_empty() {
                tap_streams(c, wrote, &mut frames);
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

/// The phase (of `phases`) a conversation ticks in: from its id's high bits, so it never changes.
pub fn phase_of(conversation: ConversationId, phases: u32) -> u32 {
    ((conversation.0.as_u128() >> 64) as u64 % u64::from(phases.max(1))) as u32
}

fn record_op(
    leg: LegId,
    operation: OperationId,
    options: &RecordOptions,
    prompt: Option<Arc<Prompt>>,
) -> RecordOp {
    let policy = SilencePolicy::record_response(
        options.initial_silence_secs,
        options.max_silence_secs,
        options.max_duration_secs,
        &options.stop_tones,
    );
    let mut preamble: Vec<Arc<Prompt>> = prompt.into_iter().collect();
    if options.play_beep {
        preamble.push(beep());
    }
    let mut recorder = Recorder::new(RecordMode::Mixed, policy);
    let preamble = if preamble.is_empty() {
        recorder.start();
        None
    } else {
        Some(Sequence::new(preamble, false))
    };
    RecordOp {
        operation,
        leg,
        preamble,
        recorder,
    }
}

fn recording_end(end: RecordEnd) -> RecordingEnd {
    match end {
        RecordEnd::InitialSilence => RecordingEnd::InitialSilence,
        RecordEnd::MaxSilence => RecordingEnd::MaxSilence,
        RecordEnd::MaxDuration => RecordingEnd::MaxDuration,
        RecordEnd::StopTone(_) | RecordEnd::Stopped => RecordingEnd::Stopped,
    }
}

/// Encodes a finished bot recording into the outbox and builds its RecordingEnded.
fn finish_recording(
    conversation: ConversationId,
    op: RecordOp,
    reason: RecordingEnd,
    outbox: &mut HashMap<String, Vec<u8>>,
    finished: &mut Vec<String>,
) -> MediaOutput {
    let handle = op.operation.to_string();
    let (reason, recording) = match op.recorder.to_wav() {
        Ok(wav) => {
            outbox.insert(handle.clone(), wav);
            finished.push(handle.clone());
            (reason, Some(handle))
        }
        Err(_) => (RecordingEnd::Failed, None),
    };
    MediaOutput::Engine {
        conversation,
        signal: MediaSignal::RecordingEnded {
            operation: op.operation,
            reason,
            recording,
        },
    }
}

fn deliver_endpoint_recording(
    conversation: ConversationId,
    leg: &mut Leg,
    pending: &mut Vec<MediaOutput>,
) {
    let Some(recorder) = leg.endpoint.as_mut().and_then(|e| e.record.take()) else {
        return;
    };
    let wav = recorder.to_wav().unwrap_or_default();
    pending.push(MediaOutput::Endpoint {
        conversation,
        leg: leg.id,
        event: EndpointEvent::Recording { wav },
    });
}

#[inline]
fn add_saturating(dst: &mut Frame, src: &Frame) {
    for (d, &s) in dst.iter_mut().zip(src.iter()) {
        *d = d.saturating_add(s);
    }
}

/// Writes a source into a leg's input: the first source of the tick renders straight into the
/// mixer's input buffer, later ones through `scratch` and a saturating add.
#[inline]
fn write_source(
    mixer: &mut Mixer,
    mix: MixLeg,
    wrote: &mut bool,
    scratch: &mut Frame,
    render: impl FnOnce(&mut Frame),
) {
    let Some(input) = mixer.input_mut(mix) else {
        return;
    };
    if *wrote {
        render(scratch);
        add_saturating(input, scratch);
    } else {
        render(input);
        *wrote = true;
    }
}

fn tick_conversation(
    c: &mut Conversation,
    scratch: &mut Frame,
    heard_buf: &mut Frame,
    outbox: &mut HashMap<String, Vec<u8>>,
    finished: &mut Vec<String>,
    out: &mut impl FnMut(MediaOutput),
) -> u64 {
    let Conversation {
        id,
        mixer,
        legs,
        prompts,
        recordings,
        streams,
    } = c;
    let conversation = *id;
    // Which legs wrote input this tick (bit per leg index; at most MAX_LEGS legs).
    let mut wrote_mask: u64 = 0;

    // 1. Each leg's own sources: its endpoint's echo, playback, test tone, keys; a bot's DTMF.
    for (i, leg) in legs.iter_mut().enumerate() {
        let mix = leg.mix;
        let at_ms = leg.at_ms();
        let leg_id = leg.id;
        let mut wrote = false;
        if let Some(e) = leg.endpoint.as_deref_mut() {
            if let Some(mix) = mix.filter(|_| e.has_source()) {
                if let Some(echo) = e.echo.as_deref() {
                    write_source(mixer, mix, &mut wrote, scratch, |f| *f = *echo);
                }
                if let Some(seq) = e.play.as_mut() {
                    let mut done = false;
                    write_source(mixer, mix, &mut wrote, scratch, |f| done = seq.render(f));
                    if done {
                        e.play = None;
                        out(endpoint_event(
                            conversation,
                            leg_id,
                            EndpointEvent::PlayFinished,
                        ));
                    }
                }
                if let Some((generator, left)) = e.test_tone.as_mut() {
                    let mut done = false;
                    write_source(mixer, mix, &mut wrote, scratch, |f| {
                        generator.fill(f);
                        if *left <= FRAME_U64 {
                            let keep = usize::try_from(*left).unwrap_or(0);
                            if let Some(rest) = f.get_mut(keep..) {
                                rest.fill(0);
                            }
                            done = true;
                        } else {
                            *left -= FRAME_U64;
                        }
                    });
                    if done {
                        e.test_tone = None;
                        out(endpoint_event(
                            conversation,
                            leg_id,
                            EndpointEvent::PlayFinished,
                        ));
                    }
                }
            } else {
                // Not mixed: playback still advances (nobody hears it) and finishes.
                if let Some(seq) = e.play.as_mut() {
                    if seq.render(scratch) {
                        e.play = None;
                        out(endpoint_event(
                            conversation,
                            leg_id,
                            EndpointEvent::PlayFinished,
                        ));
                    }
                }
                if let Some((_, left)) = e.test_tone.as_mut() {
                    *left = left.saturating_sub(FRAME_U64);
                    if *left == 0 {
                        e.test_tone = None;
                        out(endpoint_event(
                            conversation,
                            leg_id,
                            EndpointEvent::PlayFinished,
                        ));
                    }
                }
            }
            if let Some(keys) = e.keys.as_mut() {
                let mut finished_batch = None;
                let mut on_key = |tone: Tone, in_band: bool| {
                    out(endpoint_event(
                        conversation,
                        leg_id,
                        EndpointEvent::KeyPressed {
                            tone,
                            in_band,
                            at_ms,
                        },
                    ));
                };
                match mix.filter(|_| keys.audible()) {
                    Some(mix) => write_source(mixer, mix, &mut wrote, scratch, |f| {
                        finished_batch = keys.next_frame(f, &mut on_key);
                    }),
                    None => finished_batch = keys.next_frame(scratch, &mut on_key),
                }
                if finished_batch.is_some() {
                    out(endpoint_event(
                        conversation,
                        leg_id,
                        EndpointEvent::PressFinished,
                    ));
                }
                if keys.is_idle() {
                    e.keys = None;
                }
            }
        }
        if let Some(keys) = leg.keys.as_deref_mut() {
            let mut finished_batch = None;
            match mix.filter(|_| keys.audible()) {
                Some(mix) => write_source(mixer, mix, &mut wrote, scratch, |f| {
                    finished_batch = keys.next_frame(f, |_, _| {});
                }),
                None => finished_batch = keys.next_frame(scratch, |_, _| {}),
            }
            if let Some(KeyTag::Operation(operation)) = finished_batch {
                out(MediaOutput::Engine {
                    conversation,
                    signal: MediaSignal::DtmfSent { operation },
                });
            }
            if keys.is_idle() {
                leg.keys = None;
            }
        }
        if wrote {
            wrote_mask |= 1 << i;
        }
    }

    // 2. DTMF in what each leg's participant sends: its endpoint's audio and its own keys, before
    //    bot prompts join the input (keys are pressed by people and sent with SendDtmf; a prompt
    //    file is not a key press, and skipping it keeps detection on prompt-playing legs free).
    for (i, leg) in legs.iter_mut().enumerate() {
        let Some(mix) = leg.mix else {
            continue;
        };
        let input: &Frame = if wrote_mask & (1 << i) != 0 && !leg.muted {
            match mixer.input_mut(mix) {
                Some(input) => input,
                None => &SILENT_FRAME,
            }
        } else {
            &SILENT_FRAME
        };
        let source = leg.id;
        leg.detector.process(input, |event| {
            if let DetectorEvent::ToneStarted { tone, .. } = event {
                out(MediaOutput::Engine {
                    conversation,
                    signal: MediaSignal::ToneDetected { leg: source, tone },
                });
                // Stop tones end the other legs' recordings right here.
                let mut k = 0;
                while k < recordings.len() {
                    let ended = match recordings.get_mut(k) {
                        Some(op) if op.leg != source => op.recorder.tone(tone),
                        _ => None,
                    };
                    if ended.is_some() {
                        let op = recordings.swap_remove(k);
                        out(finish_recording(
                            conversation,
                            op,
                            RecordingEnd::Stopped,
                            outbox,
                            finished,
                        ));
                    } else {
                        k += 1;
                    }
                }
            }
        });
    }

    // 3. Bot prompts: to the conversation through the bot's input, or rendered privately.
    for op in prompts.iter_mut() {
        let source = legs
            .iter()
            .position(|l| l.id == op.leg)
            .and_then(|i| legs.get(i).and_then(|l| l.mix).map(|m| (i, m)));
        let done = match (op.private.as_deref_mut(), source) {
            (Some(private), _) => op.sequence.render(private),
            (None, Some((i, mix))) => {
                let mut wrote = wrote_mask & (1 << i) != 0;
                let mut done = false;
                write_source(mixer, mix, &mut wrote, scratch, |f| {
                    done = op.sequence.render(f)
                });
                wrote_mask |= 1 << i;
                done
            }
            (None, None) => op.sequence.render(scratch),
        };
        if done {
            op.done = true;
            out(MediaOutput::Engine {
                conversation,
                signal: MediaSignal::PromptFinished {
                    operation: op.operation,
                    ok: true,
                },
            });
        }
    }
    prompts.retain(|op| !op.done);

    // 4. Recording preambles (prompt, beep) from the bot to the conversation.
    for op in recordings.iter_mut() {
        let Some(seq) = op.preamble.as_mut() else {
            if op.recorder.state() == RecorderState::Idle {
                // The preamble ended last tick: record from this frame on.
                op.recorder.start();
            }
            continue;
        };
        let source = legs
            .iter()
            .position(|l| l.id == op.leg)
            .and_then(|i| legs.get(i).and_then(|l| l.mix).map(|m| (i, m)));
        let done = match source {
            Some((i, mix)) => {
                let mut wrote = wrote_mask & (1 << i) != 0;
                let mut done = false;
                write_source(mixer, mix, &mut wrote, scratch, |f| done = seq.render(f));
                wrote_mask |= 1 << i;
                done
            }
            None => seq.render(scratch),
        };
        if done {
            // Recording starts with the next frame.
            op.preamble = None;
        }
    }

    // 4b. The app's audio on media streams, as the stream's bot leg's voice.
    for stream in streams.iter_mut() {
        let source = legs
            .iter()
            .position(|l| l.id == stream.leg)
            .and_then(|i| legs.get(i).and_then(|l| l.mix).map(|m| (i, m)));
        match source {
            Some((i, mix)) => {
                if !stream.playing && stream.inbound.len() < crate::stream::JITTER_FRAMES {
                    continue;
                }
                let mut wrote = wrote_mask & (1 << i) != 0;
                let mut played = false;
                write_source(mixer, mix, &mut wrote, scratch, |f| {
                    played = stream.next_inbound(f);
                    if !played {
                        f.fill(0);
                    }
                });
                wrote_mask |= 1 << i;
            }
            None => {
                // Nobody hears it, but the queue still drains in real time.
                stream.next_inbound(scratch);
            }
        }
    }

    // 5. The N-1 mix.
    mixer.mix();

    // 6. What each leg hears: the mix plus private prompts, or hold music.
    for leg in legs.iter_mut() {
        leg.frames += 1;
        let heard: &Frame = if let Some(hold) = leg.hold.as_mut() {
            hold.render(heard_buf);
            &*heard_buf
        } else if let Some(mix) = leg.mix {
            let Some(output) = mixer.output(mix) else {
                continue;
            };
            let mut private = prompts
                .iter()
                .filter(|op| op.audience.as_ref().is_some_and(|a| a.contains(&leg.id)));
            match private.next() {
                None => output,
                Some(first) => {
                    *heard_buf = *output;
                    for op in std::iter::once(first).chain(private) {
                        if let Some(frame) = op.private.as_deref() {
                            add_saturating(heard_buf, frame);
                        }
                    }
                    &*heard_buf
                }
            }
        } else {
            continue;
        };
        // Bot recordings of this leg.
        let mut k = 0;
        while k < recordings.len() {
            let ended = match recordings.get_mut(k) {
                Some(op) if op.leg == leg.id && op.recorder.state() == RecorderState::Recording => {
                    op.recorder.push(&[heard.as_slice()])
                }
                _ => None,
            };
            match ended {
                Some(end) => {
                    let op = recordings.swap_remove(k);
                    out(finish_recording(
                        conversation,
                        op,
                        recording_end(end),
                        outbox,
                        finished,
                    ));
                }
                None => k += 1,
            }
        }
        // The endpoint's recording, detection log and echo.
        let Some(e) = leg.endpoint.as_deref_mut() else {
            continue;
        };
        if let Some(recorder) = e.record.as_mut() {
            recorder.push(&[heard.as_slice()]);
        }
        if let Some(echo) = e.echo.as_deref_mut() {
            *echo = *heard;
        }
        if let Some(d) = e.detect.as_mut() {
            let base_ms = d.base_frame * u64::from(FRAME_MS);
            let leg_id = leg.id;
            d.detector.process(heard, |event| {
                if let DetectorEvent::ToneStarted { tone, start_sample } = event {
                    out(endpoint_event(
                        conversation,
                        leg_id,
                        EndpointEvent::ToneHeard {
                            tone,
                            at_ms: base_ms + start_sample * 1000 / u64::from(SAMPLE_RATE),
                        },
                    ));
                }
            });
            let frame = leg.frames - 1;
            let voiced = !SilenceDetector::default().is_silent(heard);
            if voiced != d.active {
                if d.run == 0 {
                    d.run_start = frame;
                }
                d.run += 1;
                let needed = if d.active {
                    AUDIO_STOP_FRAMES
                } else {
                    AUDIO_START_FRAMES
                };
                if d.run >= needed {
                    d.active = voiced;
                    d.run = 0;
                    let at_ms = d.run_start * u64::from(FRAME_MS);
                    let event = if voiced {
                        EndpointEvent::AudioStarted { at_ms }
                    } else {
                        EndpointEvent::AudioStopped { at_ms }
                    };
                    out(endpoint_event(conversation, leg_id, event));
                }
            } else {
                d.run = 0;
            }
        }
    }
    wrote_mask
}

/// Emits this tick's stream frames of one conversation: what each stream's bot leg heard (mixed),
/// or each other participant's voice (unmixed). Runs after the mix; a participant's voice is the
/// input it sent this tick (silence if it sent none or is muted or held).
fn tap_streams(c: &mut Conversation, wrote_mask: u64, frames: &mut Vec<StreamFrame>) {
    let Conversation {
        id,
        mixer,
        legs,
        streams,
        ..
    } = c;
    for stream in streams.iter_mut() {
        match stream.channel {
            StreamChannel::Mixed => {
                let heard = legs
                    .iter()
                    .find(|l| l.id == stream.leg)
                    .and_then(|l| l.mix)
                    .and_then(|m| mixer.output(m))
                    .unwrap_or(&SILENT_FRAME);
                stream.emit(*id, None, heard, frames);
            }
            StreamChannel::Unmixed => {
                let bot = stream.leg;
                for (i, leg) in legs
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.id != bot && l.connected)
                    .take(MAX_UNMIXED_CHANNELS)
                {
                    let voice = match (leg.muted, leg.mix) {
                        (false, Some(m)) if wrote_mask & (1 << i) != 0 => {
                            mixer.input(m).unwrap_or(&SILENT_FRAME)
                        }
                        _ => &SILENT_FRAME,
                    };
                    stream.emit(*id, Some(leg.id), voice, frames);
                }
            }
            StreamChannel::CallMixed => {
                let mut sum = [0i32; ringside_audio::FRAME_SAMPLES];
                for (i, leg) in legs.iter().enumerate() {
                    if let (false, Some(m)) = (leg.muted, leg.mix) {
                        if leg.connected && wrote_mask & (1 << i) != 0 {
                            if let Some(input) = mixer.input(m) {
                                for (acc, s) in sum.iter_mut().zip(input.iter()) {
                                    *acc += i32::from(*s);
                                }
                            }
                        }
                    }
                }
                let mut mixed: Frame = SILENT_FRAME;
                for (out, acc) in mixed.iter_mut().zip(sum.iter()) {
                    *out = (*acc).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
                }
                stream.emit(*id, None, &mixed, frames);
            }
            StreamChannel::CallUnmixed => {
                for (i, leg) in legs
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.connected)
                    .take(MAX_RECORDING_CHANNELS)
                {
                    let voice = match (leg.muted, leg.mix) {
                        (false, Some(m)) if wrote_mask & (1 << i) != 0 => {
                            mixer.input(m).unwrap_or(&SILENT_FRAME)
                        }
                        _ => &SILENT_FRAME,
                    };
                    stream.emit(*id, Some(leg.id), voice, frames);
                }
            }
        }
        stream.frames += 1;
    }
}

fn endpoint_event(conversation: ConversationId, leg: LegId, event: EndpointEvent) -> MediaOutput {
    MediaOutput::Endpoint {
        conversation,
        leg,
        event,
    }
}
