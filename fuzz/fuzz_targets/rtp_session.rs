//! Fuzz target: arbitrary datagrams (from a few addresses, on the RTP and RTCP paths, at
//! arbitrary times) into an `RtpSession` interleaved with ticks never panic, and every pulled
//! frame is a full frame.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use ringside_rtp::{Codec, RtpSession, SessionConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, mut rest)) = data.split_first() else {
        return;
    };
    let codec = [Codec::Pcmu, Codec::Pcma, Codec::G722][usize::from(selector % 3)];
    let start = Instant::now();
    let peer: SocketAddr = "192.0.2.1:7000".parse().expect("address");
    let mut session = RtpSession::new(SessionConfig::new(codec, 7, peer), start);
    let mut now = start;
    let mut out = [0u8; 1500];
    let mut frame = [0i16; 320];
    // Each record: [op, time step, length] then `length` bytes.
    while let [op, step, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        now += Duration::from_millis(u64::from(*step) * 5);
        let from: SocketAddr = SocketAddr::new(peer.ip(), 7000 + u16::from(op % 4));
        let mut datagram = body.to_vec();
        match op % 5 {
            0 | 1 => {
                let _ = session.receive(now, from, &mut datagram);
            }
            2 => {
                let _ = session.receive_rtcp(now, from, &mut datagram);
            }
            3 => {
                session.pull_frame(now, &mut frame);
                session.push_frame(now, &frame, &mut out);
            }
            _ => {
                let key = ringside_audio::Tone::KEYS[usize::from(*op) % 16];
                session.send_dtmf(&[key], Some(u32::from(*step) * 10));
                session.poll_rtcp(now, &mut out);
                session.handle_timeout(now);
                while session.poll_event().is_some() {}
            }
        }
    }
    let stats = session.stats();
    assert!(stats.jitter_buffer.target_ms <= 200);
});
