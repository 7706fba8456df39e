//! The [`ManualClock`] on virtual time: it runs the same plane code in the same phase order as
//! the threaded [`MediaClock`] (checked against planes ticked by hand, and against the real clock
//! on what does not depend on timing), deterministically, and [`MediaDriver`] holds either.

use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ringside_engine::{ConversationId, MediaSignal, OperationId, RecordOptions, RecordingEnd};
use ringside_media::{
    phase_of, scenario, shard_of, ManualClock, MediaClock, MediaCommand, MediaDriver, MediaOutput,
    MediaPlane, PHASES,
};
use ringside_model::Guid;

const CONVERSATIONS: u64 = 8;
const SHARDS: usize = 2;
/// Frames the scenario runs (2 s).
const FRAMES: u64 = 100;
const SUB_TICK: Duration = Duration::from_millis(5);

/// The scenario's commands with conversation `i` moved to an id whose high bits vary, so that
/// the conversations spread over every phase (the scenario's own ids all tick in phase 0).
fn spread(mut command: MediaCommand) -> MediaCommand {
    use MediaCommand as C;
    let c = command.conversation();
    let moved = ConversationId(Guid::from_u128(
        c.0.as_u128() | (c.0.as_u128() & 0xff) << 64,
    ));
    match &mut command {
        C::CreateMix { conversation }
        | C::ConnectMedia { conversation, .. }
        | C::StartPrompt { conversation, .. }
        | C::StartToneDetection { conversation, .. }
        | C::EndpointPress { conversation, .. }
        | C::StartRecording { conversation, .. } => *conversation = moved,
        _ => {}
    }
    command
}

fn recording(i: u64) -> MediaCommand {
    MediaCommand::StartRecording {
        conversation: scenario::conversation(i),
        leg: scenario::phone_leg(i),
        operation: OperationId(Guid::from_u128(0x7ec << 64 | u128::from(i))),
        options: RecordOptions {
            initial_silence_secs: 5,
            max_silence_secs: 5,
            max_duration_secs: 1,
            play_beep: true,
            ..RecordOptions::default()
        },
        prompt: None,
    }
}

/// The commands sent before frame `t` (set-up and recordings before frame 0, then presses).
fn commands_before(t: u64) -> Vec<MediaCommand> {
    let mut commands = Vec::new();
    if t == 0 {
        let prompt = scenario::prompt();
        for i in 0..CONVERSATIONS {
            commands.extend(scenario::setup(i, &prompt));
        }
        commands.push(recording(1));
        commands.push(recording(6));
    }
    commands.extend(scenario::presses(t, CONVERSATIONS).map(|(command, _)| command));
    commands.into_iter().map(spread).collect()
}

/// Outputs of the scenario on a manual clock, and the recordings it made (by handle).
fn run_manual() -> (Vec<MediaOutput>, Vec<(String, Vec<u8>)>) {
    let outputs = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outputs);
    let start = Instant::now();
    let clock = ManualClock::start(SHARDS, start, move |o| {
        sink.lock().expect("sink").push(o);
    });
    let mut ran = 0;
    for t in 0..FRAMES {
        for command in commands_before(t) {
            clock.send(command);
        }
        ran += clock.tick_until(start + SUB_TICK * 4 * (t as u32 + 1));
    }
    assert_eq!(ran, FRAMES * u64::from(PHASES));
    let outputs = std::mem::take(&mut *outputs.lock().expect("outputs"));
    let recordings = handles(&outputs)
        .into_iter()
        .map(|h| {
            let wav = clock.take_recording(&h).expect("published");
            (h, wav)
        })
        .collect();
    clock.shutdown();
    (outputs, recordings)
}

/// The same scenario on one plane per shard, ticked by hand the way a shard thread does:
/// sub-tick k (from 1) applies what was queued, then ticks phase (k - 1) % PHASES.
fn run_by_hand() -> (Vec<MediaOutput>, Vec<(String, Vec<u8>)>) {
    let mut planes: Vec<MediaPlane> = (0..SHARDS).map(|_| MediaPlane::new()).collect();
    let mut outputs = Vec::new();
    for t in 0..FRAMES {
        let mut queued = commands_before(t);
        for phase in 0..PHASES {
            for (shard, plane) in planes.iter_mut().enumerate() {
                for command in queued
                    .iter()
                    .filter(|c| shard_of(c.conversation(), SHARDS) == shard)
                {
                    plane.handle(command.clone());
                }
                plane.tick_phase(phase, PHASES, &mut |o| outputs.push(o));
            }
            queued.clear();
        }
    }
    let recordings = handles(&outputs)
        .into_iter()
        .map(|h| {
            let wav = planes
                .iter_mut()
                .find_map(|p| p.take_recording(&h))
                .expect("recorded");
            (h, wav)
        })
        .collect();
    (outputs, recordings)
}

fn handles(outputs: &[MediaOutput]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            MediaOutput::Engine {
                signal: MediaSignal::RecordingEnded { recording, .. },
                ..
            } => recording.clone(),
            _ => None,
        })
        .collect()
}

fn detected(outputs: &[MediaOutput]) -> BTreeSet<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            MediaOutput::Engine {
                conversation,
                signal: MediaSignal::ToneDetected { leg, tone },
            } => Some(format!("{conversation:?} {leg:?} {tone:?}")),
            _ => None,
        })
        .collect()
}

