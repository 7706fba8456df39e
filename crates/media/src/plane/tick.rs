//! One conversation's 20 ms frame, as separate steps in this order: each leg's own sources
//! (an external leg's voice, endpoint echo, playback, test tone and keys; a bot's DTMF), DTMF
//! detection on what each leg
//! sends, bot prompts, recording preambles, the app's stream audio, the N-1 mix, then what each
//! leg hears (hold music or its mix plus private prompts) feeding bot recordings and the
//! endpoint's recording, echo and detection log; finally the stream taps. Nothing here allocates
//! per frame (stream frames excepted: each carries its own samples out).

use ringside_audio::{
    DetectorEvent, Frame, MixLeg, Mixer, RecorderState, SilenceDetector, FRAME_MS, SAMPLE_RATE,
    SILENT_FRAME,
};
use ringside_engine::{ConversationId, LegId, MediaSignal, RecordingEnd};
use ringside_model::Tone;

use super::commands::{finish_recording, recording_end};
use super::state::{
    Conversation, Detect, Endpoint, KeySender, KeyTag, KeysTo, Leg, PromptOp, RecordOp,
    AUDIO_START_FRAMES, AUDIO_STOP_FRAMES, FRAME_U64,
};
use super::{add_saturating, Outbox};
use crate::command::{EndpointEvent, MediaOutput};
use crate::stream::{
    Stream, StreamChannel, StreamFrame, MAX_RECORDING_CHANNELS, MAX_UNMIXED_CHANNELS,
};

/// Frame buffers reused by every conversation of a tick.
pub(super) struct Buffers {
    /// A source rendered here is added to a leg's input that already has one.
    pub(super) scratch: Frame,
    /// What a leg hears when that is not its mix output as is.
    pub(super) heard: Frame,
}

/// Which legs wrote input this tick: one bit per leg index (at most `MAX_LEGS` = 64 legs).
type WroteMask = u64;

/// Ticks one conversation; returns which legs wrote input (for the stream taps).
pub(super) fn tick_conversation(
    c: &mut Conversation,
    buffers: &mut Buffers,
    outbox: &mut Outbox,
    out: &mut impl FnMut(MediaOutput),
) -> WroteMask {
    let Conversation {
        id,
        mixer,
        legs,
        prompts,
        keys_to,
        recordings,
        streams,
        routing,
    } = c;
    let conversation = *id;
    let scratch = &mut buffers.scratch;
    let mut wrote_mask: WroteMask = 0;

    // 1. Each leg's own sources: its endpoint's echo, playback, test tone, keys; a bot's DTMF.
    for (i, leg) in legs.iter_mut().enumerate() {
        if leg_sources(conversation, leg, mixer, scratch, out) {
            wrote_mask |= 1 << i;
        }
    }
    // 2. DTMF in what each leg's participant sends: its endpoint's audio and its own keys, before
    //    bot prompts join the input (keys are pressed by people and sent with SendDtmf; a prompt
    //    file is not a key press, and skipping it keeps detection on prompt-playing legs free).
    //    Only where someone listens for keys: elsewhere detection costs nothing.
    if listens_for_keys(legs, recordings, streams) {
        for (i, leg) in legs.iter_mut().enumerate() {
            let wrote = wrote_mask & (1 << i) != 0;
            detect_sent(conversation, leg, wrote, mixer, recordings, outbox, out);
        }
    }
    // 3. Bot prompts: to the conversation through the bot's input, or rendered privately.
    for op in prompts.iter_mut() {
        let source = mixed_leg(legs, op.leg);
        play_prompt(
            conversation,
            op,
            source,
            mixer,
            &mut wrote_mask,
            scratch,
            out,
        );
    }
    prompts.retain(|op| !op.done);
    // 3b. Keys a bot sends to one leg, rendered privately.
    for op in keys_to.iter_mut() {
        send_keys_to(conversation, op, out);
    }
    // 4. Recording preambles (prompt, beep) from the bot to the conversation.
    for op in recordings.iter_mut() {
        let source = mixed_leg(legs, op.leg);
        play_preamble(op, source, mixer, &mut wrote_mask, scratch);
    }
    // 4b. The app's audio on media streams, as the stream's bot leg's voice.
    for stream in streams.iter_mut() {
        let source = mixed_leg(legs, stream.leg);
        play_stream_audio(stream, source, mixer, &mut wrote_mask, scratch);
    }
    // 5. The N-1 mix (with audio routing, if set).
    if let Some(routing) = routing.as_deref_mut() {
        routing.apply(legs, mixer);
    }
    mixer.mix();
    // 6. What each leg hears: the mix plus private prompts and keys, or hold music.
    for leg in legs.iter_mut() {
        leg.frames += 1;
        let heard = heard_by(leg, mixer, prompts, keys_to, &mut buffers.heard);
        if let Some(x) = leg.external.as_deref_mut() {
            x.heard = heard.map_or(SILENT_FRAME, |h| *h);
        }
        let Some(heard) = heard else {
            continue;
        };
        feed_recordings(conversation, leg.id, heard, recordings, outbox, out);
        if let Some(e) = leg.endpoint.as_deref_mut() {
            feed_endpoint(conversation, leg.id, leg.frames - 1, e, heard, out);
        }
    }
    keys_to.retain(|op| !op.done);
    wrote_mask
}

