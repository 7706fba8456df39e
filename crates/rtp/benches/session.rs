//! Per-leg cost of one 20 ms media tick: receive one RTP packet, pull one decoded 16 kHz frame,
//! encode one frame into a packet (and check the RTCP timer), for PCMU and G.722, plain and with
//! SRTP. The packet received is the one the peer session just encoded, so one iteration is exactly
//! one leg's tick: one encode, one receive (parse, statistics, jitter buffer), one decode.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ringside_audio::{testsignal, Frame, SILENT_FRAME};
use ringside_rtp::{Codec, MasterKey, RtpSession, SessionConfig, SrtpKeys};

fn frames() -> Vec<Frame> {
    let speech = testsignal::speech_like(7, 50 * 320, -20.0);
    speech
        .chunks_exact(320)
        .map(|c| {
            let mut f = SILENT_FRAME;
            f.copy_from_slice(c);
            f
        })
        .collect()
}

fn pair(codec: Codec, srtp: bool, now: Instant) -> (RtpSession, RtpSession) {
    let a_addr: SocketAddr = "10.0.0.1:4000".parse().expect("address");
    let b_addr: SocketAddr = "10.0.0.2:5000".parse().expect("address");
    let mut ca = SessionConfig::new(codec, 1, b_addr);
    let mut cb = SessionConfig::new(codec, 2, a_addr);
    if srtp {
        let (ka, kb) = (
            MasterKey {
                key: [1; 16],
                salt: [2; 14],
            },
            MasterKey {
                key: [3; 16],
                salt: [4; 14],
            },
        );
        ca.srtp = Some(SrtpKeys {
            send: ka.clone(),
            receive: kb.clone(),
        });
        cb.srtp = Some(SrtpKeys {
            send: kb,
            receive: ka,
        });
    }
    (RtpSession::new(ca, now), RtpSession::new(cb, now))
}

fn session_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("rtp_leg_tick");
    group.throughput(Throughput::Elements(1));
    let frames = frames();
    let a_addr: SocketAddr = "10.0.0.1:4000".parse().expect("address");
    for (name, codec, srtp) in [
        ("pcmu", Codec::Pcmu, false),
        ("g722", Codec::G722, false),
        ("pcmu_srtp", Codec::Pcmu, true),
        ("g722_srtp", Codec::G722, true),
    ] {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut now = Instant::now();
            let (mut a, mut leg) = pair(codec, srtp, now);
            let (mut packet, mut rtcp, mut inbound) = ([0u8; 1500], [0u8; 1500], SILENT_FRAME);
            let mut i = 0;
            b.iter(|| {
                let frame = &frames[i % frames.len()];
                i += 1;
                now += Duration::from_millis(20);
                // The peer's packet arrives (it is the encode of this tick's outbound frame).
                if let Some(tx) = a.push_frame(now, frame, &mut packet) {
                    let _ = leg.receive(now, a_addr, &mut packet[..tx.len]);
                }
                black_box(leg.pull_frame(now, &mut inbound));
                black_box(leg.poll_rtcp(now, &mut rtcp));
                while leg.poll_event().is_some() {}
            });
        });
    }
    group.finish();
}

criterion_group!(benches, session_tick);
criterion_main!(benches);
