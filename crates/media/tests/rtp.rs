//! RTP legs in the media plane, on the [`ManualClock`] with real sockets on 127.0.0.1: a "phone"
//! (an `RtpSession` of its own behind a UDP socket) talks to a conversation's RTP leg; the test
//! checks what reaches the mix (a stream tap on the bot leg), what comes back as RTP (decoded by
//! the phone), RFC 4733 and in-band keys, hold, timeouts, BYE, detach, codecs, SRTP, and that
//! garbage is dropped and counted.

use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ringside_audio::{testsignal, DtmfGenerator, Frame, Prompt, FRAME_SAMPLES, SILENT_FRAME};
use ringside_engine::{Audience, ConversationId, LegId, MediaSignal, OperationId};
use ringside_media::{
    EndpointEvent, ManualClock, MediaCommand, MediaOutput, RtpCodec, RtpConfig, RtpDirection,
    RtpTransport, SrtpKeys, StreamChannel, StreamId, StreamRate,
};
use ringside_model::{Guid, Tone};
use ringside_rtp::{MasterKey, RtpSession, SessionEvent};

const FRAME: Duration = Duration::from_millis(20);
const CONVERSATION: ConversationId = ConversationId(Guid::from_u128(0xC0));
const BOT: LegId = LegId(Guid::from_u128(0xB0));
const PHONE: LegId = LegId(Guid::from_u128(0xF0));
const STREAM: StreamId = StreamId(7);
/// The phone speaks at 1 kHz; the bot's prompt is at 600 Hz.
const PHONE_HZ: f64 = 1000.0;
const PROMPT_HZ: f64 = 600.0;

fn socket() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_nonblocking(true).expect("non-blocking");
    s
}

fn addr(s: &UdpSocket) -> SocketAddr {
    s.local_addr().expect("address")
}

fn key(seed: u8) -> MasterKey {
    MasterKey {
        key: [seed; 16],
        salt: [seed ^ 0x5A; 14],
    }
}

/// Relative power of `hz` in `samples` (16 kHz): Goertzel power over the signal's energy, about
/// 0.5 for a pure tone at `hz`, near 0 without it.
fn tone_share(samples: &[i16], hz: f64) -> f64 {
    let n = samples.len() as f64;
    let w = 2.0 * std::f64::consts::PI * hz / 16_000.0;
    let (mut s1, mut s2) = (0.0, 0.0);
    let mut energy = 0.0;
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    if energy < 1.0 {
        0.0
    } else {
        power / (energy * n / 2.0)
    }
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

fn tone_frame(frame: u64, hz: f64) -> Frame {
    let mut out = SILENT_FRAME;
    for (i, s) in out.iter_mut().enumerate() {
        let t = (frame as usize * FRAME_SAMPLES + i) as f64 / 16_000.0;
        *s = (8_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
    }
    out
}

/// The phone: a socket and an `RtpSession` of its own, talking to the leg's socket.
struct Phone {
    socket: UdpSocket,
    session: RtpSession,
    /// What it heard, frame by frame.
    heard: Vec<Frame>,
    /// Datagrams it received.
    datagrams: usize,
    events: Vec<SessionEvent>,
}

impl Phone {
    /// Sends one frame of `voice` (or nothing) now.
    fn speak(&mut self, now: Instant, voice: Option<&Frame>) {
        let mut buf = [0u8; 1500];
        if let Some(voice) = voice {
            if let Some(tx) = self.session.push_frame(now, voice, &mut buf) {
                let _ = self.socket.send_to(&buf[..tx.len], tx.to);
            }
        }
    }

    /// Reads what arrived and plays one frame out.
    fn listen(&mut self, now: Instant) {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = self.socket.recv_from(&mut buf) {
            self.datagrams += 1;
            let _ = self.session.receive(now, from, &mut buf[..n]);
        }
        let mut frame = SILENT_FRAME;
        self.session.pull_frame(now, &mut frame);
        self.heard.push(frame);
        self.events
            .extend(std::iter::from_fn(|| self.session.poll_event()));
    }
}

struct Call {
    clock: ManualClock,
    outputs: Arc<Mutex<Vec<MediaOutput>>>,
    now: Instant,
    frames: u64,
    phone: Phone,
    leg_addr: SocketAddr,
}

struct Setup {
    codec: RtpCodec,
    srtp: bool,
    inactivity: Duration,
    /// Attach before the leg is connected.
    attach_first: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            codec: RtpCodec::Pcmu,
            srtp: false,
            inactivity: Duration::from_secs(30),
            attach_first: false,
        }
    }
}