/// The leg's index and mixer slot, if it is in the mix.
fn mixed_leg(legs: &[Leg], id: LegId) -> Option<(usize, MixLeg)> {
    legs.iter()
        .position(|l| l.id == id)
        .and_then(|i| legs.get(i).and_then(|l| l.mix).map(|m| (i, m)))
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

/// [`write_source`] into leg `i` of a later step, which marks the leg as written.
#[inline]
fn write_leg_source(
    mixer: &mut Mixer,
    (i, mix): (usize, MixLeg),
    wrote_mask: &mut WroteMask,
    scratch: &mut Frame,
    render: impl FnOnce(&mut Frame),
) {
    let mut wrote = *wrote_mask & (1 << i) != 0;
    write_source(mixer, mix, &mut wrote, scratch, render);
    *wrote_mask |= 1 << i;
}

fn endpoint_event(conversation: ConversationId, leg: LegId, event: EndpointEvent) -> MediaOutput {
    MediaOutput::Endpoint {
        conversation,
        leg,
        event,
    }
}

/// Step 1 for one leg; true if it wrote input.
fn leg_sources(
    conversation: ConversationId,
    leg: &mut Leg,
    mixer: &mut Mixer,
    scratch: &mut Frame,
    out: &mut impl FnMut(MediaOutput),
) -> bool {
    let mix = leg.mix;
    let at_ms = leg.at_ms();
    let leg_id = leg.id;
    let mut wrote = false;
    if let Some(x) = leg.external.as_deref_mut() {
        if let (true, Some(mix)) = (std::mem::take(&mut x.has_input), mix) {
            write_source(mixer, mix, &mut wrote, scratch, |f| *f = x.input);
        }
    }
    if let Some(e) = leg.endpoint.as_deref_mut() {
        let mut finished = || {
            out(endpoint_event(
                conversation,
                leg_id,
                EndpointEvent::PlayFinished,
            ))
        };
        match mix.filter(|_| e.has_source()) {
            Some(mix) => endpoint_playback(e, mixer, mix, &mut wrote, scratch, &mut finished),
            None => endpoint_playback_unheard(e, scratch, &mut finished),
        }
        if let Some(keys) = e.keys.as_mut() {
            let mut on_key = |tone: Tone, in_band: bool| {
                let event = EndpointEvent::KeyPressed {
                    tone,
                    in_band,
                    at_ms,
                };
                out(endpoint_event(conversation, leg_id, event));
            };
            let finished = send_keys(keys, mixer, mix, &mut wrote, scratch, &mut on_key);
            if finished.is_some() {
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
        let finished = send_keys(keys, mixer, mix, &mut wrote, scratch, &mut |_, _| {});
        if let Some(KeyTag::Operation(operation)) = finished {
            out(MediaOutput::Engine {
                conversation,
                signal: MediaSignal::DtmfSent { operation },
            });
        }
        if keys.is_idle() {
            leg.keys = None;
        }
    }
    wrote
}

/// An endpoint in the mix with something to send: echo, then playback, then test tone.
fn endpoint_playback(
    e: &mut Endpoint,
    mixer: &mut Mixer,
    mix: MixLeg,
    wrote: &mut bool,
    scratch: &mut Frame,
    finished: &mut impl FnMut(),
) {
    if let Some(echo) = e.echo.as_deref() {
        write_source(mixer, mix, wrote, scratch, |f| *f = *echo);
    }
    if let Some(seq) = e.play.as_mut() {
        let mut done = false;
        write_source(mixer, mix, wrote, scratch, |f| done = seq.render(f));
        if done {
            e.play = None;
            finished();
        }
    }
    if let Some((generator, left)) = e.test_tone.as_mut() {
        let mut done = false;
        write_source(mixer, mix, wrote, scratch, |f| {
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
            finished();
        }
    }
}

/// An endpoint not in the mix: playback still advances (nobody hears it) and finishes.
fn endpoint_playback_unheard(e: &mut Endpoint, scratch: &mut Frame, finished: &mut impl FnMut()) {
    if let Some(seq) = e.play.as_mut() {
        if seq.render(scratch) {
            e.play = None;
            finished();
        }
    }
    if let Some((_, left)) = e.test_tone.as_mut() {
        *left = left.saturating_sub(FRAME_U64);
        if *left == 0 {
            e.test_tone = None;
            finished();
        }
    }
}

/// One frame of queued keys: into the leg's input when mixed and in-band, otherwise advanced
/// silently. Returns the batch that finished, if any.
fn send_keys(
    keys: &mut KeySender,
    mixer: &mut Mixer,
    mix: Option<MixLeg>,
    wrote: &mut bool,
    scratch: &mut Frame,
    on_key: &mut impl FnMut(Tone, bool),
) -> Option<KeyTag> {
    let mut finished_batch = None;
    match mix.filter(|_| keys.audible()) {
        Some(mix) => write_source(mixer, mix, wrote, scratch, |f| {
            finished_batch = keys.next_frame(f, &mut *on_key);
        }),
        None => finished_batch = keys.next_frame(scratch, on_key),
    }
    finished_batch
}

/// Someone in the conversation listens for keys: a bot leg that asked for them
/// (`StartToneDetection`: a tone subscription, a running recognize), a recording that stops on a
/// key, or a stream of a leg's view (it forwards keys to its app).
fn listens_for_keys(legs: &[Leg], recordings: &[RecordOp], streams: &[Stream]) -> bool {
    legs.iter().any(|l| l.subscribed)
        || recordings.iter().any(|r| r.recorder.stops_on_tones())
        || streams
            .iter()
            .any(|s| matches!(s.channel, StreamChannel::Mixed | StreamChannel::Unmixed))
}

/// Step 2 for one leg: DTMF in what it sent; a detected key also ends the other legs' recordings
/// that stop on it.
fn detect_sent(
    conversation: ConversationId,
    leg: &mut Leg,
    wrote: bool,
    mixer: &mut Mixer,
    recordings: &mut Vec<RecordOp>,
    outbox: &mut Outbox,
    out: &mut impl FnMut(MediaOutput),
) {
    let Some(mix) = leg.mix else {
        return;
    };
    let input: &Frame = if wrote && !leg.muted {
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
            stop_on_tone(conversation, source, tone, recordings, outbox, out);
        }
    });
}

/// Stop tones end the other legs' recordings right here.
fn stop_on_tone(
    conversation: ConversationId,
    source: LegId,
    tone: Tone,
    recordings: &mut Vec<RecordOp>,
    outbox: &mut Outbox,
    out: &mut impl FnMut(MediaOutput),
) {
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
            ));
        } else {
            k += 1;
        }
    }
}

