//! [`RtpSession`]: one call leg's RTP and RTCP, sans-IO, on explicit time.
//!
//! The caller (a media shard) owns the sockets and the clock. Per 20 ms tick, for each leg:
//! hand every datagram that arrived to [`RtpSession::receive`] (or `receive_rtp` /
//! `receive_rtcp` on separate ports), pull the leg's inbound frame with
//! [`RtpSession::pull_frame`], push its outbound frame with [`RtpSession::push_frame`] (which writes
//! the packet into the caller's buffer and says where to send it), send what
//! [`RtpSession::poll_rtcp`] writes when a report is due, and drain [`RtpSession::poll_event`].
//! Nothing on these paths allocates: buffers are the caller's, and the session's own (jitter
//! buffer slots, codec state, event queue) are sized when it is built.
//!
//! Rules:
//! - **Symmetric RTP / latching** (RFC 4961, RFC 7362, sip-gateway.md §1a): media goes to the
//!   SDP address until the first valid packet arrives (it parses, carries a negotiated payload
//!   type and, with SRTP, authenticates); from then on to that packet's source. A later packet
//!   from another address moves the latch only if it carries the latched SSRC (a NAT rebinding)
//!   or arrives within the grace period after the latch or the last SDP update; other sources are
//!   dropped and counted. RTCP latches the same way, independently.
//! - **Inactivity**: no valid RTP for `inactivity_timeout` (default 30 s, linphone's
//!   `nortp_timeout`) reports [`SessionEvent::RtpTimeout`] once; the next packet reports
//!   [`SessionEvent::RtpResumed`].
//! - **RTCP** (RFC 3550 §6): an SR while we send, else an RR, with SDES CNAME, at the start plus
//!   half an interval and then every interval (default 5 s) scaled by a factor in [0.5, 1.5)
//!   drawn from a generator seeded by the SSRC (so legs on a shard do not report in lockstep). A
//!   peer's SR gives LSR/DLSR for our reports; its report blocks about us give the round-trip time.
//! - **SRTP** (`config.srtp`): every RTP/RTCP packet in is authenticated (replay-checked, then
//!   decrypted in place) before it can latch or count; every packet out is protected in the
//!   caller's buffer (10 more bytes per RTP packet, 14 per RTCP compound).
//! - **SSRC change** from the latched source: statistics, jitter buffer and DTMF state restart.

mod control;
mod inbound;
mod outbound;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::codec::{Codec, Decoder, Encoder};
use crate::dtmf::{DtmfReceiver, DtmfSender};
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats};
use crate::srtp::{MasterKey, SrtpContext};
use crate::stats::ReceiveStats;
use ringside_model::Tone;

/// Events kept at most; older ones are dropped if the caller does not drain them.
const MAX_EVENTS: usize = 32;

/// The negotiated parameters of one leg (from the SDP offer/answer) and local choices.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The audio codec.
    pub codec: Codec,
    /// Its payload type (normally the static one).
    pub payload_type: u8,
    /// The telephone-event payload type, if negotiated.
    pub telephone_event: Option<u8>,
    /// The comfort-noise payload type accepted as silence (default 13).
    pub comfort_noise: Option<u8>,
    /// Our SSRC (the caller draws it at random).
    pub local_ssrc: u32,
    /// First sequence number (random).
    pub initial_sequence: u16,
    /// First RTP timestamp (random).
    pub initial_timestamp: u32,
    /// Our SDES CNAME.
    pub cname: String,
    /// The SDP's RTP address (`c=` and `m=` port).
    pub remote_rtp: SocketAddr,
    /// The SDP's RTCP address (`a=rtcp` or port + 1); `None` with rtcp-mux.
    pub remote_rtcp: Option<SocketAddr>,
    /// The wall clock at `now` when the session is built, as a 64-bit NTP timestamp.
    pub ntp_at_start: u64,
    /// Jitter buffer limits.
    pub jitter: JitterConfig,
    /// How long after a latch (or an SDP update) another source may take over.
    pub latch_grace: Duration,
    /// No RTP for this long reports [`SessionEvent::RtpTimeout`].
    pub inactivity_timeout: Duration,
    /// The RTCP report interval before randomisation.
    pub rtcp_interval: Duration,
    /// SDES-SRTP keys (`RTP/SAVP`), or `None` for plain RTP.
    pub srtp: Option<SrtpKeys>,
}

/// The two SDES keys of a leg (RFC 4568: each side's `a=crypto` key is the one it sends with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    /// Ours: what we offered or answered; protects what we send.
    pub send: MasterKey,
    /// The peer's: unprotects what we receive.
    pub receive: MasterKey,
}