impl Call {
    /// A conversation with a bot leg and an RTP leg, a stream tap on the bot (the phone's voice,
    /// unmixed) and a phone talking to the leg's socket.
    fn new(setup: Setup) -> Call {
        let start = Instant::now();
        let outputs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&outputs);
        let clock = ManualClock::start(1, start, move |o| sink.lock().expect("sink").push(o));
        let (leg_socket, phone_socket) = (socket(), socket());
        let leg_addr = addr(&leg_socket);
        let mut leg_config = RtpConfig::new(setup.codec, 0x1E6_0001, addr(&phone_socket));
        leg_config.remote_rtcp = None;
        leg_config.inactivity_timeout = setup.inactivity;
        let mut phone_config = RtpConfig::new(setup.codec, 0xF0E_0002, leg_addr);
        phone_config.remote_rtcp = None;
        if setup.srtp {
            leg_config.srtp = Some(SrtpKeys {
                send: key(1),
                receive: key(2),
            });
            phone_config.srtp = Some(SrtpKeys {
                send: key(2),
                receive: key(1),
            });
        }
        let attach = MediaCommand::AttachRtp {
            conversation: CONVERSATION,
            leg: PHONE,
            transport: Box::new(RtpTransport {
                rtp: Arc::new(leg_socket),
                rtcp: None,
                config: leg_config,
            }),
        };
        clock.send(MediaCommand::CreateMix {
            conversation: CONVERSATION,
        });
        if setup.attach_first {
            clock.send(attach.clone());
        }
        for leg in [BOT, PHONE] {
            clock.send(MediaCommand::ConnectMedia {
                conversation: CONVERSATION,
                leg,
            });
        }
        if !setup.attach_first {
            clock.send(attach);
        }
        clock.send(MediaCommand::StartStream {
            conversation: CONVERSATION,
            leg: BOT,
            stream: STREAM,
            channel: StreamChannel::Unmixed,
            rate: StreamRate::Khz16,
        });
        Call {
            clock,
            outputs,
            now: start,
            frames: 0,
            phone: Phone {
                socket: phone_socket,
                session: RtpSession::new(phone_config, start),
                heard: Vec::new(),
                datagrams: 0,
                events: Vec::new(),
            },
            leg_addr,
        }
    }

    fn send(&self, command: MediaCommand) {
        self.clock.send(command);
    }

    /// `n` frames: the phone sends `voice(frame)` (if any), the clock ticks 20 ms, the phone
    /// listens.
    fn run(&mut self, n: u64, mut voice: impl FnMut(u64) -> Option<Frame>) {
        for _ in 0..n {
            let frame = voice(self.frames);
            self.phone.speak(self.now, frame.as_ref());
            self.now += FRAME;
            self.clock.tick_until(self.now);
            self.phone.listen(self.now);
            self.frames += 1;
        }
    }

    fn talk(&mut self, n: u64) {
        self.run(n, |f| Some(tone_frame(f, PHONE_HZ)));
    }

    fn take(&self) -> Vec<MediaOutput> {
        std::mem::take(&mut *self.outputs.lock().expect("outputs"))
    }

    /// The phone's voice as the bot's stream tap carried it, frame by frame, from `outputs`.
    fn phone_voice(outputs: &[MediaOutput]) -> Vec<Vec<i16>> {
        outputs
            .iter()
            .filter_map(|o| match o {
                MediaOutput::StreamFrames(frames) => Some(frames),
                _ => None,
            })
            .flatten()
            .filter(|f| f.participant == Some(PHONE))
            .map(|f| f.samples.clone())
            .collect()
    }

    fn phone_events(outputs: &[MediaOutput]) -> Vec<EndpointEvent> {
        outputs
            .iter()
            .filter_map(|o| match o {
                MediaOutput::Endpoint {
                    conversation: CONVERSATION,
                    leg: PHONE,
                    event,
                } => Some(event.clone()),
                _ => None,
            })
            .collect()
    }

    fn prompt(&self, seconds: f64) {
        let samples = testsignal::sine(PROMPT_HZ, -12.0, (16_000.0 * seconds) as usize);
        self.send(MediaCommand::StartPrompt {
            conversation: CONVERSATION,
            leg: BOT,
            operation: OperationId(Guid::from_u128(0x0B)),
            prompts: vec![Arc::new(Prompt::from_samples(samples))],
            audience: Audience::Conversation,
            looped: false,
        });
    }
}

