//! The inbound half of [`RtpSession`]: RTP in (validation, latching, statistics, dispatch to the
//! jitter buffer or the DTMF receiver) and one decoded frame out per tick.

use std::net::SocketAddr;
use std::time::Instant;

use super::{Dropped, Latch, RtpSession, SessionEvent};
use crate::jitter::{Pulled, Pushed};
use crate::packet::{looks_like_rtcp, RtpPacket};
use crate::stats::{ReceiveStats, SeqVerdict};
use ringside_audio::Frame;

/// What a datagram is on a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayloadKind {
    Audio,
    Event,
    ComfortNoise,
}

impl RtpSession {
    /// A datagram on the RTP port: RTCP when multiplexed (RFC 5761), else RTP.
    pub fn receive(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Result<(), Dropped> {
        if looks_like_rtcp(datagram) {
            self.receive_rtcp(now, from, datagram)
        } else {
            self.receive_rtp(now, from, datagram)
        }
    }

    /// An RTP packet from `from`. The buffer is mutable so SRTP can decrypt in place.
    pub fn receive_rtp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Result<(), Dropped> {
        let result = self.accept_rtp(now, from, datagram);
        if let Err(reason) = result {
            self.stats.dropped += 1;
            match reason {
                Dropped::UnlatchedSource => self.stats.rejected_sources += 1,
                Dropped::Unprotect => self.stats.unprotect_failures += 1,
                _ => {}
            }
        }
        result
    }

    fn accept_rtp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Result<(), Dropped> {
        // The fixed header is in the clear even with SRTP: check it before any crypto.
        let (Some(first), Some(second)) = (datagram.first(), datagram.get(1)) else {
            return Err(Dropped::Malformed);
        };
        if first >> 6 != 2 || datagram.len() < crate::packet::HEADER_LEN {
            return Err(Dropped::Malformed);
        }
        let kind = self
            .payload_kind(second & 0x7F)
            .ok_or(Dropped::UnknownPayloadType)?;
        let len = self.unprotect_rtp(datagram)?;
        let packet = RtpPacket::parse(&datagram[..len]).map_err(|_| Dropped::Malformed)?;
        let ssrc = packet.header.ssrc;
        if !latch(&mut self.rtp_latch, now, from, ssrc, &mut self.events) {
            return Err(Dropped::UnlatchedSource);
        }
        self.note_source(ssrc);
        self.note_activity(now);
        let arrival = self.clock_ticks(now);
        let h = packet.header;
        let seq = match self.receive_stats.update(h.sequence, h.timestamp, arrival) {
            SeqVerdict::Valid(seq) => seq,
            // The RFC's probation packets still play: before the first cycle their extended
            // number is the sequence number itself.
            SeqVerdict::Probation => u64::from(h.sequence),
            SeqVerdict::Bad => return Err(Dropped::BadSequence),
        };
        self.stats.packets_received += 1;
        self.stats.octets_received += packet.payload.len() as u64;
        match kind {
            PayloadKind::Audio => {
                let jitter_ms = self.receive_stats.jitter() * 1000 / self.config.codec.clock_rate();
                self.jitter.set_jitter_ms(jitter_ms);
                match self.jitter.push(seq, h.timestamp, packet.payload) {
                    Pushed::Buffered => Ok(()),
                    _ => Err(Dropped::JitterBuffer),
                }
            }
            PayloadKind::Event => {
                self.jitter.skip_sequence(seq);
                let events = &mut self.events;
                self.dtmf_in
                    .receive(now, h.timestamp, packet.payload, |key| {
                        push(events, dtmf_event(key));
                    });
                Ok(())
            }
            PayloadKind::ComfortNoise => {
                self.jitter.skip_sequence(seq);
                Ok(())
            }
        }
    }

    fn payload_kind(&self, pt: u8) -> Option<PayloadKind> {
        if pt == self.config.payload_type {
            Some(PayloadKind::Audio)
        } else if Some(pt) == self.config.telephone_event {
            Some(PayloadKind::Event)
        } else if Some(pt) == self.config.comfort_noise {
            Some(PayloadKind::ComfortNoise)
        } else {
            None
        }
    }

    /// A new SSRC restarts the receive side.
    fn note_source(&mut self, ssrc: u32) {
        if self.remote_ssrc == Some(ssrc) {
            return;
        }
        if self.remote_ssrc.is_some() {
            self.receive_stats = ReceiveStats::default();
            self.jitter.resync();
            self.dtmf_in = crate::dtmf::DtmfReceiver::new(self.config.codec.clock_rate());
            push(&mut self.events, SessionEvent::SourceChanged { ssrc });
        }
        self.remote_ssrc = Some(ssrc);
    }

    fn note_activity(&mut self, now: Instant) {
        self.last_received = Some(now);
        if self.timed_out {
            self.timed_out = false;
            push(&mut self.events, SessionEvent::RtpResumed);
        }
    }

    /// The next 20 ms of what the peer says, as a 16 kHz frame: decoded, concealed or silent.
    /// Muted while a received telephone-event plays (so the key is not detected in-band too).
    /// Also runs [`handle_timeout`](Self::handle_timeout).
    pub fn pull_frame(&mut self, now: Instant, out: &mut Frame) -> Pulled {
        self.handle_timeout(now);
        let pulled = self.jitter.pull(&mut self.decoder, out);
        if self.dtmf_in.is_active() {
            out.fill(0);
        }
        pulled
    }
}

/// Applies the latching rules to a packet from `from`; false if it must be dropped.
pub(super) fn latch(
    latch: &mut Latch,
    now: Instant,
    from: SocketAddr,
    ssrc: u32,
    events: &mut std::collections::VecDeque<SessionEvent>,
) -> bool {
    let first = latch.ssrc.is_none();
    if !first && latch.target == from {
        latch.ssrc = Some(ssrc);
        return true;
    }
    let rebinding = latch.ssrc == Some(ssrc);
    if !(first || rebinding || now < latch.open_until) {
        return false;
    }
    if first {
        // Others may take over for the grace period after the first latch.
        latch.open_until = latch.open_until.max(now + latch.grace);
    }
    if first || latch.target != from {
        latch.target = from;
        push(
            events,
            SessionEvent::Latched {
                address: from,
                ssrc,
            },
        );
    }
    latch.ssrc = Some(ssrc);
    true
}

fn dtmf_event(key: crate::dtmf::ReceivedKey) -> SessionEvent {
    SessionEvent::Dtmf {
        tone: key.tone,
        duration_ms: key.duration_ms,
    }
}

pub(super) fn push(events: &mut std::collections::VecDeque<SessionEvent>, event: SessionEvent) {
    if events.len() >= super::MAX_EVENTS {
        events.pop_front();
    }
    events.push_back(event);
}