impl SessionConfig {
    /// Defaults for `codec` at its static payload type, sending to `remote_rtp` (RTCP on the next
    /// port).
    pub fn new(codec: Codec, local_ssrc: u32, remote_rtp: SocketAddr) -> SessionConfig {
        let mut remote_rtcp = remote_rtp;
        remote_rtcp.set_port(remote_rtp.port().wrapping_add(1));
        SessionConfig {
            codec,
            payload_type: codec.payload_type(),
            telephone_event: Some(101),
            comfort_noise: Some(13),
            local_ssrc,
            initial_sequence: (local_ssrc >> 16) as u16,
            initial_timestamp: local_ssrc.rotate_left(7),
            cname: format!("ringside-{local_ssrc:08x}"),
            remote_rtp,
            remote_rtcp: Some(remote_rtcp),
            ntp_at_start: 0,
            jitter: JitterConfig::default(),
            latch_grace: Duration::from_secs(2),
            inactivity_timeout: Duration::from_secs(30),
            rtcp_interval: Duration::from_secs(5),
            srtp: None,
        }
    }
}

/// Something the caller should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    /// RTP now goes to this source's address (first packet, NAT rebinding, or a new source in the
    /// grace period).
    Latched {
        /// The new destination.
        address: SocketAddr,
        /// The source's SSRC.
        ssrc: u32,
    },
    /// The remote source changed its SSRC.
    SourceChanged {
        /// The new SSRC.
        ssrc: u32,
    },
    /// A key was received (RFC 4733), reported once with its duration.
    Dtmf {
        /// The key.
        tone: Tone,
        /// How long it was held, in ms.
        duration_ms: u32,
    },
    /// No RTP for the inactivity timeout.
    RtpTimeout {
        /// Time since the last packet (or since the start).
        silent_for: Duration,
    },
    /// RTP arrived again after a timeout.
    RtpResumed,
    /// The peer sent an RTCP BYE for its source.
    Bye {
        /// The source leaving.
        ssrc: u32,
    },
}

/// Where to send a packet the session wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Bytes written at the start of the caller's buffer.
    pub len: usize,
    /// The destination.
    pub to: SocketAddr,
}

/// Why a received datagram was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// Not a valid RTP/RTCP packet.
    Malformed,
    /// A payload type that was not negotiated.
    UnknownPayloadType,
    /// From an address that may not take over the latch.
    UnlatchedSource,
    /// A sequence jump (RFC 3550 A.1) awaiting confirmation.
    BadSequence,
    /// SRTP authentication or replay check failed.
    Unprotect,
    /// The jitter buffer refused it (duplicate, late, too large).
    JitterBuffer,
}

/// Counters and current state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SessionStats {
    /// RTP packets received and used.
    pub packets_received: u64,
    /// Payload bytes of those.
    pub octets_received: u64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub octets_sent: u64,
    /// Datagrams dropped (every [`Dropped`] reason).
    pub dropped: u64,
    /// Of those, from a source that may not take over the latch.
    pub rejected_sources: u64,
    /// Of those, failing SRTP/SRTCP authentication or replay checks.
    pub unprotect_failures: u64,
    /// Interarrival jitter of what we receive, in ms (RFC 3550 A.8).
    pub jitter_ms: f64,
    /// Packets lost in what we receive (RFC 3550 cumulative).
    pub cumulative_lost: i64,
    /// The latest round-trip time from RTCP.
    pub round_trip: Option<Duration>,
    /// The peer's view of our stream: fraction lost (0-1) and jitter in ms, from its last report.
    pub remote_fraction_lost: f64,
    /// See above.
    pub remote_jitter_ms: f64,
    /// RTCP compounds sent and received.
    pub rtcp_sent: u64,
    /// See above.
    pub rtcp_received: u64,
    /// The jitter buffer.
    pub jitter_buffer: JitterStats,
}

/// Where media goes and who may move it.
#[derive(Debug, Clone, Copy)]
struct Latch {
    target: SocketAddr,
    ssrc: Option<u32>,
    /// Another source may take over until then.
    open_until: Instant,
    grace: Duration,
}

/// One leg's RTP session.
#[derive(Debug)]
pub struct RtpSession {
    config: SessionConfig,
    start: Instant,
    rtp_latch: Latch,
    rtcp_latch: Latch,
    // Inbound.
    remote_ssrc: Option<u32>,
    receive_stats: ReceiveStats,
    jitter: JitterBuffer,
    decoder: Decoder,
    dtmf_in: DtmfReceiver,
    last_received: Option<Instant>,
    timed_out: bool,
    // Outbound.
    encoder: Encoder,
    dtmf_out: DtmfSender,
    sequence: u16,
    timestamp: u32,
    last_push: Option<Instant>,
    last_sent: Option<(Instant, u32)>,
    // RTCP.
    next_report: Instant,
    rng: u32,
    last_sr: Option<(u32, Instant)>,
    sent_at_last_report: u64,
    events: VecDeque<SessionEvent>,
    stats: SessionStats,
    srtp_in: Option<SrtpContext>,
    srtp_out: Option<SrtpContext>,
}

