//! Session descriptions (RFC 8866/4566): the model, a lenient line parser and a serializer that
//! writes lines in the RFC's order; attribute helpers; audio offer/answer (`offer_answer`) and
//! SDES crypto attributes (`crypto`).

pub mod crypto;
pub mod offer_answer;

pub use crypto::{CryptoAttribute, CryptoSuite};
pub use offer_answer::{
    answer_offer, build_offer, read_answer, Codec, Direction, LocalAudio, NegotiatedAudio,
    SdpRejection,
};

use std::fmt::{self, Write as _};

/// Why a session description did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdpError(pub String);

impl fmt::Display for SdpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad SDP: {}", self.0)
    }
}

impl std::error::Error for SdpError {}

/// `o=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Username (`-` when none).
    pub username: String,
    /// Session id (digits, kept as text: some peers send more than 64 bits).
    pub session_id: String,
    /// Session version.
    pub session_version: u64,
    /// Address type (`IP4`/`IP6`).
    pub addr_type: String,
    /// Unicast address.
    pub address: String,
}

/// `c=` line (`IN` network type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `IP4` or `IP6`.
    pub addr_type: String,
    /// Address (may carry `/ttl` for multicast, kept as received).
    pub address: String,
}

/// `a=name[:value]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value after the colon.
    pub value: Option<String>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `video`, ...
    pub kind: String,
    /// Port (0 = rejected/disabled stream).
    pub port: u16,
    /// Port count (`/2`), when given.
    pub port_count: Option<u16>,
    /// Transport protocol (`RTP/AVP`, `RTP/SAVP`, ...).
    pub protocol: String,
    /// Formats (payload types for RTP).
    pub formats: Vec<String>,
    /// `c=` for this stream.
    pub connection: Option<Connection>,
    /// Other lines (`i=`, `b=`, `k=`) as `(letter, value)`, in order.
    pub lines: Vec<(char, String)>,
    /// Attributes, in order.
    pub attributes: Vec<Attribute>,
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=` (a single space or `-` when nothing is meant).
    pub session_name: String,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// Other session lines (`i=`, `u=`, `e=`, `p=`, `b=`, `t=`, `r=`, `z=`, `k=`) in order.
    pub lines: Vec<(char, String)>,
    /// Session attributes.
    pub attributes: Vec<Attribute>,
    /// Media sections.
    pub media: Vec<Media>,
}

/// Attribute lookups shared by the session and its media.
pub trait Attributes {
    /// The attributes.
    fn attrs(&self) -> &[Attribute];

    /// The first value of attribute `name`; `Some(None)` for a flag.
    fn attr(&self, name: &str) -> Option<Option<&str>> {
        self.attrs()
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.value.as_deref())
    }

    /// Every value of attribute `name`.
    fn attr_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attrs()
            .iter()
            .filter(move |a| a.name.eq_ignore_ascii_case(name))
            .filter_map(|a| a.value.as_deref())
    }
}

impl Attributes for SessionDescription {
    fn attrs(&self) -> &[Attribute] {
        &self.attributes
    }
}

impl Attributes for Media {
    fn attrs(&self) -> &[Attribute] {
        &self.attributes
    }
}

impl Media {
    /// The `a=rtpmap` encoding name and clock rate of payload type `pt`.
    pub fn rtpmap(&self, pt: &str) -> Option<(String, u32)> {
        self.attr_values("rtpmap").find_map(|v| {
            let (fmt, rest) = v.split_once(' ')?;
            if fmt != pt {
                return None;
            }
            let mut it = rest.trim().split('/');
            let name = it.next()?.to_string();
            Some((name, it.next()?.parse().ok()?))
        })
    }

    /// The `a=fmtp` parameters of payload type `pt`.
    pub fn fmtp(&self, pt: &str) -> Option<&str> {
        self.attr_values("fmtp").find_map(|v| {
            let (fmt, rest) = v.split_once(' ')?;
            (fmt == pt).then_some(rest.trim())
        })
    }

    /// Appends an attribute.
    pub fn push_attr(&mut self, name: &str, value: Option<String>) {
        self.attributes.push(Attribute {
            name: name.to_string(),
            value,
        });
    }
}

impl SessionDescription {
    /// Parses a session description (CRLF or LF line ends).
    pub fn parse(input: &[u8]) -> Result<SessionDescription, SdpError> {
        let text = std::str::from_utf8(input).map_err(|_| SdpError("not UTF-8".into()))?;
        let mut lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .filter(|l| !l.is_empty());
        if lines.next() != Some("v=0") {
            return Err(SdpError("first line must be v=0".into()));
        }
        let mut sd = SessionDescription {
            origin: Origin::parse("- 0 0 IN IP4 0.0.0.0")?,
            session_name: String::new(),
            connection: None,
            lines: Vec::new(),
            attributes: Vec::new(),
            media: Vec::new(),
        };
        let mut saw_origin = false;
        for line in lines {
            let (letter, value) = split_line(line)?;
            match (letter, sd.media.last_mut()) {
                ('m', _) => sd.media.push(Media::parse(value)?),
                ('c', Some(m)) => m.connection = Some(Connection::parse(value)?),
                ('a', Some(m)) => m.attributes.push(Attribute::parse(value)),
                (l, Some(m)) => m.lines.push((l, value.to_string())),
                ('o', None) => {
                    sd.origin = Origin::parse(value)?;
                    saw_origin = true;
                }
                ('s', None) => sd.session_name = value.to_string(),
                ('c', None) => sd.connection = Some(Connection::parse(value)?),
                ('a', None) => sd.attributes.push(Attribute::parse(value)),
                (l, None) => sd.lines.push((l, value.to_string())),
            }
        }
        if !saw_origin {
            return Err(SdpError("missing o= line".into()));
        }
        Ok(sd)
    }

    /// The connection address of `media` (its own `c=`, else the session's).
    pub fn connection_of<'a>(&'a self, media: &'a Media) -> Option<&'a Connection> {
        media.connection.as_ref().or(self.connection.as_ref())
    }

    /// Serializes with CRLF line ends.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

fn split_line(line: &str) -> Result<(char, &str), SdpError> {
    let mut chars = line.chars();
    let letter = chars.next().filter(char::is_ascii_lowercase);
    match (letter, line.get(1..2)) {
        (Some(l), Some("=")) => Ok((l, &line[2..])),
        _ => Err(SdpError(format!("malformed line {line:?}"))),
    }
}

impl Origin {
    fn parse(v: &str) -> Result<Origin, SdpError> {
        let f: Vec<&str> = v.split_whitespace().collect();
        let bad = || SdpError(format!("bad o= line {v:?}"));
        let [username, id, version, "IN", addr_type, address] = f[..] else {
            return Err(bad());
        };
        Ok(Origin {
            username: username.into(),
            session_id: id.into(),
            session_version: version.parse().map_err(|_| bad())?,
            addr_type: addr_type.into(),
            address: address.into(),
        })
    }
}

impl Connection {
    fn parse(v: &str) -> Result<Connection, SdpError> {
        let f: Vec<&str> = v.split_whitespace().collect();
        match f[..] {
            ["IN", addr_type, address] => Ok(Connection {
                addr_type: addr_type.into(),
                address: address.into(),
            }),
            _ => Err(SdpError(format!("bad c= line {v:?}"))),
        }
    }

    /// True for the RFC 2543 hold address `0.0.0.0` (or IPv6 `::`).
    pub fn is_hold(&self) -> bool {
        self.address == "0.0.0.0" || self.address == "::"
    }
}

impl Attribute {
    fn parse(v: &str) -> Attribute {
        match v.split_once(':') {
            Some((n, val)) => Attribute {
                name: n.to_string(),
                value: Some(val.to_string()),
            },
            None => Attribute {
                name: v.to_string(),
                value: None,
            },
        }
    }
}

impl Media {
    fn parse(v: &str) -> Result<Media, SdpError> {
        let bad = || SdpError(format!("bad m= line {v:?}"));
        let mut f = v.split_whitespace();
        let kind = f.next().ok_or_else(bad)?.to_string();
        let port_field = f.next().ok_or_else(bad)?;
        let (port, count) = match port_field.split_once('/') {
            Some((p, c)) => (p, Some(c.parse().map_err(|_| bad())?)),
            None => (port_field, None),
        };
        Ok(Media {
            kind,
            port: port.parse().map_err(|_| bad())?,
            port_count: count,
            protocol: f.next().ok_or_else(bad)?.to_string(),
            formats: f.map(str::to_string).collect(),
            connection: None,
            lines: Vec::new(),
            attributes: Vec::new(),
        })
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        f.write_str("v=0\r\n")?;
        let (id, ver, at, addr) = (&o.session_id, o.session_version, &o.addr_type, &o.address);
        write!(f, "o={} {id} {ver} IN {at} {addr}\r\n", o.username)?;
        write!(f, "s={}\r\n", self.session_name)?;
        let before_c = |l: &char| "iuep".contains(*l);
        write_lines(f, self.lines.iter().filter(|(l, _)| before_c(l)))?;
        if let Some(c) = &self.connection {
            write!(f, "c=IN {} {}\r\n", c.addr_type, c.address)?;
        }
        let after_c: Vec<_> = self.lines.iter().filter(|(l, _)| !before_c(l)).collect();
        if !after_c.iter().any(|(l, _)| *l == 't') {
            f.write_str("t=0 0\r\n")?;
        }
        write_lines(f, after_c.into_iter())?;
        write_attrs(f, &self.attributes)?;
        for m in &self.media {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = format!("m={} {}", self.kind, self.port);
        if let Some(c) = self.port_count {
            let _ = write!(line, "/{c}");
        }
        let _ = write!(line, " {}", self.protocol);
        for fmt in &self.formats {
            let _ = write!(line, " {fmt}");
        }
        write!(f, "{line}\r\n")?;
        write_lines(f, self.lines.iter().filter(|(l, _)| *l == 'i'))?;
        if let Some(c) = &self.connection {
            write!(f, "c=IN {} {}\r\n", c.addr_type, c.address)?;
        }
        write_lines(f, self.lines.iter().filter(|(l, _)| *l != 'i'))?;
        write_attrs(f, &self.attributes)
    }
}

fn write_lines<'a>(
    f: &mut fmt::Formatter<'_>,
    lines: impl Iterator<Item = &'a (char, String)>,
) -> fmt::Result {
    for (l, v) in lines {
        write!(f, "{l}={v}\r\n")?;
    }
    Ok(())
}

fn write_attrs(f: &mut fmt::Formatter<'_>, attrs: &[Attribute]) -> fmt::Result {
    for a in attrs {
        match &a.value {
            Some(v) => write!(f, "a={}:{v}\r\n", a.name)?,
            None => write!(f, "a={}\r\n", a.name)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\ns=\r\nc=IN IP4 host.atlanta.example.com\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 97\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:97 iLBC/8000\r\nm=video 51372 RTP/AVP 31 32\r\na=rtpmap:31 H261/90000\r\na=rtpmap:32 MPV/90000\r\n";

    #[test]
    fn rfc4317_offer_round_trips() {
        let sd = SessionDescription::parse(OFFER.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sd.media.len(), 2);
        assert_eq!(sd.media[0].rtpmap("97"), Some(("iLBC".into(), 8000)));
        assert_eq!(sd.origin.session_version, 2890844526);
        assert_eq!(String::from_utf8_lossy(&sd.to_bytes()), OFFER);
    }

    #[test]
    fn errors() {
        assert!(SessionDescription::parse(b"v=1\r\n").is_err());
        assert!(SessionDescription::parse(b"v=0\r\ns=x\r\n").is_err());
        assert!(SessionDescription::parse(b"v=0\r\no=- 1 x IN IP4 a\r\n").is_err());
        assert!(
            SessionDescription::parse(b"v=0\r\no=- 1 1 IN IP4 a\r\nm=audio x RTP/AVP 0\r\n")
                .is_err()
        );
        assert!(SessionDescription::parse(b"v=0\r\no=- 1 1 IN IP4 a\r\nbogus\r\n").is_err());
    }
}
