//! Jitter buffer tests on virtual time: one pull per 20 ms tick, packets pushed as they arrive.

use super::*;
use proptest::prelude::*;

/// Decodes a packet to samples that all equal its first byte plus one (so a frame says which
/// packet it came from; concealment gives faded copies or zeros).
struct Ids;

impl PayloadDecoder for Ids {
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        let n = (payload.len() * 2).min(out.len());
        let id = payload.first().map_or(0, |&b| i16::from(b) + 1);
        out[..n].fill(id);
        n
    }
}

fn payload(id: u64) -> [u8; 160] {
    [(id % 250) as u8; 160]
}

fn push(jb: &mut JitterBuffer, id: u64) -> Pushed {
    jb.push(1000 + id, 5000 + id as u32 * FRAME_TICKS, &payload(id))
}

/// The packet a frame came from, if it is one packet's plain audio.
fn frame_id(frame: &Frame) -> Option<u64> {
    let first = frame[0];
    (first > 0 && frame.iter().all(|&s| s == first)).then(|| first as u64 - 1)
}

#[test]
fn an_in_order_stream_plays_every_packet_once_after_the_target_depth() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    let mut played = Vec::new();
    for tick in 0..50u64 {
        assert_eq!(push(&mut jb, tick), Pushed::Buffered);
        let pulled = jb.pull(&mut Ids, &mut out);
        if tick == 0 {
            // 20 ms buffered, target 40 ms: still filling.
            assert_eq!(pulled, Pulled::Silence);
            continue;
        }
        assert_eq!(pulled, Pulled::Audio, "tick {tick}");
        played.push(frame_id(&out).unwrap());
    }
    assert_eq!(played, (0..49).collect::<Vec<_>>());
    let stats = jb.stats();
    assert_eq!((stats.lost, stats.late, stats.reordered), (0, 0, 0));
    assert_eq!(stats.target_ms, 40);
    assert_eq!(stats.depth_ms, 20);
}

#[test]
fn swapped_packets_are_sorted_in_and_a_duplicate_dropped() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    assert_eq!(push(&mut jb, 1), Pushed::Buffered);
    assert_eq!(push(&mut jb, 0), Pushed::Buffered);
    assert_eq!(push(&mut jb, 0), Pushed::Duplicate);
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    assert_eq!(frame_id(&out), Some(0));
    assert_eq!(push(&mut jb, 0), Pushed::Duplicate, "played already");
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    assert_eq!(frame_id(&out), Some(1));
    let stats = jb.stats();
    assert_eq!((stats.reordered, stats.duplicates), (1, 2));
}

#[test]
fn a_lost_packet_is_concealed_by_a_fade_then_a_late_arrival_is_dropped() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    for id in [0, 1, 3, 4] {
        push(&mut jb, id);
    }
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    assert_eq!(frame_id(&out), Some(1));
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Concealed);
    // A repeat of packet 1 (value 2) fading: first sample at full level, last lower.
    assert_eq!(out[0], 2);
    assert!(out[FRAME_SAMPLES - 1] < 2);
    assert_eq!(push(&mut jb, 2), Pushed::Late);
    // The late packet raised the target by 20 ms, and playout stretches one frame to reach it.
    assert_eq!(jb.stats().target_ms, 60);
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Concealed);
    assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    assert_eq!(frame_id(&out), Some(3));
    let stats = jb.stats();
    assert_eq!((stats.lost, stats.late), (1, 1));
    assert_eq!((stats.concealed_frames, stats.adjustments), (2, 1));
}

#[test]
fn a_quiet_stream_fades_to_silence_then_refills() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    push(&mut jb, 0);
    push(&mut jb, 1);
    let mut kinds = Vec::new();
    for _ in 0..7 {
        kinds.push(jb.pull(&mut Ids, &mut out));
    }
    use Pulled::*;
    assert_eq!(
        kinds,
        vec![Audio, Audio, Concealed, Concealed, Concealed, Silence, Silence]
    );
    assert!(out.iter().all(|&s| s == 0));
    // A new talkspurt 1 s later fills to the target before playing.
    assert_eq!(push(&mut jb, 50), Pushed::Buffered);
    assert_eq!(jb.pull(&mut Ids, &mut out), Silence);
    push(&mut jb, 51);
    assert_eq!(jb.pull(&mut Ids, &mut out), Audio);
    assert_eq!(frame_id(&out), Some(50));
    assert_eq!(jb.stats().lost, 48, "the sequence gap counts as lost");
}

#[test]
fn thirty_ms_packets_play_as_twenty_ms_frames() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    let mut samples = Vec::new();
    for id in 0..10u64 {
        jb.push(id, id as u32 * 240, &[id as u8; 240]);
    }
    while jb.pull(&mut Ids, &mut out) == Pulled::Audio {
        samples.extend_from_slice(&out);
    }
    // 10 packets × 30 ms = 15 frames, all played back to back.
    assert_eq!(samples.len(), 15 * FRAME_SAMPLES);
    let ids: Vec<i16> = samples.chunks(480).map(|c| c[0]).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<i16>>());
}

