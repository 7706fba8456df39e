//! Typed header fields (RFC 3261 §20 and the extensions Ringside meets): the `Header` enum, the
//! name table with compact forms, parsing one raw field into typed values (list headers split
//! on commas), and serialization. Unknown headers are kept verbatim.

mod auth;
mod list;
mod misc;
mod via;

pub use auth::{AuthParam, AuthValue};
pub use list::Headers;
pub use misc::{CSeq, Contact, Method, TokenParams, MAX_CSEQ};
pub use via::{Via, MAGIC_COOKIE};

use crate::name_addr::NameAddr;
use crate::text::{is_token, parse_scalar, split_top, trim};
use std::fmt;

/// One header field value. List-valued fields become one `Header` per element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    /// Via (one hop).
    Via(Via),
    /// From.
    From(NameAddr),
    /// To.
    To(NameAddr),
    /// Call-ID.
    CallId(String),
    /// CSeq.
    CSeq(CSeq),
    /// Max-Forwards (0..=255).
    MaxForwards(u8),
    /// Contact (one value).
    Contact(Contact),
    /// Route (one value).
    Route(NameAddr),
    /// Record-Route (one value).
    RecordRoute(NameAddr),
    /// Content-Length.
    ContentLength(u32),
    /// Content-Type (media type with parameters, as received).
    ContentType(String),
    /// Expires (delta-seconds).
    Expires(u32),
    /// Min-Expires.
    MinExpires(u32),
    /// Supported (one option tag).
    Supported(String),
    /// Require (one option tag).
    Require(String),
    /// Proxy-Require (one option tag).
    ProxyRequire(String),
    /// Unsupported (one option tag).
    Unsupported(String),
    /// Allow (one method).
    Allow(Method),
    /// P-Asserted-Identity (RFC 3325; one value).
    PAssertedIdentity(NameAddr),
    /// Session-Expires (RFC 4028): delta-seconds and `refresher`.
    SessionExpires(TokenParams),
    /// Min-SE (RFC 4028).
    MinSe(TokenParams),
    /// Refer-To (RFC 3515).
    ReferTo(NameAddr),
    /// Referred-By (RFC 3892).
    ReferredBy(NameAddr),
    /// Replaces (RFC 3891): Call-ID with `to-tag`, `from-tag`, `early-only`.
    Replaces(TokenParams),
    /// Authorization.
    Authorization(AuthValue),
    /// Proxy-Authorization.
    ProxyAuthorization(AuthValue),
    /// WWW-Authenticate.
    WwwAuthenticate(AuthValue),
    /// Proxy-Authenticate.
    ProxyAuthenticate(AuthValue),
    /// Event (RFC 6665): package and `id`.
    Event(TokenParams),
    /// Subscription-State (RFC 6665): state, `expires`, `reason`.
    SubscriptionState(TokenParams),
    /// Any other field: the name and the (unfolded) value as received.
    Other {
        /// Name as received.
        name: String,
        /// Value as received, surrounding LWS removed.
        value: String,
    },
}

/// Canonical names with their compact forms (RFC 3261 §7.3.3 and the IANA registry).
const NAMES: &[(&str, Option<&str>)] = &[
    ("Via", Some("v")),
    ("From", Some("f")),
    ("To", Some("t")),
    ("Call-ID", Some("i")),
    ("CSeq", None),
    ("Max-Forwards", None),
    ("Contact", Some("m")),
    ("Route", None),
    ("Record-Route", None),
    ("Content-Length", Some("l")),
    ("Content-Type", Some("c")),
    ("Expires", None),
    ("Min-Expires", None),
    ("Supported", Some("k")),
    ("Require", None),
    ("Proxy-Require", None),
    ("Unsupported", None),
    ("Allow", None),
    ("P-Asserted-Identity", None),
    ("Session-Expires", Some("x")),
    ("Min-SE", None),
    ("Refer-To", Some("r")),
    ("Referred-By", Some("b")),
    ("Replaces", None),
    ("Authorization", None),
    ("Proxy-Authorization", None),
    ("WWW-Authenticate", None),
    ("Proxy-Authenticate", None),
    ("Event", Some("o")),
    ("Subscription-State", None),
    ("Subject", Some("s")),
    ("Content-Encoding", Some("e")),
    ("Allow-Events", Some("u")),
    ("Accept-Contact", Some("a")),
    ("Reject-Contact", Some("j")),
    ("Request-Disposition", Some("d")),
    ("Identity", Some("y")),
    ("Retry-After", None),
    ("Warning", None),
];

