//! `;name[=value]` parameter lists of URIs and header fields, case-insensitive by name, kept in
//! order and re-serialized as received (values keep their quotes).

use crate::text::{is_token, split_top, trim};
use std::fmt;

/// One parameter; `value` is `None` for a flag such as `;lr` or `;rport`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The name as received.
    pub name: String,
    /// The value as received (quoted strings keep their quotes).
    pub value: Option<String>,
}

/// An ordered parameter list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<Param>);

impl Params {
    /// The value of `name` (case-insensitive); `Some(None)` for a flag.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_deref())
    }

    /// The value of `name`, `None` when absent or a flag.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// True when `name` is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` (replacing an existing one) or appends it.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_string);
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => p.value = value,
            None => self.0.push(Param {
                name: name.to_string(),
                value,
            }),
        }
    }

    /// Removes `name` if present.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// Parses header parameters (`*( SEMI generic-param )`), LWS allowed around `;` and `=`.
    /// `s` must start with `;` (after optional LWS) or be blank.
    pub(crate) fn parse_header(s: &str) -> Option<Params> {
        let s = trim(s);
        if s.is_empty() {
            return Some(Params::default());
        }
        let parts = split_top(s.strip_prefix(';')?, b';')?;
        parts
            .into_iter()
            .map(parse_header_param)
            .collect::<Option<Vec<_>>>()
            .map(Params)
    }

    /// Parses URI parameters (`;name[=value]` without LWS).
    pub(crate) fn parse_uri(s: &str) -> Option<Params> {
        if s.is_empty() {
            return Some(Params::default());
        }
        s.split(';')
            .map(parse_uri_param)
            .collect::<Option<Vec<_>>>()
            .map(Params)
    }
}

fn parse_header_param(part: &str) -> Option<Param> {
    let (name, value) = match part.split_once('=') {
        Some((n, v)) => (trim(n), Some(trim(v))),
        None => (trim(part), None),
    };
    if !is_token(name) {
        return None;
    }
    if let Some(v) = value {
        let quoted = v.len() >= 2 && v.starts_with('"') && v.ends_with('"');
        let plain = !v.is_empty()
            && v.bytes()
                .all(|b| crate::text::is_token_char(b) || b"[]:".contains(&b));
        if !quoted && !plain {
            return None;
        }
    }
    Some(Param {
        name: name.to_string(),
        value: value.map(str::to_string),
    })
}

fn is_param_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()[]/:&+$%".contains(&b)
}

fn parse_uri_param(part: &str) -> Option<Param> {
    let (name, value) = match part.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (part, None),
    };
    let ok = |s: &str| !s.is_empty() && s.bytes().all(is_param_char) && crate::text::escapes_ok(s);
    if !ok(name) || value.is_some_and(|v| !ok(v)) {
        return None;
    }
    Some(Param {
        name: name.to_string(),
        value: value.map(str::to_string),
    })
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match &p.value {
                Some(v) => write!(f, ";{}={}", p.name, v)?,
                None => write!(f, ";{}", p.name)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_params_with_lws() {
        let p = Params::parse_header(" ; newparam =\t newvalue ;  secondparam ; q = 0.33")
            .unwrap_or_default();
        assert_eq!(p.value("NEWPARAM"), Some("newvalue"));
        assert_eq!(p.get("secondparam"), Some(None));
        assert_eq!(p.value("q"), Some("0.33"));
        assert_eq!(p.to_string(), ";newparam=newvalue;secondparam;q=0.33");
    }

    #[test]
    fn empty_params_are_errors() {
        assert_eq!(Params::parse_header(";;"), None);
        assert_eq!(Params::parse_header("x"), None);
        assert_eq!(Params::parse_uri("lr;;x"), None);
    }
}
