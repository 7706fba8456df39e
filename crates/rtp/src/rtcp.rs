//! RTCP compound packets (RFC 3550 §6.4–6.6): SR, RR, SDES and BYE, parsed as borrowed views and
//! written into the caller's buffer; other packet types are kept as opaque bodies.
//!
//! Own code for the same reasons as `packet.rs` (a few fixed layouts, zero-copy, no allocation);
//! validation follows RFC 3550 A.2: version 2 throughout, padding only on the last packet, the
//! length fields adding up to the compound's length, the first packet an SR or RR.

use crate::packet::{be32, PacketError};

/// Sender report.
pub const PT_SR: u8 = 200;
/// Receiver report.
pub const PT_RR: u8 = 201;
/// Source description.
pub const PT_SDES: u8 = 202;
/// Goodbye.
pub const PT_BYE: u8 = 203;
/// SDES item type CNAME.
pub const SDES_CNAME: u8 = 1;

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP time of the last SR from that source (0 if none).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    const LEN: usize = 24;

    fn parse(b: &[u8]) -> ReportBlock {
        let lost = be32(&b[4..8]) & 0x00FF_FFFF;
        // Sign-extend the 24-bit count.
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        ReportBlock {
            ssrc: be32(&b[0..4]),
            fraction_lost: b[4],
            cumulative_lost,
            highest_sequence: be32(&b[8..12]),
            jitter: be32(&b[12..16]),
            last_sr: be32(&b[16..20]),
            delay_since_last_sr: be32(&b[20..24]),
        }
    }

    fn write(&self, dst: &mut [u8]) {
        let lost = (self.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
        dst[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        dst[4..8].copy_from_slice(&((u32::from(self.fraction_lost) << 24) | lost).to_be_bytes());
        dst[8..12].copy_from_slice(&self.highest_sequence.to_be_bytes());
        dst[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        dst[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        dst[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// The sender-info part of an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// 64-bit NTP timestamp (seconds since 1900 in the high 32 bits, fraction in the low).
    pub ntp: u64,
    /// The RTP timestamp for the same instant.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
}

/// Report blocks of an SR or RR, read lazily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlocks<'a>(&'a [u8]);

impl<'a> ReportBlocks<'a> {
    /// The blocks.
    pub fn iter(&self) -> impl Iterator<Item = ReportBlock> + 'a {
        self.0
            .chunks_exact(ReportBlock::LEN)
            .map(ReportBlock::parse)
    }

    /// How many blocks.
    pub fn len(&self) -> usize {
        self.0.len() / ReportBlock::LEN
    }

    /// No blocks.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One packet of a compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpPacket<'a> {
    /// SR: sender SSRC, sender info, report blocks.
    SenderReport {
        /// The sender.
        ssrc: u32,
        /// What it sent.
        info: SenderInfo,
        /// What it received.
        reports: ReportBlocks<'a>,
    },
    /// RR: reporter SSRC and report blocks.
    ReceiverReport {
        /// The reporter.
        ssrc: u32,
        /// What it received.
        reports: ReportBlocks<'a>,
    },
    /// SDES chunks (read with [`sdes_items`]).
    SourceDescription {
        /// Number of chunks.
        count: u8,
        /// The chunks.
        body: &'a [u8],
    },
    /// BYE: the sources leaving and an optional reason.
    Goodbye {
        /// SSRCs, 4 bytes each.
        sources: &'a [u8],
        /// The reason text, if any.
        reason: Option<&'a [u8]>,
    },
    /// Any other packet type (APP, feedback, XR...).
    Other {
        /// Packet type.
        packet_type: u8,
        /// The count field.
        count: u8,
        /// The body after the 4-byte header.
        body: &'a [u8],
    },
}

/// A validated compound packet.
#[derive(Debug, Clone, Copy)]
pub struct Compound<'a>(&'a [u8]);

impl<'a> Compound<'a> {
    /// Validates `buf` as a compound packet (RFC 3550 A.2).
    pub fn parse(buf: &'a [u8]) -> Result<Compound<'a>, PacketError> {
        let first = buf.get(1).ok_or(PacketError::TooShort)?;
        if *first != PT_SR && *first != PT_RR {
            return Err(PacketError::Length);
        }
        let mut at = 0;
        while at < buf.len() {
            let (len, padded) = packet_len(&buf[at..])?;
            at += len;
            if padded && at != buf.len() {
                return Err(PacketError::Padding);
            }
        }
        let compound = Compound(buf);
        // Each packet's body must fit its type's layout.
        for packet in compound.raw_packets() {
            decode(packet)?;
        }
        Ok(compound)
    }

    /// The packets in order.
    pub fn packets(&self) -> impl Iterator<Item = RtcpPacket<'a>> + 'a {
        self.raw_packets().filter_map(|p| decode(p).ok())
    }

    fn raw_packets(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let (len, _) = packet_len(rest).ok()?;
            let (packet, tail) = rest.split_at(len);
            rest = tail;
            Some(packet)
        })
    }
}

/// Length in bytes of the packet starting `buf`, and whether it is padded.
fn packet_len(buf: &[u8]) -> Result<(usize, bool), PacketError> {
    let head = buf.get(..4).ok_or(PacketError::TooShort)?;
    if head[0] >> 6 != 2 {
        return Err(PacketError::Version);
    }
    let len = (usize::from(u16::from_be_bytes([head[2], head[3]])) + 1) * 4;
    if len > buf.len() {
        return Err(PacketError::Length);
    }
    Ok((len, head[0] & 0x20 != 0))
}

/// Decodes one packet (header included), padding removed.
fn decode(packet: &[u8]) -> Result<RtcpPacket<'_>, PacketError> {
    let count = packet[0] & 0x1F;
    let mut body = &packet[4..];
    if packet[0] & 0x20 != 0 {
        let pad = usize::from(*body.last().ok_or(PacketError::Padding)?);
        if pad == 0 || pad > body.len() {
            return Err(PacketError::Padding);
        }
        body = &body[..body.len() - pad];
    }
    match packet[1] {
        PT_SR => sender_report(count, body),
        PT_RR => receiver_report(count, body),
        PT_SDES => Ok(RtcpPacket::SourceDescription { count, body }),
        PT_BYE => goodbye(count, body),
        packet_type => Ok(RtcpPacket::Other {
            packet_type,
            count,
            body,
        }),
    }
}

fn blocks(count: u8, body: &[u8]) -> Result<ReportBlocks<'_>, PacketError> {
    body.get(..usize::from(count) * ReportBlock::LEN)
        .map(ReportBlocks)
        .ok_or(PacketError::Length)
}

