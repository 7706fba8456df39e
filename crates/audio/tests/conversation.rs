//! A two-party conversation driven on virtual time: the bot plays a prompt into the mixer, the caller
//! answers with speech and keys, the bot's leg detects tones (barge-in) and records the response with
//! a Graph `recordResponse` silence policy that must end at the configured sample.

use ringside_audio::testsignal::speech_like;
use ringside_audio::{
    DetectorEvent, DtmfDetector, DtmfGenerator, Frame, Mixer, PlayOptions, PlayerEvent, Prompt,
    PromptPlayer, RecordEnd, RecordMode, Recorder, RecorderState, SilenceDetector, SilencePolicy,
    Tone, FRAME_SAMPLES, SILENT_FRAME,
};

const SECOND: u64 = 16_000;

/// What the caller sends, frame by frame, from a script of (start sample, audio) pieces.
fn caller_audio(script: &[(u64, &[i16])], frame_index: u64, out: &mut Frame) {
    out.fill(0);
    let start = frame_index * FRAME_SAMPLES as u64;
    for (at, audio) in script {
        for (i, o) in out.iter_mut().enumerate() {
            let t = start + i as u64;
            if t >= *at {
                if let Some(&s) = audio.get((t - at) as usize) {
                    *o = o.saturating_add(s);
                }
            }
        }
    }
}

struct Run {
    end: RecordEnd,
    recorded: u64,
    recording_started_at: u64,
    player_events: Vec<PlayerEvent>,
    tones: Vec<Tone>,
}

/// Bot plays `prompt` (barge-in allowed) then records the caller's response with `policy`.
fn run(
    prompt_len: usize,
    script: &[(u64, &[i16])],
    policy: SilencePolicy,
    max_frames: u64,
) -> Option<Run> {
    let mut mixer = Mixer::new();
    let bot = mixer.add_leg();
    let caller = mixer.add_leg();
    let mut player = PromptPlayer::new();
    player.enqueue(
        Prompt::from_samples(speech_like(42, prompt_len, -18.0)),
        PlayOptions {
            looped: false,
            barge_in: true,
        },
        1,
    );
    let mut detector = DtmfDetector::default();
    let mut recorder = Recorder::new(RecordMode::Unmixed { legs: 2 }, policy);
    let mut player_events = Vec::new();
    let mut tones = Vec::new();
    let mut recording_started_at = 0;
    let mut caller_frame = SILENT_FRAME;
    for frame_index in 0..max_frames {
        // Bot leg: prompt audio.
        let bot_input = mixer.input_mut(bot)?;
        let mut prompt_done = false;
        player.next_frame(bot_input, |e| {
            prompt_done |= matches!(
                e,
                PlayerEvent::Completed { .. } | PlayerEvent::BargedIn { .. }
            );
            player_events.push(e);
        });
        caller_audio(script, frame_index, &mut caller_frame);
        mixer.set_input(caller, &caller_frame);
        mixer.mix();
        // What the bot hears is the caller: detect tones there.
        let heard = *mixer.output(bot)?;
        let mut detected = Vec::new();
        detector.process(&heard, |e| {
            if let DetectorEvent::ToneStarted { tone, .. } = e {
                detected.push(tone)
            }
        });
        for tone in detected {
            tones.push(tone);
            if player.barge_in(tone, |e| player_events.push(e)) {
                prompt_done = true;
            }
            if let Some(end) = recorder.tone(tone) {
                return Some(Run {
                    end,
                    recorded: recorder.recorded_samples(),
                    recording_started_at,
                    player_events,
                    tones,
                });
            }
        }
        if recorder.state() == RecorderState::Recording {
            let bot_heard_by_caller = *mixer.output(caller)?;
            if let Some(end) = recorder.push(&[&heard, &bot_heard_by_caller]) {
                assert_eq!(
                    recorder.pending().len() as u64,
                    2 * recorder.recorded_samples()
                );
                return Some(Run {
                    end,
                    recorded: recorder.recorded_samples(),
                    recording_started_at,
                    player_events,
                    tones,
                });
            }
        } else if prompt_done && recorder.start() {
            recording_started_at = (frame_index + 1) * FRAME_SAMPLES as u64;
        }
    }
    None
}

