//! Audio offer/answer (RFC 3264): building our offer, answering an offer by our codec
//! preference intersected with it (PCMU 0, PCMA 8, G722 9, telephone-event), directions and
//! hold (including the RFC 2543 `c=0.0.0.0` form), rtcp-mux / `a=rtcp`, SDES crypto; 488 when
//! nothing matches.

use super::crypto::{CryptoAttribute, CryptoSuite};
use super::{Attributes, Connection, Media, Origin, SessionDescription};
use crate::error::Rejection;
use crate::headers::Header;

/// Audio codecs Ringside speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// G.711 µ-law, static PT 0.
    Pcmu,
    /// G.711 A-law, static PT 8.
    Pcma,
    /// G.722, static PT 9 (rtpmap clock 8000, sampled at 16 kHz).
    G722,
}

impl Codec {
    /// The static payload type.
    pub fn static_pt(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G722 => 9,
        }
    }

    /// The rtpmap encoding name.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
        }
    }
}

/// Media direction (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Send and receive.
    SendRecv,
    /// Send only (the sender holds the other side).
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    fn bits(self) -> (bool, bool) {
        match self {
            Direction::SendRecv => (true, true),
            Direction::SendOnly => (true, false),
            Direction::RecvOnly => (false, true),
            Direction::Inactive => (false, false),
        }
    }

    fn from_bits(send: bool, recv: bool) -> Direction {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The direction seen from the other side.
    pub fn reverse(self) -> Direction {
        let (s, r) = self.bits();
        Direction::from_bits(r, s)
    }

    /// What both allow.
    pub fn intersect(self, other: Direction) -> Direction {
        let ((s1, r1), (s2, r2)) = (self.bits(), other.bits());
        Direction::from_bits(s1 && s2, r1 && r2)
    }

    /// The attribute name.
    pub fn attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn of(media: &Media, session: &SessionDescription) -> Direction {
        let find = |attrs: &[super::Attribute]| {
            attrs.iter().find_map(|a| match a.name.as_str() {
                "sendrecv" => Some(Direction::SendRecv),
                "sendonly" => Some(Direction::SendOnly),
                "recvonly" => Some(Direction::RecvOnly),
                "inactive" => Some(Direction::Inactive),
                _ => None,
            })
        };
        find(&media.attributes)
            .or_else(|| find(&session.attributes))
            .unwrap_or(Direction::SendRecv)
    }
}

/// Our side of an audio session.
#[derive(Debug, Clone)]
pub struct LocalAudio {
    /// Our RTP address (IP literal).
    pub address: String,
    /// Our RTP port.
    pub port: u16,
    /// Codecs in preference order.
    pub codecs: Vec<Codec>,
    /// The telephone-event payload type we offer.
    pub telephone_event_pt: u8,
    /// Packetization time we ask for.
    pub ptime: Option<u32>,
    /// The direction we want (`SendOnly` to hold the peer).
    pub direction: Direction,
    /// Whether we offer/accept rtcp-mux.
    pub rtcp_mux: bool,
    /// Our SRTP master key and salt (30 bytes) when SRTP is on; supplied by the caller.
    pub srtp_key: Option<Vec<u8>>,
    /// Refuse plain RTP (488) when set.
    pub require_srtp: bool,
    /// o= session id.
    pub session_id: u64,
    /// o= session version (increment on each new offer or answer that changes).
    pub session_version: u64,
}