fn sender_report(count: u8, body: &[u8]) -> Result<RtcpPacket<'_>, PacketError> {
    let fixed = body.get(..24).ok_or(PacketError::Length)?;
    let info = SenderInfo {
        ntp: (u64::from(be32(&fixed[4..8])) << 32) | u64::from(be32(&fixed[8..12])),
        rtp_timestamp: be32(&fixed[12..16]),
        packet_count: be32(&fixed[16..20]),
        octet_count: be32(&fixed[20..24]),
    };
    Ok(RtcpPacket::SenderReport {
        ssrc: be32(&fixed[0..4]),
        info,
        reports: blocks(count, &body[24..])?,
    })
}

fn receiver_report(count: u8, body: &[u8]) -> Result<RtcpPacket<'_>, PacketError> {
    let ssrc = body.get(..4).ok_or(PacketError::Length)?;
    Ok(RtcpPacket::ReceiverReport {
        ssrc: be32(ssrc),
        reports: blocks(count, &body[4..])?,
    })
}

fn goodbye(count: u8, body: &[u8]) -> Result<RtcpPacket<'_>, PacketError> {
    let end = usize::from(count) * 4;
    let sources = body.get(..end).ok_or(PacketError::Length)?;
    let reason = match body.get(end) {
        Some(&len) => Some(
            body.get(end + 1..end + 1 + usize::from(len))
                .ok_or(PacketError::Length)?,
        ),
        None => None,
    };
    Ok(RtcpPacket::Goodbye { sources, reason })
}

/// The `(ssrc, item type, value)` items of an SDES body; stops at the first malformed chunk.
pub fn sdes_items(body: &[u8]) -> impl Iterator<Item = (u32, u8, &[u8])> + '_ {
    let mut at = 0;
    let mut ssrc: Option<u32> = None;
    std::iter::from_fn(move || loop {
        let current = match ssrc {
            Some(s) => s,
            None => {
                let s = be32(body.get(at..at + 4)?);
                at += 4;
                ssrc = Some(s);
                s
            }
        };
        let kind = *body.get(at)?;
        if kind == 0 {
            // End of chunk: skip to the next 32-bit boundary.
            at = (at + 4) & !3;
            ssrc = None;
            continue;
        }
        let len = usize::from(*body.get(at + 1)?);
        let value = body.get(at + 2..at + 2 + len)?;
        at += 2 + len;
        return Some((current, kind, value));
    })
}

