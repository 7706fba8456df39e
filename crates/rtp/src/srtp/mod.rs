//! SRTP and SRTCP (RFC 3711) with AES_CM_128_HMAC_SHA1_80, keyed by SDES (RFC 4568): protect and
//! unprotect in the caller's buffer, the rollover counter, and 64-packet replay windows.
//!
//! One [`SrtpContext`] per direction: the sender's holds our master key (the one our `a=crypto`
//! offers), the receiver's the peer's. Built on RustCrypto (`aes`, `ctr`, `hmac`, `sha1`: MIT OR
//! Apache-2.0); tags compare in constant time (`subtle`). No MKI, key derivation rate 0 (what
//! SDES peers, Teams and baresip use). Checked against RFC 3711 Appendix B.2/B.3 and libsrtp's
//! reference packets.

mod keys;
mod sdes;

pub use keys::{MasterKey, MASTER_KEY_LEN, MASTER_SALT_LEN, TAG_LEN};
pub use sdes::{parse_crypto, CryptoAttribute, SdesError, SUITE};

use keys::{SessionKeys, Stream};
use subtle::ConstantTimeEq;
use thiserror::Error;

/// SRTCP's E flag plus 31-bit index.
const SRTCP_INDEX_LEN: usize = 4;
/// Replay window size (RFC 3711 §3.3.2 minimum).
const WINDOW: u64 = 64;

/// Why a packet could not be protected or unprotected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SrtpError {
    /// Too short for its headers and tag.
    #[error("packet too short")]
    TooShort,
    /// The tag does not match.
    #[error("authentication failed")]
    Authentication,
    /// Already received, or older than the replay window.
    #[error("replayed packet")]
    Replay,
    /// No room for the tag in the output buffer.
    #[error("output buffer too small")]
    BufferTooSmall,
}

/// A 64-entry sliding replay window over packet indexes.
#[derive(Debug, Clone, Copy, Default)]
struct ReplayWindow {
    highest: Option<u64>,
    bits: u64,
}