/// What an offer/answer exchange agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedAudio {
    /// Index of the audio m-line.
    pub media_index: usize,
    /// The codec.
    pub codec: Codec,
    /// Its payload type on the wire.
    pub payload_type: u8,
    /// telephone-event payload type, if both sides have it.
    pub telephone_event: Option<u8>,
    /// Where to send RTP.
    pub remote_address: String,
    /// Remote RTP port.
    pub remote_port: u16,
    /// Remote RTCP port (`a=rtcp`, else RTP+1; RTP port with rtcp-mux).
    pub remote_rtcp_port: u16,
    /// RTP and RTCP share a port.
    pub rtcp_mux: bool,
    /// Our direction.
    pub direction: Direction,
    /// The peer put us on hold (sendonly/inactive or `c=0.0.0.0`).
    pub remote_hold: bool,
    /// The peer's ptime.
    pub remote_ptime: Option<u32>,
    /// Keys the peer sends with (SRTP).
    pub remote_crypto: Option<CryptoAttribute>,
    /// Keys we send with (SRTP).
    pub local_crypto: Option<CryptoAttribute>,
}

/// Why an offer or answer was unacceptable (488 Not Acceptable Here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpRejection(pub String);

impl SdpRejection {
    /// The 488 with a 304/305-style Warning naming the problem.
    pub fn to_rejection(&self) -> Rejection {
        let mut r = Rejection::new(488);
        r.headers.push(Header::Other {
            name: "Warning".into(),
            value: format!("399 ringside {}", crate::text::quote(&self.0)),
        });
        r
    }
}

/// Builds our audio offer.
pub fn build_offer(local: &LocalAudio) -> SessionDescription {
    let pts: Vec<u8> = local.codecs.iter().map(|c| c.static_pt()).collect();
    let crypto = local
        .srtp_key
        .as_ref()
        .map(|k| CryptoAttribute::new(1, CryptoSuite::AesCm128HmacSha1_80, k));
    let media = audio_media(
        local,
        &pts,
        Some(local.telephone_event_pt),
        local.direction,
        crypto,
    );
    session(local, media)
}

fn session(local: &LocalAudio, media: Vec<Media>) -> SessionDescription {
    let addr_type = if local.address.contains(':') {
        "IP6"
    } else {
        "IP4"
    };
    SessionDescription {
        origin: Origin {
            username: "-".into(),
            session_id: local.session_id.to_string(),
            session_version: local.session_version,
            addr_type: addr_type.into(),
            address: local.address.clone(),
        },
        session_name: "-".into(),
        connection: Some(Connection {
            addr_type: addr_type.into(),
            address: local.address.clone(),
        }),
        lines: vec![('t', "0 0".into())],
        attributes: Vec::new(),
        media,
    }
}

fn audio_media(
    local: &LocalAudio,
    pts: &[u8],
    te: Option<u8>,
    direction: Direction,
    crypto: Option<CryptoAttribute>,
) -> Vec<Media> {
    let protocol = if crypto.is_some() {
        "RTP/SAVP"
    } else {
        "RTP/AVP"
    };
    let mut m = Media {
        kind: "audio".into(),
        port: local.port,
        port_count: None,
        protocol: protocol.into(),
        formats: pts.iter().chain(te.iter()).map(u8::to_string).collect(),
        connection: None,
        lines: Vec::new(),
        attributes: Vec::new(),
    };
    for pt in pts {
        let codec = local.codecs.iter().find(|c| c.static_pt() == *pt).copied();
        let name = codec.map_or("PCMU", Codec::name);
        m.push_attr("rtpmap", Some(format!("{pt} {name}/8000")));
    }
    if let Some(te) = te {
        m.push_attr("rtpmap", Some(format!("{te} telephone-event/8000")));
        m.push_attr("fmtp", Some(format!("{te} 0-16")));
    }
    if let Some(p) = local.ptime {
        m.push_attr("ptime", Some(p.to_string()));
    }
    if local.rtcp_mux {
        m.push_attr("rtcp-mux", None);
    }
    if let Some(c) = crypto {
        m.push_attr("crypto", Some(c.to_string()));
    }
    m.push_attr(direction.attr(), None);
    vec![m]
}

