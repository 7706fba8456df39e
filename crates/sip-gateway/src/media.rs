//! A SIP call's media: an RTP port pair from the configured range (bound here, owned by the media
//! clock once attached), our SDP (offer or answer, with an SDES key when the peer uses SRTP), and
//! the negotiated audio turned into the media plane's RTP transport for the leg.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::ops::Range;
use std::sync::Arc;

use rand::RngCore;
use ringside_media::{RtpDirection, RtpTransport};
use ringside_rtp::{Codec as RtpCodec, MasterKey, SessionConfig, SrtpKeys};
use ringside_sip::sdp::SessionDescription;
use ringside_sip::sdp::{
    answer_offer, build_offer, read_answer, Codec, Direction, LocalAudio, NegotiatedAudio,
    SdpRejection,
};

/// What the gateway offers, best first: G.722 is the engine's own 16 kHz.
const CODECS: [Codec; 3] = [Codec::G722, Codec::Pcmu, Codec::Pcma];
/// Our telephone-event payload type.
const TELEPHONE_EVENT: u8 = 101;
/// SDES master key and salt length (AES_CM_128_HMAC_SHA1_80).
const KEY_SALT: usize = 30;

/// Hands out RTP ports (even, with the next one for RTCP) round-robin from a range.
#[derive(Debug)]
pub struct Ports {
    range: Range<u16>,
    next: u16,
}

impl Ports {
    /// Ports from `range` (even starts).
    pub fn new(range: Range<u16>) -> Ports {
        let start = range.start + range.start % 2;
        Ports {
            next: start,
            range: start..range.end,
        }
    }

    /// Binds an RTP/RTCP socket pair on `ip`, trying each even port of the range once.
    pub fn bind(&mut self, ip: IpAddr) -> Option<(UdpSocket, UdpSocket)> {
        let span = (self.range.end.saturating_sub(self.range.start) / 2).max(1);
        for _ in 0..span {
            let port = self.next;
            self.next = if port + 2 >= self.range.end {
                self.range.start
            } else {
                port + 2
            };
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(ip, port)) else {
                continue;
            };
            let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, port + 1)) else {
                continue;
            };
            if rtp.set_nonblocking(true).is_ok() && rtcp.set_nonblocking(true).is_ok() {
                return Some((rtp, rtcp));
            }
        }
        None
    }
}

/// One call's local media: the sockets (until attached) and our SDP side.
#[derive(Debug)]
pub struct CallMedia {
    rtp: Option<UdpSocket>,
    rtcp: Option<UdpSocket>,
    local: LocalAudio,
    /// What was negotiated, once it was.
    pub negotiated: Option<NegotiatedAudio>,
    /// Attached to the media plane.
    pub attached: bool,
}

impl CallMedia {
    /// Local media on a fresh port pair; with `srtp`, a fresh SDES key.
    pub fn new(ports: &mut Ports, ip: IpAddr, srtp: bool) -> Option<CallMedia> {
        let (rtp, rtcp) = ports.bind(ip)?;
        let port = rtp.local_addr().ok()?.port();
        let mut rng = rand::thread_rng();
        let srtp_key = srtp.then(|| {
            let mut key = vec![0u8; KEY_SALT];
            rng.fill_bytes(&mut key);
            key
        });
        let local = LocalAudio {
            address: ip.to_string(),
            port,
            codecs: CODECS.to_vec(),
            telephone_event_pt: TELEPHONE_EVENT,
            ptime: Some(20),
            direction: Direction::SendRecv,
            rtcp_mux: false,
            srtp_key,
            require_srtp: false,
            session_id: rng.next_u64() >> 1,
            session_version: 1,
        };
        Some(CallMedia {
            rtp: Some(rtp),
            rtcp: Some(rtcp),
            local,
            negotiated: None,
            attached: false,
        })
    }

    /// Our answer to `offer` (SRTP only if the peer offered it).
    pub fn answer(&mut self, offer: &SessionDescription) -> Result<Vec<u8>, SdpRejection> {
        if !offers_srtp(offer) {
            self.local.srtp_key = None;
        } else if self.local.srtp_key.is_none() {
            let mut key = vec![0u8; KEY_SALT];
            rand::thread_rng().fill_bytes(&mut key);
            self.local.srtp_key = Some(key);
        }
        let (answer, negotiated) = answer_offer(offer, &self.local)?;
        self.negotiated = Some(negotiated);
        Ok(answer.to_bytes())
    }