/// The canonical spelling of a header name (long form for compact names); `None` when unknown.
pub fn canonical_name(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(long, short)| {
            long.eq_ignore_ascii_case(name) || short.is_some_and(|s| s.eq_ignore_ascii_case(name))
        })
        .map(|(long, _)| *long)
}

/// Why a header field did not parse: its canonical (or received) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadHeader(pub String);

/// Parses one raw field (`name`, unfolded `value`) and appends its typed values to `out`.
pub(crate) fn parse_field(name: &str, value: &str, out: &mut Vec<Header>) -> Result<(), BadHeader> {
    let value = trim(value);
    let Some(canon) = canonical_name(name) else {
        out.push(Header::Other {
            name: name.to_string(),
            value: value.to_string(),
        });
        return Ok(());
    };
    let bad = || BadHeader(canon.to_string());
    if is_list(canon) {
        let parts = split_top(value, b',').ok_or_else(bad)?;
        if parts.len() == 1 && trim(parts[0]).is_empty() && allows_empty(canon) {
            return Ok(());
        }
        for part in parts {
            out.push(parse_single(canon, part).ok_or_else(bad)?);
        }
        return Ok(());
    }
    let header = parse_single(canon, value).ok_or_else(bad)?;
    if let Header::Other { .. } = header {
        out.push(Header::Other {
            name: name.to_string(),
            value: value.to_string(),
        });
    } else {
        out.push(header);
    }
    Ok(())
}

fn is_list(canon: &str) -> bool {
    matches!(
        canon,
        "Via"
            | "Contact"
            | "Route"
            | "Record-Route"
            | "Supported"
            | "Require"
            | "Proxy-Require"
            | "Unsupported"
            | "Allow"
            | "P-Asserted-Identity"
    )
}

fn allows_empty(canon: &str) -> bool {
    matches!(canon, "Supported" | "Allow" | "Unsupported")
}

fn option_tag(v: &str) -> Option<String> {
    let v = trim(v);
    is_token(v).then(|| v.to_string())
}

fn scalar(v: &str, max: u64) -> Option<u64> {
    parse_scalar(trim(v), max)
}

