//! SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and any other absolute URI kept opaque:
//! user info with escapes, IPv4/IPv6/domain hosts, parameters and headers.

use crate::params::Params;
use crate::text::escapes_ok;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A URI as found in a Request-URI or a name-addr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:`.
    Tel(TelUri),
    /// Any other absolute URI, kept verbatim (scheme included).
    Other(String),
}

/// A `sip:`/`sips:` URI. `user` and `password` keep their `%` escapes as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUri {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// User part, escaped form.
    pub user: Option<String>,
    /// Password, escaped form.
    pub password: Option<String>,
    /// Host.
    pub host: Host,
    /// Port, when given.
    pub port: Option<u16>,
    /// URI parameters (`transport`, `lr`, `maddr`, `user`, ...).
    pub params: Params,
    /// URI headers (`?name=value&...`), escaped form.
    pub headers: Vec<(String, String)>,
}

/// A host: domain name, IPv4 or IPv6 address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name (as received).
    Domain(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written in brackets).
    V6(Ipv6Addr),
}

/// A `tel:` URI: the number and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelUri {
    /// Global (`+...`) or local number as received.
    pub number: String,
    /// Parameters (`phone-context`, `ext`, ...).
    pub params: Params,
}

impl Uri {
    /// Parses any URI; `None` when it is malformed.
    pub fn parse(s: &str) -> Option<Uri> {
        let (scheme, rest) = s.split_once(':')?;
        let valid_scheme = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !valid_scheme {
            return None;
        }
        match scheme.to_ascii_lowercase().as_str() {
            "sip" => SipUri::parse_rest(rest, false).map(Uri::Sip),
            "sips" => SipUri::parse_rest(rest, true).map(Uri::Sip),
            "tel" => TelUri::parse_rest(rest).map(Uri::Tel),
            _ => opaque_ok(rest).then(|| Uri::Other(s.to_string())),
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The lowercase scheme.
    pub fn scheme(&self) -> String {
        match self {
            Uri::Sip(u) if u.secure => "sips".into(),
            Uri::Sip(_) => "sip".into(),
            Uri::Tel(_) => "tel".into(),
            Uri::Other(s) => s.split(':').next().unwrap_or_default().to_ascii_lowercase(),
        }
    }

    /// URI headers (only SIP URIs have them).
    pub fn has_headers(&self) -> bool {
        matches!(self, Uri::Sip(u) if !u.headers.is_empty())
    }
}

fn opaque_ok(rest: &str) -> bool {
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>\"".contains(&b))
        && escapes_ok(rest)
}

fn user_char(b: u8, password: bool) -> bool {
    b.is_ascii_alphanumeric()
        || b"-_.!~*'()%&=+$,".contains(&b)
        || (!password && b";?/".contains(&b))
}

impl SipUri {
    /// A plain `sip:user@host` URI.
    pub fn new(user: Option<&str>, host: Host) -> SipUri {
        SipUri {
            secure: false,
            user: user.map(str::to_string),
            password: None,
            host,
            port: None,
            params: Params::default(),
            headers: Vec::new(),
        }
    }

    fn parse_rest(rest: &str, secure: bool) -> Option<SipUri> {
        let (userinfo, remainder) = match memchr::memchr(b'@', rest.as_bytes()) {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            Some(ui) => {
                let (u, p) = match ui.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (ui, None),
                };
                let ok = |s: &str, pw| s.bytes().all(|b| user_char(b, pw)) && escapes_ok(s);
                if u.is_empty() || !ok(u, false) || p.is_some_and(|p| !ok(p, true)) {
                    return None;
                }
                (Some(u.to_string()), p.map(str::to_string))
            }
            None => (None, None),
        };
        let (before_headers, headers) = match remainder.split_once('?') {
            Some((b, h)) => (b, Some(h)),
            None => (remainder, None),
        };
        let (hostport, params) = match before_headers.split_once(';') {
            Some((h, p)) => (h, p),
            None => (before_headers, ""),
        };
        let (host, port) = parse_hostport(hostport)?;
        Some(SipUri {
            secure,
            user,
            password,
            host,
            port,
            params: Params::parse_uri(params)?,
            headers: headers.map(parse_uri_headers).unwrap_or(Some(Vec::new()))?,
        })
    }

    /// The user part with escapes decoded.
    pub fn user_unescaped(&self) -> Option<String> {
        self.user.as_deref().map(crate::text::unescape)
    }

    /// The `transport` parameter, lowercase.
    pub fn transport(&self) -> Option<String> {
        self.params.value("transport").map(str::to_ascii_lowercase)
    }
}

fn parse_uri_headers(s: &str) -> Option<Vec<(String, String)>> {
    let ok = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%[]/?:+$".contains(&b))
            && escapes_ok(s)
    };
    s.split('&')
        .map(|h| {
            let (n, v) = h.split_once('=')?;
            (!n.is_empty() && ok(n) && ok(v)).then(|| (n.to_string(), v.to_string()))
        })
        .collect()
}

/// Parses `host[:port]`, IPv6 in brackets.
pub(crate) fn parse_hostport(s: &str) -> Option<(Host, Option<u16>)> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (Host::V6(addr.parse().ok()?), port)
    } else {
        let (h, p) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        (Host::parse(h)?, p)
    };
    let port = match port {
        Some(p) => Some(crate::text::parse_scalar(p, 65535)? as u16),
        None => None,
    };
    Some((host, port))
}

impl Host {
    /// Parses a domain name, an IPv4 address or a bracketed IPv6 address.
    pub fn parse(s: &str) -> Option<Host> {
        if let Some(v6) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return v6.parse().ok().map(Host::V6);
        }
        if let Ok(v4) = s.parse::<Ipv4Addr>() {
            return Some(Host::V4(v4));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
        };
        let trimmed = s.strip_suffix('.').unwrap_or(s);
        let all_numeric = trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        (!all_numeric && trimmed.split('.').all(label_ok)).then(|| Host::Domain(s.to_string()))
    }
}

impl TelUri {
    fn parse_rest(rest: &str) -> Option<TelUri> {
        let (number, params) = rest.split_once(';').unwrap_or((rest, ""));
        let ok = !number.is_empty()
            && number
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b"+-.()*#pwPW".contains(&b));
        ok.then_some(())?;
        Some(TelUri {
            number: number.to_string(),
            params: Params::parse_uri(params)?,
        })
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => write!(f, "{u}"),
            Uri::Tel(t) => write!(f, "tel:{}{}", t.number, t.params),
            Uri::Other(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        match Uri::parse(s) {
            Some(Uri::Sip(u)) => u,
            other => panic!("{s} parsed as {other:?}"),
        }
    }

    #[test]
    fn full_sip_uri() {
        let u = sip("sips:alice:secret@[2001:db8::10]:5061;transport=tls;lr?Subject=hi&X=%20");
        assert!(u.secure);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(
            u.host,
            Host::V6("2001:db8::10".parse().unwrap_or(Ipv6Addr::LOCALHOST))
        );
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.transport().as_deref(), Some("tls"));
        assert!(u.params.has("lr"));
        assert_eq!(u.headers.len(), 2);
        assert_eq!(
            u.to_string(),
            "sips:alice:secret@[2001:db8::10]:5061;transport=tls;lr?Subject=hi&X=%20"
        );
    }

    #[test]
    fn unusual_user_parts() {
        let u = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        let u = sip("sip:sips%3Auser%40example.com@example.net");
        assert_eq!(u.user_unescaped().as_deref(), Some("sips:user@example.com"));
    }

    #[test]
    fn tel_and_other() {
        match Uri::parse("tel:+1-425-555-0100;phone-context=example.com") {
            Some(Uri::Tel(t)) => assert_eq!(t.params.value("phone-context"), Some("example.com")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Uri::parse("isbn:2983792873").map(|u| u.scheme()),
            Some("isbn".into())
        );
    }

    #[test]
    fn malformed() {
        for bad in [
            "sip:",
            "sip:a b@c",
            "sip:host:99999",
            "sip:[::1",
            "sip:@host",
            "1x:foo",
            "sip:user@",
        ] {
            assert_eq!(Uri::parse(bad), None, "{bad}");
        }
    }
}
