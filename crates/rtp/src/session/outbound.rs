//! The outbound half of [`RtpSession`]: one 16 kHz frame per tick becomes one packet (audio, or a
//! telephone-event while keys go out) with the right sequence number, timestamp and marker.
//!
//! The timestamp advances one frame (160 at 8 kHz) per call. When calls stop for a while (hold,
//! or a stalled shard), the next packet's timestamp accounts for the time missed and carries the
//! marker as the start of a talkspurt (RFC 3551 §4.1), as does the very first packet.

use std::time::{Duration, Instant};

use super::{RtpSession, Transmit};
use crate::codec::{FRAME_TICKS, MAX_FRAME_PAYLOAD};
use crate::dtmf::EventPacket;
use crate::packet::{RtpBuilder, RtpHeader};
use ringside_audio::Frame;

const FRAME: Duration = Duration::from_millis(20);

impl RtpSession {
    /// Encodes this tick's outbound frame into `out` (at least 12 + 160 bytes, plus 10 with SRTP)
    /// and says where to send it; `None` if `out` is too small.
    pub fn push_frame(&mut self, now: Instant, frame: &Frame, out: &mut [u8]) -> Option<Transmit> {
        let talkspurt = self.catch_up(now);
        let timestamp = self.timestamp;
        self.timestamp = self.timestamp.wrapping_add(FRAME_TICKS);
        let (len, payload_len) = match self.dtmf_out.next_packet(timestamp) {
            Some(event) => self.write_event(event, out)?,
            None => self.write_audio(timestamp, talkspurt, frame, out)?,
        };
        let len = self.protect_rtp(out, len)?;
        self.sequence = self.sequence.wrapping_add(1);
        self.stats.packets_sent += 1;
        self.stats.octets_sent += payload_len as u64;
        self.last_sent = Some((now, timestamp));
        Some(Transmit {
            len,
            to: self.rtp_latch.target,
        })
    }

    /// Advances the timestamp over frames not pushed since the last call; true when this packet
    /// starts a talkspurt (the first, or after a pause).
    fn catch_up(&mut self, now: Instant) -> bool {
        let previous = self.last_push.replace(now);
        let Some(previous) = previous else {
            return true;
        };
        let elapsed = now.saturating_duration_since(previous);
        if elapsed < FRAME * 2 {
            return false;
        }
        // Round to whole frames; one of them is this call's.
        let frames = (elapsed.as_micros() + FRAME.as_micros() / 2) / FRAME.as_micros();
        let missed = (frames.saturating_sub(1)).min(u128::from(u32::MAX / FRAME_TICKS)) as u32;
        self.timestamp = self.timestamp.wrapping_add(missed * FRAME_TICKS);
        true
    }

    fn header(&self, payload_type: u8, marker: bool, timestamp: u32) -> RtpBuilder<'static> {
        RtpBuilder::new(RtpHeader {
            marker,
            payload_type,
            sequence: self.sequence,
            timestamp,
            ssrc: self.config.local_ssrc,
        })
    }

    fn write_audio(
        &mut self,
        timestamp: u32,
        marker: bool,
        frame: &Frame,
        out: &mut [u8],
    ) -> Option<(usize, usize)> {
        let builder = self.header(self.config.payload_type, marker, timestamp);
        let at = builder.write_header(out).ok()?;
        let payload = out.get_mut(at..at + MAX_FRAME_PAYLOAD)?;
        let n = self.encoder.encode(frame, payload);
        Some((at + n, n))
    }

    fn write_event(&mut self, event: EventPacket, out: &mut [u8]) -> Option<(usize, usize)> {
        let pt = self.config.telephone_event?;
        let builder = self.header(pt, event.marker, event.timestamp);
        let payload = event.payload.to_bytes();
        let len = builder.write(&payload, out).ok()?;
        Some((len, payload.len()))
    }
}
