//! Media stream taps on virtual time: frames carry the right participant's audio, the app's
//! audio is heard by the phone, 24 kHz resampling, overflow and stop.

use std::time::Duration;

use ringside_audio::{testsignal, SilenceDetector};
use ringside_engine::{ConversationId, LegId};
use ringside_media::{
    EndpointEvent, MediaCommand, MediaOutput, MediaPlane, StreamChannel, StreamCounters,
    StreamFrame, StreamId, StreamRate, MAX_QUEUED_FRAMES,
};
use ringside_model::Guid;

const C: ConversationId = ConversationId(Guid::from_u128(1));
const BOT: LegId = LegId(Guid::from_u128(2));
const TALKER: LegId = LegId(Guid::from_u128(3));
const QUIET: LegId = LegId(Guid::from_u128(4));
const S: StreamId = StreamId(7);

fn call(legs: &[LegId]) -> MediaPlane {
    let mut plane = MediaPlane::new();
    plane.handle(MediaCommand::CreateMix { conversation: C });
    for &leg in legs {
        plane.handle(MediaCommand::ConnectMedia {
            conversation: C,
            leg,
        });
    }
    plane
}

fn start(plane: &mut MediaPlane, channel: StreamChannel, rate: StreamRate) {
    plane.handle(MediaCommand::StartStream {
        conversation: C,
        leg: BOT,
        stream: S,
        channel,
        rate,
    });
}

/// Ticks `n` times; returns each tick's stream batch (empty if none) and all other outputs.
fn run(plane: &mut MediaPlane, n: usize) -> (Vec<Vec<StreamFrame>>, Vec<MediaOutput>) {
    let mut batches = Vec::new();
    let mut other = Vec::new();
    for _ in 0..n {
        let mut batch = None;
        plane.tick(&mut |o| match o {
            MediaOutput::StreamFrames(frames) => {
                assert!(batch.is_none(), "one stream batch per tick");
                batch = Some(frames);
            }
            o => other.push(o),
        });
        batches.push(batch.unwrap_or_default());
    }
    (batches, other)
}

fn talk(plane: &mut MediaPlane, leg: LegId) {
    plane.handle(MediaCommand::EndpointTestTone {
        conversation: C,
        leg,
        duration: Duration::from_secs(10),
    });
}

#[test]
fn unmixed_frames_carry_each_participants_own_voice() {
    let mut plane = call(&[BOT, TALKER, QUIET]);
    start(&mut plane, StreamChannel::Unmixed, StreamRate::Khz16);
    talk(&mut plane, TALKER);
    let (batches, _) = run(&mut plane, 10);
    for (t, batch) in batches.iter().enumerate() {
        assert_eq!(batch.len(), 2, "one frame per other participant, tick {t}");
        let talker = batch
            .iter()
            .find(|f| f.participant == Some(TALKER))
            .unwrap();
        let quiet = batch.iter().find(|f| f.participant == Some(QUIET)).unwrap();
        assert!(!talker.silent);
        assert!(quiet.silent);
        assert!(quiet.samples.iter().all(|&s| s == 0));
        assert_eq!(talker.samples.len(), 320);
        assert_eq!(talker.timestamp_ms, t as u64 * 20);
        assert_eq!(talker.stream, S);
        assert!(batch.iter().all(|f| f.participant != Some(BOT)));
    }
}

#[test]
fn mixed_frames_are_what_the_bot_hears() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    let (quiet, _) = run(&mut plane, 3);
    assert!(quiet
        .iter()
        .all(|b| b.len() == 1 && b[0].silent && b[0].participant.is_none()));
    talk(&mut plane, TALKER);
    let (loud, _) = run(&mut plane, 3);
    assert!(loud.iter().all(|b| b.len() == 1 && !b[0].silent));
}

