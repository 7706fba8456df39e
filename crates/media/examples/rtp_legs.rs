//! Tick work per RTP leg: N two-party conversations (a bot playing a looped prompt to the caller),
//! the caller's leg either an RTP leg on a loopback socket fed by a "phone" socket one packet per
//! frame, or (the baseline) a simulated endpoint sending a test tone. One shard on a
//! [`ManualClock`], ticked frame by frame on virtual time; each frame's `tick_until` (commands,
//! socket reads, decode, mix, encode, sends, RTCP) is timed on the wall clock and the ticking
//! thread's CPU time is read around the run. The phones send and read on another thread, in lock
//! step, outside both figures. Also times a read of an empty socket (what draining at every 5 ms
//! sub-tick would add per leg).
//!
//! `cargo run --release -p ringside-media --example rtp_legs -- 200 pcmu plain 1000`
//! (legs, `pcmu|pcma|g722`, `plain|srtp`, frames). On a shared machine the figures are noisy:
//! compare medians of several runs.

use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use ringside_audio::{testsignal, Frame, Prompt, FRAME_SAMPLES, SILENT_FRAME};
use ringside_engine::{Audience, ConversationId, LegId, OperationId};
use ringside_media::{
    procfs, ManualClock, MediaCommand, RtpCodec, RtpConfig, RtpTransport, SrtpKeys,
};
use ringside_model::Guid;
use ringside_rtp::{Encoder, MasterKey, RtpBuilder, RtpHeader, SrtpContext};

const FRAME: Duration = Duration::from_millis(20);

/// A phone: its socket, the leg's address, its packet counters and SRTP context.
struct Phone {
    socket: UdpSocket,
    to: SocketAddr,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    srtp: Option<SrtpContext>,
}

fn bind() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback socket");
    s.set_nonblocking(true).expect("non-blocking");
    s
}

fn keys(srtp: bool) -> Option<(SrtpKeys, MasterKey)> {
    let ours = MasterKey {
        key: [1; 16],
        salt: [2; 14],
    };
    let theirs = MasterKey {
        key: [3; 16],
        salt: [4; 14],
    };
    srtp.then(|| {
        let keys = SrtpKeys {
            send: ours,
            receive: theirs.clone(),
        };
        (keys, theirs)
    })
}

fn ids(i: u128) -> (ConversationId, LegId, LegId) {
    // High bits vary so the conversations spread over the four phases.
    let c = ConversationId(Guid::from_u128(i << 64 | 1));
    (
        c,
        LegId(Guid::from_u128(i << 64 | 2)),
        LegId(Guid::from_u128(i << 64 | 3)),
    )
}

/// Sets up `n` conversations; with `codec`, the caller is an RTP leg and a phone is returned.
fn setup(clock: &ManualClock, n: u128, codec: Option<RtpCodec>, srtp: bool) -> Vec<Phone> {
    let prompt = Arc::new(Prompt::from_samples(testsignal::speech_like(
        3,
        16_000 * 4,
        -18.0,
    )));
    let mut phones = Vec::new();
    for i in 0..n {
        let (conversation, bot, caller) = ids(i);
        clock.send(MediaCommand::CreateMix { conversation });
        for leg in [bot, caller] {
            clock.send(MediaCommand::ConnectMedia { conversation, leg });
        }
        clock.send(MediaCommand::StartPrompt {
            conversation,
            leg: bot,
            operation: OperationId(Guid::from_u128(i << 64 | 4)),
            prompts: vec![Arc::clone(&prompt)],
            audience: Audience::Conversation,
            looped: true,
        });
        let Some(codec) = codec else {
            clock.send(MediaCommand::EndpointTestTone {
                conversation,
                leg: caller,
                duration: Duration::from_secs(3600),
            });
            continue;
        };
        let (leg, phone) = (bind(), bind());
        let ssrc = 0x5000_0000 | i as u32;
        let mut config = RtpConfig::new(codec, ssrc ^ 0xFFFF, phone.local_addr().expect("address"));
        config.remote_rtcp = None;
        let keys = keys(srtp);
        config.srtp = keys.as_ref().map(|(k, _)| k.clone());
        phones.push(Phone {
            to: leg.local_addr().expect("address"),
            socket: phone,
            ssrc,
            sequence: 1,
            timestamp: 0,
            srtp: keys.map(|(_, theirs)| SrtpContext::new(&theirs)),
        });
        clock.send(MediaCommand::AttachRtp {
            conversation,
            leg: caller,
            transport: Box::new(RtpTransport {
                rtp: Arc::new(leg),
                rtcp: None,
                config,
            }),
        });
    }
    phones
}

/// One encoded 20 ms frame of a 1 kHz tone (the phones all send it).
fn payload(codec: RtpCodec) -> Vec<u8> {
    let mut frame: Frame = SILENT_FRAME;
    for (i, s) in frame.iter_mut().enumerate().take(FRAME_SAMPLES) {
        *s = (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 16_000.0).sin()) as i16;
    }
    let mut out = vec![0u8; 160];
    let n = Encoder::new(codec).encode(&frame, &mut out);
    out.truncate(n);
    out
}