/// Step 3 for one prompt: render into its private frame, the bot leg's input, or nowhere (it
/// still advances).
fn play_prompt(
    conversation: ConversationId,
    op: &mut PromptOp,
    source: Option<(usize, MixLeg)>,
    mixer: &mut Mixer,
    wrote_mask: &mut WroteMask,
    scratch: &mut Frame,
    out: &mut impl FnMut(MediaOutput),
) {
    if !op.started {
        op.started = true;
        out(MediaOutput::Engine {
            conversation,
            signal: MediaSignal::PromptStarted {
                operation: op.operation,
            },
        });
    }
    let done = match (op.private.as_deref_mut(), source) {
        (Some(private), _) => op.sequence.render(private),
        (None, Some(source)) => {
            let mut done = false;
            write_leg_source(mixer, source, wrote_mask, scratch, |f| {
                done = op.sequence.render(f)
            });
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

/// Step 4 for one recording: play its preamble, or start recording the frame after it ended.
fn play_preamble(
    op: &mut RecordOp,
    source: Option<(usize, MixLeg)>,
    mixer: &mut Mixer,
    wrote_mask: &mut WroteMask,
    scratch: &mut Frame,
) {
    let Some(seq) = op.preamble.as_mut() else {
        if op.recorder.state() == RecorderState::Idle {
            // The preamble ended last tick: record from this frame on.
            op.recorder.start();
        }
        return;
    };
    let done = match source {
        Some(source) => {
            let mut done = false;
            write_leg_source(mixer, source, wrote_mask, scratch, |f| done = seq.render(f));
            done
        }
        None => seq.render(scratch),
    };
    if done {
        // Recording starts with the next frame.
        op.preamble = None;
    }
}

/// Step 4b for one stream: the app's audio behind the jitter buffer into the bot leg's input.
fn play_stream_audio(
    stream: &mut Stream,
    source: Option<(usize, MixLeg)>,
    mixer: &mut Mixer,
    wrote_mask: &mut WroteMask,
    scratch: &mut Frame,
) {
    match source {
        Some(source) => {
            if !stream.playing && stream.inbound.len() < crate::stream::JITTER_FRAMES {
                return;
            }
            write_leg_source(mixer, source, wrote_mask, scratch, |f| {
                if !stream.next_inbound(f) {
                    f.fill(0);
                }
            });
        }
        None => {
            // Nobody hears it, but the queue still drains in real time.
            stream.next_inbound(scratch);
        }
    }
}

/// Step 6: what a leg hears this frame (hold music, its mix output, or that plus private
/// prompts for it), or `None` if it is neither held nor mixed.
fn heard_by<'a>(
    leg: &mut Leg,
    mixer: &'a Mixer,
    prompts: &[PromptOp],
    keys_to: &[KeysTo],
    heard_buf: &'a mut Frame,
) -> Option<&'a Frame> {
    if let Some(hold) = leg.hold.as_mut() {
        hold.render(heard_buf);
        return Some(&*heard_buf);
    }
    let output = mixer.output(leg.mix?)?;
    let id = leg.id;
    let prompts = prompts
        .iter()
        .filter(|op| op.audience.as_ref().is_some_and(|a| a.contains(&id)))
        .filter_map(|op| op.private.as_deref());
    let keys = keys_to.iter().filter(|op| op.to == id).map(|op| &*op.frame);
    let mut private = prompts.chain(keys).peekable();
    if private.peek().is_none() {
        return Some(output);
    }
    *heard_buf = *output;
    for frame in private {
        add_saturating(heard_buf, frame);
    }
    Some(&*heard_buf)
}

/// Step 3b for one private key send: renders its next frame; reports `DtmfSent` after the last
/// key and its pause.
fn send_keys_to(conversation: ConversationId, op: &mut KeysTo, out: &mut impl FnMut(MediaOutput)) {
    if op.done {
        return;
    }
    if op.sender.is_idle() {
        *op.frame = SILENT_FRAME;
        op.done = true;
        return;
    }
    if !op.sender.audible() {
        *op.frame = SILENT_FRAME;
    }
    if let Some(KeyTag::Operation(operation)) = op.sender.next_frame(&mut op.frame, |_, _| {}) {
        out(MediaOutput::Engine {
            conversation,
            signal: MediaSignal::DtmfSent { operation },
        });
        op.done = true;
    }
}

/// Bot recordings of this leg get what it heard; those that end are encoded into the outbox.
fn feed_recordings(
    conversation: ConversationId,
    leg: LegId,
    heard: &Frame,
    recordings: &mut Vec<RecordOp>,
    outbox: &mut Outbox,
    out: &mut impl FnMut(MediaOutput),
) {
    let mut k = 0;
    while k < recordings.len() {
        let ended = match recordings.get_mut(k) {
            Some(op) if op.leg == leg && op.recorder.state() == RecorderState::Recording => {
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
                ));
            }
            None => k += 1,
        }
    }
}

