//! RTP packets (RFC 3550 §5.1, §5.3.1): a borrowed, zero-copy view of a received packet and a
//! writer into the caller's buffer, with CSRCs, one header extension and padding.
//!
//! Written here rather than taken from a crate: the fixed header is twelve bytes, the session needs
//! to parse in place inside buffers it also decrypts (SRTP) and to write into the shard's reusable
//! send buffers, and the only small candidates (`rtp-types` 0.1) add nothing that this file does
//! not: parsing is one bounds-checked pass, building one copy, neither allocates.

use thiserror::Error;

/// Length of the fixed RTP header.
pub const HEADER_LEN: usize = 12;

/// Why a buffer is not an RTP (or RTCP) packet, or does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PacketError {
    /// Shorter than its headers say.
    #[error("packet too short")]
    TooShort,
    /// The version field is not 2.
    #[error("RTP version is not 2")]
    Version,
    /// The padding count is zero or larger than the packet.
    #[error("bad padding")]
    Padding,
    /// A length field disagrees with the packet.
    #[error("bad length field")]
    Length,
    /// The output buffer is too small for what is written.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// A value does not fit its field (e.g. more than 15 CSRCs).
    #[error("value out of range")]
    OutOfRange,
}

/// The fields of the fixed header that a sender chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// Marker bit (for audio: first packet of a talkspurt).
    pub marker: bool,
    /// Payload type, 0..=127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// A header extension (RFC 3550 §5.3.1): the profile-defined 16 bits and the data, a multiple of 4
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The profile-defined field (e.g. 0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension data (length a multiple of 4).
    pub data: &'a [u8],
}

/// A parsed RTP packet borrowing its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The fixed header.
    pub header: RtpHeader,
    csrc: &'a [u8],
    /// The header extension, if the X bit is set.
    pub extension: Option<Extension<'a>>,
    /// The payload (padding removed).
    pub payload: &'a [u8],
    /// Padding bytes at the end (0 when the P bit is clear).
    pub padding: u8,
}

impl<'a> RtpPacket<'a> {
    /// Parses and validates a packet: version 2, CSRC list, extension and padding within bounds.
    pub fn parse(buf: &'a [u8]) -> Result<RtpPacket<'a>, PacketError> {
        let fixed = buf.get(..HEADER_LEN).ok_or(PacketError::TooShort)?;
        if fixed[0] >> 6 != 2 {
            return Err(PacketError::Version);
        }
        let header = RtpHeader {
            marker: fixed[1] & 0x80 != 0,
            payload_type: fixed[1] & 0x7F,
            sequence: u16::from_be_bytes([fixed[2], fixed[3]]),
            timestamp: be32(&fixed[4..8]),
            ssrc: be32(&fixed[8..12]),
        };
        let csrc_end = HEADER_LEN + usize::from(fixed[0] & 0x0F) * 4;
        let csrc = buf.get(HEADER_LEN..csrc_end).ok_or(PacketError::TooShort)?;
        let (extension, payload_start) = if fixed[0] & 0x10 != 0 {
            parse_extension(buf, csrc_end)?
        } else {
            (None, csrc_end)
        };
        let padding = if fixed[0] & 0x20 != 0 {
            let count = *buf.last().ok_or(PacketError::TooShort)?;
            if count == 0 || usize::from(count) > buf.len() - payload_start {
                return Err(PacketError::Padding);
            }
            count
        } else {
            0
        };
        let payload = &buf[payload_start..buf.len() - usize::from(padding)];
        Ok(RtpPacket {
            header,
            csrc,
            extension,
            payload,
            padding,
        })
    }

    /// The contributing sources.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + 'a {
        self.csrc.chunks_exact(4).map(be32)
    }

    /// Number of CSRCs.
    pub fn csrc_count(&self) -> usize {
        self.csrc.len() / 4
    }
}