impl ReplayWindow {
    fn check(&self, index: u64) -> Result<(), SrtpError> {
        match self.highest {
            Some(h) if index <= h => {
                let back = h - index;
                if back >= WINDOW || self.bits & (1 << back) != 0 {
                    Err(SrtpError::Replay)
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    fn accept(&mut self, index: u64) {
        match self.highest {
            Some(h) if index <= h => self.bits |= 1 << (h - index),
            Some(h) => {
                let shift = index - h;
                self.bits = if shift >= WINDOW {
                    1
                } else {
                    (self.bits << shift) | 1
                };
                self.highest = Some(index);
            }
            None => {
                self.bits = 1;
                self.highest = Some(index);
            }
        }
    }
}

/// One direction's SRTP and SRTCP state.
#[derive(Clone)]
pub struct SrtpContext {
    rtp: SessionKeys,
    rtcp: SessionKeys,
    /// Sender: the index of the last packet protected. Receiver: the highest authenticated.
    rtp_index: Option<u64>,
    rtp_window: ReplayWindow,
    rtcp_index: u32,
    rtcp_window: ReplayWindow,
    ssrc: Option<u32>,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("rtp_index", &self.rtp_index)
            .field("rtcp_index", &self.rtcp_index)
            .finish_non_exhaustive()
    }
}

/// Bytes of the RTP header (fixed, CSRCs, extension) of `buf`, if it holds them.
fn rtp_header_len(buf: &[u8]) -> Option<usize> {
    let first = *buf.first()?;
    let mut len = crate::packet::HEADER_LEN + usize::from(first & 0x0F) * 4;
    if first & 0x10 != 0 {
        let words = buf.get(len + 2..len + 4)?;
        len += 4 + usize::from(u16::from_be_bytes([words[0], words[1]])) * 4;
    }
    (len <= buf.len()).then_some(len)
}

impl SrtpContext {
    /// A context for one direction keyed by `master`.
    pub fn new(master: &MasterKey) -> SrtpContext {
        SrtpContext {
            rtp: SessionKeys::derive(master, Stream::Rtp),
            rtcp: SessionKeys::derive(master, Stream::Rtcp),
            rtp_index: None,
            rtp_window: ReplayWindow::default(),
            rtcp_index: 0,
            rtcp_window: ReplayWindow::default(),
            ssrc: None,
        }
    }

    /// Encrypts the RTP packet in `buf[..len]` and appends its tag; returns the new length.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf.get(..len).ok_or(SrtpError::TooShort)?;
        let header = rtp_header_len(packet).ok_or(SrtpError::TooShort)?;
        if buf.len() < len + TAG_LEN {
            return Err(SrtpError::BufferTooSmall);
        }
        let seq = u16::from_be_bytes([buf[2], buf[3]]);
        let ssrc = crate::packet::be32(&buf[8..12]);
        let index = estimate_index(self.rtp_index, seq);
        self.rtp_index = Some(self.rtp_index.map_or(index, |i| i.max(index)));
        self.rtp.apply_keystream(ssrc, index, &mut buf[header..len]);
        let roc = ((index >> 16) as u32).to_be_bytes();
        let tag = self.rtp.tag(&[&buf[..len], &roc]);
        buf[len..len + TAG_LEN].copy_from_slice(&tag);
        Ok(len + TAG_LEN)
    }

    /// Authenticates and decrypts the SRTP packet in `buf`; returns the RTP packet's length.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, SrtpError> {
        let len = buf.len().checked_sub(TAG_LEN).ok_or(SrtpError::TooShort)?;
        let header = rtp_header_len(&buf[..len]).ok_or(SrtpError::TooShort)?;
        let seq = u16::from_be_bytes([buf[2], buf[3]]);
        let ssrc = crate::packet::be32(&buf[8..12]);
        if self.ssrc.is_some_and(|s| s != ssrc) {
            // A new source: its own rollover counter and window.
            self.rtp_index = None;
            self.rtp_window = ReplayWindow::default();
        }
        let index = estimate_index(self.rtp_index, seq);
        self.rtp_window.check(index)?;
        let roc = ((index >> 16) as u32).to_be_bytes();
        let tag = self.rtp.tag(&[&buf[..len], &roc]);
        if !bool::from(tag.ct_eq(&buf[len..])) {
            return Err(SrtpError::Authentication);
        }
        self.rtp.apply_keystream(ssrc, index, &mut buf[header..len]);
        self.rtp_window.accept(index);
        self.rtp_index = Some(self.rtp_index.map_or(index, |i| i.max(index)));
        self.ssrc = Some(ssrc);
        Ok(len)
    }

    /// Encrypts the RTCP compound in `buf[..len]`, appends E‖index and the tag; returns the new
    /// length.
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        if len < 8 || buf.len() < len {
            return Err(SrtpError::TooShort);
        }
        if buf.len() < len + SRTCP_INDEX_LEN + TAG_LEN {
            return Err(SrtpError::BufferTooSmall);
        }
        self.rtcp_index = (self.rtcp_index + 1) & 0x7FFF_FFFF;
        let ssrc = crate::packet::be32(&buf[4..8]);
        self.rtcp
            .apply_keystream(ssrc, u64::from(self.rtcp_index), &mut buf[8..len]);
        let e_index = (0x8000_0000 | self.rtcp_index).to_be_bytes();
        buf[len..len + SRTCP_INDEX_LEN].copy_from_slice(&e_index);
        let end = len + SRTCP_INDEX_LEN;
        let tag = self.rtcp.tag(&[&buf[..end]]);
        buf[end..end + TAG_LEN].copy_from_slice(&tag);
        Ok(end + TAG_LEN)
    }

    /// Authenticates and decrypts the SRTCP packet in `buf`; returns the RTCP compound's length.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, SrtpError> {
        let end = buf.len().checked_sub(TAG_LEN).ok_or(SrtpError::TooShort)?;
        let len = end
            .checked_sub(SRTCP_INDEX_LEN)
            .ok_or(SrtpError::TooShort)?;
        if len < 8 {
            return Err(SrtpError::TooShort);
        }
        let e_index = crate::packet::be32(&buf[len..end]);
        let index = u64::from(e_index & 0x7FFF_FFFF);
        self.rtcp_window.check(index)?;
        let tag = self.rtcp.tag(&[&buf[..end]]);
        if !bool::from(tag.ct_eq(&buf[end..])) {
            return Err(SrtpError::Authentication);
        }
        if e_index & 0x8000_0000 != 0 {
            let ssrc = crate::packet::be32(&buf[4..8]);
            self.rtcp.apply_keystream(ssrc, index, &mut buf[8..len]);
        }
        self.rtcp_window.accept(index);
        Ok(len)
    }
}

/// The 48-bit packet index of `seq` given the highest index so far (RFC 3711 §3.3.1).
fn estimate_index(highest: Option<u64>, seq: u16) -> u64 {
    let Some(highest) = highest else {
        return u64::from(seq);
    };
    let roc = highest >> 16;
    let s_l = (highest & 0xFFFF) as u16;
    let seq64 = u64::from(seq);
    let guess = if s_l < 0x8000 {
        if seq > s_l && seq - s_l > 0x8000 && roc > 0 {
            roc - 1
        } else {
            roc
        }
    } else if s_l - 0x8000 > seq {
        roc + 1
    } else {
        roc
    };
    ((guess << 16) | seq64) & 0xFFFF_FFFF_FFFF
}

#[cfg(test)]
mod tests;
