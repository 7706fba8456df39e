//! Two `RtpSession`s talking on virtual time: audio both ways, RFC 4733 keys, markers and
//! timestamps, latching rules, the inactivity timeout, RTCP reports and the round-trip time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ringside_audio::{Frame, Tone, FRAME_SAMPLES, SILENT_FRAME};
use ringside_rtp::jitter::Pulled;
use ringside_rtp::{
    Codec, Dropped, MasterKey, RtpBuilder, RtpHeader, RtpPacket, RtpSession, SessionConfig,
    SessionEvent, SrtpKeys,
};

const TICK: Duration = Duration::from_millis(20);

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn tone_frame(tick: u64, hz: f64) -> Frame {
    let mut frame = SILENT_FRAME;
    for (i, s) in frame.iter_mut().enumerate() {
        let t = (tick as usize * FRAME_SAMPLES + i) as f64 / 16_000.0;
        *s = (10_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
    }
    frame
}

fn rms(frame: &Frame) -> f64 {
    (frame.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / FRAME_SAMPLES as f64).sqrt()
}

/// Zero crossings per frame (a 1 kHz tone crosses 40 times in 20 ms).
fn crossings(frame: &Frame) -> usize {
    frame
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count()
}

struct Pair {
    a: RtpSession,
    b: RtpSession,
    a_addr: SocketAddr,
    b_addr: SocketAddr,
    now: Instant,
}

impl Pair {
    fn new(codec: Codec) -> Pair {
        Pair::with_srtp(codec, false)
    }

    /// With `srtp`, each side sends with its own SDES key and receives with the other's.
    fn with_srtp(codec: Codec, srtp: bool) -> Pair {
        let now = Instant::now();
        let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:5000"));
        let mut ca = SessionConfig::new(codec, 0xAAAA_0001, b_addr);
        ca.ntp_at_start = 0xE000_0000_0000_0000;
        let mut cb = SessionConfig::new(codec, 0xBBBB_0002, a_addr);
        cb.ntp_at_start = 0xE000_0000_0000_0000;
        if srtp {
            let (ka, kb) = (key(1), key(2));
            ca.srtp = Some(SrtpKeys {
                send: ka.clone(),
                receive: kb.clone(),
            });
            cb.srtp = Some(SrtpKeys {
                send: kb,
                receive: ka,
            });
        }
        Pair {
            a: RtpSession::new(ca, now),
            b: RtpSession::new(cb, now),
            a_addr,
            b_addr,
            now,
        }
    }

    /// One tick: A sends `frame` to B, B pulls. Returns B's frame and what it was.
    fn tick(&mut self, frame: &Frame) -> (Frame, Pulled) {
        let mut buf = [0u8; 1500];
        let tx = self.a.push_frame(self.now, frame, &mut buf).unwrap();
        assert_eq!(tx.to, self.b_addr);
        let _ = self.b.receive(self.now, self.a_addr, &mut buf[..tx.len]);
        let mut out = SILENT_FRAME;
        let pulled = self.b.pull_frame(self.now, &mut out);
        self.now += TICK;
        (out, pulled)
    }
}

fn key(seed: u8) -> MasterKey {
    MasterKey {
        key: [seed; 16],
        salt: [seed ^ 0x5A; 14],
    }
}

fn events(session: &mut RtpSession) -> Vec<SessionEvent> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

#[test]
fn a_tone_crosses_for_every_codec_with_and_without_srtp() {
    for (codec, srtp) in [
        (Codec::Pcmu, false),
        (Codec::Pcma, false),
        (Codec::G722, false),
        (Codec::Pcmu, true),
        (Codec::G722, true),
    ] {
        let mut pair = Pair::with_srtp(codec, srtp);
        let mut heard = Vec::new();
        for tick in 0..50 {
            let (out, pulled) = pair.tick(&tone_frame(tick, 1000.0));
            heard.push((out, pulled));
        }
        assert_eq!(heard[0].1, Pulled::Silence, "{codec:?}: filling");
        let (last, pulled) = heard[49];
        assert_eq!(pulled, Pulled::Audio, "{codec:?}");
        assert!(rms(&last) > 5000.0, "{codec:?}: rms {}", rms(&last));
        assert!((38..=42).contains(&crossings(&last)), "{codec:?}");
        let stats = pair.b.stats();
        assert_eq!(stats.packets_received, 50);
        assert_eq!(stats.jitter_buffer.lost, 0);
        assert_eq!(pair.a.stats().packets_sent, 50);
    }
}

#[test]
fn keys_cross_as_events_once_each_and_mute_the_audio_meanwhile() {
    let mut pair = Pair::new(Codec::Pcmu);
    assert_eq!(
        pair.a
            .send_dtmf(&Tone::parse_sequence("19#").unwrap(), Some(100)),
        3
    );
    let mut muted = 0;
    for tick in 0..40 {
        let (out, _) = pair.tick(&tone_frame(tick, 440.0));
        if tick > 2 && rms(&out) == 0.0 {
            muted += 1;
        }
    }
    let keys: Vec<_> = events(&mut pair.b)
        .into_iter()
        .filter_map(|e| match e {
            SessionEvent::Dtmf { tone, duration_ms } => Some((tone.as_char(), duration_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![('1', 100), ('9', 100), ('#', 100)]);
    assert!(muted >= 6, "audio muted during events: {muted} frames");
    assert!(!pair.a.is_sending_dtmf());
}

#[test]
fn without_telephone_event_keys_are_refused() {
    let mut config = SessionConfig::new(Codec::Pcmu, 1, addr("10.0.0.2:5000"));
    config.telephone_event = None;
    let mut session = RtpSession::new(config, Instant::now());
    assert_eq!(session.send_dtmf(&[Tone::Digit(1)], None), 0);
}

#[test]
fn markers_and_timestamps_follow_talkspurts() {
    let mut config = SessionConfig::new(Codec::G722, 7, addr("10.0.0.2:5000"));
    config.initial_sequence = 65535;
    config.initial_timestamp = u32::MAX - 100;
    let start = Instant::now();
    let mut session = RtpSession::new(config, start);
    let mut buf = [0u8; 1500];
    let mut sent = Vec::new();
    // Three ticks, a 1 s pause (hold), two more.
    for at in [0u64, 20, 40, 1040, 1060] {
        let now = start + Duration::from_millis(at);
        let tx = session.push_frame(now, &SILENT_FRAME, &mut buf).unwrap();
        let p = RtpPacket::parse(&buf[..tx.len]).unwrap();
        assert_eq!((p.header.payload_type, p.payload.len()), (9, 160));
        sent.push((p.header.sequence, p.header.timestamp, p.header.marker));
    }
    let base = u32::MAX - 100;
    assert_eq!(
        sent,
        vec![
            (65535, base, true),
            (0, base.wrapping_add(160), false),
            (1, base.wrapping_add(320), false),
            (2, base.wrapping_add(160 * 52), true),
            (3, base.wrapping_add(160 * 53), false),
        ]
    );
}

fn rtp_from(ssrc: u32, seq: u16) -> Vec<u8> {
    let mut buf = vec![0u8; 12 + 160];
    let header = RtpHeader {
        marker: false,
        payload_type: 0,
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc,
    };
    let n = RtpBuilder::new(header)
        .write(&[0xFF; 160], &mut buf)
        .unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn latching_follows_the_first_source_then_only_its_ssrc_or_the_grace_period() {
    let sdp = addr("192.0.2.10:7000");
    let nat = addr("198.51.100.7:31000");
    let rebound = addr("198.51.100.7:31002");
    let intruder = addr("203.0.113.66:9999");
    let start = Instant::now();
    let mut config = SessionConfig::new(Codec::Pcmu, 1, sdp);
    config.latch_grace = Duration::from_secs(2);
    let mut s = RtpSession::new(config, start);
    assert_eq!(s.rtp_target(), sdp);

    // First valid packet: latched to its source.
    let t = start + Duration::from_millis(100);
    assert_eq!(s.receive_rtp(t, nat, &mut rtp_from(0x1111, 1)), Ok(()));
    assert_eq!(s.rtp_target(), nat);
    // Another source within the grace period takes over (e.g. a media server switch).
    let t = start + Duration::from_millis(500);
    assert_eq!(s.receive_rtp(t, intruder, &mut rtp_from(0x2222, 1)), Ok(()));
    assert_eq!(s.rtp_target(), intruder);
    assert_eq!(s.receive_rtp(t, nat, &mut rtp_from(0x1111, 2)), Ok(()));
    assert_eq!(s.rtp_target(), nat);
    // After the grace period: a stranger is dropped...
    let t = start + Duration::from_secs(5);
    let stranger = s.receive_rtp(t, intruder, &mut rtp_from(0x2222, 2));
    assert_eq!(stranger, Err(Dropped::UnlatchedSource));
    assert_eq!(s.rtp_target(), nat);
    // ...but the latched SSRC from a new port (NAT rebinding) moves the latch.
    assert_eq!(s.receive_rtp(t, rebound, &mut rtp_from(0x1111, 3)), Ok(()));
    assert_eq!(s.rtp_target(), rebound);
    let latched: Vec<_> = events(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            SessionEvent::Latched { address, .. } => Some(address),
            _ => None,
        })
        .collect();
    assert_eq!(latched, vec![nat, intruder, nat, rebound]);
    assert_eq!(s.stats().rejected_sources, 1);

    // A re-INVITE's new address reopens latching.
    let t = start + Duration::from_secs(10);
    s.update_remote(t, sdp, None);
    assert_eq!(s.rtp_target(), sdp);
    assert_eq!(s.receive_rtp(t, intruder, &mut rtp_from(0x3333, 1)), Ok(()));
    assert_eq!(s.rtp_target(), intruder);
}

#[test]
fn packets_that_are_not_ours_never_latch() {
    let sdp = addr("192.0.2.10:7000");
    let start = Instant::now();
    let mut s = RtpSession::new(SessionConfig::new(Codec::Pcmu, 1, sdp), start);
    let mut unknown = rtp_from(5, 1);
    unknown[1] = 96; // payload type 96 was not negotiated
    assert_eq!(
        s.receive_rtp(start, addr("203.0.113.1:1"), &mut unknown),
        Err(Dropped::UnknownPayloadType)
    );
    assert_eq!(
        s.receive_rtp(start, addr("203.0.113.1:1"), &mut [0x80, 0]),
        Err(Dropped::Malformed)
    );
    assert_eq!(s.rtp_target(), sdp);
    assert_eq!(s.stats().dropped, 2);
}

#[test]
fn a_new_ssrc_from_the_latched_address_restarts_the_receive_side() {
    let start = Instant::now();
    let peer = addr("192.0.2.10:7000");
    let mut s = RtpSession::new(SessionConfig::new(Codec::Pcmu, 1, peer), start);
    for seq in 1..4 {
        s.receive_rtp(start, peer, &mut rtp_from(0x1111, seq))
            .unwrap();
    }
    s.receive_rtp(start, peer, &mut rtp_from(0x9999, 40_000))
        .unwrap();
    assert_eq!(s.remote_ssrc(), Some(0x9999));
    assert!(events(&mut s).contains(&SessionEvent::SourceChanged { ssrc: 0x9999 }));
    assert_eq!(s.stats().jitter_buffer.resyncs, 1);
}

#[test]
fn silence_on_the_wire_times_out_once_and_resumes() {
    let start = Instant::now();
    let peer = addr("192.0.2.10:7000");
    let mut config = SessionConfig::new(Codec::Pcmu, 1, peer);
    config.inactivity_timeout = Duration::from_secs(30);
    let mut s = RtpSession::new(config, start);
    s.receive_rtp(start, peer, &mut rtp_from(0x1111, 1))
        .unwrap();
    assert!(s.poll_timeout() <= start + Duration::from_secs(30));
    let mut out = SILENT_FRAME;
    s.pull_frame(start + Duration::from_secs(29), &mut out);
    assert!(!events(&mut s)
        .iter()
        .any(|e| matches!(e, SessionEvent::RtpTimeout { .. })));
    s.handle_timeout(start + Duration::from_secs(30));
    s.handle_timeout(start + Duration::from_secs(31));
    let timeouts: Vec<_> = events(&mut s)
        .into_iter()
        .filter(|e| matches!(e, SessionEvent::RtpTimeout { .. }))
        .collect();
    assert_eq!(
        timeouts,
        vec![SessionEvent::RtpTimeout {
            silent_for: Duration::from_secs(30)
        }]
    );
    s.receive_rtp(
        start + Duration::from_secs(40),
        peer,
        &mut rtp_from(0x1111, 2),
    )
    .unwrap();
    assert_eq!(events(&mut s), vec![SessionEvent::RtpResumed]);
}

#[test]
fn reports_flow_both_ways_and_give_the_round_trip_time() {
    let mut pair = Pair::new(Codec::Pcmu);
    let start = pair.now;
    let one_way = Duration::from_millis(40);
    let mut rtcp_a = Vec::new();
    let mut rtcp_b = Vec::new();
    let mut in_flight: Vec<(Instant, bool, Vec<u8>)> = Vec::new();
    for tick in 0..1000u64 {
        // B sends audio too, so both send SRs.
        let mut buf = [0u8; 1500];
        let tx = pair
            .b
            .push_frame(pair.now, &SILENT_FRAME, &mut buf)
            .unwrap();
        let _ = pair.a.receive(pair.now, pair.b_addr, &mut buf[..tx.len]);
        let now = pair.now;
        for (to_b, session) in [(true, &mut pair.a), (false, &mut pair.b)] {
            if let Some(tx) = session.poll_rtcp(now, &mut buf) {
                in_flight.push((now + one_way, to_b, buf[..tx.len].to_vec()));
                if to_b {
                    rtcp_a.push(now)
                } else {
                    rtcp_b.push(now)
                }
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = in_flight.drain(..).partition(|(at, _, _)| *at <= now);
        in_flight = later;
        for (_, to_b, mut bytes) in due {
            let (session, from) = if to_b {
                (&mut pair.b, pair.a_addr)
            } else {
                (&mut pair.a, pair.b_addr)
            };
            session.receive(now, from, &mut bytes).unwrap();
        }
        pair.tick(&tone_frame(tick, 1000.0));
    }
    // 20 s: a report every 5 s on average (2.5 s to 7.5 s apart), the first within 3.75 s.
    for sent in [&rtcp_a, &rtcp_b] {
        assert!((3..=8).contains(&sent.len()), "{} reports", sent.len());
        assert!(sent[0] - start <= Duration::from_millis(3760));
        for w in sent.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                gap >= Duration::from_millis(2500) && gap <= Duration::from_millis(7520),
                "{gap:?}"
            );
        }
    }
    for session in [&pair.a, &pair.b] {
        let rtt = session.stats().round_trip.expect("a round trip");
        let error = rtt.abs_diff(one_way * 2);
        assert!(error < Duration::from_millis(1), "rtt {rtt:?}");
        assert!(session.stats().rtcp_received >= 3);
    }
    assert_eq!(pair.a.stats().remote_fraction_lost, 0.0);
}

#[test]
fn a_bye_from_the_peer_is_reported() {
    let mut pair = Pair::new(Codec::Pcmu);
    pair.tick(&SILENT_FRAME);
    let mut buf = [0u8; 1500];
    let mut back = [0u8; 1500];
    let tx = pair
        .b
        .push_frame(pair.now, &SILENT_FRAME, &mut back)
        .unwrap();
    pair.a
        .receive(pair.now, pair.b_addr, &mut back[..tx.len])
        .unwrap();
    let tx = pair.b.bye(pair.now, &mut buf).unwrap();
    pair.a
        .receive_rtcp(pair.now, pair.b_addr, &mut buf[..tx.len])
        .unwrap();
    assert!(events(&mut pair.a).contains(&SessionEvent::Bye { ssrc: 0xBBBB_0002 }));
}

#[test]
fn with_srtp_plain_or_forged_packets_are_dropped_before_they_can_latch() {
    let mut pair = Pair::with_srtp(Codec::Pcmu, true);
    let stranger = addr("203.0.113.66:9999");
    let mut plain = rtp_from(0x1234, 1);
    plain.extend_from_slice(&[0; 10]);
    assert_eq!(
        pair.b.receive_rtp(pair.now, stranger, &mut plain),
        Err(Dropped::Unprotect)
    );
    assert_eq!(pair.b.rtp_target(), pair.a_addr, "still the SDP address");
    assert_eq!(pair.b.stats().unprotect_failures, 1);
    // A replayed genuine packet is dropped too.
    let mut buf = [0u8; 1500];
    let tx = pair
        .a
        .push_frame(pair.now, &SILENT_FRAME, &mut buf)
        .unwrap();
    assert_eq!(tx.len, 12 + 160 + 10);
    let mut copy = buf[..tx.len].to_vec();
    pair.b
        .receive(pair.now, pair.a_addr, &mut buf[..tx.len])
        .unwrap();
    assert_eq!(
        pair.b.receive(pair.now, pair.a_addr, &mut copy),
        Err(Dropped::Unprotect)
    );
}

#[test]
fn keys_and_reports_cross_over_srtp() {
    let mut pair = Pair::with_srtp(Codec::G722, true);
    pair.a.send_dtmf(&[Tone::Digit(4)], None);
    for tick in 0..300u64 {
        pair.tick(&tone_frame(tick, 1000.0));
        let mut buf = [0u8; 1500];
        if let Some(tx) = pair.a.poll_rtcp(pair.now, &mut buf) {
            pair.b
                .receive(pair.now, pair.a_addr, &mut buf[..tx.len])
                .unwrap();
        }
    }
    let got = events(&mut pair.b);
    assert!(got.contains(&SessionEvent::Dtmf {
        tone: Tone::Digit(4),
        duration_ms: 50
    }));
    assert!(pair.b.stats().rtcp_received >= 1);
    assert_eq!(pair.b.stats().unprotect_failures, 0);
}

#[test]
fn a_leg_fits_in_a_few_tens_of_kib_and_says_so() {
    for codec in [Codec::Pcmu, Codec::G722] {
        let session = RtpSession::new(
            SessionConfig::new(codec, 1, addr("192.0.2.1:7000")),
            Instant::now(),
        );
        let bytes = session.footprint();
        // 16 jitter slots of 500 bytes, the frames the session keeps, codec state.
        assert!(bytes > 8_000 && bytes < 40_000, "{codec:?}: {bytes} bytes");
        println!("{codec:?}: {bytes} bytes per leg");
    }
}

#[test]
fn a_restarted_inactivity_clock_times_out_again_from_the_restart() {
    let start = Instant::now();
    let peer = addr("192.0.2.10:7000");
    let mut config = SessionConfig::new(Codec::Pcmu, 1, peer);
    config.inactivity_timeout = Duration::from_secs(10);
    let mut s = RtpSession::new(config, start);
    s.handle_timeout(start + Duration::from_secs(10));
    let timeouts = |s: &mut RtpSession| {
        events(s)
            .into_iter()
            .filter(|e| matches!(e, SessionEvent::RtpTimeout { .. }))
            .count()
    };
    assert_eq!(timeouts(&mut s), 1);
    s.restart_inactivity(start + Duration::from_secs(20));
    s.handle_timeout(start + Duration::from_secs(29));
    assert_eq!(
        timeouts(&mut s),
        0,
        "not before the restart plus the timeout"
    );
    s.handle_timeout(start + Duration::from_secs(30));
    assert_eq!(
        events(&mut s),
        vec![SessionEvent::RtpTimeout {
            silent_for: Duration::from_secs(10)
        }]
    );
}

#[test]
fn new_srtp_keys_take_over_both_ways_and_the_same_keys_change_nothing() {
    let mut pair = Pair::with_srtp(Codec::Pcmu, true);
    for tick in 0..5 {
        pair.tick(&tone_frame(tick, 1000.0));
    }
    assert_eq!(pair.b.stats().packets_received, 5);
    // The same keys again: the contexts (and their replay windows) carry on.
    let same = pair.b.config().srtp.clone();
    pair.b.set_srtp(same);
    pair.tick(&tone_frame(5, 1000.0));
    assert_eq!(pair.b.stats().packets_received, 6);
    // B moves to new keys before A does: A's packets no longer authenticate.
    let (ka, kb) = (key(7), key(8));
    pair.b.set_srtp(Some(SrtpKeys {
        send: kb.clone(),
        receive: ka.clone(),
    }));
    pair.tick(&tone_frame(6, 1000.0));
    assert_eq!(pair.b.stats().unprotect_failures, 1);
    pair.a.set_srtp(Some(SrtpKeys {
        send: ka,
        receive: kb,
    }));
    for tick in 7..12 {
        pair.tick(&tone_frame(tick, 1000.0));
    }
    assert_eq!(pair.b.stats().packets_received, 11);
    assert_eq!(pair.b.stats().unprotect_failures, 1);
    // Plain RTP from now on, both sides.
    pair.a.set_srtp(None);
    pair.b.set_srtp(None);
    let mut buf = [0u8; 1500];
    let tx = pair
        .a
        .push_frame(pair.now, &SILENT_FRAME, &mut buf)
        .unwrap();
    assert_eq!(tx.len, 12 + 160, "no authentication tag");
    pair.b
        .receive(pair.now, pair.a_addr, &mut buf[..tx.len])
        .unwrap();
}
