//! Authentication header values (RFC 3261 §20.7, §20.27, §20.28, §20.44; RFC 7616): a scheme
//! followed by comma-separated `name=value` parameters, quoting kept as received.

use crate::text::{is_token, quote, split_top, trim, unquote};
use std::fmt;

/// A challenge (`WWW-Authenticate`, `Proxy-Authenticate`) or credentials (`Authorization`,
/// `Proxy-Authorization`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthValue {
    /// `Digest` or any other scheme, as received.
    pub scheme: String,
    /// Parameters in order.
    pub params: Vec<AuthParam>,
}

/// One `name=value` parameter; `value` is unquoted, `quoted` says how it was (or is to be) sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParam {
    /// Name as received.
    pub name: String,
    /// Value, unquoted.
    pub value: String,
    /// Whether the value is written as a quoted string.
    pub quoted: bool,
}

impl AuthValue {
    /// A value of scheme `scheme` without parameters.
    pub fn new(scheme: &str) -> AuthValue {
        AuthValue {
            scheme: scheme.to_string(),
            params: Vec::new(),
        }
    }

    /// Appends a parameter.
    pub fn push(&mut self, name: &str, value: &str, quoted: bool) {
        self.params.push(AuthParam {
            name: name.to_string(),
            value: value.to_string(),
            quoted,
        });
    }

    /// The value of parameter `name` (case-insensitive name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_str())
    }

    /// True for the Digest scheme.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// Parses `scheme LWS auth-param *(COMMA auth-param)`.
    pub fn parse(s: &str) -> Option<AuthValue> {
        let s = trim(s);
        let (scheme, rest) = match s.find([' ', '\t']) {
            Some(i) => (&s[..i], trim(&s[i..])),
            None => (s, ""),
        };
        if !is_token(scheme) {
            return None;
        }
        let mut value = AuthValue::new(scheme);
        if rest.is_empty() {
            return Some(value);
        }
        for part in split_top(rest, b',')? {
            let (name, v) = part.split_once('=')?;
            let (name, v) = (trim(name), trim(v));
            if !is_token(name) {
                return None;
            }
            if v.starts_with('"') {
                value.push(name, &unquote(v)?, true);
            } else if is_token(v) {
                value.push(name, v, false);
            } else {
                return None;
            }
        }
        Some(value)
    }
}

impl fmt::Display for AuthValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, p) in self.params.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            if p.quoted {
                write!(f, "{sep}{}={}", p.name, quote(&p.value))?;
            } else {
                write!(f, "{sep}{}={}", p.name, p.value)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_challenge() {
        let v = AuthValue::parse(
            r#"Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5"#,
        );
        let v = v.unwrap_or_else(|| panic!("challenge"));
        assert!(v.is_digest());
        assert_eq!(v.get("REALM"), Some("atlanta.com"));
        assert_eq!(v.get("opaque"), Some(""));
        assert_eq!(v.get("algorithm"), Some("MD5"));
        assert_eq!(AuthValue::parse(&v.to_string()), Some(v));
    }

    #[test]
    fn unknown_scheme_and_errors() {
        let v = AuthValue::parse("NoOneKnowsThisScheme opaque-data=here");
        assert_eq!(
            v.and_then(|v| v.get("opaque-data").map(str::to_string)),
            Some("here".into())
        );
        assert_eq!(AuthValue::parse("Digest realm=\"x"), None);
        assert_eq!(AuthValue::parse("Digest realm"), None);
    }
}