/// The endpoint's recording, echo and detection log get what its leg heard in leg frame `frame`.
fn feed_endpoint(
    conversation: ConversationId,
    leg: LegId,
    frame: u64,
    e: &mut Endpoint,
    heard: &Frame,
    out: &mut impl FnMut(MediaOutput),
) {
    if let Some(recorder) = e.record.as_mut() {
        recorder.push(&[heard.as_slice()]);
    }
    if let Some(echo) = e.echo.as_deref_mut() {
        *echo = *heard;
    }
    if let Some(d) = e.detect.as_mut() {
        detection_log(conversation, leg, frame, d, heard, out);
    }
}

/// An endpoint's detection log: DTMF it hears, and audio starting or stopping (hysteresis).
fn detection_log(
    conversation: ConversationId,
    leg: LegId,
    frame: u64,
    d: &mut Detect,
    heard: &Frame,
    out: &mut impl FnMut(MediaOutput),
) {
    let base_ms = d.base_frame * u64::from(FRAME_MS);
    d.detector.process(heard, |event| {
        if let DetectorEvent::ToneStarted { tone, start_sample } = event {
            let at_ms = base_ms + start_sample * 1000 / u64::from(SAMPLE_RATE);
            out(endpoint_event(
                conversation,
                leg,
                EndpointEvent::ToneHeard { tone, at_ms },
            ));
        }
    });
    let voiced = !SilenceDetector::default().is_silent(heard);
    if voiced == d.active {
        d.run = 0;
        return;
    }
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
        out(endpoint_event(conversation, leg, event));
    }
}