/// Appends RTCP packets to a buffer, one compound at a time.
#[derive(Debug)]
pub struct RtcpWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> RtcpWriter<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        RtcpWriter { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reserves a packet of `body_len` bytes (a multiple of 4) with its header; returns the body.
    fn packet(&mut self, pt: u8, count: u8, body_len: usize) -> Result<&mut [u8], PacketError> {
        if count > 31 || !body_len.is_multiple_of(4) || body_len / 4 > usize::from(u16::MAX) {
            return Err(PacketError::OutOfRange);
        }
        let start = self.len;
        let end = start + 4 + body_len;
        let dst = self
            .buf
            .get_mut(start..end)
            .ok_or(PacketError::BufferTooSmall)?;
        dst[0] = 0x80 | count;
        dst[1] = pt;
        dst[2..4].copy_from_slice(&((body_len / 4) as u16).to_be_bytes());
        self.len = end;
        Ok(&mut dst[4..])
    }

    /// A sender report.
    pub fn sender_report(
        &mut self,
        ssrc: u32,
        info: &SenderInfo,
        reports: &[ReportBlock],
    ) -> Result<(), PacketError> {
        let count = u8::try_from(reports.len()).map_err(|_| PacketError::OutOfRange)?;
        let body = self.packet(PT_SR, count, 24 + reports.len() * ReportBlock::LEN)?;
        body[0..4].copy_from_slice(&ssrc.to_be_bytes());
        body[4..12].copy_from_slice(&info.ntp.to_be_bytes());
        body[12..16].copy_from_slice(&info.rtp_timestamp.to_be_bytes());
        body[16..20].copy_from_slice(&info.packet_count.to_be_bytes());
        body[20..24].copy_from_slice(&info.octet_count.to_be_bytes());
        for (dst, block) in body[24..].chunks_exact_mut(ReportBlock::LEN).zip(reports) {
            block.write(dst);
        }
        Ok(())
    }

    /// A receiver report.
    pub fn receiver_report(
        &mut self,
        ssrc: u32,
        reports: &[ReportBlock],
    ) -> Result<(), PacketError> {
        let count = u8::try_from(reports.len()).map_err(|_| PacketError::OutOfRange)?;
        let body = self.packet(PT_RR, count, 4 + reports.len() * ReportBlock::LEN)?;
        body[0..4].copy_from_slice(&ssrc.to_be_bytes());
        for (dst, block) in body[4..].chunks_exact_mut(ReportBlock::LEN).zip(reports) {
            block.write(dst);
        }
        Ok(())
    }

    /// An SDES packet with one chunk carrying a CNAME (at most 255 bytes).
    pub fn sdes_cname(&mut self, ssrc: u32, cname: &[u8]) -> Result<(), PacketError> {
        let len = u8::try_from(cname.len()).map_err(|_| PacketError::OutOfRange)?;
        // SSRC, type, length, text, then at least one zero byte up to a word boundary.
        let chunk = (4 + 2 + cname.len() + 1).div_ceil(4) * 4;
        let body = self.packet(PT_SDES, 1, chunk)?;
        body[0..4].copy_from_slice(&ssrc.to_be_bytes());
        body[4] = SDES_CNAME;
        body[5] = len;
        body[6..6 + cname.len()].copy_from_slice(cname);
        body[6 + cname.len()..].fill(0);
        Ok(())
    }

