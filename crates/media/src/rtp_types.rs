//! The vocabulary of RTP legs shared by the plane's commands and the shard's RTP code: the media
//! direction of a leg ([`RtpDirection`]), its transport ([`RtpTransport`]) and the rtp crate's
//! session types re-exported under media's names.

use std::net::UdpSocket;
use std::sync::Arc;

pub use ringside_rtp::{
    Codec as RtpCodec, SessionConfig as RtpConfig, SessionStats as RtpStats, SrtpKeys,
};

/// Media direction from SDP (RFC 3264): what the leg sends/receives, seen from Ringside's side
/// (the direction of the SDP Ringside answered or offered for this leg).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RtpDirection {
    /// Both ways.
    #[default]
    SendRecv,
    /// Ringside sends; the phone's audio is not played into the call.
    SendOnly,
    /// Ringside receives; nothing is sent to the phone.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl RtpDirection {
    /// The phone's audio (and RFC 4733 keys) are played into the call.
    pub fn receives(self) -> bool {
        matches!(self, RtpDirection::SendRecv | RtpDirection::RecvOnly)
    }

    /// What the leg hears is sent to the phone.
    pub fn sends(self) -> bool {
        matches!(self, RtpDirection::SendRecv | RtpDirection::SendOnly)
    }
}

/// A leg's transport, owned by the shard once attached: sockets bound by the caller (they are set
/// non-blocking again on attach, so a blocking socket can never stall a shard) and the negotiated
/// session. With `rtcp: None`, RTCP goes through the RTP socket (rtcp-mux, or no separate port).
#[derive(Clone, Debug)]
pub struct RtpTransport {
    /// The RTP socket (symmetric RTP: received on and sent from).
    pub rtp: Arc<UdpSocket>,
    /// The RTCP socket, if RTCP has its own port.
    pub rtcp: Option<Arc<UdpSocket>>,
    /// The session's parameters.
    pub config: RtpConfig,
}