    /// Our offer.
    pub fn offer(&self) -> Vec<u8> {
        build_offer(&self.local).to_bytes()
    }

    /// Our offer in the 2xx to an offerless re-INVITE: the same media as a new version of our
    /// session (RFC 3264 §8; the answer comes in the ACK).
    pub fn reoffer(&mut self) -> Vec<u8> {
        self.local.session_version += 1;
        self.offer()
    }

    /// Reads the answer to our offer.
    pub fn read_answer(&mut self, answer: &SessionDescription) -> Result<(), SdpRejection> {
        self.negotiated = Some(read_answer(answer, &self.local)?);
        Ok(())
    }

    /// A re-offer from the peer (hold, resume, new address): the new negotiation and our answer.
    pub fn reanswer(&mut self, offer: &SessionDescription) -> Result<Vec<u8>, SdpRejection> {
        self.local.session_version += 1;
        let (answer, negotiated) = answer_offer(offer, &self.local)?;
        self.negotiated = Some(negotiated);
        Ok(answer.to_bytes())
    }

    /// The transport for the media plane (once; the sockets move to the media clock).
    pub fn transport(&mut self, ssrc: u32) -> Option<RtpTransport> {
        let negotiated = self.negotiated.as_ref()?;
        let (rtp, rtcp) = (self.rtp.take()?, self.rtcp.take());
        let remote = remote_rtp(negotiated)?;
        let mut config = SessionConfig::new(codec(negotiated.codec), ssrc, remote);
        config.payload_type = negotiated.payload_type;
        config.telephone_event = negotiated.telephone_event;
        config.remote_rtcp = Some(SocketAddr::new(remote.ip(), negotiated.remote_rtcp_port));
        config.srtp = keys(negotiated);
        Some(RtpTransport {
            rtp: Arc::new(rtp),
            rtcp: rtcp.map(Arc::new),
            config,
        })
    }

    /// Our SDP is SRTP.
    pub fn is_srtp(&self) -> bool {
        self.negotiated
            .as_ref()
            .is_some_and(|n| n.remote_crypto.is_some())
    }
}

/// The plane's direction for what the peer asked (its `a=sendonly` holds us).
pub fn direction(negotiated: &NegotiatedAudio) -> RtpDirection {
    match negotiated.direction {
        Direction::SendRecv => RtpDirection::SendRecv,
        Direction::SendOnly => RtpDirection::SendOnly,
        Direction::RecvOnly => RtpDirection::RecvOnly,
        Direction::Inactive => RtpDirection::Inactive,
    }
}

/// The peer's RTP address.
pub fn remote_rtp(negotiated: &NegotiatedAudio) -> Option<SocketAddr> {
    let ip: IpAddr = negotiated.remote_address.parse().ok()?;
    Some(SocketAddr::new(ip, negotiated.remote_port))
}

/// The SDES keys of a negotiation.
pub fn keys(negotiated: &NegotiatedAudio) -> Option<SrtpKeys> {
    let key = |c: &ringside_sip::sdp::CryptoAttribute| -> Option<MasterKey> {
        let bytes: &[u8; KEY_SALT] = c.key_salt.as_slice().try_into().ok()?;
        Some(MasterKey::from_bytes(bytes))
    };
    Some(SrtpKeys {
        send: key(negotiated.local_crypto.as_ref()?)?,
        receive: key(negotiated.remote_crypto.as_ref()?)?,
    })
}

fn codec(codec: Codec) -> RtpCodec {
    match codec {
        Codec::Pcmu => RtpCodec::Pcmu,
        Codec::Pcma => RtpCodec::Pcma,
        Codec::G722 => RtpCodec::G722,
    }
}

fn offers_srtp(offer: &SessionDescription) -> bool {
    offer
        .media
        .iter()
        .any(|m| m.kind == "audio" && m.protocol.contains("SAVP"))
}