    /// A BYE for `sources` with an optional reason (at most 255 bytes).
    pub fn bye(&mut self, sources: &[u32], reason: Option<&[u8]>) -> Result<(), PacketError> {
        let count = u8::try_from(sources.len()).map_err(|_| PacketError::OutOfRange)?;
        let reason_len = match reason {
            Some(r) => 1 + u8::try_from(r.len()).map_err(|_| PacketError::OutOfRange)? as usize,
            None => 0,
        };
        let body_len = (sources.len() * 4 + reason_len).div_ceil(4) * 4;
        let body = self.packet(PT_BYE, count, body_len)?;
        body.fill(0);
        for (dst, ssrc) in body.chunks_exact_mut(4).zip(sources) {
            dst.copy_from_slice(&ssrc.to_be_bytes());
        }
        if let Some(r) = reason {
            let at = sources.len() * 4;
            body[at] = r.len() as u8;
            body[at + 1..at + 1 + r.len()].copy_from_slice(r);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ssrc: u32) -> ReportBlock {
        ReportBlock {
            ssrc,
            fraction_lost: 64,
            cumulative_lost: -3,
            highest_sequence: 0x0001_0005,
            jitter: 42,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 65536,
        }
    }

    #[test]
    fn a_compound_of_every_kind_round_trips() {
        let mut buf = [0u8; 256];
        let mut w = RtcpWriter::new(&mut buf);
        let info = SenderInfo {
            ntp: 0xE000_0000_8000_0000,
            rtp_timestamp: 1600,
            packet_count: 10,
            octet_count: 1600,
        };
        w.sender_report(1, &info, &[block(2)]).unwrap();
        w.receiver_report(1, &[block(3), block(4)]).unwrap();
        w.sdes_cname(1, b"bot@ringside").unwrap();
        w.bye(&[1], Some(b"hangup")).unwrap();
        let n = w.len();
        assert_eq!(n % 4, 0);
        let compound = Compound::parse(&buf[..n]).unwrap();
        let packets: Vec<_> = compound.packets().collect();
        assert_eq!(packets.len(), 4);
        let RtcpPacket::SenderReport {
            ssrc,
            info: got,
            reports,
        } = packets[0]
        else {
            panic!("not an SR: {:?}", packets[0]);
        };
        assert_eq!((ssrc, got), (1, info));
        assert_eq!(reports.iter().collect::<Vec<_>>(), vec![block(2)]);
        let RtcpPacket::ReceiverReport { reports, .. } = packets[1] else {
            panic!("not an RR");
        };
        assert_eq!(reports.len(), 2);
        assert_eq!(reports.iter().nth(1), Some(block(4)));
        let RtcpPacket::SourceDescription { count, body } = packets[2] else {
            panic!("not SDES");
        };
        assert_eq!(count, 1);
        let items: Vec<_> = sdes_items(body).collect();
        assert_eq!(items, vec![(1, SDES_CNAME, &b"bot@ringside"[..])]);
        assert_eq!(
            packets[3],
            RtcpPacket::Goodbye {
                sources: &[0, 0, 0, 1],
                reason: Some(b"hangup")
            }
        );
    }

    #[test]
    fn the_wire_layout_of_an_empty_rr_is_rfc_3550() {
        let mut buf = [0u8; 8];
        let mut w = RtcpWriter::new(&mut buf);
        w.receiver_report(0x01020304, &[]).unwrap();
        assert_eq!(buf, [0x80, 201, 0, 1, 1, 2, 3, 4]);
    }

    #[test]
    fn invalid_compounds_are_rejected() {
        let mut buf = [0u8; 64];
        let mut w = RtcpWriter::new(&mut buf);
        w.receiver_report(1, &[block(2)]).unwrap();
        let n = w.len();
        // Length field longer than the buffer.
        assert_eq!(
            Compound::parse(&buf[..n - 4]).err(),
            Some(PacketError::Length)
        );
        // First packet must be SR or RR.
        let mut sdes = [0u8; 16];
        RtcpWriter::new(&mut sdes).sdes_cname(1, b"x").unwrap();
        assert!(Compound::parse(&sdes).is_err());
        // Version 1.
        let mut bad = buf;
        bad[0] = 0x40;
        assert_eq!(Compound::parse(&bad[..n]).err(), Some(PacketError::Version));
        // Report count beyond the body.
        let mut bad = buf;
        bad[0] = 0x82;
        assert_eq!(Compound::parse(&bad[..n]).err(), Some(PacketError::Length));
        assert_eq!(Compound::parse(&[]).err(), Some(PacketError::TooShort));
    }

    #[test]
    fn cumulative_loss_is_24_bit_signed_and_clamped() {
        let mut buf = [0u8; 64];
        let mut w = RtcpWriter::new(&mut buf);
        let big = ReportBlock {
            cumulative_lost: 10_000_000,
            ..block(1)
        };
        w.receiver_report(1, &[big]).unwrap();
        let n = w.len();
        let compound = Compound::parse(&buf[..n]).unwrap();
        let Some(RtcpPacket::ReceiverReport { reports, .. }) = compound.packets().next() else {
            panic!("no RR");
        };
        assert_eq!(reports.iter().next().unwrap().cumulative_lost, 0x7F_FFFF);
    }
}
