//! Sans-IO RTP media for one call leg: RTP/RTCP packets, reception statistics, the jitter buffer,
//! codecs, RFC 4733 telephone-events and SDES-SRTP, all driven with explicit time.
//!
//! | module | owns |
//! |---|---|
//! | [`packet`] | RTP packets (RFC 3550 §5): zero-copy [`RtpPacket`] view, [`RtpBuilder`] into a caller's buffer |
//! | [`rtcp`] | RTCP compounds (SR, RR, SDES, BYE): [`Compound`] view, [`RtcpWriter`] |
//! | [`codec`] | [`Codec`] (PCMU, PCMA, G.722) and per-leg [`Encoder`] / [`Decoder`] to and from 16 kHz frames |
//! | [`session`] | [`RtpSession`]: one leg's RTP and RTCP on explicit time (latching, inactivity, reports, DTMF) |
//! | [`dtmf`] | RFC 4733 telephone-events: [`DtmfReceiver`] (each key once) and [`DtmfSender`] (keys to event packets) |
//! | [`info`] | [`parse_info_dtmf`]: keys from SIP INFO bodies (`application/dtmf-relay`, `application/dtmf`) |
//! | [`jitter`] | [`JitterBuffer`]: adaptive depth, reordering, duplicate and late drop, loss concealment |
//! | [`srtp`] | SRTP/SRTCP AES_CM_128_HMAC_SHA1_80 ([`SrtpContext`]), SDES `a=crypto` ([`parse_crypto`]) |
//! | [`stats`] | [`ReceiveStats`]: RFC 3550 A.1 sequence checks, A.3 loss, A.8 jitter; round-trip time |

pub mod codec;
pub mod dtmf;
pub mod info;
pub mod jitter;
pub mod packet;
pub mod rtcp;
pub mod session;
pub mod srtp;
pub mod stats;

pub use codec::{Codec, Decoder, Encoder};
pub use dtmf::{DtmfReceiver, DtmfSender, ReceivedKey};
pub use info::{parse_info_dtmf, InfoKey};
pub use jitter::{JitterBuffer, JitterConfig, JitterStats, Pulled, Pushed};
pub use packet::{Extension, PacketError, RtpBuilder, RtpHeader, RtpPacket};
pub use rtcp::{Compound, ReportBlock, RtcpPacket, RtcpWriter, SenderInfo};
pub use session::{
    Dropped, RtpSession, SessionConfig, SessionEvent, SessionStats, SrtpKeys, Transmit,
};
pub use srtp::{parse_crypto, CryptoAttribute, MasterKey, SrtpContext, SrtpError};
pub use stats::{ReceiveStats, SeqVerdict};