#[test]
fn the_scenario_uses_both_shards_and_every_phase() {
    let conversations: Vec<ConversationId> = commands_before(0)
        .iter()
        .map(MediaCommand::conversation)
        .collect();
    let shards: BTreeSet<usize> = conversations.iter().map(|c| shard_of(*c, SHARDS)).collect();
    assert_eq!(shards.len(), SHARDS);
    let phases: BTreeSet<u32> = conversations.iter().map(|c| phase_of(*c, PHASES)).collect();
    assert_eq!(phases.len(), PHASES as usize, "{phases:?}");
}

#[test]
fn manual_ticks_give_the_outputs_of_planes_ticked_like_the_shard_threads() {
    let (manual, manual_recordings) = run_manual();
    let (by_hand, by_hand_recordings) = run_by_hand();
    // Something happened: prompts' tones detected, recordings ended.
    assert_eq!(detected(&manual).len(), 2 * CONVERSATIONS as usize);
    assert_eq!(manual_recordings.len(), 2);
    assert_eq!(manual.len(), by_hand.len());
    assert!(manual == by_hand, "same outputs in the same order");
    assert_eq!(manual_recordings, by_hand_recordings);
}

#[test]
fn manual_runs_are_deterministic() {
    let (a, ra) = run_manual();
    let (b, rb) = run_manual();
    assert!(a == b);
    assert_eq!(ra, rb);
}

#[test]
fn deadlines_and_ticks_follow_the_callers_time() {
    let start = Instant::now();
    let clock = ManualClock::start(3, start, |_| {});
    assert_eq!(clock.shards(), 3);
    assert_eq!(clock.next_deadline(), start + SUB_TICK);
    assert_eq!(clock.tick_until(start + Duration::from_millis(4)), 0);
    assert_eq!(clock.tick_until(start + Duration::from_millis(21)), 4);
    assert_eq!(clock.next_deadline(), start + SUB_TICK * 5);
    let stats = clock.stats();
    assert_eq!(stats.ticks, 3, "one whole frame per shard");
    assert_eq!(stats.lateness_max, Duration::from_millis(16));
    assert!(stats
        .shards
        .iter()
        .all(|s| !s.realtime && s.cpu_time.is_none()));
    clock.reset_stats();
    assert_eq!(clock.stats().ticks, 0);
    // Far behind: every sub-tick runs, none is skipped.
    assert_eq!(clock.tick_until(start + Duration::from_secs(1)), 196);
    assert_eq!(clock.stats().shards[0].skipped_frames, 0);
    // Shutting one handle down stops them all.
    let other = clock.clone();
    clock.shutdown();
    assert_eq!(other.tick_until(start + Duration::from_secs(2)), 0);
}

/// Runs a small scenario through a driver; `next` waits for (or ticks until) the next output.
fn drive(driver: &MediaDriver, mut next: impl FnMut() -> MediaOutput) -> (BTreeSet<String>, usize) {
    let prompt = scenario::prompt();
    for i in 0..4 {
        for command in scenario::setup(i, &prompt) {
            driver.send(command);
        }
    }
    driver.send(recording(0));
    let sender = driver.sender();
    for (command, _) in scenario::presses(0, 4) {
        sender.send(command);
    }
    let mut tones = BTreeSet::new();
    let mut wav = None;
    while tones.is_empty() || wav.is_none() {
        let output = next();
        if let MediaOutput::Engine { signal, .. } = &output {
            match signal {
                MediaSignal::ToneDetected { .. } => {
                    tones.extend(detected(std::slice::from_ref(&output)));
                }
                MediaSignal::RecordingEnded {
                    reason, recording, ..
                } => {
                    assert_eq!(*reason, RecordingEnd::MaxDuration);
                    let handle = recording.clone().expect("handle");
                    wav = driver.take_recording(&handle);
                    assert!(wav.is_some(), "published before the signal");
                }
                _ => {}
            }
        }
    }
    (tones, wav.map_or(0, |w| w.len()))
}

#[test]
fn a_driver_holds_either_clock_and_both_give_the_same_results() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let threaded: MediaDriver = MediaClock::start(SHARDS, move |o| {
        let _ = tx.lock().map(|t| t.send(o));
    })
    .into();
    let from_threads = drive(&threaded, || {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("outputs keep coming")
    });
    assert_eq!(threaded.shards(), SHARDS);
    threaded.shutdown();

    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let start = Instant::now();
    let manual = ManualClock::start(SHARDS, start, move |o| {
        let _ = tx.lock().map(|t| t.send(o));
    });
    let ticker = manual.clone();
    let driver: MediaDriver = manual.into();
    let from_manual = drive(&driver, || {
        for _ in 0..10_000 {
            if let Ok(output) = rx.try_recv() {
                return output;
            }
            // One more sub-tick of virtual time.
            ticker.tick_until(ticker.next_deadline());
        }
        panic!("outputs keep coming");
    });
    assert_eq!(from_manual, from_threads);
    assert_eq!(from_manual.1, 44 + 32_000, "1 s of 16 kHz mono s16");
    assert!(driver.stats().ticks > 0);
    driver.reset_stats();
    driver.shutdown();
}
