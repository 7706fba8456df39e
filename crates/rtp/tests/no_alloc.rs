//! The per-tick paths allocate nothing: after a warm-up, a second of two SRTP legs talking
//! (packets both ways, pulls, pushes, RTCP reports, keys sent and received) leaves the heap's
//! allocation count unchanged. Counted with dhat's testing mode (one profiler per process, so
//! this file holds one test).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ringside_audio::{Tone, SILENT_FRAME};
use ringside_rtp::{Codec, MasterKey, RtpSession, SessionConfig, SrtpKeys};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn leg(codec: Codec, ssrc: u32, to: SocketAddr, send: u8, receive: u8) -> SessionConfig {
    let mut config = SessionConfig::new(codec, ssrc, to);
    let key = |seed: u8| MasterKey {
        key: [seed; 16],
        salt: [seed; 14],
    };
    config.srtp = Some(SrtpKeys {
        send: key(send),
        receive: key(receive),
    });
    config
}

/// `from` sends this tick's RTP (and RTCP when due) to `to`.
fn exchange(
    from: &mut RtpSession,
    to: &mut RtpSession,
    from_addr: SocketAddr,
    now: Instant,
    frame: &ringside_audio::Frame,
    buf: &mut [u8],
) {
    if let Some(tx) = from.push_frame(now, frame, buf) {
        let _ = to.receive(now, from_addr, &mut buf[..tx.len]);
    }
    if let Some(tx) = from.poll_rtcp(now, buf) {
        let _ = to.receive(now, from_addr, &mut buf[..tx.len]);
    }
}

#[test]
fn a_tick_allocates_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let a_addr: SocketAddr = "10.0.0.1:4000".parse().unwrap();
    let b_addr: SocketAddr = "10.0.0.2:5000".parse().unwrap();
    for codec in [Codec::Pcmu, Codec::G722] {
        let mut now = Instant::now();
        let mut a = RtpSession::new(leg(codec, 1, b_addr, 1, 2), now);
        let mut b = RtpSession::new(leg(codec, 2, a_addr, 2, 1), now);
        let (mut buf, mut frame) = ([0u8; 1500], SILENT_FRAME);
        let mut run = |ticks: u32, a: &mut RtpSession, b: &mut RtpSession, now: &mut Instant| {
            for _ in 0..ticks {
                *now += Duration::from_millis(20);
                exchange(a, b, a_addr, *now, &frame, &mut buf);
                exchange(b, a, b_addr, *now, &frame, &mut buf);
                a.pull_frame(*now, &mut frame);
                b.pull_frame(*now, &mut frame);
                while a.poll_event().is_some() || b.poll_event().is_some() {}
            }
        };
        // Warm-up: the first blocks size the resamplers' history and the DTMF queue.
        a.send_dtmf(&[Tone::Digit(1)], None);
        run(500, &mut a, &mut b, &mut now);
        a.send_dtmf(&[Tone::Digit(2), Tone::Digit(3)], None);
        let before = dhat::HeapStats::get();
        run(500, &mut a, &mut b, &mut now);
        let after = dhat::HeapStats::get();
        dhat::assert_eq!(after.total_blocks, before.total_blocks);
        assert!(b.stats().packets_received >= 990, "{codec:?}");
        assert!(b.stats().rtcp_received >= 2, "{codec:?}");
    }
}