fn assert_tone(samples: &[i16], hz: f64, what: &str) {
    let share = tone_share(samples, hz);
    assert!(
        share > 0.3 && rms(samples) > 500.0,
        "{what}: {hz} Hz share {share:.3}, rms {:.0}",
        rms(samples)
    );
}

/// The phone is heard in the call and hears the bot's prompt, with every codec and with SRTP.
#[test]
fn a_phone_is_heard_in_the_call_and_hears_the_prompt_in_every_codec() {
    for (codec, srtp) in [
        (RtpCodec::Pcmu, false),
        (RtpCodec::Pcma, false),
        (RtpCodec::G722, false),
        (RtpCodec::Pcmu, true),
    ] {
        let what = format!("{codec:?}{}", if srtp { " + SRTP" } else { "" });
        let mut call = Call::new(Setup {
            codec,
            srtp,
            ..Setup::default()
        });
        call.talk(5);
        call.prompt(2.0);
        call.talk(50);
        let outputs = call.take();
        let voice = Call::phone_voice(&outputs);
        let last: Vec<i16> = voice.iter().rev().take(10).flatten().copied().collect();
        assert_tone(&last, PHONE_HZ, &format!("{what}: the phone in the mix"));
        assert!(tone_share(&last, PROMPT_HZ) < 0.01, "{what}");
        let heard: Vec<i16> = call
            .phone
            .heard
            .iter()
            .rev()
            .take(10)
            .flatten()
            .copied()
            .collect();
        assert_tone(
            &heard,
            PROMPT_HZ,
            &format!("{what}: the prompt at the phone"),
        );
        assert!(
            tone_share(&heard, PHONE_HZ) < 0.01,
            "{what}: N-1: the phone does not hear itself"
        );
        assert!(outputs.iter().any(|o| matches!(
            o,
            MediaOutput::Engine {
                signal: MediaSignal::PromptStarted { .. },
                ..
            }
        )));
        let stats = call.clock.stats();
        assert_eq!(stats.rtp.legs, 1);
        assert_eq!(stats.rtp.packets_in, 55, "{what}");
        assert!(stats.rtp.packets_out >= 55, "{what}: {:?}", stats.rtp);
        assert_eq!(stats.rtp.dropped.total(), 0, "{what}: {:?}", stats.rtp);
        assert_eq!(call.phone.session.stats().unprotect_failures, 0);
    }
}

#[test]
fn an_rfc4733_key_arrives_once_as_a_key_press_and_keys_go_out_as_events() {
    let mut call = Call::new(Setup::default());
    call.talk(5);
    call.phone.session.send_dtmf(&[Tone::Digit(5)], Some(100));
    call.talk(30);
    let keys: Vec<EndpointEvent> = Call::phone_events(&call.take())
        .into_iter()
        .filter(|e| matches!(e, EndpointEvent::KeyPressed { .. }))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(matches!(
        keys[0],
        EndpointEvent::KeyPressed {
            tone: Tone::Digit(5),
            in_band: false,
            at_ms,
        } if at_ms > 100 && at_ms < 600
    ));
    // And the other way: keys to the phone as telephone-events.
    call.send(MediaCommand::SendRtpDtmf {
        conversation: CONVERSATION,
        leg: PHONE,
        tones: vec![Tone::Star, Tone::Digit(1)],
    });
    call.talk(40);
    let received: Vec<Tone> = call
        .phone
        .events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Dtmf { tone, .. } => Some(*tone),
            _ => None,
        })
        .collect();
    assert_eq!(received, vec![Tone::Star, Tone::Digit(1)]);
}