#[test]
fn the_apps_audio_is_heard_by_the_phone() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    plane.handle(MediaCommand::EndpointDetect {
        conversation: C,
        leg: TALKER,
        enabled: true,
    });
    let (_, before) = run(&mut plane, 10);
    assert!(!before.iter().any(|o| matches!(
        o,
        MediaOutput::Endpoint {
            event: EndpointEvent::AudioStarted { .. },
            ..
        }
    )));
    // 1 s of the app's voice, pushed in 100 ms chunks as a socket would deliver it.
    let voice = testsignal::sine(440.0, -12.0, 16_000);
    let mut heard = Vec::new();
    for chunk in voice.chunks(1600) {
        plane.handle(MediaCommand::StreamAudio {
            conversation: C,
            stream: S,
            samples: chunk.to_vec(),
        });
        let (_, outputs) = run(&mut plane, 5);
        heard.extend(outputs);
    }
    assert!(heard.iter().any(|o| matches!(
        o,
        MediaOutput::Endpoint {
            leg: TALKER,
            event: EndpointEvent::AudioStarted { .. },
            ..
        }
    )));
    // The bot's own mixed stream does not contain its own voice.
    plane.handle(MediaCommand::StreamAudio {
        conversation: C,
        stream: S,
        samples: voice[..640].to_vec(),
    });
    let (batches, _) = run(&mut plane, 3);
    assert!(batches.iter().all(|b| b[0].silent));
    plane.handle(MediaCommand::StopStream {
        conversation: C,
        stream: S,
    });
    let (_, outputs) = run(&mut plane, 1);
    let counters = outputs
        .iter()
        .find_map(|o| match o {
            MediaOutput::StreamStopped { counters, .. } => Some(*counters),
            _ => None,
        })
        .unwrap();
    assert_eq!(counters.frames_in, 52);
    assert_eq!(counters.dropped_in, 0);
}

/// Zero crossings: sign changes between samples clearly away from zero (|s| > 64, -54 dBFS), so
/// that a resampling filter's ringing around silence before a tone starts is not counted.
fn crossings(samples: &[i16]) -> usize {
    let mut last: Option<bool> = None;
    let mut n = 0;
    for negative in samples
        .iter()
        .filter(|s| s.unsigned_abs() > 64)
        .map(|s| *s < 0)
    {
        if last.is_some_and(|l| l != negative) {
            n += 1;
        }
        last = Some(negative);
    }
    n
}

#[test]
fn streams_at_24_khz_resample_both_ways() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Unmixed, StreamRate::Khz24);
    talk(&mut plane, TALKER);
    let (batches, _) = run(&mut plane, 5);
    for (t, batch) in batches.iter().enumerate() {
        let f = &batch[0];
        assert_eq!(f.samples.len(), 480);
        assert!(!f.silent);
        // A 1004 Hz tone crosses zero ~40 times in 20 ms at any rate. The resampler delays it by
        // 1.375 ms (33 samples) and the tone starts with the stream, so the first frame begins
        // with the filter's start (near-silence ringing); count its second half (~20).
        if t == 0 {
            let n = crossings(&f.samples[240..]);
            assert!(
                (19..=21).contains(&n),
                "{n} crossings in the first frame's second half"
            );
        } else {
            let n = crossings(&f.samples);
            assert!((38..=42).contains(&n), "{n} crossings");
        }
    }
    // Continuity across frame edges: no jump bigger than the tone's steepest step at 24 kHz.
    let all: Vec<i16> = batches.iter().flat_map(|b| b[0].samples.clone()).collect();
    let max_step = all
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap();
    assert!(max_step < 2_000, "step {max_step}");

    // The app's 24 kHz audio arrives at 16 kHz: a 500 Hz sine sampled at 24 kHz (`sine` assumes
    // 16 kHz, so ask it for 500 * 16/24 Hz) is still 500 Hz.
    let voice = testsignal::sine(500.0 * 2.0 / 3.0, -12.0, 24_000);
    let mut other = call(&[BOT, TALKER]);
    start(&mut other, StreamChannel::Unmixed, StreamRate::Khz24);
    other.handle(MediaCommand::StartStream {
        conversation: C,
        leg: TALKER,
        stream: StreamId(8),
        channel: StreamChannel::Unmixed,
        rate: StreamRate::Khz16,
    });
    other.handle(MediaCommand::StreamAudio {
        conversation: C,
        stream: S,
        samples: voice[..480 * 5].to_vec(),
    });
    let (batches, _) = run(&mut other, 5);
    let from_bot: Vec<i16> = batches
        .iter()
        .flat_map(|b| b.iter().filter(|f| f.stream == StreamId(8)))
        .flat_map(|f| f.samples.clone())
        .collect();
    assert_eq!(from_bot.len(), 5 * 320);
    assert!(!SilenceDetector::default().is_silent(&from_bot[..320]));
    // 5 frames of a 500 Hz tone = 100 ms = ~100 crossings.
    let n = crossings(&from_bot);
    assert!((97..=101).contains(&n), "{n} crossings");
}

