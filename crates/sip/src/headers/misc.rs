//! Small typed header values: methods and CSeq, Contact (`*`, `expires`, `q`), Session-Expires
//! (RFC 4028), Replaces (RFC 3891), Event and Subscription-State (RFC 6665).

use crate::name_addr::NameAddr;
use crate::params::Params;
use crate::text::{is_token, is_word, parse_scalar, trim};
use std::fmt;

/// A request method. Methods are case-sensitive (RFC 3261 §7.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE
    Invite,
    /// ACK
    Ack,
    /// BYE
    Bye,
    /// CANCEL
    Cancel,
    /// OPTIONS
    Options,
    /// REGISTER
    Register,
    /// PRACK (RFC 3262)
    Prack,
    /// SUBSCRIBE (RFC 6665)
    Subscribe,
    /// NOTIFY (RFC 6665)
    Notify,
    /// PUBLISH (RFC 3903)
    Publish,
    /// INFO (RFC 6086)
    Info,
    /// REFER (RFC 3515)
    Refer,
    /// MESSAGE (RFC 3428)
    Message,
    /// UPDATE (RFC 3311)
    Update,
    /// Any other token.
    Other(String),
}

const METHODS: &[(&str, Method)] = &[
    ("INVITE", Method::Invite),
    ("ACK", Method::Ack),
    ("BYE", Method::Bye),
    ("CANCEL", Method::Cancel),
    ("OPTIONS", Method::Options),
    ("REGISTER", Method::Register),
    ("PRACK", Method::Prack),
    ("SUBSCRIBE", Method::Subscribe),
    ("NOTIFY", Method::Notify),
    ("PUBLISH", Method::Publish),
    ("INFO", Method::Info),
    ("REFER", Method::Refer),
    ("MESSAGE", Method::Message),
    ("UPDATE", Method::Update),
];

impl Method {
    /// Parses a method token; `None` when it is not a token.
    pub fn parse(s: &str) -> Option<Method> {
        if !is_token(s) {
            return None;
        }
        let known = METHODS
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, m)| m.clone());
        Some(known.unwrap_or_else(|| Method::Other(s.to_string())))
    }

    /// The method name.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Other(s) => s,
            known => METHODS
                .iter()
                .find(|(_, m)| m == known)
                .map_or("", |(n, _)| n),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest CSeq number (RFC 3261 §8.1.1.5: less than 2**31).
pub const MAX_CSEQ: u32 = (1 << 31) - 1;

/// CSeq: sequence number and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number (< 2**31).
    pub seq: u32,
    /// Method.
    pub method: Method,
}

impl CSeq {
    /// Parses `1*DIGIT LWS Method`.
    pub fn parse(s: &str) -> Option<CSeq> {
        let mut it = s.split_whitespace();
        let seq = parse_scalar(it.next()?, u64::from(MAX_CSEQ))? as u32;
        let method = Method::parse(it.next()?)?;
        it.next().is_none().then_some(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Validates a Call-ID (`word [ "@" word ]`).
pub(crate) fn call_id_ok(s: &str) -> bool {
    match s.split_once('@') {
        Some((a, b)) => is_word(a) && is_word(b),
        None => is_word(s),
    }
}

/// One Contact value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *` (REGISTER removing all bindings).
    Star,
    /// An address.
    Addr(NameAddr),
}

impl Contact {
    /// Parses one Contact value; `expires` must fit 32 bits.
    pub fn parse(s: &str) -> Option<Contact> {
        if trim(s) == "*" {
            return Some(Contact::Star);
        }
        let a = NameAddr::parse(s)?;
        let expires_ok = a.params.get("expires").is_none_or(|v| {
            v.and_then(|v| parse_scalar(v, u64::from(u32::MAX)))
                .is_some()
        });
        let q_ok = a.params.get("q").is_none_or(|v| v.is_some_and(q_ok));
        (expires_ok && q_ok).then_some(Contact::Addr(a))
    }

    /// The address, unless `*`.
    pub fn addr(&self) -> Option<&NameAddr> {
        match self {
            Contact::Addr(a) => Some(a),
            Contact::Star => None,
        }
    }

    /// The `expires` parameter.
    pub fn expires(&self) -> Option<u32> {
        self.addr()?.params.value("expires")?.parse().ok()
    }

    /// The `q` parameter in thousandths (`q=0.5` → 500).
    pub fn q(&self) -> Option<u16> {
        let q = self.addr()?.params.value("q")?;
        let (int, frac) = q.split_once('.').unwrap_or((q, ""));
        let frac = format!("{frac:0<3}");
        let thousandths = frac.get(..3)?.parse::<u16>().ok()?;
        int.parse::<u16>()
            .ok()?
            .checked_mul(1000)?
            .checked_add(thousandths)
    }
}

fn q_ok(q: &str) -> bool {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let digits = frac.len() <= 3 && frac.bytes().all(|b| b.is_ascii_digit());
    digits && (int == "0" || (int == "1" && frac.bytes().all(|b| b == b'0')))
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_str("*"),
            Contact::Addr(a) => write!(f, "{a}"),
        }
    }
}

