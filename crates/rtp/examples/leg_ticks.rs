//! Runs N ticks of one RTP leg (the bench's loop: the peer encodes a packet, the leg receives it,
//! pulls a frame, checks RTCP) so CPU time can be measured apart from scheduling on a busy box:
//! `perf stat -e task-clock target/release/examples/leg_ticks pcmu|g722 plain|srtp 100000`
//! (CPU ms / N = µs per leg tick).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ringside_audio::{testsignal, Frame, SILENT_FRAME};
use ringside_rtp::{Codec, MasterKey, RtpSession, SessionConfig, SrtpKeys};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let codec = if arg(1) == "g722" {
        Codec::G722
    } else {
        Codec::Pcmu
    };
    let srtp = arg(2) == "srtp";
    let ticks: usize = arg(3).parse().unwrap_or(100_000);
    let a_addr = SocketAddr::from(([10, 0, 0, 1], 4000));
    let b_addr = SocketAddr::from(([10, 0, 0, 2], 5000));
    let mut ca = SessionConfig::new(codec, 1, b_addr);
    let mut cb = SessionConfig::new(codec, 2, a_addr);
    if srtp {
        let ka = MasterKey {
            key: [1; 16],
            salt: [2; 14],
        };
        let kb = MasterKey {
            key: [3; 16],
            salt: [4; 14],
        };
        ca.srtp = Some(SrtpKeys {
            send: ka.clone(),
            receive: kb.clone(),
        });
        cb.srtp = Some(SrtpKeys {
            send: kb,
            receive: ka,
        });
    }
    let mut now = Instant::now();
    let (mut peer, mut leg) = (RtpSession::new(ca, now), RtpSession::new(cb, now));
    let speech = testsignal::speech_like(7, 50 * 320, -20.0);
    let frames: Vec<Frame> = speech
        .chunks_exact(320)
        .map(|c| {
            let mut f = SILENT_FRAME;
            f.copy_from_slice(c);
            f
        })
        .collect();
    let (mut packet, mut rtcp, mut inbound) = ([0u8; 1500], [0u8; 1500], SILENT_FRAME);
    for frame in frames.iter().cycle().take(ticks) {
        now += Duration::from_millis(20);
        if let Some(tx) = peer.push_frame(now, frame, &mut packet) {
            let _ = leg.receive(now, a_addr, &mut packet[..tx.len]);
        }
        std::hint::black_box(leg.pull_frame(now, &mut inbound));
        std::hint::black_box(leg.poll_rtcp(now, &mut rtcp));
        while leg.poll_event().is_some() {}
    }
    println!("{} packets received", leg.stats().packets_received);
}