fn parse_single(canon: &str, v: &str) -> Option<Header> {
    use misc::{call_id_ok, delta_ok, replaces_ok};
    let u32max = u64::from(u32::MAX);
    Some(match canon {
        "Via" => Header::Via(Via::parse(v)?),
        "From" => Header::From(NameAddr::parse(v)?),
        "To" => Header::To(NameAddr::parse(v)?),
        "Call-ID" => Header::CallId(call_id_ok(trim(v)).then(|| trim(v).to_string())?),
        "CSeq" => Header::CSeq(CSeq::parse(v)?),
        "Max-Forwards" => Header::MaxForwards(scalar(v, 255)? as u8),
        "Contact" => Header::Contact(Contact::parse(v)?),
        "Route" => Header::Route(NameAddr::parse(v)?),
        "Record-Route" => Header::RecordRoute(NameAddr::parse(v)?),
        "Content-Length" => Header::ContentLength(scalar(v, u32max)? as u32),
        "Content-Type" => Header::ContentType(media_type(v)?),
        "Expires" => Header::Expires(scalar(v, u32max)? as u32),
        "Min-Expires" => Header::MinExpires(scalar(v, u32max)? as u32),
        "Supported" => Header::Supported(option_tag(v)?),
        "Require" => Header::Require(option_tag(v)?),
        "Proxy-Require" => Header::ProxyRequire(option_tag(v)?),
        "Unsupported" => Header::Unsupported(option_tag(v)?),
        "Allow" => Header::Allow(Method::parse(trim(v))?),
        "P-Asserted-Identity" => Header::PAssertedIdentity(NameAddr::parse(v)?),
        "Session-Expires" => Header::SessionExpires(TokenParams::parse(v, delta_ok)?),
        "Min-SE" => Header::MinSe(TokenParams::parse(v, delta_ok)?),
        "Refer-To" => Header::ReferTo(NameAddr::parse(v)?),
        "Referred-By" => Header::ReferredBy(NameAddr::parse(v)?),
        "Replaces" => Header::Replaces(TokenParams::parse(v, replaces_ok)?),
        "Authorization" => Header::Authorization(AuthValue::parse(v)?),
        "Proxy-Authorization" => Header::ProxyAuthorization(AuthValue::parse(v)?),
        "WWW-Authenticate" => Header::WwwAuthenticate(AuthValue::parse(v)?),
        "Proxy-Authenticate" => Header::ProxyAuthenticate(AuthValue::parse(v)?),
        "Event" => Header::Event(TokenParams::parse(v, is_token)?),
        "Subscription-State" => Header::SubscriptionState(TokenParams::parse(v, is_token)?),
        "Retry-After" => validated_other(retry_after_ok(v))?,
        "Warning" => validated_other(warning_ok(v))?,
        _ => validated_other(true)?,
    })
}

/// Kept verbatim by `parse_field` (which fills in name and value) once validated.
fn validated_other(ok: bool) -> Option<Header> {
    ok.then(|| Header::Other {
        name: String::new(),
        value: String::new(),
    })
}

fn retry_after_ok(v: &str) -> bool {
    let v = trim(v);
    let end = v
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(v.len());
    parse_scalar(&v[..end], u64::from(u32::MAX)).is_some()
}