/// A value that is a token (or delta-seconds) followed by header parameters: Session-Expires,
/// Replaces, Event, Subscription-State.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParams {
    /// The leading value.
    pub value: String,
    /// Parameters.
    pub params: Params,
}

impl TokenParams {
    /// Parses `value *(SEMI param)`, checking the leading value with `ok`.
    pub(crate) fn parse(s: &str, ok: impl Fn(&str) -> bool) -> Option<TokenParams> {
        let s = trim(s);
        let semi = memchr::memchr(b';', s.as_bytes()).unwrap_or(s.len());
        let value = trim(&s[..semi]);
        ok(value).then_some(())?;
        Some(TokenParams {
            value: value.to_string(),
            params: Params::parse_header(&s[semi..])?,
        })
    }

    /// The leading value as delta-seconds.
    pub fn seconds(&self) -> Option<u32> {
        self.value.parse().ok()
    }
}

impl fmt::Display for TokenParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.params)
    }
}

/// True for delta-seconds that fit 32 bits.
pub(crate) fn delta_ok(s: &str) -> bool {
    parse_scalar(s, u64::from(u32::MAX)).is_some()
}

/// True for a Call-ID (Replaces' leading value).
pub(crate) fn replaces_ok(s: &str) -> bool {
    call_id_ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        assert_eq!(
            CSeq::parse("0009\n INVITE".replace('\n', " ").as_str()),
            Some(CSeq {
                seq: 9,
                method: Method::Invite
            })
        );
        assert_eq!(CSeq::parse("36893488147419103232 REGISTER"), None);
        assert_eq!(CSeq::parse("2147483648 INVITE"), None);
        assert_eq!(CSeq::parse("1 INVITE x"), None);
        assert_eq!(
            Method::parse("invite"),
            Some(Method::Other("invite".into()))
        );
    }

    #[test]
    fn contact() {
        let c = Contact::parse("<sip:a@b>;expires=3600;q=0.7");
        assert_eq!(c.as_ref().and_then(Contact::expires), Some(3600));
        assert_eq!(c.as_ref().and_then(Contact::q), Some(700));
        assert_eq!(Contact::parse(" * "), Some(Contact::Star));
        assert_eq!(Contact::parse("<sip:a@b>;expires=280297596632815"), None);
        assert_eq!(Contact::parse("<sip:a@b>;q=2"), None);
        let mut built = NameAddr::parse("<sip:a@b>").map(Contact::Addr);
        if let Some(Contact::Addr(a)) = &mut built {
            a.params.set("q", Some("99"));
        }
        assert_eq!(
            built.and_then(|c| c.q()),
            None,
            "a q set by hand beyond 65.535 never overflows"
        );
    }

    #[test]
    fn token_params() {
        let se = TokenParams::parse("1800 ; refresher=uac", delta_ok);
        assert_eq!(se.as_ref().and_then(TokenParams::seconds), Some(1800));
        assert_eq!(
            se.and_then(|s| s.params.value("refresher").map(str::to_string)),
            Some("uac".into())
        );
        assert_eq!(TokenParams::parse("x;", delta_ok), None);
    }
}