/// The payload type in `m` that carries `codec` (by rtpmap name, else by static number).
fn find_codec(m: &Media, codec: Codec) -> Option<u8> {
    m.formats.iter().find_map(|f| {
        let pt: u8 = f.parse().ok()?;
        let matches = match m.rtpmap(f) {
            Some((name, rate)) => name.eq_ignore_ascii_case(codec.name()) && rate == 8000,
            None => pt == codec.static_pt(),
        };
        matches.then_some(pt)
    })
}

fn find_telephone_event(m: &Media) -> Option<u8> {
    m.formats.iter().find_map(|f| {
        let (name, rate) = m.rtpmap(f)?;
        (name.eq_ignore_ascii_case("telephone-event") && rate == 8000).then(|| f.parse().ok())?
    })
}

/// Answers `offer` with `local`'s preferences: the chosen stream and our answer.
pub fn answer_offer(
    offer: &SessionDescription,
    local: &LocalAudio,
) -> Result<(SessionDescription, NegotiatedAudio), SdpRejection> {
    let mut chosen = None;
    let mut last_error = SdpRejection("no audio stream".into());
    let mut media = Vec::with_capacity(offer.media.len());
    for (i, m) in offer.media.iter().enumerate() {
        let attempt = match chosen {
            None if m.kind == "audio" && m.port != 0 => Some(negotiate(offer, m, i, local)),
            _ => None,
        };
        match attempt {
            Some(Ok((answer_media, negotiated))) => {
                media.push(answer_media);
                chosen = Some(negotiated);
            }
            Some(Err(e)) => {
                last_error = e;
                media.push(rejected(m));
            }
            None => media.push(rejected(m)),
        }
    }
    let negotiated = chosen.ok_or(last_error)?;
    Ok((session(local, media), negotiated))
}

fn rejected(m: &Media) -> Media {
    Media {
        kind: m.kind.clone(),
        port: 0,
        port_count: None,
        protocol: m.protocol.clone(),
        formats: m.formats.iter().take(1).cloned().collect(),
        connection: None,
        lines: Vec::new(),
        attributes: Vec::new(),
    }
}

fn negotiate(
    sd: &SessionDescription,
    m: &Media,
    index: usize,
    local: &LocalAudio,
) -> Result<(Media, NegotiatedAudio), SdpRejection> {
    let secure = m.protocol.eq_ignore_ascii_case("RTP/SAVP");
    if !secure && !m.protocol.eq_ignore_ascii_case("RTP/AVP") {
        return Err(SdpRejection(format!(
            "transport {} not supported",
            m.protocol
        )));
    }
    if local.require_srtp && !secure {
        return Err(SdpRejection("SRTP required".into()));
    }
    let (codec, pt) = local
        .codecs
        .iter()
        .find_map(|c| find_codec(m, *c).map(|pt| (*c, pt)))
        .ok_or_else(|| SdpRejection("no common codec".into()))?;
    let (remote_crypto, local_crypto) = if secure {
        pick_crypto(m, local)?
    } else {
        (None, None)
    };
    let mut neg = remote_view(sd, m, index, codec, pt)?;
    let offered = offered_direction(sd, m);
    neg.direction = offered.reverse().intersect(local.direction);
    neg.rtcp_mux = local.rtcp_mux && m.attr("rtcp-mux").is_some();
    if neg.rtcp_mux {
        neg.remote_rtcp_port = neg.remote_port;
    }
    neg.remote_crypto = remote_crypto;
    neg.local_crypto = local_crypto.clone();
    let mut answer_local = local.clone();
    answer_local.rtcp_mux = neg.rtcp_mux;
    let te = neg.telephone_event;
    let media = audio_media(&answer_local, &[pt], te, neg.direction, local_crypto);
    Ok((media.into_iter().next().unwrap_or_else(|| rejected(m)), neg))
}

/// The offered direction, with `c=0.0.0.0` read as the RFC 2543 form of sendonly.
fn offered_direction(sd: &SessionDescription, m: &Media) -> Direction {
    let d = Direction::of(m, sd);
    let old_hold = sd.connection_of(m).is_some_and(Connection::is_hold);
    if old_hold {
        d.intersect(Direction::SendOnly)
    } else {
        d
    }
}