fn warning_ok(v: &str) -> bool {
    split_top(v, b',').is_some_and(|parts| {
        parts.iter().all(|p| {
            let code = trim(p).split(' ').next().unwrap_or_default();
            code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

fn media_type(v: &str) -> Option<String> {
    let v = trim(v);
    let main = v.split(';').next().unwrap_or_default();
    let (ty, sub) = main.split_once('/')?;
    (is_token(trim(ty)) && is_token(trim(sub))).then(|| v.to_string())
}

impl Header {
    /// The canonical name (or the received name of an unknown field).
    pub fn name(&self) -> &str {
        match self {
            Header::Via(_) => "Via",
            Header::From(_) => "From",
            Header::To(_) => "To",
            Header::CallId(_) => "Call-ID",
            Header::CSeq(_) => "CSeq",
            Header::MaxForwards(_) => "Max-Forwards",
            Header::Contact(_) => "Contact",
            Header::Route(_) => "Route",
            Header::RecordRoute(_) => "Record-Route",
            Header::ContentLength(_) => "Content-Length",
            Header::ContentType(_) => "Content-Type",
            Header::Expires(_) => "Expires",
            Header::MinExpires(_) => "Min-Expires",
            Header::Supported(_) => "Supported",
            Header::Require(_) => "Require",
            Header::ProxyRequire(_) => "Proxy-Require",
            Header::Unsupported(_) => "Unsupported",
            Header::Allow(_) => "Allow",
            Header::PAssertedIdentity(_) => "P-Asserted-Identity",
            Header::SessionExpires(_) => "Session-Expires",
            Header::MinSe(_) => "Min-SE",
            Header::ReferTo(_) => "Refer-To",
            Header::ReferredBy(_) => "Referred-By",
            Header::Replaces(_) => "Replaces",
            Header::Authorization(_) => "Authorization",
            Header::ProxyAuthorization(_) => "Proxy-Authorization",
            Header::WwwAuthenticate(_) => "WWW-Authenticate",
            Header::ProxyAuthenticate(_) => "Proxy-Authenticate",
            Header::Event(_) => "Event",
            Header::SubscriptionState(_) => "Subscription-State",
            Header::Other { name, .. } => name,
        }
    }

    /// True when this field has the canonical (or compact) name `name`.
    pub fn is(&self, name: &str) -> bool {
        let mine = self.name();
        if mine.eq_ignore_ascii_case(name) {
            return true;
        }
        // Spellings differ only through a compact form, which is one letter long.
        if mine.len() != 1 && name.len() != 1 {
            return false;
        }
        canonical_name(mine).is_some_and(|c| Some(c) == canonical_name(name))
    }

    fn write_value(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Header::Via(v) => write!(f, "{v}"),
            Header::From(a) | Header::To(a) | Header::Route(a) | Header::RecordRoute(a) => {
                write!(f, "{a}")
            }
            Header::PAssertedIdentity(a) | Header::ReferTo(a) | Header::ReferredBy(a) => {
                write!(f, "{a}")
            }
            Header::CallId(s) | Header::ContentType(s) => f.write_str(s),
            Header::Supported(s) | Header::Require(s) | Header::ProxyRequire(s) => f.write_str(s),
            Header::Unsupported(s) => f.write_str(s),
            Header::CSeq(c) => write!(f, "{c}"),
            Header::MaxForwards(n) => write!(f, "{n}"),
            Header::Contact(c) => write!(f, "{c}"),
            Header::ContentLength(n) | Header::Expires(n) | Header::MinExpires(n) => {
                write!(f, "{n}")
            }
            Header::Allow(m) => write!(f, "{m}"),
            Header::SessionExpires(t) | Header::MinSe(t) | Header::Replaces(t) => write!(f, "{t}"),
            Header::Event(t) | Header::SubscriptionState(t) => write!(f, "{t}"),
            Header::Authorization(a) | Header::ProxyAuthorization(a) => write!(f, "{a}"),
            Header::WwwAuthenticate(a) | Header::ProxyAuthenticate(a) => write!(f, "{a}"),
            Header::Other { value, .. } => f.write_str(value),
        }
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.name())?;
        self.write_value(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, value: &str) -> Result<Vec<Header>, BadHeader> {
        let mut out = Vec::new();
        parse_field(name, value, &mut out).map(|()| out)
    }

    #[test]
    fn compact_and_lists() {
        let h = parse(
            "v",
            "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b;branch=z9hG4bK2",
        );
        assert_eq!(h.map(|h| h.len()), Ok(2));
        let h = parse("K", "100rel, timer ,replaces").unwrap_or_default();
        assert_eq!(h[1], Header::Supported("timer".into()));
        assert!(h[0].is("supported") && h[0].is("k"));
        assert_eq!(parse("Supported", ""), Ok(vec![]));
        assert_eq!(
            parse("Via", "SIP/2.0/UDP 192.0.2.15;;,;,,"),
            Err(BadHeader("Via".into()))
        );
    }

    #[test]
    fn unknown_kept_verbatim() {
        let h = parse("UnknownHeaderWithUnusualValue", " ;;,,;;,; ").unwrap_or_default();
        assert_eq!(h[0].to_string(), "UnknownHeaderWithUnusualValue: ;;,,;;,;");
        let h = parse("s", "").unwrap_or_default();
        assert_eq!(h[0].to_string(), "s: ");
    }

    #[test]
    fn scalar_limits() {
        assert!(parse("Max-Forwards", "300").is_err());
        assert!(parse("Retry-After", "949302838503028349304023988").is_err());
        assert!(parse("Retry-After", "18000;duration=3600").is_ok());
        assert!(parse("Warning", "1812 overture \"In Progress\"").is_err());
        assert!(parse("Warning", "370 devnull \"Choose a bigger pipe\"").is_ok());
        assert!(parse("Content-Length", "-999").is_err());
    }
}