/// The counters a stopped stream reports after `ticks` more ticks.
fn stopped_after(plane: &mut MediaPlane, ticks: usize) -> StreamCounters {
    let (_, _) = run(plane, ticks);
    plane.handle(MediaCommand::StopStream {
        conversation: C,
        stream: S,
    });
    let (_, outputs) = run(plane, 1);
    outputs
        .into_iter()
        .find_map(|o| match o {
            MediaOutput::StreamStopped { counters, .. } => Some(counters),
            _ => None,
        })
        .expect("StreamStopped")
}

#[test]
fn a_reply_sent_at_once_is_played_whole_in_real_time() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    // 1.5 s in one message, as a voice app forwarding a model's reply unpaced sends it.
    plane.handle(MediaCommand::StreamAudio {
        conversation: C,
        stream: S,
        samples: vec![1000; 320 * 75],
    });
    let counters = stopped_after(&mut plane, 80);
    assert_eq!(
        counters,
        StreamCounters {
            frames_out: 80,
            frames_in: 75,
            dropped_in: 0,
            cleared_in: 0,
        }
    );
}

#[test]
fn overflow_drops_the_oldest_and_counts() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    plane.handle(MediaCommand::StreamAudio {
        conversation: C,
        stream: S,
        samples: vec![1000; 320 * (MAX_QUEUED_FRAMES + 20)],
    });
    let counters = stopped_after(&mut plane, 40);
    assert_eq!(counters.frames_in, 40);
    assert_eq!(counters.dropped_in, 20);
}

#[test]
fn stop_audio_discards_the_queue_at_once() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    plane.handle(MediaCommand::StreamAudio {
        conversation: C,
        stream: S,
        samples: vec![1000; 320 * 100],
    });
    let (_, _) = run(&mut plane, 10);
    plane.handle(MediaCommand::ClearStreamAudio {
        conversation: C,
        stream: S,
    });
    let counters = stopped_after(&mut plane, 10);
    assert_eq!(counters.frames_in, 10);
    assert_eq!(counters.cleared_in, 90);
}

#[test]
fn stop_ends_frames_and_disconnect_or_destroy_report_stopped() {
    let mut plane = call(&[BOT, TALKER]);
    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    let (batches, _) = run(&mut plane, 2);
    assert!(batches.iter().all(|b| b.len() == 1));
    plane.handle(MediaCommand::StopStream {
        conversation: C,
        stream: S,
    });
    let (batches, outputs) = run(&mut plane, 3);
    assert!(batches.iter().all(Vec::is_empty));
    assert_eq!(
        outputs
            .iter()
            .filter(|o| matches!(o, MediaOutput::StreamStopped { .. }))
            .count(),
        1
    );
    // Stopping again or an unknown stream is ignored.
    plane.handle(MediaCommand::StopStream {
        conversation: C,
        stream: S,
    });
    plane.handle(MediaCommand::StreamAudio {
        conversation: ConversationId(Guid::from_u128(99)),
        stream: S,
        samples: vec![0; 10],
    });
    let (_, outputs) = run(&mut plane, 1);
    assert!(outputs.is_empty());

    start(&mut plane, StreamChannel::Mixed, StreamRate::Khz16);
    plane.handle(MediaCommand::DisconnectMedia {
        conversation: C,
        leg: BOT,
    });
    let (batches, outputs) = run(&mut plane, 2);
    assert!(batches.iter().all(Vec::is_empty));
    assert!(outputs
        .iter()
        .any(|o| matches!(o, MediaOutput::StreamStopped { .. })));

    start(&mut plane, StreamChannel::Unmixed, StreamRate::Khz16);
    plane.handle(MediaCommand::DestroyMix { conversation: C });
    let (_, outputs) = run(&mut plane, 1);
    assert!(outputs
        .iter()
        .any(|o| matches!(o, MediaOutput::StreamStopped { .. })));
}

