//! The control side of [`RtpSession`]: RTCP in (SR timing for our reports, round-trip time, the
//! peer's view of our stream, BYE), RTCP out (SR/RR + SDES on the report schedule, BYE), and the
//! timers (inactivity, unfinished telephone-events).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::inbound::{latch, push};
use super::{Dropped, RtpSession, SessionEvent, Transmit};
use crate::rtcp::{Compound, ReportBlock, RtcpPacket, RtcpWriter, SenderInfo};
use crate::stats::{ntp_middle, round_trip};

impl RtpSession {
    /// An RTCP compound from `from` (SRTCP is unprotected in place first).
    pub fn receive_rtcp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Result<(), Dropped> {
        let result = self.accept_rtcp(now, from, datagram);
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

    fn accept_rtcp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &mut [u8],
    ) -> Result<(), Dropped> {
        // The first header is in the clear even with SRTCP: check it before any crypto.
        if datagram.len() < 8 || datagram[0] >> 6 != 2 {
            return Err(Dropped::Malformed);
        }
        let len = self.unprotect_rtcp(datagram)?;
        let compound = Compound::parse(&datagram[..len]).map_err(|_| Dropped::Malformed)?;
        let sender = compound.packets().find_map(|p| match p {
            RtcpPacket::SenderReport { ssrc, .. } | RtcpPacket::ReceiverReport { ssrc, .. } => {
                Some(ssrc)
            }
            _ => None,
        });
        let Some(sender) = sender else {
            return Err(Dropped::Malformed);
        };
        if !latch(&mut self.rtcp_latch, now, from, sender, &mut self.events) {
            return Err(Dropped::UnlatchedSource);
        }
        self.stats.rtcp_received += 1;
        for packet in compound.packets() {
            self.apply_rtcp(now, packet);
        }
        Ok(())
    }

    fn apply_rtcp(&mut self, now: Instant, packet: RtcpPacket<'_>) {
        match packet {
            RtcpPacket::SenderReport { info, reports, .. } => {
                self.last_sr = Some((ntp_middle(info.ntp), now));
                reports.iter().for_each(|b| self.apply_report(now, &b));
            }
            RtcpPacket::ReceiverReport { reports, .. } => {
                reports.iter().for_each(|b| self.apply_report(now, &b));
            }
            RtcpPacket::Goodbye { sources, .. } => {
                for ssrc in sources.chunks_exact(4).map(crate::packet::be32) {
                    if Some(ssrc) == self.remote_ssrc {
                        push(&mut self.events, SessionEvent::Bye { ssrc });
                    }
                }
            }
            RtcpPacket::SourceDescription { .. } | RtcpPacket::Other { .. } => {}
        }
    }

    /// A report block about our stream: the peer's loss and jitter, and the round trip.
    fn apply_report(&mut self, now: Instant, block: &ReportBlock) {
        if block.ssrc != self.config.local_ssrc {
            return;
        }
        let clock = f64::from(self.config.codec.clock_rate());
        self.stats.remote_fraction_lost = f64::from(block.fraction_lost) / 256.0;
        self.stats.remote_jitter_ms = f64::from(block.jitter) * 1000.0 / clock;
        if let Some(rtt) = round_trip(block, self.ntp(now)) {
            let micros = u64::from(rtt) * 1_000_000 / 65_536;
            self.stats.round_trip = Some(Duration::from_micros(micros));
        }
    }

    /// Writes an RTCP report into `out` when one is due (SR if we sent RTP since the last
    /// report, else RR; SDES CNAME), and schedules the next.
    pub fn poll_rtcp(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        if now < self.next_report {
            return None;
        }
        self.next_report = now + self.report_interval();
        let len = self.write_report(now, out, None)?;
        Some(Transmit {
            len,
            to: self.rtcp_latch.target,
        })
    }

    /// A final report with a BYE (when the leg ends).
    pub fn bye(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let len = self.write_report(now, out, Some(b"bye"))?;
        Some(Transmit {
            len,
            to: self.rtcp_latch.target,
        })
    }

    fn write_report(&mut self, now: Instant, out: &mut [u8], bye: Option<&[u8]>) -> Option<usize> {
        let block = self.report_block(now);
        let blocks = block.as_slice();
        let ssrc = self.config.local_ssrc;
        let mut writer = RtcpWriter::new(out);
        if self.stats.packets_sent > self.sent_at_last_report {
            let info = self.sender_info(now);
            writer.sender_report(ssrc, &info, blocks).ok()?;
        } else {
            writer.receiver_report(ssrc, blocks).ok()?;
        }
        writer.sdes_cname(ssrc, self.config.cname.as_bytes()).ok()?;
        if let Some(reason) = bye {
            writer.bye(&[ssrc], Some(reason)).ok()?;
        }
        let len = writer.len();
        self.sent_at_last_report = self.stats.packets_sent;
        let len = self.protect_rtcp(out, len)?;
        self.stats.rtcp_sent += 1;
        Some(len)
    }

    fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        let remote = self.remote_ssrc?;
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => {
                let delay = now.saturating_duration_since(at);
                let units = delay.as_micros() * 65_536 / 1_000_000;
                (lsr, units.min(u128::from(u32::MAX)) as u32)
            }
            None => (0, 0),
        };
        Some(self.receive_stats.report_block(remote, lsr, dlsr))
    }

    fn sender_info(&self, now: Instant) -> SenderInfo {
        // The RTP timestamp of `now`: the last packet's, moved on by the time since.
        let rtp_timestamp = match self.last_sent {
            Some((at, ts)) => {
                let since = self.clock_ticks(now).wrapping_sub(self.clock_ticks(at));
                ts.wrapping_add(since)
            }
            None => self.timestamp,
        };
        SenderInfo {
            ntp: self.ntp(now),
            rtp_timestamp,
            packet_count: self.stats.packets_sent as u32,
            octet_count: self.stats.octets_sent as u32,
        }
    }

    /// The next report interval: the configured one times a factor in [0.5, 1.5) from a
    /// xorshift generator seeded by the SSRC (RFC 3550 §6.3.1 randomisation without a clock).
    pub(super) fn report_interval(&mut self) -> Duration {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        let factor = 0.5 + f64::from(x % 1000) / 1000.0;
        self.config.rtcp_interval.mul_f64(factor)
    }

    /// Runs the timers due at `now`: RTP inactivity and unfinished telephone-events.
    pub fn handle_timeout(&mut self, now: Instant) {
        let events = &mut self.events;
        self.dtmf_in.handle_timeout(now, |key| {
            push(
                events,
                SessionEvent::Dtmf {
                    tone: key.tone,
                    duration_ms: key.duration_ms,
                },
            );
        });
        let since = self.last_received.unwrap_or(self.start);
        let silent_for = now.saturating_duration_since(since);
        if !self.timed_out && silent_for >= self.config.inactivity_timeout {
            self.timed_out = true;
            push(&mut self.events, SessionEvent::RtpTimeout { silent_for });
        }
    }

    /// The earliest time something is due: a report, the inactivity timeout, or an unfinished
    /// telephone-event.
    pub fn poll_timeout(&self) -> Instant {
        let since = self.last_received.unwrap_or(self.start);
        let mut next = self.next_report;
        if !self.timed_out {
            next = next.min(since + self.config.inactivity_timeout);
        }
        match self.dtmf_in.deadline() {
            Some(deadline) => next.min(deadline),
            None => next,
        }
    }

    /// SRTP: authenticate and decrypt in place (plain RTP: the packet as it is).
    pub(super) fn unprotect_rtp(&mut self, datagram: &mut [u8]) -> Result<usize, Dropped> {
        match &mut self.srtp_in {
            Some(srtp) => srtp.unprotect_rtp(datagram).map_err(|_| Dropped::Unprotect),
            None => Ok(datagram.len()),
        }
    }

    /// SRTCP: authenticate and decrypt in place (plain RTCP: the compound as it is).
    pub(super) fn unprotect_rtcp(&mut self, datagram: &mut [u8]) -> Result<usize, Dropped> {
        match &mut self.srtp_in {
            Some(srtp) => srtp
                .unprotect_rtcp(datagram)
                .map_err(|_| Dropped::Unprotect),
            None => Ok(datagram.len()),
        }
    }

    /// SRTP: encrypt and append the tag (plain RTP: nothing to do).
    pub(super) fn protect_rtp(&mut self, out: &mut [u8], len: usize) -> Option<usize> {
        match &mut self.srtp_out {
            Some(srtp) => srtp.protect_rtp(out, len).ok(),
            None => Some(len),
        }
    }

    /// SRTCP: encrypt, append E‖index and the tag (plain RTCP: nothing to do).
    pub(super) fn protect_rtcp(&mut self, out: &mut [u8], len: usize) -> Option<usize> {
        match &mut self.srtp_out {
            Some(srtp) => srtp.protect_rtcp(out, len).ok(),
            None => Some(len),
        }
    }
}