#[test]
fn in_band_keys_in_the_phones_audio_are_detected_as_its_tones() {
    let mut call = Call::new(Setup::default());
    call.send(MediaCommand::StartToneDetection {
        conversation: CONVERSATION,
        leg: BOT,
    });
    let mut generator = DtmfGenerator::default();
    generator.send(&[Tone::Digit(7)]);
    call.talk(3);
    call.run(20, |_| {
        let mut f = SILENT_FRAME;
        generator.next_frame(&mut f, |_| {});
        Some(f)
    });
    let detected: Vec<MediaSignal> = call
        .take()
        .into_iter()
        .filter_map(|o| match o {
            MediaOutput::Engine { signal, .. } => Some(signal),
            _ => None,
        })
        .filter(|s| matches!(s, MediaSignal::ToneDetected { .. }))
        .collect();
    assert_eq!(
        detected,
        vec![MediaSignal::ToneDetected {
            leg: PHONE,
            tone: Tone::Digit(7)
        }]
    );
}

#[test]
fn hold_stops_the_phones_audio_reaching_the_mix_or_ours_reaching_it() {
    let mut call = Call::new(Setup::default());
    call.prompt(10.0);
    call.talk(20);
    let voice = Call::phone_voice(&call.take());
    assert_tone(voice.last().expect("frames"), PHONE_HZ, "before the hold");
    let phone = addr(&call.phone.socket);
    let update = |direction| MediaCommand::UpdateRtp {
        conversation: CONVERSATION,
        leg: PHONE,
        remote_rtp: phone,
        remote_rtcp: None,
        direction,
        srtp: None,
    };
    // SendOnly: the phone is not heard, but still hears us.
    call.send(update(RtpDirection::SendOnly));
    call.talk(20);
    let voice = Call::phone_voice(&call.take());
    assert!(voice.iter().skip(1).all(|f| rms(f) == 0.0), "held: silent");
    let before = call.phone.datagrams;
    call.talk(10);
    assert!(call.phone.datagrams >= before + 10, "still sent to");
    // RecvOnly: heard again, but nothing is sent to the phone.
    call.send(update(RtpDirection::RecvOnly));
    call.talk(2);
    let before = call.phone.datagrams;
    call.talk(20);
    assert_eq!(call.phone.datagrams, before, "nothing sent");
    let voice = Call::phone_voice(&call.take());
    assert_tone(voice.last().expect("frames"), PHONE_HZ, "heard again");
    // Back to both ways.
    call.send(update(RtpDirection::SendRecv));
    call.talk(20);
    assert!(call.phone.datagrams >= before + 19);
    let heard: Vec<i16> = call
        .phone
        .heard
        .iter()
        .rev()
        .take(5)
        .flatten()
        .copied()
        .collect();
    assert_tone(&heard, PROMPT_HZ, "hears the prompt again");
}

#[test]
fn silence_on_the_wire_times_out_and_a_bye_is_reported() {
    let mut call = Call::new(Setup {
        inactivity: Duration::from_secs(1),
        ..Setup::default()
    });
    call.talk(10);
    call.run(60, |_| None);
    let events = Call::phone_events(&call.take());
    let timeouts: Vec<&EndpointEvent> = events
        .iter()
        .filter(|e| matches!(e, EndpointEvent::RtpTimeout { .. }))
        .collect();
    assert_eq!(timeouts.len(), 1, "{events:?}");
    assert!(matches!(
        timeouts[0],
        EndpointEvent::RtpTimeout { silent_for } if *silent_for >= Duration::from_secs(1)
            && *silent_for < Duration::from_millis(1100)
    ));
    let mut buf = [0u8; 1500];
    let tx = call.phone.session.bye(call.now, &mut buf).expect("bye");
    call.phone
        .socket
        .send_to(&buf[..tx.len], call.leg_addr)
        .expect("send");
    call.run(2, |_| None);
    assert_eq!(
        Call::phone_events(&call.take()),
        vec![EndpointEvent::RtpBye]
    );
}

#[test]
fn detach_sends_a_bye_and_reports_the_sessions_figures_once() {
    let mut call = Call::new(Setup::default());
    call.talk(50);
    call.send(MediaCommand::DetachRtp {
        conversation: CONVERSATION,
        leg: PHONE,
    });
    call.talk(3);
    let events = Call::phone_events(&call.take());
    let stats = match events.as_slice() {
        [EndpointEvent::RtpDetached { stats }] => **stats,
        other => panic!("{other:?}"),
    };
    assert_eq!(stats.packets_received, 50);
    assert_eq!(stats.packets_sent, 50);
    assert!(stats.octets_sent == 50 * 160);
    assert!(call
        .phone
        .events
        .contains(&SessionEvent::Bye { ssrc: 0x1E6_0001 }));
    let figures = call.clock.stats().rtp;
    assert_eq!(figures.legs, 0);
    assert_eq!(
        figures.packets_in, 50,
        "the last three went to a closed socket"
    );
    // Nothing after the detach; the leg stays in the call, silent.
    let before = call.phone.datagrams;
    call.talk(5);
    assert_eq!(call.phone.datagrams, before);
    assert!(Call::phone_voice(&call.take())
        .iter()
        .all(|f| rms(f) == 0.0));
}

