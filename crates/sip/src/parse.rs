//! Parsing one SIP message from a datagram or a framed stream message (RFC 3261 §7, §18.3):
//! leading CRLFs skipped, header section split and unfolded, start line, typed headers,
//! mandatory and single-valued header checks, Content-Length framing of the body.

use crate::error::{ParseError, ParseErrorKind as K};
use crate::headers::{parse_field, Headers, Method};
use crate::message::{Message, Request, Response};
use crate::text::{is_token, is_ws};
use crate::uri::Uri;

const MANDATORY: &[&str] = &["Via", "From", "To", "Call-ID", "CSeq"];
const SINGLE: &[&str] = &[
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Session-Expires",
    "Min-SE",
    "Replaces",
    "Refer-To",
];

/// Parses one message. Octets after Content-Length bytes of body are ignored (RFC 3261 §18.3);
/// without Content-Length the body is the rest of the input (datagram semantics).
pub fn parse_message(input: &[u8]) -> Result<Message, ParseError> {
    let start = input
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(input.len());
    let input = &input[start..];
    let (head, body_start) = split_head(input).ok_or_else(|| err(K::Incomplete, true))?;
    let head =
        std::str::from_utf8(head).map_err(|_| err(K::NotUtf8, !input.starts_with(b"SIP/")))?;
    let mut lines = unfold(head).into_iter();
    let start_line = lines.next().unwrap_or_default();
    let is_request = !start_line.starts_with("SIP/");
    let mut raw = Vec::new();
    for line in lines {
        let Some((name, value)) = split_field(&line) else {
            return Err(fail(K::BadHeaderLine, is_request, raw));
        };
        raw.push((name, value));
    }
    let headers = match typed_headers(&raw) {
        Ok(h) => h,
        Err(kind) => return Err(fail(kind, is_request, raw)),
    };
    let body = match body(&headers, &input[body_start..]) {
        Ok(b) => b,
        Err(kind) => return Err(fail(kind, is_request, raw)),
    };
    let msg = if is_request {
        request(&start_line, headers, body)
    } else {
        response(&start_line, headers, body)
    };
    msg.map_err(|kind| fail(kind, is_request, raw))
}

fn err(kind: K, is_request: bool) -> ParseError {
    fail(kind, is_request, Vec::new())
}

fn fail(kind: K, is_request: bool, raw_headers: Vec<(String, String)>) -> ParseError {
    ParseError {
        kind,
        is_request,
        raw_headers,
    }
}

/// The header section (without its blank line) and where the body starts.
pub(crate) fn split_head(input: &[u8]) -> Option<(&[u8], usize)> {
    let crlf = memchr::memmem::find(input, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = memchr::memmem::find(input, b"\n\n").map(|i| (i, i + 2));
    let (end, body) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((&input[..end], body))
}

/// Lines of the header section with continuation lines folded into one SP.
fn unfold(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match (line.bytes().next(), lines.last_mut()) {
            (Some(b), Some(prev)) if is_ws(b) => {
                prev.push(' ');
                prev.push_str(line.trim_start_matches([' ', '\t']));
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

fn split_field(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim_end_matches([' ', '\t']);
    is_token(name).then(|| (name.to_string(), value.to_string()))
}

fn typed_headers(raw: &[(String, String)]) -> Result<Headers, K> {
    let mut out = Vec::with_capacity(raw.len());
    for (name, value) in raw {
        parse_field(name, value, &mut out).map_err(|b| K::BadHeader(b.0))?;
    }
    let headers = Headers(out);
    for &name in MANDATORY {
        if !headers.has(name) {
            return Err(K::MissingHeader(name));
        }
    }
    for &name in SINGLE {
        if headers.count(name) > 1 {
            return Err(K::DuplicateHeader(name));
        }
    }
    Ok(headers)
}

fn body(headers: &Headers, rest: &[u8]) -> Result<Vec<u8>, K> {
    match headers.content_length() {
        Some(n) => rest
            .get(..n as usize)
            .map(<[u8]>::to_vec)
            .ok_or(K::BodyTooShort),
        None => Ok(rest.to_vec()),
    }
}

fn version_ok(v: &str) -> Result<(), K> {
    if v.eq_ignore_ascii_case("SIP/2.0") {
        return Ok(());
    }
    let looks_like = v.len() > 4
        && v[..4].eq_ignore_ascii_case("SIP/")
        && v[4..]
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    Err(if looks_like {
        K::BadVersion(v.to_string())
    } else {
        K::BadStartLine
    })
}

fn request(line: &str, headers: Headers, body: Vec<u8>) -> Result<Message, K> {
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, uri, version] = parts[..] else {
        return Err(K::BadStartLine);
    };
    let method = Method::parse(method).ok_or(K::BadStartLine)?;
    let uri = Uri::parse(uri).ok_or(K::BadRequestUri)?;
    version_ok(version)?;
    if uri.has_headers() {
        return Err(K::BadRequestUri);
    }
    if headers.cseq().is_some_and(|c| c.method != method) {
        return Err(K::CSeqMismatch);
    }
    Ok(Message::Request(Request {
        method,
        uri,
        headers,
        body,
    }))
}

fn response(line: &str, headers: Headers, body: Vec<u8>) -> Result<Message, K> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().ok_or(K::BadStartLine)?;
    let reason = parts.next().unwrap_or_default();
    version_ok(version)?;
    let status = crate::text::parse_scalar(code, 699)
        .filter(|s| *s >= 100 && code.len() == 3)
        .ok_or(K::BadStatusCode)? as u16;
    if reason.contains(['\r', '\n']) {
        return Err(K::BadStartLine);
    }
    Ok(Message::Response(Response {
        status,
        reason: reason.to_string(),
        headers,
        body,
    }))
}

/// Parses and returns only a request (a response gives `BadStartLine`).
pub fn parse_request(input: &[u8]) -> Result<Request, ParseError> {
    match parse_message(input)? {
        Message::Request(r) => Ok(r),
        Message::Response(_) => Err(err(K::BadStartLine, false)),
    }
}
