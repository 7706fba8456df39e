//! The real-time [`MediaClock`]: commands reach the right shard, outputs reach the sink,
//! recordings are published before their RecordingEnded, stats count ticks, shutdown joins.
//! (The only test with real time: it waits on a channel, it never sleeps.)

use std::sync::mpsc;
use std::time::Duration;

use ringside_engine::{MediaSignal, OperationId, RecordOptions, RecordingEnd};
use ringside_media::{scenario, shard_of, MediaClock, MediaCommand, MediaOutput};
use ringside_model::Guid;

#[test]
fn shards_tick_and_deliver_outputs() {
    let (tx, rx) = mpsc::channel::<MediaOutput>();
    let tx = std::sync::Mutex::new(tx);
    let clock = MediaClock::start(2, move |o| {
        let _ = tx.lock().map(|t| t.send(o));
    });
    assert_eq!(clock.shards(), 2);
    // Conversations spread over both shards.
    let on: Vec<usize> = (0..16)
        .map(|i| shard_of(scenario::conversation(i), 2))
        .collect();
    assert!(on.contains(&0) && on.contains(&1), "{on:?}");

    let prompt = scenario::prompt();
    let sender = clock.sender();
    for i in 0..4 {
        for command in scenario::setup(i, &prompt) {
            sender.send(command);
        }
    }
    // A short recording in conversation 0: 1 s max duration (ends by itself).
    let operation = OperationId(Guid::from_u128(77));
    clock.send(MediaCommand::StartRecording {
        conversation: scenario::conversation(0),
        leg: scenario::phone_leg(0),
        operation,
        options: RecordOptions {
            initial_silence_secs: 5,
            max_silence_secs: 5,
            max_duration_secs: 1,
            play_beep: false,
            ..RecordOptions::default()
        },
        prompt: None,
    });
    for (command, _) in scenario::presses(0, 4) {
        clock.send(command);
    }
    let mut tone = false;
    let mut recorded = None;
    while !(tone && recorded.is_some()) {
        let output = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("outputs keep coming");
        match output {
            MediaOutput::Engine {
                signal: MediaSignal::ToneDetected { leg, .. },
                ..
            } => {
                assert_eq!(leg, scenario::phone_leg(0));
                tone = true;
            }
            MediaOutput::Engine {
                signal:
                    MediaSignal::RecordingEnded {
                        reason, recording, ..
                    },
                ..
            } => {
                assert_eq!(reason, RecordingEnd::MaxDuration);
                let handle = recording.expect("a handle");
                // Published before the signal reached the sink.
                recorded = clock.take_recording(&handle);
                assert!(recorded.is_some());
            }
            _ => {}
        }
    }
    let wav = recorded.unwrap_or_default();
    assert_eq!(wav.len(), 44 + 32_000, "1 s of 16 kHz mono s16");

    let stats = clock.stats();
    assert_eq!(stats.conversations, 4);
    assert!(stats.ticks >= 50, "{stats:?}");
    assert_eq!(stats.shards.len(), 2);
    assert!(stats.lateness_max >= stats.lateness_p99);
    assert!(stats.shards.iter().map(|s| s.commands).sum::<u64>() >= 21);
    clock.reset_stats();
    assert!(clock.stats().ticks < 10);
    clock.shutdown();
}