#[test]
fn a_timestamp_jump_restarts_the_buffer() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    for id in 0..3 {
        push(&mut jb, id);
    }
    jb.pull(&mut Ids, &mut out);
    assert_eq!(jb.push(7, 4_000_000_000, &[9; 160]), Pushed::Buffered);
    assert_eq!(jb.stats().resyncs, 1);
    assert_eq!(jb.len(), 1);
}

#[test]
fn a_full_buffer_drops_its_oldest_packet_and_oversize_packets_are_refused() {
    let config = JitterConfig {
        capacity: 4,
        ..JitterConfig::default()
    };
    let mut jb = JitterBuffer::new(config);
    for id in 0..6 {
        push(&mut jb, id);
    }
    assert_eq!(jb.len(), 4);
    assert_eq!(jb.stats().dropped, 2);
    assert_eq!(jb.push(99, 0, &[0; MAX_PAYLOAD + 1]), Pushed::TooLarge);
    let mut out = [0i16; FRAME_SAMPLES];
    jb.pull(&mut Ids, &mut out);
    assert_eq!(frame_id(&out), Some(2));
}

#[test]
fn a_deep_buffer_drops_a_frame_to_catch_up() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    // A burst of 6 packets, then one per tick: depth stays ~120 ms against a 40 ms target.
    for id in 0..6 {
        push(&mut jb, id);
    }
    for next in 6..66 {
        jb.pull(&mut Ids, &mut out);
        push(&mut jb, next);
    }
    let stats = jb.stats();
    assert_eq!(stats.adjustments, 1);
    assert!(stats.depth_ms < 120, "depth {}", stats.depth_ms);
    assert_eq!(stats.lost, 0);
}

/// A stream of `n` packets with per-packet delays (in ticks), drops and duplicates.
#[derive(Debug, Clone)]
struct Arrivals {
    delays: Vec<u8>,
    dropped: Vec<bool>,
    duplicated: Vec<bool>,
}

fn arrivals(max_delay: u8) -> impl Strategy<Value = Arrivals> {
    (20usize..120).prop_flat_map(move |n| {
        (
            prop::collection::vec(0..=max_delay, n),
            prop::collection::vec(prop::bool::weighted(0.1), n),
            prop::collection::vec(prop::bool::weighted(0.05), n),
        )
            .prop_map(|(delays, dropped, duplicated)| Arrivals {
                delays,
                dropped,
                duplicated,
            })
    })
}

/// Runs the stream tick by tick; returns the ids played and the buffer.
fn run(arrivals: &Arrivals) -> (Vec<u64>, JitterBuffer) {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    let n = arrivals.delays.len() as u64;
    let mut played = Vec::new();
    for tick in 0..n + 20 {
        for id in 0..n {
            let due = id + u64::from(arrivals.delays[id as usize]);
            if due == tick && !arrivals.dropped[id as usize] {
                push(&mut jb, id);
                if arrivals.duplicated[id as usize] {
                    push(&mut jb, id);
                }
            }
        }
        if jb.pull(&mut Ids, &mut out) == Pulled::Audio {
            played.push(frame_id(&out).unwrap());
        }
    }
    (played, jb)
}

proptest! {
    #[test]
    fn playout_is_in_order_without_repeats_whatever_the_arrivals(a in arrivals(8)) {
        let (played, jb) = run(&a);
        prop_assert!(played.windows(2).all(|w| w[0] < w[1]), "{played:?}");
        for id in &played {
            prop_assert!(!a.dropped[*id as usize]);
        }
        let stats = jb.stats();
        let pushes = a
            .dropped
            .iter()
            .zip(&a.duplicated)
            .map(|(dropped, dup)| if *dropped { 0 } else { 1 + u64::from(*dup) })
            .sum::<u64>();
        // Every push has one outcome; only buffered packets play.
        prop_assert_eq!(stats.buffered + stats.late + stats.duplicates, pushes);
        prop_assert!(played.len() as u64 <= stats.buffered);
        prop_assert!(stats.target_ms >= 40 && stats.target_ms <= 200);
    }

    #[test]
    fn jitter_within_the_target_loses_only_what_the_network_dropped(a in arrivals(1)) {
        let (played, jb) = run(&a);
        let expected: Vec<u64> = (0..a.delays.len() as u64)
            .filter(|id| !a.dropped[*id as usize])
            .collect();
        prop_assert_eq!(jb.stats().late, 0);
        prop_assert_eq!(played, expected);
    }
}

#[test]
fn a_sequence_restart_is_not_counted_as_loss() {
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut out = [0i16; FRAME_SAMPLES];
    jb.push(10, 0, &[0; 160]);
    jb.push(11, 160, &[1; 160]);
    jb.push(50_000, 320, &[2; 160]);
    for _ in 0..3 {
        assert_eq!(jb.pull(&mut Ids, &mut out), Pulled::Audio);
    }
    assert_eq!(frame_id(&out), Some(2));
    assert_eq!(jb.stats().lost, 0);
}