fn send_all(phones: &mut [Phone], pt: u8, payload: &[u8], buf: &mut [u8]) {
    for p in phones.iter_mut() {
        let header = RtpHeader {
            marker: false,
            payload_type: pt,
            sequence: p.sequence,
            timestamp: p.timestamp,
            ssrc: p.ssrc,
        };
        let Ok(mut len) = RtpBuilder::new(header).write(payload, buf) else {
            continue;
        };
        if let Some(srtp) = p.srtp.as_mut() {
            let Ok(protected) = srtp.protect_rtp(buf, len) else {
                continue;
            };
            len = protected;
        }
        let _ = p.socket.send_to(&buf[..len], p.to);
        p.sequence = p.sequence.wrapping_add(1);
        p.timestamp = p.timestamp.wrapping_add(160);
    }
}

fn drain_all(phones: &[Phone], buf: &mut [u8]) {
    for p in phones {
        while p.socket.recv_from(buf).is_ok() {}
    }
}

/// Runs `frames` frames; returns the median and p90 wall time of a frame's ticking and the
/// ticking thread's CPU time per frame. The phones send and read on a thread of their own, in
/// lock step with the ticks (a barrier), so neither figure includes their work.
fn run(
    n: u128,
    codec: Option<RtpCodec>,
    srtp: bool,
    frames: usize,
) -> (Duration, Duration, Duration) {
    let start = Instant::now();
    let clock = ManualClock::start(1, start, |_| {});
    let mut phones = setup(&clock, n, codec, srtp);
    let payload = payload(codec.unwrap_or(RtpCodec::Pcmu));
    let pt = codec.map_or(0, RtpCodec::payload_type);
    let warm_up = 50;
    let total = frames + warm_up;
    let barrier = Arc::new(Barrier::new(2));
    let phone_side = {
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 2048];
            for _ in 0..total {
                send_all(&mut phones, pt, &payload, &mut buf);
                barrier.wait(); // sent
                barrier.wait(); // ticked
                drain_all(&phones, &mut buf);
            }
        })
    };
    let mut now = start;
    let mut times = Vec::with_capacity(frames);
    let mut cpu_start = None;
    for f in 0..total {
        if f == warm_up {
            cpu_start = procfs::thread_cpu_time();
        }
        barrier.wait();
        now += FRAME;
        let t = Instant::now();
        clock.tick_until(now);
        if f >= warm_up {
            times.push(t.elapsed());
        }
        barrier.wait();
    }
    let cpu = match (cpu_start, procfs::thread_cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a) / frames as u32,
        _ => Duration::ZERO,
    };
    let _ = phone_side.join();
    if codec.is_some() {
        eprintln!("  rtp figures: {:?}", clock.stats().rtp);
    }
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    (at(0.5), at(0.9), cpu)
}

/// The cost of one read of an empty non-blocking socket (`WouldBlock`).
fn empty_read() -> Duration {
    let sockets: Vec<UdpSocket> = (0..100).map(|_| bind()).collect();
    let mut buf = [0u8; 2048];
    let rounds = 200;
    let t = Instant::now();
    for _ in 0..rounds {
        for s in &sockets {
            let _ = std::hint::black_box(s.recv_from(&mut buf));
        }
    }
    t.elapsed() / (rounds * sockets.len() as u32)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let n: u128 = arg(1).parse().unwrap_or(200);
    let codec = match arg(2) {
        "pcma" => RtpCodec::Pcma,
        "g722" => RtpCodec::G722,
        _ => RtpCodec::Pcmu,
    };
    let srtp = arg(3) == "srtp";
    let frames: usize = arg(4).parse().unwrap_or(1000);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (base_p50, base_p90, base_cpu) = run(n, None, false, frames);
    let (p50, p90, cpu) = run(n, Some(codec), srtp, frames);
    let per_leg = |d: Duration| us(d) / n as f64;
    println!(
        "{n} conversations, {codec:?}{}, {frames} frames, one shard:",
        if srtp { " + SRTP" } else { "" }
    );
    println!(
        "  simulated callers: frame p50 {:.0} µs (p90 {:.0}), CPU {:.0} µs/frame",
        us(base_p50),
        us(base_p90),
        us(base_cpu)
    );
    println!(
        "  RTP callers:       frame p50 {:.0} µs (p90 {:.0}), CPU {:.0} µs/frame",
        us(p50),
        us(p90),
        us(cpu)
    );
    println!(
        "  per RTP leg: {:.1} µs of tick work per frame (p50 wall), {:.1} µs more than a simulated caller; \
         CPU {:.1} µs ({:.1} more); {:.2} % of a core per RTP leg",
        per_leg(p50),
        per_leg(p50.saturating_sub(base_p50)),
        per_leg(cpu),
        per_leg(cpu.saturating_sub(base_cpu)),
        per_leg(cpu) / 20_000.0 * 100.0,
    );
    println!(
        "  empty socket read (WouldBlock): {:.2} µs",
        us(empty_read())
    );
}
