//! Typed parse errors and rejections, each carrying what a UAS answers (400 with a reason naming
//! the bad header, 505, 416, 420 + Unsupported, 483, ...), and the builders of those responses.

use crate::headers::{Header, Headers};
use crate::message::{reason_phrase, Request, Response};
use std::fmt;

/// What was wrong with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// No blank line ends the header section, or nothing but CRLFs.
    Incomplete,
    /// Header section or start line is not UTF-8.
    NotUtf8,
    /// The start line is malformed.
    BadStartLine,
    /// SIP version other than 2.0 (505).
    BadVersion(String),
    /// Status code outside 100..=699.
    BadStatusCode,
    /// The Request-URI is malformed or carries headers.
    BadRequestUri,
    /// A line that is not `name: value`.
    BadHeaderLine,
    /// A known header whose value does not parse.
    BadHeader(String),
    /// A mandatory header is missing.
    MissingHeader(&'static str),
    /// A single-valued header appears more than once.
    DuplicateHeader(&'static str),
    /// CSeq method differs from the request method.
    CSeqMismatch,
    /// Content-Length is larger than the bytes that follow the headers.
    BodyTooShort,
}

/// A message that could not be parsed, with the raw fields needed to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// True when the start line is a request line (or not a status line).
    pub is_request: bool,
    /// Raw `(name, value)` fields found before the error (unfolded).
    pub raw_headers: Vec<(String, String)>,
}

impl ParseError {
    /// The status a UAS answers with, and its reason phrase.
    pub fn status(&self) -> (u16, String) {
        use ParseErrorKind as K;
        match &self.kind {
            K::BadVersion(_) => (505, "Version Not Supported".into()),
            K::BadHeader(h) => (400, format!("Bad {h} Header")),
            K::MissingHeader(h) => (400, format!("Missing {h} Header")),
            K::DuplicateHeader(h) => (400, format!("Multiple {h} Headers")),
            K::CSeqMismatch => (400, "CSeq Method Mismatch".into()),
            K::BodyTooShort => (400, "Content-Length Exceeds Message".into()),
            K::BadRequestUri => (400, "Bad Request-URI".into()),
            K::BadHeaderLine => (400, "Malformed Header Line".into()),
            K::BadStartLine | K::BadStatusCode => (400, "Malformed Start Line".into()),
            K::NotUtf8 => (400, "Header Not UTF-8".into()),
            K::Incomplete => (400, "Incomplete Message".into()),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, reason) = self.status();
        write!(f, "{code} {reason}")
    }
}

impl std::error::Error for ParseError {}

/// A request that parsed but must be refused, with the status and extra headers to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Extra header fields (Unsupported, Accept, Min-SE, ...).
    pub headers: Vec<Header>,
}

impl Rejection {
    /// A rejection with the default reason phrase.
    pub fn new(status: u16) -> Rejection {
        Rejection {
            status,
            reason: reason_phrase(status).to_string(),
            headers: Vec::new(),
        }
    }
}

/// The response to a message that did not parse; `None` for responses (never answered) and
/// for requests without a Via to send the answer along. The To tag is added when missing.
pub fn parse_error_response(err: &ParseError, to_tag: &str) -> Option<Response> {
    if !err.is_request {
        return None;
    }
    let mut headers = Headers::default();
    for (name, value) in &err.raw_headers {
        let canon = crate::headers::canonical_name(name);
        if let Some(c @ ("Via" | "From" | "To" | "Call-ID" | "CSeq")) = canon {
            headers.push_other(c, value);
        }
    }
    if !headers.has("Via") {
        return None;
    }
    let (status, reason) = err.status();
    let mut r = Response {
        status,
        reason,
        headers,
        body: Vec::new(),
    };
    tag_raw_to(&mut r, to_tag);
    Some(r)
}

fn tag_raw_to(r: &mut Response, tag: &str) {
    for h in &mut r.headers.0 {
        if let Header::Other { name, value } = h {
            let parsed = crate::name_addr::NameAddr::parse(value);
            if name == "To" && parsed.is_some_and(|a| a.tag().is_none()) {
                value.push_str(";tag=");
                value.push_str(tag);
            }
        }
    }
}

/// The response carrying `rejection` for `req`, with a To tag when it has none.
pub fn rejection_response(req: &Request, rejection: &Rejection, to_tag: &str) -> Response {
    let mut r = req.response(rejection.status);
    r.reason.clone_from(&rejection.reason);
    r.headers.0.extend(rejection.headers.iter().cloned());
    r.set_to_tag(to_tag);
    r
}