fn remote_view(
    sd: &SessionDescription,
    m: &Media,
    index: usize,
    codec: Codec,
    pt: u8,
) -> Result<NegotiatedAudio, SdpRejection> {
    let conn = sd
        .connection_of(m)
        .ok_or_else(|| SdpRejection("no connection address".into()))?;
    let direction = offered_direction(sd, m);
    let rtcp_port = m
        .attr("rtcp")
        .flatten()
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(m.port.saturating_add(1));
    Ok(NegotiatedAudio {
        media_index: index,
        codec,
        payload_type: pt,
        telephone_event: find_telephone_event(m),
        remote_address: conn
            .address
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string(),
        remote_port: m.port,
        remote_rtcp_port: rtcp_port,
        rtcp_mux: m.attr("rtcp-mux").is_some(),
        direction: direction.reverse(),
        remote_hold: matches!(direction, Direction::SendOnly | Direction::Inactive),
        remote_ptime: m
            .attr("ptime")
            .flatten()
            .and_then(|p| p.trim().parse().ok()),
        remote_crypto: None,
        local_crypto: None,
    })
}

fn pick_crypto(
    m: &Media,
    local: &LocalAudio,
) -> Result<(Option<CryptoAttribute>, Option<CryptoAttribute>), SdpRejection> {
    let key = local
        .srtp_key
        .as_ref()
        .ok_or_else(|| SdpRejection("SRTP offered but not configured".into()))?;
    let remote = m
        .attr_values("crypto")
        .filter_map(CryptoAttribute::parse)
        .find(CryptoAttribute::is_usable)
        .ok_or_else(|| SdpRejection("no supported crypto suite".into()))?;
    let ours = CryptoAttribute::new(remote.tag, remote.suite.clone(), key);
    Ok((Some(remote), Some(ours)))
}

/// Reads the answer to the offer built from `local`.
pub fn read_answer(
    answer: &SessionDescription,
    local: &LocalAudio,
) -> Result<NegotiatedAudio, SdpRejection> {
    let (index, m) = answer
        .media
        .iter()
        .enumerate()
        .find(|(_, m)| m.kind == "audio" && m.port != 0)
        .ok_or_else(|| SdpRejection("audio stream rejected".into()))?;
    let (codec, pt) = m
        .formats
        .iter()
        .filter_map(|f| f.parse::<u8>().ok())
        .find_map(|pt| {
            let c = local
                .codecs
                .iter()
                .find(|c| find_codec(m, **c) == Some(pt))?;
            Some((*c, pt))
        })
        .ok_or_else(|| SdpRejection("answer has none of our codecs".into()))?;
    let mut neg = remote_view(answer, m, index, codec, pt)?;
    neg.direction = offered_direction(answer, m)
        .reverse()
        .intersect(local.direction);
    neg.rtcp_mux = local.rtcp_mux && neg.rtcp_mux;
    if neg.rtcp_mux {
        neg.remote_rtcp_port = neg.remote_port;
    }
    if m.protocol.eq_ignore_ascii_case("RTP/SAVP") {
        let key = local
            .srtp_key
            .as_ref()
            .ok_or_else(|| SdpRejection("unexpected SRTP".into()))?;
        let remote = m
            .attr_values("crypto")
            .filter_map(CryptoAttribute::parse)
            .find(|c| c.tag == 1);
        let remote = remote.filter(CryptoAttribute::is_usable);
        let remote = remote.ok_or_else(|| SdpRejection("answer lacks our crypto tag".into()))?;
        neg.local_crypto = Some(CryptoAttribute::new(1, remote.suite.clone(), key));
        neg.remote_crypto = Some(remote);
    } else if local.require_srtp {
        return Err(SdpRejection("SRTP required".into()));
    }
    Ok(neg)
}