fn parse_extension(buf: &[u8], at: usize) -> Result<(Option<Extension<'_>>, usize), PacketError> {
    let head = buf.get(at..at + 4).ok_or(PacketError::TooShort)?;
    let profile = u16::from_be_bytes([head[0], head[1]]);
    let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let end = at + 4 + words * 4;
    let data = buf.get(at + 4..end).ok_or(PacketError::TooShort)?;
    Ok((Some(Extension { profile, data }), end))
}

/// Reads a big-endian u32 from the first four bytes (zero-filled if shorter).
pub(crate) fn be32(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    for (w, b) in word.iter_mut().zip(bytes) {
        *w = *b;
    }
    u32::from_be_bytes(word)
}

/// Everything of a packet to write except the payload.
#[derive(Debug, Clone, Copy, Default)]
pub struct RtpBuilder<'a> {
    /// The fixed header.
    pub header: RtpHeader,
    /// Contributing sources (at most 15).
    pub csrcs: &'a [u32],
    /// Header extension; its data length must be a multiple of 4.
    pub extension: Option<Extension<'a>>,
    /// Padding bytes to append (0 for none; the last byte holds the count).
    pub padding: u8,
}

impl RtpBuilder<'_> {
    /// A plain header: no CSRC, no extension, no padding.
    pub fn new(header: RtpHeader) -> Self {
        RtpBuilder {
            header,
            ..RtpBuilder::default()
        }
    }

    /// Bytes before the payload.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.csrcs.len() * 4 + self.extension.map_or(0, |e| 4 + e.data.len())
    }

    /// Writes the packet with `payload` into `out`; returns its length.
    pub fn write(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, PacketError> {
        let start = self.write_header(out)?;
        let end = start + payload.len();
        let total = end + usize::from(self.padding);
        let dst = out
            .get_mut(start..total)
            .ok_or(PacketError::BufferTooSmall)?;
        dst[..payload.len()].copy_from_slice(payload);
        if self.padding > 0 {
            dst[payload.len()..].fill(0);
            dst[dst.len() - 1] = self.padding;
        }
        Ok(total)
    }

    /// Writes the headers only (the caller writes the payload after them, without padding);
    /// returns the payload's offset.
    pub fn write_header(&self, out: &mut [u8]) -> Result<usize, PacketError> {
        let len = self.header_len();
        if self.csrcs.len() > 15 || self.header.payload_type > 127 {
            return Err(PacketError::OutOfRange);
        }
        let dst = out.get_mut(..len).ok_or(PacketError::BufferTooSmall)?;
        let h = &self.header;
        dst[0] = 0x80
            | (u8::from(self.padding > 0) << 5)
            | (u8::from(self.extension.is_some()) << 4)
            | self.csrcs.len() as u8;
        dst[1] = (u8::from(h.marker) << 7) | h.payload_type;
        dst[2..4].copy_from_slice(&h.sequence.to_be_bytes());
        dst[4..8].copy_from_slice(&h.timestamp.to_be_bytes());
        dst[8..12].copy_from_slice(&h.ssrc.to_be_bytes());
        for (chunk, csrc) in dst[HEADER_LEN..].chunks_exact_mut(4).zip(self.csrcs) {
            chunk.copy_from_slice(&csrc.to_be_bytes());
        }
        if let Some(ext) = self.extension {
            write_extension(ext, &mut dst[HEADER_LEN + self.csrcs.len() * 4..])?;
        }
        Ok(len)
    }
}

fn write_extension(ext: Extension<'_>, dst: &mut [u8]) -> Result<(), PacketError> {
    if !ext.data.len().is_multiple_of(4) || ext.data.len() / 4 > usize::from(u16::MAX) {
        return Err(PacketError::OutOfRange);
    }
    dst[0..2].copy_from_slice(&ext.profile.to_be_bytes());
    dst[2..4].copy_from_slice(&((ext.data.len() / 4) as u16).to_be_bytes());
    dst[4..4 + ext.data.len()].copy_from_slice(ext.data);
    Ok(())
}