/// End of the last frame of `audio` louder than the default silence threshold.
fn last_voiced_end(audio: &[i16]) -> u64 {
    let detector = SilenceDetector::default();
    let frames = audio
        .chunks(FRAME_SAMPLES)
        .rposition(|f| !detector.is_silent(f))
        .unwrap_or(0);
    (frames as u64 + 1) * FRAME_SAMPLES as u64
}

#[test]
fn initial_silence_ends_the_recording_at_the_configured_time() {
    let r = run(
        SECOND as usize,
        &[],
        SilencePolicy::record_response(3, 2, 60, &[]),
        1000,
    )
    .expect("ended");
    assert_eq!(r.end, RecordEnd::InitialSilence);
    assert_eq!(r.recorded, 3 * SECOND);
    assert_eq!(
        r.player_events,
        vec![
            PlayerEvent::Started {
                tag: 1,
                at_sample: 0
            },
            PlayerEvent::Completed {
                tag: 1,
                at_sample: SECOND
            }
        ]
    );
}

#[test]
fn max_silence_after_speech_ends_at_the_configured_time() {
    // The caller speaks 1.5 s after the prompt ends (1 s), for 3 s, then is silent.
    let speech = speech_like(7, 3 * SECOND as usize, -20.0);
    let speech_at = SECOND + 1_500 * SECOND / 1000;
    let r = run(
        SECOND as usize,
        &[(speech_at, &speech)],
        SilencePolicy::record_response(5, 2, 60, &[]),
        1000,
    )
    .expect("ended");
    assert_eq!(r.end, RecordEnd::MaxSilence);
    // Recording started at 1 s (frame aligned); silence began after the last voiced frame.
    assert_eq!(r.recording_started_at, SECOND);
    let speech_end = speech_at + last_voiced_end(&speech) - r.recording_started_at;
    assert_eq!(r.recorded, speech_end + 2 * SECOND);
}

#[test]
fn max_duration_ends_at_the_configured_time_while_speaking() {
    let speech = speech_like(9, 20 * SECOND as usize, -20.0);
    let r = run(
        SECOND as usize,
        &[(SECOND, &speech)],
        SilencePolicy::record_response(5, 5, 4, &[]),
        1000,
    )
    .expect("ended");
    assert_eq!(r.end, RecordEnd::MaxDuration);
    assert_eq!(r.recorded, 4 * SECOND);
}

#[test]
fn a_key_barges_into_the_prompt_and_a_stop_tone_ends_the_recording() {
    // The caller presses 1 during the 5 s prompt (barge-in starts the recording), speaks, then #.
    let mut keys = DtmfGenerator::default();
    keys.send(&[Tone::Digit(1)]);
    let mut one = vec![0i16; 4000];
    keys.next_frame(&mut one, |_| {});
    keys.send(&[Tone::Pound]);
    let mut pound = vec![0i16; 4000];
    keys.next_frame(&mut pound, |_| {});
    let speech = speech_like(3, 2 * SECOND as usize, -20.0);
    let script: [(u64, &[i16]); 3] = [
        (SECOND, &one),
        (2 * SECOND, &speech),
        (4 * SECOND + 8000, &pound),
    ];
    let r = run(
        5 * SECOND as usize,
        &script,
        SilencePolicy::record_response(5, 5, 60, &[Tone::Pound]),
        1000,
    )
    .expect("ended");
    assert_eq!(r.tones, vec![Tone::Digit(1), Tone::Pound]);
    assert!(
        matches!(r.player_events[1], PlayerEvent::BargedIn { tag: 1, tone: Tone::Digit(1), at_sample } if at_sample > SECOND && at_sample < SECOND + 1600)
    );
    assert_eq!(r.end, RecordEnd::StopTone(Tone::Pound));
    assert!(
        r.recorded > 3 * SECOND && r.recorded < 4 * SECOND,
        "{}",
        r.recorded
    );
}
