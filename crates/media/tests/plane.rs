//! The media plane on virtual time: prompts heard and recorded, in-band DTMF detected per source
//! leg, recordResponse limits, mute, hold, echo, private prompts, DestroyMix, memory per
//! conversation, and a deterministic random command sequence that must never panic.

use std::sync::Arc;
use std::time::Duration;

use ringside_audio::testsignal::{self, SplitMix64};
use ringside_audio::{wav, Prompt, Tone};
use ringside_engine::{
    Audience, ConversationId, LegId, MediaSignal, OperationId, RecordOptions, RecordingEnd,
};
use ringside_media::{EndpointEvent, MediaCommand, MediaOutput, MediaPlane, TEST_TONE_HZ};
use ringside_model::Guid;

const FRAME: usize = 320;

fn conv(n: u128) -> ConversationId {
    ConversationId(Guid::from_u128(0xc000 + n))
}
fn leg(n: u128) -> LegId {
    LegId(Guid::from_u128(0x1e90 + n))
}
fn op(n: u128) -> OperationId {
    OperationId(Guid::from_u128(0x0b00 + n))
}

/// Level of `freq` in `x`, dBFS (peak amplitude of the sine component).
fn tone_dbfs(x: &[i16], freq: f64) -> f64 {
    if x.is_empty() {
        return -200.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq / 16_000.0;
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = f64::from(v) + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = (s1 * s1 + s2 * s2 - c * s1 * s2).max(0.0);
    let amplitude = 2.0 * power.sqrt() / x.len() as f64;
    20.0 * (amplitude.max(1e-9) / 32767.0).log10()
}

fn rms(x: &[i16]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

fn decode(wav_bytes: &[u8]) -> Vec<i16> {
    let decoded = wav::decode(wav_bytes).expect("valid wav");
    assert_eq!(decoded.sample_rate, 16_000);
    decoded
        .samples
        .iter()
        .map(|&s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

fn sine_prompt(freq: f64, dbfs: f32, ms: usize) -> Arc<Prompt> {
    Arc::new(Prompt::from_samples(testsignal::sine(freq, dbfs, ms * 16)))
}

/// A plane with outputs stamped by the tick they came out of.
struct Sim {
    plane: MediaPlane,
    out: Vec<(u64, MediaOutput)>,
    tick: u64,
}

impl Sim {
    fn new() -> Sim {
        Sim {
            plane: MediaPlane::new(),
            out: Vec::new(),
            tick: 0,
        }
    }

    /// A conversation with a bot leg and a phone leg, both connected.
    fn two_party(c: ConversationId, bot: LegId, phone: LegId) -> Sim {
        let mut sim = Sim::new();
        sim.cmd(MediaCommand::CreateMix { conversation: c });
        sim.cmd(MediaCommand::ConnectMedia {
            conversation: c,
            leg: bot,
        });
        sim.cmd(MediaCommand::ConnectMedia {
            conversation: c,
            leg: phone,
        });
        sim
    }

    fn cmd(&mut self, command: MediaCommand) {
        self.plane.handle(command);
    }

    fn run(&mut self, frames: u64) {
        for _ in 0..frames {
            let tick = self.tick;
            let out = &mut self.out;
            self.plane.tick(&mut |o| out.push((tick, o)));
            self.tick += 1;
        }
    }

    fn engine(&self) -> Vec<(u64, MediaSignal)> {
        self.out
            .iter()
            .filter_map(|(t, o)| match o {
                MediaOutput::Engine { signal, .. } => Some((*t, signal.clone())),
                _ => None,
            })
            .collect()
    }

    fn tones_from(&self, source: LegId) -> Vec<Tone> {
        self.engine()
            .into_iter()
            .filter_map(|(_, s)| match s {
                MediaSignal::ToneDetected { leg, tone } if leg == source => Some(tone),
                _ => None,
            })
            .collect()
    }

    fn endpoint(&self, which: LegId) -> Vec<(u64, EndpointEvent)> {
        self.out
            .iter()
            .filter_map(|(t, o)| match o {
                MediaOutput::Endpoint { leg, event, .. } if *leg == which => {
                    Some((*t, event.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn start_recording_of(&mut self, c: ConversationId, l: LegId) {
        self.cmd(MediaCommand::EndpointRecord {
            conversation: c,
            leg: l,
            enabled: true,
        });
    }

    /// Stops a leg's endpoint recording and returns its samples.
    fn stop_recording_of(&mut self, c: ConversationId, l: LegId) -> Vec<i16> {
        self.cmd(MediaCommand::EndpointRecord {
            conversation: c,
            leg: l,
            enabled: false,
        });
        self.run(1);
        let wav = self
            .endpoint(l)
            .into_iter()
            .rev()
            .find_map(|(_, e)| match e {
                EndpointEvent::Recording { wav } => Some(wav),
                _ => None,
            })
            .expect("a recording");
        decode(&wav)
    }
}

#[test]
fn bot_prompt_is_heard_and_recorded_by_the_phone() {
    let (c, bot, phone) = (conv(1), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.start_recording_of(c, phone);
    sim.start_recording_of(c, bot);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![sine_prompt(440.0, -12.0, 1000)],
        audience: Audience::Conversation,
        looped: false,
    });
    sim.run(75);
    let heard = sim.stop_recording_of(c, phone);
    let bot_heard = sim.stop_recording_of(c, bot);
    assert!(heard.len() >= 75 * FRAME);
    // The phone heard the whole prompt at its level; nothing at other frequencies.
    let level = tone_dbfs(&heard[..16_000], 440.0);
    assert!((level + 12.0).abs() < 0.5, "{level}");
    assert!(tone_dbfs(&heard[..16_000], 1000.0) < -60.0);
    assert!(rms(&heard[16_000..]) < 1.0, "silence after the prompt");
    // N-1: the bot does not hear itself.
    assert!(rms(&bot_heard) < 1.0);
    let finished: Vec<_> = sim
        .engine()
        .into_iter()
        .filter(|(_, s)| matches!(s, MediaSignal::PromptFinished { .. }))
        .collect();
    assert_eq!(
        finished,
        vec![(
            49,
            MediaSignal::PromptFinished {
                operation: op(1),
                ok: true
            }
        )]
    );
}

fn press_ten_digits(under: Option<Under>) -> (Vec<Tone>, Vec<Tone>) {
    let (c, bot, phone) = (conv(2), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::StartToneDetection {
        conversation: c,
        leg: bot,
    });
    let digits = Tone::parse_sequence("0123456789").unwrap_or_default();
    match under {
        Some(Under::BotPrompt) => sim.cmd(MediaCommand::StartPrompt {
            conversation: c,
            leg: bot,
            operation: op(1),
            prompts: vec![Arc::new(Prompt::from_samples(testsignal::music_like(
                7, 160_000, -18.0,
            )))],
            audience: Audience::Conversation,
            looped: true,
        }),
        Some(Under::PhoneSpeech) => sim.cmd(MediaCommand::EndpointPlay {
            conversation: c,
            leg: phone,
            prompt: Arc::new(Prompt::from_samples(testsignal::speech_like(
                3, 80_000, -24.0,
            ))),
        }),
        None => {}
    }
    sim.run(10);
    sim.cmd(MediaCommand::EndpointPress {
        conversation: c,
        leg: phone,
        tones: digits.clone(),
        in_band: true,
    });
    sim.run(120);
    let pressed: Vec<Tone> = sim
        .endpoint(phone)
        .into_iter()
        .filter_map(|(_, e)| match e {
            EndpointEvent::KeyPressed { tone, in_band, .. } => {
                assert!(in_band);
                Some(tone)
            }
            _ => None,
        })
        .collect();
    assert_eq!(pressed, digits);
    assert!(sim
        .endpoint(phone)
        .iter()
        .any(|(_, e)| *e == EndpointEvent::PressFinished));
    // Nothing is detected as coming from the bot (its prompt is music, not keys).
    assert_eq!(sim.tones_from(bot), Vec::<Tone>::new());
    (digits, sim.tones_from(phone))
}

enum Under {
    BotPrompt,
    PhoneSpeech,
}

#[test]
fn ten_in_band_digits_are_detected_exactly_with_the_source_leg() {
    let (sent, detected) = press_ten_digits(None);
    assert_eq!(detected, sent);
}

#[test]
fn digits_are_detected_while_the_bot_plays_a_prompt() {
    let (sent, detected) = press_ten_digits(Some(Under::BotPrompt));
    assert_eq!(detected, sent);
}

#[test]
fn digits_are_detected_over_the_callers_own_speech() {
    let (sent, detected) = press_ten_digits(Some(Under::PhoneSpeech));
    assert_eq!(detected, sent);
}

#[test]
fn out_of_band_presses_make_no_sound() {
    let (c, bot, phone) = (conv(3), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::EndpointPress {
        conversation: c,
        leg: phone,
        tones: vec![Tone::Digit(1), Tone::Pound],
        in_band: false,
    });
    sim.run(30);
    let keys: Vec<_> = sim
        .endpoint(phone)
        .into_iter()
        .filter_map(|(t, e)| match e {
            EndpointEvent::KeyPressed { tone, in_band, .. } => Some((t, tone, in_band)),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys,
        vec![(0, Tone::Digit(1), false), (8, Tone::Pound, false)]
    );
    assert!(sim.tones_from(phone).is_empty());
    assert!(sim
        .endpoint(phone)
        .iter()
        .any(|(t, e)| *t == 15 && *e == EndpointEvent::PressFinished));
}

fn record_options(initial: u32, silence: u32, max: u32, stop: &[Tone]) -> RecordOptions {
    RecordOptions {
        prompt: None,
        barge_in: false,
        initial_silence_secs: initial,
        max_silence_secs: silence,
        max_duration_secs: max,
        play_beep: false,
        stop_tones: stop.to_vec(),
    }
}

/// Starts a recording of what the bot hears and returns (tick it ended, reason, samples).
fn record(
    options: RecordOptions,
    prompt: Option<Arc<Prompt>>,
    phone_does: impl FnOnce(&mut Sim, ConversationId, LegId),
    frames: u64,
) -> (Sim, u64, RecordingEnd, Vec<i16>) {
    let (c, bot, phone) = (conv(4), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::StartRecording {
        conversation: c,
        leg: bot,
        operation: op(9),
        options,
        prompt,
    });
    phone_does(&mut sim, c, phone);
    sim.run(frames);
    let (tick, reason, handle) = sim
        .engine()
        .into_iter()
        .find_map(|(t, s)| match s {
            MediaSignal::RecordingEnded {
                operation,
                reason,
                recording,
            } => {
                assert_eq!(operation, op(9));
                Some((t, reason, recording))
            }
            _ => None,
        })
        .expect("the recording ended");
    let handle = handle.expect("a handle");
    assert_eq!(handle, op(9).to_string());
    let wav = sim.plane.take_recording(&handle).expect("in the outbox");
    assert!(sim.plane.take_recording(&handle).is_none());
    let samples = decode(&wav);
    (sim, tick, reason, samples)
}

#[test]
fn recording_ends_at_the_initial_silence_timeout() {
    let (_, tick, reason, samples) = record(record_options(2, 3, 10, &[]), None, |_, _, _| {}, 300);
    assert_eq!(reason, RecordingEnd::InitialSilence);
    // 2 s = 100 frames: the 100th frame (tick 99) ends it.
    assert!((98..=100).contains(&tick), "{tick}");
    assert_eq!(samples.len(), 32_000);
}

#[test]
fn recording_ends_at_the_max_silence_timeout_after_speech() {
    let (_, tick, reason, samples) = record(
        record_options(2, 3, 20, &[]),
        None,
        |sim, c, phone| {
            sim.cmd(MediaCommand::EndpointTestTone {
                conversation: c,
                leg: phone,
                duration: Duration::from_secs(1),
            })
        },
        400,
    );
    assert_eq!(reason, RecordingEnd::MaxSilence);
    // 1 s of tone then 3 s of silence: tick 199.
    assert!((198..=200).contains(&tick), "{tick}");
    assert_eq!(samples.len(), 64_000);
    let level = tone_dbfs(&samples[..16_000], f64::from(TEST_TONE_HZ));
    assert!(
        (level + 16.0).abs() < 0.5,
        "the bot recorded the phone's tone: {level}"
    );
}

#[test]
fn recording_ends_at_the_max_duration() {
    let (_, tick, reason, samples) = record(
        record_options(2, 3, 5, &[]),
        None,
        |sim, c, phone| {
            sim.cmd(MediaCommand::EndpointTestTone {
                conversation: c,
                leg: phone,
                duration: Duration::from_secs(30),
            })
        },
        400,
    );
    assert_eq!(reason, RecordingEnd::MaxDuration);
    assert!((248..=250).contains(&tick), "{tick}");
    assert_eq!(samples.len(), 80_000);
}

#[test]
fn recording_ends_on_a_stop_tone_after_reporting_it() {
    let (sim, tick, reason, samples) = record(
        record_options(5, 5, 60, &[Tone::Pound]),
        None,
        |sim, c, phone| {
            sim.cmd(MediaCommand::EndpointTestTone {
                conversation: c,
                leg: phone,
                duration: Duration::from_secs(1),
            });
            sim.run(60);
            sim.cmd(MediaCommand::EndpointPress {
                conversation: c,
                leg: phone,
                tones: vec![Tone::Pound],
                in_band: true,
            });
        },
        200,
    );
    assert_eq!(reason, RecordingEnd::Stopped);
    // The key starts at tick 60 and is confirmed within two 12.75 ms blocks.
    assert!((60..=62).contains(&tick), "{tick}");
    let engine = sim.engine();
    let tone_at = engine
        .iter()
        .position(|(_, s)| {
            *s == MediaSignal::ToneDetected {
                leg: leg(2),
                tone: Tone::Pound,
            }
        })
        .expect("tone reported");
    let end_at = engine
        .iter()
        .position(|(_, s)| matches!(s, MediaSignal::RecordingEnded { .. }))
        .expect("ended");
    assert!(tone_at < end_at, "the engine hears the tone first");
    assert!((60 * FRAME..=63 * FRAME).contains(&samples.len()));
}

#[test]
fn stop_recording_reports_stopped_and_the_beep_comes_first() {
    let (c, bot, phone) = (conv(5), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.start_recording_of(c, phone);
    let mut options = record_options(5, 5, 60, &[]);
    options.play_beep = true;
    sim.cmd(MediaCommand::StartRecording {
        conversation: c,
        leg: bot,
        operation: op(1),
        options,
        prompt: Some(sine_prompt(700.0, -12.0, 200)),
    });
    sim.run(50);
    sim.cmd(MediaCommand::StopRecording {
        conversation: c,
        operation: op(1),
    });
    sim.run(1);
    let heard = sim.stop_recording_of(c, phone);
    // The phone heard the prompt (200 ms) and then the 1 kHz beep (400 ms).
    assert!(tone_dbfs(&heard[..3200], 700.0) > -13.0);
    assert!(tone_dbfs(&heard[3200 + 400..3200 + 6000], 1000.0) > -13.5);
    let ended: Vec<_> = sim
        .engine()
        .into_iter()
        .filter_map(|(_, s)| match s {
            MediaSignal::RecordingEnded {
                reason, recording, ..
            } => Some((reason, recording)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ended,
        vec![(RecordingEnd::Stopped, Some(op(1).to_string()))]
    );
    // Recording started after the 600 ms preamble: 50 - 30 = 20 frames recorded.
    let wav = sim.plane.take_recording(&op(1).to_string()).expect("wav");
    assert_eq!(decode(&wav).len(), 20 * FRAME);
}

#[test]
fn mute_drops_a_legs_audio() {
    let (c, bot, phone) = (conv(6), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.start_recording_of(c, bot);
    sim.cmd(MediaCommand::EndpointTestTone {
        conversation: c,
        leg: phone,
        duration: Duration::from_secs(10),
    });
    sim.run(50);
    sim.cmd(MediaCommand::SetMuted {
        conversation: c,
        leg: phone,
        muted: true,
    });
    sim.run(50);
    sim.cmd(MediaCommand::SetMuted {
        conversation: c,
        leg: phone,
        muted: false,
    });
    sim.run(50);
    let heard = sim.stop_recording_of(c, bot);
    let f = f64::from(TEST_TONE_HZ);
    assert!(tone_dbfs(&heard[..16_000], f) > -16.5);
    assert_eq!(rms(&heard[16_000..32_000]), 0.0, "muted: nothing heard");
    assert!(tone_dbfs(&heard[32_000..48_000], f) > -16.5);
}

#[test]
fn a_held_leg_hears_hold_music_and_is_not_heard() {
    let (c, bot, phone) = (conv(7), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.start_recording_of(c, bot);
    sim.start_recording_of(c, phone);
    sim.cmd(MediaCommand::EndpointTestTone {
        conversation: c,
        leg: phone,
        duration: Duration::from_secs(10),
    });
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![sine_prompt(440.0, -12.0, 5000)],
        audience: Audience::Conversation,
        looped: false,
    });
    sim.run(50);
    sim.cmd(MediaCommand::StartHoldMusic {
        conversation: c,
        leg: phone,
        music: None,
    });
    sim.run(50);
    sim.cmd(MediaCommand::StopHoldMusic {
        conversation: c,
        leg: phone,
    });
    sim.run(50);
    let bot_heard = sim.stop_recording_of(c, bot);
    let phone_heard = sim.stop_recording_of(c, phone);
    let f = f64::from(TEST_TONE_HZ);
    assert!(tone_dbfs(&bot_heard[..16_000], f) > -16.5);
    assert_eq!(rms(&bot_heard[16_000..32_000]), 0.0, "held: not heard");
    assert!(tone_dbfs(&bot_heard[32_000..48_000], f) > -16.5);
    // The phone heard the prompt, then hold music (and not the prompt), then the prompt again.
    assert!(tone_dbfs(&phone_heard[..16_000], 440.0) > -12.5);
    let music = &phone_heard[16_000..32_000];
    let reference = ringside_audio::hold_music();
    assert_eq!(music, &reference.samples()[..16_000]);
    assert!(tone_dbfs(&phone_heard[32_000..48_000], 440.0) > -12.5);
}

#[test]
fn an_echo_leg_returns_what_it_hears_one_frame_later() {
    let (c, bot, phone) = (conv(8), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::EndpointEcho {
        conversation: c,
        leg: phone,
        enabled: true,
    });
    sim.start_recording_of(c, bot);
    let prompt = sine_prompt(523.0, -12.0, 400);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![Arc::clone(&prompt)],
        audience: Audience::Conversation,
        looped: false,
    });
    sim.run(40);
    let heard = sim.stop_recording_of(c, bot);
    assert_eq!(&heard[..FRAME], &[0i16; FRAME][..]);
    assert_eq!(&heard[FRAME..FRAME + prompt.len()], prompt.samples());
}

#[test]
fn a_prompt_for_listed_legs_reaches_only_them() {
    let (c, bot, a, b) = (conv(9), leg(1), leg(2), leg(3));
    let mut sim = Sim::two_party(c, bot, a);
    sim.cmd(MediaCommand::ConnectMedia {
        conversation: c,
        leg: b,
    });
    sim.start_recording_of(c, a);
    sim.start_recording_of(c, b);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![sine_prompt(440.0, -12.0, 500)],
        audience: Audience::Legs(vec![a]),
        looped: false,
    });
    sim.run(30);
    let heard_a = sim.stop_recording_of(c, a);
    let heard_b = sim.stop_recording_of(c, b);
    assert!(tone_dbfs(&heard_a[..8000], 440.0) > -12.5);
    assert_eq!(rms(&heard_b), 0.0);
    assert!(sim.engine().iter().any(|(t, s)| *t == 24
        && *s
            == MediaSignal::PromptFinished {
                operation: op(1),
                ok: true
            }));
}

#[test]
fn bot_dtmf_reaches_the_phone_and_reports_sent() {
    let (c, bot, phone) = (conv(10), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::EndpointDetect {
        conversation: c,
        leg: phone,
        enabled: true,
    });
    // Someone listens for keys in the call (as a subscribed bot would).
    sim.cmd(MediaCommand::StartToneDetection {
        conversation: c,
        leg: phone,
    });
    sim.cmd(MediaCommand::SendDtmf {
        conversation: c,
        leg: bot,
        operation: op(3),
        tones: Tone::parse_sequence("12#").unwrap_or_default(),
        delay_between: Duration::from_millis(100),
        audience: None,
    });
    sim.run(60);
    let heard: Vec<(Tone, u64)> = sim
        .endpoint(phone)
        .into_iter()
        .filter_map(|(_, e)| match e {
            EndpointEvent::ToneHeard { tone, at_ms } => Some((tone, at_ms)),
            _ => None,
        })
        .collect();
    // Keys every 200 ms; times are on the detector's 12.75 ms block grid.
    let expected = [
        (Tone::Digit(1), 0),
        (Tone::Digit(2), 200),
        (Tone::Pound, 400),
    ];
    assert_eq!(heard.len(), 3, "{heard:?}");
    for ((tone, at), (want, want_at)) in heard.iter().zip(expected) {
        assert_eq!(*tone, want);
        assert!(at.abs_diff(want_at) <= 13, "{heard:?}");
    }
    // The bot's keys are detected as coming from the bot leg.
    assert_eq!(
        sim.tones_from(bot),
        vec![Tone::Digit(1), Tone::Digit(2), Tone::Pound]
    );
    let sent: Vec<u64> = sim
        .engine()
        .into_iter()
        .filter_map(|(t, s)| (s == MediaSignal::DtmfSent { operation: op(3) }).then_some(t))
        .collect();
    assert_eq!(sent, vec![29], "3 × (100 + 100) ms = 30 frames");
}

#[test]
fn a_prompt_reports_its_start_with_its_first_frame_and_a_stopped_one_never_starts() {
    let (c, bot, phone) = (conv(13), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    let start = |operation| MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation,
        prompts: vec![sine_prompt(440.0, -12.0, 100)],
        audience: Audience::Conversation,
        looped: false,
    };
    sim.cmd(start(op(1)));
    sim.cmd(start(op(2)));
    sim.cmd(MediaCommand::StopPrompt {
        conversation: c,
        operation: op(2),
    });
    sim.run(10);
    let signals = sim.engine();
    let started: Vec<(u64, MediaSignal)> = signals
        .iter()
        .filter(|(_, s)| matches!(s, MediaSignal::PromptStarted { .. }))
        .cloned()
        .collect();
    assert_eq!(
        started,
        vec![(0, MediaSignal::PromptStarted { operation: op(1) })]
    );
    let finished = signals
        .iter()
        .position(|(_, s)| matches!(s, MediaSignal::PromptFinished { .. }));
    let first = signals
        .iter()
        .position(|(_, s)| matches!(s, MediaSignal::PromptStarted { .. }));
    assert!(first < finished, "{signals:?}");
}

#[test]
fn bot_dtmf_to_one_leg_is_heard_by_that_leg_only() {
    let (c, bot, phone, other) = (conv(12), leg(1), leg(2), leg(3));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::ConnectMedia {
        conversation: c,
        leg: other,
    });
    for l in [phone, other] {
        sim.cmd(MediaCommand::EndpointDetect {
            conversation: c,
            leg: l,
            enabled: true,
        });
    }
    // Someone listens for keys in the call, so keys in the mix would be detected.
    sim.cmd(MediaCommand::StartToneDetection {
        conversation: c,
        leg: phone,
    });
    sim.cmd(MediaCommand::SendDtmf {
        conversation: c,
        leg: bot,
        operation: op(4),
        tones: Tone::parse_sequence("47").unwrap_or_default(),
        delay_between: Duration::from_millis(100),
        audience: Some(other),
    });
    sim.run(40);
    let heard = |sim: &Sim, l: LegId| -> Vec<Tone> {
        sim.endpoint(l)
            .into_iter()
            .filter_map(|(_, e)| match e {
                EndpointEvent::ToneHeard { tone, .. } => Some(tone),
                _ => None,
            })
            .collect()
    };
    assert_eq!(heard(&sim, other), vec![Tone::Digit(4), Tone::Digit(7)]);
    assert_eq!(heard(&sim, phone), Vec::<Tone>::new());
    // Not in the mix: nobody detects the keys as sent by the bot.
    assert_eq!(sim.tones_from(bot), Vec::<Tone>::new());
    let sent: Vec<u64> = sim
        .engine()
        .into_iter()
        .filter_map(|(t, s)| (s == MediaSignal::DtmfSent { operation: op(4) }).then_some(t))
        .collect();
    assert_eq!(sent, vec![19], "2 × (100 + 100) ms = 20 frames");
}

#[test]
fn the_detection_log_sees_audio_start_and_stop() {
    let (c, bot, phone) = (conv(11), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::EndpointDetect {
        conversation: c,
        leg: phone,
        enabled: true,
    });
    sim.run(10);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![Arc::new(Prompt::from_samples(testsignal::speech_like(
            5, 32_000, -20.0,
        )))],
        audience: Audience::Conversation,
        looped: false,
    });
    sim.run(150);
    let log: Vec<EndpointEvent> = sim.endpoint(phone).into_iter().map(|(_, e)| e).collect();
    let starts: Vec<u64> = log
        .iter()
        .filter_map(|e| match e {
            EndpointEvent::AudioStarted { at_ms } => Some(*at_ms),
            _ => None,
        })
        .collect();
    let stops: Vec<u64> = log
        .iter()
        .filter_map(|e| match e {
            EndpointEvent::AudioStopped { at_ms } => Some(*at_ms),
            _ => None,
        })
        .collect();
    assert!(!starts.is_empty() && !stops.is_empty(), "{log:?}");
    assert!((200..=400).contains(&starts[0]), "{starts:?}");
    let last_stop = *stops.last().unwrap_or(&0);
    assert!((1900..=2300).contains(&last_stop), "{stops:?}");
    assert!(
        !log.iter()
            .any(|e| matches!(e, EndpointEvent::ToneHeard { .. })),
        "speech is not DTMF"
    );
}

#[test]
fn destroy_mix_releases_everything() {
    let (c, bot, phone) = (conv(12), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.start_recording_of(c, phone);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![sine_prompt(440.0, -12.0, 5000)],
        audience: Audience::Conversation,
        looped: true,
    });
    sim.cmd(MediaCommand::StartRecording {
        conversation: c,
        leg: bot,
        operation: op(2),
        options: record_options(5, 5, 60, &[]),
        prompt: None,
    });
    sim.run(10);
    assert_eq!(sim.plane.conversation_count(), 1);
    assert_eq!(sim.plane.leg_count(), 2);
    sim.cmd(MediaCommand::DestroyMix { conversation: c });
    sim.run(1);
    assert_eq!(sim.plane.conversation_count(), 0);
    assert_eq!(sim.plane.leg_count(), 0);
    assert!(!sim.plane.has_conversation(c));
    assert!(sim
        .endpoint(phone)
        .iter()
        .any(|(_, e)| matches!(e, EndpointEvent::Recording { .. })));
    let before = sim.out.len();
    sim.cmd(MediaCommand::StopPrompt {
        conversation: c,
        operation: op(1),
    });
    sim.cmd(MediaCommand::ConnectMedia {
        conversation: c,
        leg: bot,
    });
    sim.run(100);
    assert_eq!(sim.out.len(), before, "nothing left to report");
    assert_eq!(sim.plane.footprint(c), None);
}

#[test]
fn operations_on_an_unknown_conversation_fail_instead_of_hanging() {
    let mut sim = Sim::new();
    let c = conv(99);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: leg(1),
        operation: op(1),
        prompts: vec![],
        audience: Audience::Conversation,
        looped: false,
    });
    sim.cmd(MediaCommand::StartRecording {
        conversation: c,
        leg: leg(1),
        operation: op(2),
        options: RecordOptions::default(),
        prompt: None,
    });
    sim.cmd(MediaCommand::SendDtmf {
        conversation: c,
        leg: leg(1),
        operation: op(3),
        tones: vec![Tone::Digit(1)],
        delay_between: Duration::ZERO,
        audience: None,
    });
    sim.run(1);
    let signals: Vec<MediaSignal> = sim.engine().into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        signals,
        vec![
            MediaSignal::PromptFinished {
                operation: op(1),
                ok: false
            },
            MediaSignal::RecordingEnded {
                operation: op(2),
                reason: RecordingEnd::Failed,
                recording: None
            },
            MediaSignal::DtmfSent { operation: op(3) },
        ]
    );
}

#[test]
fn a_two_party_conversation_stays_far_below_64_kib() {
    let (c, bot, phone) = (conv(13), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    sim.cmd(MediaCommand::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![sine_prompt(440.0, -12.0, 3000)],
        audience: Audience::Conversation,
        looped: true,
    });
    sim.cmd(MediaCommand::StartToneDetection {
        conversation: c,
        leg: bot,
    });
    sim.cmd(MediaCommand::EndpointPress {
        conversation: c,
        leg: phone,
        tones: vec![Tone::Digit(5)],
        in_band: true,
    });
    sim.run(5);
    let bytes = sim.plane.footprint(c).unwrap_or(usize::MAX);
    println!("two-party conversation footprint: {bytes} bytes");
    assert!(bytes < 16 * 1024, "{bytes}");
}

/// A deterministic pseudo-random command sequence over a few ids, with ticks in between: the
/// plane must never panic, and destroying every conversation must leave it empty.
#[test]
fn random_commands_never_panic() {
    let mut rng = SplitMix64::new(0x5eed);
    let mut sim = Sim::new();
    let prompts = [
        sine_prompt(440.0, -12.0, 100),
        Arc::new(Prompt::from_samples(Vec::new())),
        sine_prompt(941.0, -6.0, 60),
    ];
    let pick = |rng: &mut SplitMix64, n: u64| rng.next_u64() % n;
    for step in 0..20_000u32 {
        let c = conv(u128::from(pick(&mut rng, 4)));
        let l = leg(u128::from(pick(&mut rng, 5)));
        let o = op(u128::from(pick(&mut rng, 6)));
        let flag = rng.next_u64() & 1 == 1;
        let prompt = Arc::clone(&prompts[pick(&mut rng, 3) as usize]);
        let tones: Vec<Tone> = (0..pick(&mut rng, 4))
            .map(|i| Tone::KEYS[((i + rng.next_u64()) % 16) as usize])
            .collect();
        let command = match pick(&mut rng, 21) {
            0 => MediaCommand::CreateMix { conversation: c },
            1 => MediaCommand::DestroyMix { conversation: c },
            2 => MediaCommand::ConnectMedia {
                conversation: c,
                leg: l,
            },
            3 => MediaCommand::DisconnectMedia {
                conversation: c,
                leg: l,
            },
            4 => MediaCommand::SetMuted {
                conversation: c,
                leg: l,
                muted: flag,
            },
            5 => MediaCommand::StartPrompt {
                conversation: c,
                leg: l,
                operation: o,
                prompts: vec![prompt; pick(&mut rng, 3) as usize],
                audience: if flag {
                    Audience::Conversation
                } else {
                    Audience::Legs(vec![leg(u128::from(pick(&mut rng, 5)))])
                },
                looped: rng.next_u64() % 3 == 1,
            },
            6 => MediaCommand::StopPrompt {
                conversation: c,
                operation: o,
            },
            7 => MediaCommand::StartRecording {
                conversation: c,
                leg: l,
                operation: o,
                options: RecordOptions {
                    initial_silence_secs: pick(&mut rng, 3) as u32,
                    max_silence_secs: pick(&mut rng, 3) as u32,
                    max_duration_secs: pick(&mut rng, 4) as u32,
                    play_beep: flag,
                    stop_tones: tones.clone(),
                    ..RecordOptions::default()
                },
                prompt: flag.then_some(prompt),
            },
            8 => MediaCommand::StopRecording {
                conversation: c,
                operation: o,
            },
            9 => MediaCommand::StartToneDetection {
                conversation: c,
                leg: l,
            },
            10 => MediaCommand::StopToneDetection {
                conversation: c,
                leg: l,
            },
            11 => MediaCommand::SendDtmf {
                conversation: c,
                leg: l,
                operation: o,
                tones,
                delay_between: Duration::from_millis(pick(&mut rng, 200_000)),
                audience: flag.then(|| leg(u128::from(pick(&mut rng, 5)))),
            },
            12 => MediaCommand::StartHoldMusic {
                conversation: c,
                leg: l,
                music: flag.then_some(prompt),
            },
            13 => MediaCommand::StopHoldMusic {
                conversation: c,
                leg: l,
            },
            14 => MediaCommand::EndpointPlay {
                conversation: c,
                leg: l,
                prompt,
            },
            15 => MediaCommand::EndpointPress {
                conversation: c,
                leg: l,
                tones,
                in_band: flag,
            },
            16 => MediaCommand::EndpointTestTone {
                conversation: c,
                leg: l,
                duration: Duration::from_millis(pick(&mut rng, 2000)),
            },
            17 => MediaCommand::EndpointSilence {
                conversation: c,
                leg: l,
            },
            18 => MediaCommand::EndpointRecord {
                conversation: c,
                leg: l,
                enabled: flag,
            },
            19 => MediaCommand::EndpointDetect {
                conversation: c,
                leg: l,
                enabled: flag,
            },
            _ => MediaCommand::EndpointEcho {
                conversation: c,
                leg: l,
                enabled: flag,
            },
        };
        sim.cmd(command);
        if step % 3 == 2 {
            sim.run(1 + pick(&mut rng, 3));
        }
        if sim.out.len() > 10_000 {
            sim.out.clear();
        }
    }
    for n in 0..4 {
        sim.cmd(MediaCommand::DestroyMix {
            conversation: conv(n),
        });
    }
    sim.run(1);
    assert_eq!(sim.plane.conversation_count(), 0);
    assert_eq!(sim.plane.leg_count(), 0);
}

#[test]
fn engine_actions_translate_and_unloadable_prompts_fail() {
    use ringside_engine::{Action, EndReason, MediaRef};
    use ringside_media::FromAction;
    let (c, bot, phone) = (conv(20), leg(1), leg(2));
    let known = sine_prompt(440.0, -12.0, 100);
    let resolve = |m: &MediaRef| (m.uri == "https://ok/prompt.wav").then(|| Arc::clone(&known));
    let play = |uri: &str| Action::StartPrompt {
        conversation: c,
        leg: bot,
        operation: op(1),
        prompts: vec![MediaRef::uri("https://ok/prompt.wav"), MediaRef::uri(uri)],
        audience: Audience::Conversation,
        looped: false,
    };
    match MediaCommand::from_action(&play("https://ok/prompt.wav"), resolve) {
        FromAction::Command(MediaCommand::StartPrompt { prompts, .. }) => {
            assert_eq!(prompts.len(), 2)
        }
        other => panic!("{other:?}"),
    }
    match MediaCommand::from_action(&play("https://missing.wav"), resolve) {
        FromAction::Signal {
            conversation,
            signal,
        } => {
            assert_eq!(conversation, c);
            assert_eq!(
                signal,
                MediaSignal::PromptFinished {
                    operation: op(1),
                    ok: false
                }
            );
        }
        other => panic!("{other:?}"),
    }
    let hold = Action::StartHoldMusic {
        conversation: c,
        leg: phone,
        music: Some(MediaRef::uri("https://missing.wav")),
    };
    match MediaCommand::from_action(&hold, resolve) {
        FromAction::Command(MediaCommand::StartHoldMusic { music, .. }) => assert!(music.is_none()),
        other => panic!("{other:?}"),
    }
    let hang_up = Action::DisconnectEndpoint {
        conversation: c,
        leg: phone,
        reason: EndReason::HungUp,
    };
    assert!(matches!(
        MediaCommand::from_action(&hang_up, resolve),
        FromAction::NotMedia
    ));
    let connect = Action::ConnectMedia {
        conversation: c,
        leg: phone,
    };
    match MediaCommand::from_action(&connect, resolve) {
        FromAction::Command(command) => assert_eq!(command.conversation(), c),
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_are_detected_only_while_someone_listens() {
    let (c, bot, phone) = (conv(11), leg(1), leg(2));
    let mut sim = Sim::two_party(c, bot, phone);
    let press = |sim: &mut Sim, digits: &str| {
        sim.cmd(MediaCommand::SendDtmf {
            conversation: c,
            leg: bot,
            operation: op(4),
            tones: Tone::parse_sequence(digits).unwrap_or_default(),
            delay_between: Duration::from_millis(100),
            audience: None,
        })
    };
    // Nobody listens: the keys cross the call but no detector runs on them.
    press(&mut sim, "12");
    sim.run(30);
    assert_eq!(sim.tones_from(bot), Vec::<Tone>::new());
    // A listener (a subscribed bot leg, a running recognize): detected.
    sim.cmd(MediaCommand::StartToneDetection {
        conversation: c,
        leg: phone,
    });
    press(&mut sim, "3");
    sim.run(30);
    assert_eq!(sim.tones_from(bot), vec![Tone::Digit(3)]);
    // It stops listening: nothing more.
    sim.cmd(MediaCommand::StopToneDetection {
        conversation: c,
        leg: phone,
    });
    press(&mut sim, "4");
    sim.run(30);
    assert_eq!(sim.tones_from(bot), vec![Tone::Digit(3)]);
}