/// Emits this tick's stream frames of one conversation: what each stream's bot leg heard (mixed),
/// or each other participant's voice (unmixed). Runs after the mix; a participant's voice is the
/// input it sent this tick (silence if it sent none or is muted or held).
pub(super) fn tap_streams(
    c: &mut Conversation,
    wrote_mask: WroteMask,
    frames: &mut Vec<StreamFrame>,
) {
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
                let others = legs
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.id != bot && l.connected);
                for (i, leg) in others.take(MAX_UNMIXED_CHANNELS) {
                    let voice = voice_of(leg, i, mixer, wrote_mask);
                    stream.emit(*id, Some(leg.id), voice, frames);
                }
            }
            StreamChannel::CallMixed => {
                let mixed = call_mix(legs, mixer, wrote_mask);
                stream.emit(*id, None, &mixed, frames);
            }
            StreamChannel::CallUnmixed => {
                let connected = legs.iter().enumerate().filter(|(_, l)| l.connected);
                for (i, leg) in connected.take(MAX_RECORDING_CHANNELS) {
                    let voice = voice_of(leg, i, mixer, wrote_mask);
                    stream.emit(*id, Some(leg.id), voice, frames);
                }
            }
        }
        stream.frames += 1;
    }
}

/// What leg `i` sent this tick: its input, or silence if it sent none or is muted or held.
fn voice_of<'a>(leg: &Leg, i: usize, mixer: &'a Mixer, wrote_mask: WroteMask) -> &'a Frame {
    match (leg.muted, leg.mix) {
        (false, Some(m)) if wrote_mask & (1 << i) != 0 => mixer.input(m).unwrap_or(&SILENT_FRAME),
        _ => &SILENT_FRAME,
    }
}

/// Every connected, unmuted, mixed leg's voice summed (saturating), as a call recorder hears it.
fn call_mix(legs: &[Leg], mixer: &Mixer, wrote_mask: WroteMask) -> Frame {
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
    mixed
}
