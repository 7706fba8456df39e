//! Lexical helpers shared by every SIP grammar rule (RFC 3261 §25.1): character classes, LWS
//! trimming, quoted strings, comma splitting outside quotes and angle brackets, %-escapes.

/// `token` characters (RFC 3261 §25.1).
pub(crate) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

/// True when `s` is a non-empty token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// `word` characters (Call-ID): token plus the separators it allows.
pub(crate) fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| is_token_char(b) || b"()<>:\\\"/[]?{}".contains(&b))
}

/// Linear white space inside an unfolded value.
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `s` with surrounding spaces and tabs removed.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// Splits `s` on `sep` where the separator is outside quoted strings and `<...>`.
/// Returns `None` for an unterminated quoted string.
pub(crate) fn split_top(s: &str, sep: u8) -> Option<Vec<&str>> {
    let bytes = s.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i, mut angle) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_quoted(bytes, i)?,
            b'<' => angle = true,
            b'>' => angle = false,
            b if b == sep && !angle => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&s[start..]);
    Some(parts)
}

/// Index of the closing quote of the quoted string opening at `open`.
pub(crate) fn skip_quoted(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The content of a quoted string (`"..."`), with quoted-pairs resolved.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `s` as a quoted string, escaping `"` and `\`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// True when every `%` in `s` starts a `%HH` escape.
pub(crate) fn escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).unwrap_or_default();
            if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// `s` with `%HH` escapes decoded (bytes that are not UTF-8 are replaced).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a decimal scalar made of digits only (leading zeros allowed) that fits `max`.
pub(crate) fn parse_scalar(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.len() > 20 {
        return None;
    }
    let v: u64 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    (v <= max).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_brackets() {
        let parts = split_top(r#""a, b" <sip:x@y;p=1,2>, <sip:z>"#, b',').unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(split_top("\"open", b','), None);
    }

    #[test]
    fn quotes_round_trip() {
        let q = quote(r#"J "R" \x"#);
        assert_eq!(unquote(&q).as_deref(), Some(r#"J "R" \x"#));
    }

    #[test]
    fn escapes() {
        assert!(escapes_ok("null-%00-null"));
        assert!(!escapes_ok("%Z%45"));
        assert!(!escapes_ok("ab%4"));
        assert_eq!(unescape("%61lice"), "alice");
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_scalar("0068", 255), Some(68));
        assert_eq!(parse_scalar("300", 255), None);
        assert_eq!(
            parse_scalar("36893488147419103232", u64::from(u32::MAX)),
            None
        );
        assert_eq!(parse_scalar("-1", 10), None);
    }
}