impl RtpSession {
    /// A session starting at `now`.
    pub fn new(config: SessionConfig, now: Instant) -> RtpSession {
        let closed = |target| Latch {
            target,
            ssrc: None,
            open_until: now + config.latch_grace,
            grace: config.latch_grace,
        };
        let rtcp_target = config.remote_rtcp.unwrap_or(config.remote_rtp);
        let clock = config.codec.clock_rate();
        let mut session = RtpSession {
            start: now,
            rtp_latch: closed(config.remote_rtp),
            rtcp_latch: closed(rtcp_target),
            remote_ssrc: None,
            receive_stats: ReceiveStats::default(),
            jitter: JitterBuffer::new(config.jitter),
            decoder: Decoder::new(config.codec),
            dtmf_in: DtmfReceiver::new(clock),
            last_received: None,
            timed_out: false,
            encoder: Encoder::new(config.codec),
            dtmf_out: DtmfSender::new(clock),
            sequence: config.initial_sequence,
            timestamp: config.initial_timestamp,
            last_push: None,
            last_sent: None,
            next_report: now,
            rng: config.local_ssrc | 1,
            last_sr: None,
            sent_at_last_report: 0,
            events: VecDeque::with_capacity(MAX_EVENTS),
            stats: SessionStats::default(),
            srtp_in: config.srtp.as_ref().map(|k| SrtpContext::new(&k.receive)),
            srtp_out: config.srtp.as_ref().map(|k| SrtpContext::new(&k.send)),
            config,
        };
        session.next_report = now + session.report_interval() / 2;
        session
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Where RTP goes now (the latched source, or the SDP address).
    pub fn rtp_target(&self) -> SocketAddr {
        self.rtp_latch.target
    }

    /// Where RTCP goes now.
    pub fn rtcp_target(&self) -> SocketAddr {
        self.rtcp_latch.target
    }

    /// The remote SSRC, once a packet has been accepted.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.remote_ssrc
    }

    /// A new SDP address from a re-INVITE: media goes there and latching opens again.
    pub fn update_remote(&mut self, now: Instant, rtp: SocketAddr, rtcp: Option<SocketAddr>) {
        let grace = self.config.latch_grace;
        self.config.remote_rtp = rtp;
        self.config.remote_rtcp = rtcp;
        let open = |target| Latch {
            target,
            ssrc: None,
            open_until: now + grace,
            grace,
        };
        self.rtp_latch = open(rtp);
        self.rtcp_latch = open(rtcp.unwrap_or(rtp));
    }

    /// New SDES keys from a re-INVITE (`None`: plain RTP from now on). Keys equal to the current
    /// ones change nothing (the rollover counters and replay windows carry on); new keys start new
    /// SRTP/SRTCP contexts both ways (RFC 4568 §6.1: a new key is a new cryptographic context).
    pub fn set_srtp(&mut self, keys: Option<SrtpKeys>) {
        if keys == self.config.srtp {
            return;
        }
        self.srtp_in = keys.as_ref().map(|k| SrtpContext::new(&k.receive));
        self.srtp_out = keys.as_ref().map(|k| SrtpContext::new(&k.send));
        self.config.srtp = keys;
    }

    /// Restarts the inactivity clock at `now`: the next [`SessionEvent::RtpTimeout`] comes
    /// `inactivity_timeout` after `now` unless RTP arrives, even if one was already reported.
    /// For the caller whose peer was not expected to send for a while (a hold, RFC 3264
    /// `sendonly`/`inactive`) and is now.
    pub fn restart_inactivity(&mut self, now: Instant) {
        self.last_received = Some(now);
        self.timed_out = false;
    }

    /// Queues keys to send as RFC 4733 events (`duration_ms` each, default 50). Returns how many
    /// were queued: 0 when telephone-event was not negotiated (send them in-band or by INFO).
    pub fn send_dtmf(&mut self, tones: &[Tone], duration_ms: Option<u32>) -> usize {
        if self.config.telephone_event.is_none() {
            return 0;
        }
        self.dtmf_out.send(tones, duration_ms)
    }

    /// True while keys are queued or going out.
    pub fn is_sending_dtmf(&self) -> bool {
        self.dtmf_out.is_busy()
    }

    /// Memory of this session: its own size plus what it holds on the heap.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<RtpSession>()
            + self.jitter.heap_bytes()
            + self.decoder.heap_bytes()
            + self.encoder.heap_bytes()
            + self.events.capacity() * std::mem::size_of::<SessionEvent>()
            + self.config.cname.capacity()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Counters and current state.
    pub fn stats(&self) -> SessionStats {
        let clock = f64::from(self.config.codec.clock_rate());
        SessionStats {
            jitter_ms: f64::from(self.receive_stats.jitter()) * 1000.0 / clock,
            cumulative_lost: self.receive_stats.cumulative_lost(),
            jitter_buffer: self.jitter.stats(),
            ..self.stats
        }
    }

    /// `now` on the RTP clock (wrapping), for arrival times and SR timestamps.
    fn clock_ticks(&self, now: Instant) -> u32 {
        let elapsed = now.saturating_duration_since(self.start);
        let ticks = elapsed.as_micros() * u128::from(self.config.codec.clock_rate()) / 1_000_000;
        ticks as u32
    }

    /// `now` as a 64-bit NTP timestamp.
    fn ntp(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start);
        let fraction = (u64::from(elapsed.subsec_nanos()) << 32) / 1_000_000_000;
        self.config
            .ntp_at_start
            .wrapping_add((elapsed.as_secs() << 32) | fraction)
    }
}