#[test]
fn call_unmixed_taps_every_leg_including_the_bot_and_outlive_the_bot_leg() {
    let mut plane = call(&[BOT, TALKER, QUIET]);
    start(&mut plane, StreamChannel::CallUnmixed, StreamRate::Khz16);
    talk(&mut plane, TALKER);
    talk(&mut plane, BOT);
    let (batches, _) = run(&mut plane, 5);
    for batch in &batches {
        assert_eq!(batch.len(), 3, "one frame per leg, the bot included");
        let voice = |leg| batch.iter().find(|f| f.participant == Some(leg)).unwrap();
        assert!(!voice(BOT).silent);
        assert!(!voice(TALKER).silent);
        assert!(voice(QUIET).silent);
    }
    // The bot leaves (a transfer): the call tap keeps recording the others.
    plane.handle(MediaCommand::DisconnectMedia {
        conversation: C,
        leg: BOT,
    });
    let (after, other) = run(&mut plane, 3);
    assert!(!other
        .iter()
        .any(|o| matches!(o, MediaOutput::StreamStopped { .. })));
    assert!(after
        .iter()
        .all(|b| b.len() == 2 && b.iter().all(|f| f.participant != Some(BOT))));
    // The conversation ends: the tap stops.
    plane.handle(MediaCommand::DestroyMix { conversation: C });
    let (_, other) = run(&mut plane, 1);
    assert!(other
        .iter()
        .any(|o| matches!(o, MediaOutput::StreamStopped { stream, .. } if *stream == S)));
}

#[test]
fn call_mixed_sums_every_voice_and_skips_muted_legs() {
    let mut plane = call(&[BOT, TALKER, QUIET]);
    start(&mut plane, StreamChannel::CallMixed, StreamRate::Khz16);
    let (quiet, _) = run(&mut plane, 2);
    assert!(quiet.iter().all(|b| b.len() == 1 && b[0].silent));
    talk(&mut plane, QUIET);
    let (loud, _) = run(&mut plane, 2);
    assert!(loud.iter().all(|b| b.len() == 1 && !b[0].silent));
    plane.handle(MediaCommand::SetMuted {
        conversation: C,
        leg: QUIET,
        muted: true,
    });
    let (muted, _) = run(&mut plane, 2);
    assert!(muted.iter().all(|b| b.len() == 1 && b[0].silent));
}

#[test]
fn phased_ticks_tick_every_conversation_once_per_frame() {
    let mut plane = MediaPlane::new();
    let ids: Vec<ConversationId> = (1..=40u128)
        .map(|i| {
            ConversationId(Guid::from_u128(
                (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) << 64) | i,
            ))
        })
        .collect();
    for (k, &c) in ids.iter().enumerate() {
        plane.handle(MediaCommand::CreateMix { conversation: c });
        plane.handle(MediaCommand::ConnectMedia {
            conversation: c,
            leg: BOT,
        });
        plane.handle(MediaCommand::StartStream {
            conversation: c,
            leg: BOT,
            stream: StreamId(k as u64 + 100),
            channel: StreamChannel::CallMixed,
            rate: StreamRate::Khz16,
        });
    }
    let phases = ringside_media::PHASES;
    let used: std::collections::BTreeSet<u32> = ids
        .iter()
        .map(|c| ringside_media::phase_of(*c, phases))
        .collect();
    assert!(used.len() > 1, "ids spread over phases");
    for frame in 0..3u64 {
        let mut seen: Vec<StreamId> = Vec::new();
        for phase in 0..phases {
            plane.tick_phase(phase, phases, &mut |o| {
                if let MediaOutput::StreamFrames(frames) = o {
                    for f in frames {
                        assert_eq!(f.timestamp_ms, frame * 20);
                        assert_eq!(ringside_media::phase_of(f.conversation, phases), phase);
                        seen.push(f.stream);
                    }
                }
            });
        }
        seen.sort();
        assert_eq!(seen.len(), ids.len(), "each conversation once per frame");
        seen.dedup();
        assert_eq!(seen.len(), ids.len());
    }
    assert_eq!(plane.ticks(), 3);
}