#[test]
fn garbage_and_unknown_payload_types_are_dropped_and_counted() {
    let mut call = Call::new(Setup::default());
    call.talk(5);
    let phone = &call.phone.socket;
    phone
        .send_to(b"not rtp at all", call.leg_addr)
        .expect("send");
    let mut odd = [0u8; 12 + 160];
    odd[0] = 0x80;
    odd[1] = 96; // not negotiated
    phone.send_to(&odd, call.leg_addr).expect("send");
    call.talk(20);
    let figures = call.clock.stats().rtp;
    assert_eq!(figures.dropped.malformed, 1, "{figures:?}");
    assert_eq!(figures.dropped.unknown_payload_type, 1, "{figures:?}");
    assert_eq!(figures.packets_in, 27);
    let voice = Call::phone_voice(&call.take());
    assert_tone(voice.last().expect("frames"), PHONE_HZ, "still heard");
}

#[test]
fn attach_before_connect_works_and_destroying_the_mix_detaches() {
    let mut call = Call::new(Setup {
        attach_first: true,
        codec: RtpCodec::G722,
        ..Setup::default()
    });
    call.talk(30);
    let voice = Call::phone_voice(&call.take());
    assert_tone(voice.last().expect("frames"), PHONE_HZ, "attached first");
    call.send(MediaCommand::DestroyMix {
        conversation: CONVERSATION,
    });
    call.talk(1);
    let events = Call::phone_events(&call.take());
    assert!(
        matches!(events.as_slice(), [EndpointEvent::RtpDetached { stats }] if stats.packets_received == 30),
        "{events:?}"
    );
    assert_eq!(call.clock.stats().rtp.legs, 0);
}

#[test]
fn an_attach_that_cannot_apply_reports_detached_at_once_and_errors_never_stop_the_shard() {
    let mut call = Call::new(Setup::default());
    let stranger = ConversationId(Guid::from_u128(0xDEAD));
    // A leg whose peer is gone: sends to a closed port (ICMP unreachable) must not hurt.
    let gone = addr(&socket());
    let lonely = socket();
    let config = RtpConfig::new(RtpCodec::Pcmu, 9, gone);
    call.send(MediaCommand::AttachRtp {
        conversation: stranger,
        leg: PHONE,
        transport: Box::new(RtpTransport {
            rtp: Arc::new(socket()),
            rtcp: None,
            config: config.clone(),
        }),
    });
    call.send(MediaCommand::CreateMix {
        conversation: stranger,
    });
    call.send(MediaCommand::ConnectMedia {
        conversation: stranger,
        leg: BOT,
    });
    call.send(MediaCommand::AttachRtp {
        conversation: stranger,
        leg: BOT,
        transport: Box::new(RtpTransport {
            rtp: Arc::new(lonely),
            rtcp: Some(Arc::new(socket())),
            config,
        }),
    });
    call.talk(50);
    let outputs = call.take();
    let detached: Vec<&MediaOutput> = outputs
        .iter()
        .filter(|o| {
            matches!(
                o,
                MediaOutput::Endpoint {
                    event: EndpointEvent::RtpDetached { .. },
                    ..
                }
            )
        })
        .collect();
    assert_eq!(detached.len(), 1);
    assert!(matches!(
        detached[0],
        MediaOutput::Endpoint { conversation, leg: PHONE, event: EndpointEvent::RtpDetached { stats } }
            if *conversation == stranger && stats.packets_sent == 0
    ));
    assert_eq!(call.clock.stats().rtp.legs, 2);
    let voice = Call::phone_voice(&outputs);
    assert_tone(
        voice.last().expect("frames"),
        PHONE_HZ,
        "the first call goes on",
    );
}
