//! Sans-IO RTP media for one call leg: RTP/RTCP packets, reception statistics, the jitter buffer,
//! codecs, RFC 4733 telephone-events and SDES-SRTP, all driven with explicit time.
//!
//! | module | owns |
//! |---|---|
//! | [`packet`] | RTP packets (RFC 3550 §5): zero-copy [`RtpPacket`] view, [`RtpBuilder`] into a caller's buffer |
//! | [`rtcp`] | RTCP compounds (SR, RR, SDES, BYE): [`Compound`] view, [`RtcpWriter`] |
//! | [`stats`] | [`ReceiveStats`]: RFC 3550 A.1 sequence checks, A.3 loss, A.8 jitter; round-trip time |

pub mod packet;
pub mod rtcp;
pub mod stats;

pub use packet::{Extension, PacketError, RtpBuilder, RtpHeader, RtpPacket};
pub use rtcp::{Compound, ReportBlock, RtcpPacket, RtcpWriter, SenderInfo};
pub use stats::{ReceiveStats, SeqVerdict};