/// True when the buffer looks like RTCP rather than RTP on a multiplexed port (RFC 5761 §4:
/// second byte 192..=223).
pub fn looks_like_rtcp(buf: &[u8]) -> bool {
    buf.get(1).is_some_and(|b| (192..=223).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> RtpHeader {
        RtpHeader {
            marker: true,
            payload_type: 0,
            sequence: 0xBEEF,
            timestamp: 0x0102_0304,
            ssrc: 0xCAFE_BABE,
        }
    }

    #[test]
    fn a_plain_packet_round_trips() {
        let mut buf = [0u8; 64];
        let n = RtpBuilder::new(header())
            .write(&[1, 2, 3], &mut buf)
            .unwrap();
        assert_eq!(n, 15);
        assert_eq!(&buf[..4], &[0x80, 0x80, 0xBE, 0xEF]);
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(p.header, header());
        assert_eq!(p.payload, &[1, 2, 3]);
        assert_eq!(p.csrc_count(), 0);
        assert!(p.extension.is_none());
    }

    #[test]
    fn csrcs_extension_and_padding_round_trip() {
        let ext = Extension {
            profile: 0xBEDE,
            data: &[0x10, 0xAA, 0, 0],
        };
        let builder = RtpBuilder {
            header: header(),
            csrcs: &[7, 8],
            extension: Some(ext),
            padding: 3,
        };
        let mut buf = [0u8; 64];
        let n = builder.write(&[9; 5], &mut buf).unwrap();
        assert_eq!(n, 12 + 8 + 8 + 5 + 3);
        assert_eq!(buf[0], 0x80 | 0x20 | 0x10 | 2);
        assert_eq!(buf[n - 1], 3);
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7, 8]);
        assert_eq!(p.extension, Some(ext));
        assert_eq!(p.payload, &[9; 5]);
        assert_eq!(p.padding, 3);
    }

    #[test]
    fn malformed_packets_are_rejected() {
        let mut buf = [0u8; 32];
        let n = RtpBuilder::new(header())
            .write(&[1, 2, 3, 4], &mut buf)
            .unwrap();
        assert_eq!(RtpPacket::parse(&buf[..11]), Err(PacketError::TooShort));
        let mut bad = buf;
        bad[0] = 0x40;
        assert_eq!(RtpPacket::parse(&bad[..n]), Err(PacketError::Version));
        let mut bad = buf;
        bad[0] |= 0x20;
        bad[n - 1] = 0;
        assert_eq!(RtpPacket::parse(&bad[..n]), Err(PacketError::Padding));
        bad[n - 1] = 5;
        assert_eq!(RtpPacket::parse(&bad[..n]), Err(PacketError::Padding));
        let mut bad = buf;
        bad[0] |= 0x0F; // 15 CSRCs, not there
        assert_eq!(RtpPacket::parse(&bad[..n]), Err(PacketError::TooShort));
        let mut bad = buf;
        bad[0] |= 0x10; // extension header missing
        assert_eq!(RtpPacket::parse(&bad[..n]), Err(PacketError::TooShort));
    }

    #[test]
    fn builder_errors_instead_of_panicking() {
        let mut small = [0u8; 13];
        let b = RtpBuilder::new(header());
        assert_eq!(
            b.write(&[1, 2], &mut small),
            Err(PacketError::BufferTooSmall)
        );
        let too_many = [0u32; 16];
        let b = RtpBuilder {
            csrcs: &too_many,
            ..RtpBuilder::new(header())
        };
        assert_eq!(b.write(&[], &mut [0u8; 128]), Err(PacketError::OutOfRange));
        let b = RtpBuilder {
            extension: Some(Extension {
                profile: 1,
                data: &[1, 2, 3],
            }),
            ..RtpBuilder::new(header())
        };
        assert_eq!(b.write(&[], &mut [0u8; 64]), Err(PacketError::OutOfRange));
    }

    #[test]
    fn rtcp_is_told_apart_from_rtp() {
        assert!(looks_like_rtcp(&[0x80, 200]));
        assert!(looks_like_rtcp(&[0x81, 201]));
        assert!(!looks_like_rtcp(&[0x80, 0]));
        assert!(!looks_like_rtcp(&[0x80, 0x80 | 101]));
        assert!(!looks_like_rtcp(&[0x80]));
    }
}
