//! `name-addr / addr-spec` values with header parameters (From, To, Contact, Route,
//! Record-Route, P-Asserted-Identity, Refer-To, Referred-By; RFC 3261 §20.10, §25.1).

use crate::params::Params;
use crate::text::{is_token_char, is_ws, quote, skip_quoted, trim, unquote};
use crate::uri::Uri;
use std::fmt;

/// An address with optional display name and header parameters (`tag`, `expires`, `q`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted.
    pub display: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters (after `>` or, in addr-spec form, after the URI).
    pub params: Params,
}

impl NameAddr {
    /// An address without display name or parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// Parses `name-addr` or `addr-spec` followed by header parameters.
    pub fn parse(s: &str) -> Option<NameAddr> {
        let s = trim(s);
        if s.starts_with('"') {
            let close = skip_quoted(s.as_bytes(), 0)?;
            let display = unquote(&s[..=close])?;
            return Self::parse_bracketed(Some(display), trim(&s[close + 1..]));
        }
        match memchr::memchr(b'<', s.as_bytes()) {
            Some(lt) => {
                let display = trim(&s[..lt]);
                let words_ok = display.bytes().all(|b| is_token_char(b) || is_ws(b));
                if !words_ok {
                    return None;
                }
                let display = (!display.is_empty()).then(|| display.to_string());
                Self::parse_bracketed(display, &s[lt..])
            }
            None => Self::parse_addr_spec(s),
        }
    }

    fn parse_bracketed(display: Option<String>, s: &str) -> Option<NameAddr> {
        let inner_and_rest = s.strip_prefix('<')?;
        let gt = memchr::memchr(b'>', inner_and_rest.as_bytes())?;
        let inner = &inner_and_rest[..gt];
        if inner.bytes().any(|b| is_ws(b) || b == b'<') {
            return None;
        }
        Some(NameAddr {
            display,
            uri: Uri::parse(inner)?,
            params: Params::parse_header(&inner_and_rest[gt + 1..])?,
        })
    }

    fn parse_addr_spec(s: &str) -> Option<NameAddr> {
        let end = s
            .bytes()
            .position(|b| b == b';' || is_ws(b))
            .unwrap_or(s.len());
        let uri = &s[..end];
        if uri.contains(['?', ',', '"']) {
            return None;
        }
        Some(NameAddr {
            display: None,
            uri: Uri::parse(uri)?,
            params: Params::parse_header(&s[end..])?,
        })
    }
}

/// True for a display name written without quotes: tokens separated by single spaces.
fn is_plain_display(d: &str) -> bool {
    !d.is_empty()
        && d.split(' ')
            .all(|w| !w.is_empty() && w.bytes().all(is_token_char))
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display {
            Some(d) if is_plain_display(d) => write!(f, "{d} ")?,
            Some(d) => write!(f, "{} ", quote(d))?,
            None => {}
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = NameAddr::parse(r#""J Rosenberg \\\""  <sip:jdrosen@example.com> ; tag = 98asjd8"#);
        let a = a.unwrap_or_else(|| panic!("quoted display"));
        assert_eq!(a.display.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(a.tag(), Some("98asjd8"));
        let b = NameAddr::parse("caller<sip:caller@example.com>;tag=323");
        assert_eq!(b.and_then(|b| b.display), Some("caller".into()));
        let c = NameAddr::parse("sip:+19725552222@gw1.example.net;unknownparam");
        let c = c.unwrap_or_else(|| panic!("addr-spec"));
        assert!(c.params.has("unknownparam"));
        assert!(c.uri.as_sip().is_some_and(|u| u.params.0.is_empty()));
        assert_eq!(
            c.to_string(),
            "<sip:+19725552222@gw1.example.net>;unknownparam"
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            r#""Watson, Thomas" < sip:t.watson@example.org >"#,
            "Bell, Alexander <sip:a.g.bell@example.com>",
            "\"unterminated <sip:a@b>",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "<sip:a@b",
        ] {
            assert_eq!(NameAddr::parse(bad), None, "{bad}");
        }
    }
}
