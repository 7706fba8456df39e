//! SIP requests and responses (RFC 3261 §7) and their serialization: start line, header fields
//! one value per line in canonical names, a Content-Length that always matches the body.

use crate::headers::{Header, Headers, Method};
use crate::uri::Uri;
use std::fmt::Write as _;

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Header fields.
    pub headers: Headers,
    /// Body (exactly Content-Length bytes).
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100..=699.
    pub status: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
    /// Header fields.
    pub headers: Headers,
    /// Body.
    pub body: Vec<u8>,
}

/// Either kind of message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// The default reason phrase of a status code (RFC 3261 §21 and extensions).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        422 => "Session Interval Too Small",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => "",
    }
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: Method, uri: Uri) -> Request {
        Request {
            method,
            uri,
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    /// A response to this request (RFC 3261 §8.2.6.2): Via, From, To, Call-ID and CSeq copied,
    /// the default reason phrase. The caller adds a To tag where one is due.
    pub fn response(&self, status: u16) -> Response {
        let mut headers = Headers::default();
        for h in &self.headers.0 {
            let copied = matches!(h, Header::Via(_) | Header::From(_) | Header::To(_))
                || matches!(h, Header::CallId(_) | Header::CSeq(_));
            if copied {
                headers.push(h.clone());
            }
        }
        Response {
            status,
            reason: reason_phrase(status).to_string(),
            headers,
            body: Vec::new(),
        }
    }

    /// The branch of the top Via.
    pub fn branch(&self) -> Option<&str> {
        self.headers.top_via().and_then(|v| v.branch())
    }

    /// Serializes the request.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        serialize(start, &self.headers, &self.body)
    }
}

impl Response {
    /// Serializes the response.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start = format!("SIP/2.0 {} {}\r\n", self.status, self.reason);
        serialize(start, &self.headers, &self.body)
    }

    /// Sets the To tag (if the To header has none).
    pub fn set_to_tag(&mut self, tag: &str) {
        for h in &mut self.headers.0 {
            if let Header::To(to) = h {
                if to.tag().is_none() {
                    to.params.set("tag", Some(tag));
                }
            }
        }
    }

    /// True for 1xx.
    pub fn is_provisional(&self) -> bool {
        self.status < 200
    }
}

impl Message {
    /// Serializes the message.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }

    /// Header fields.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// Body.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }
}

fn serialize(mut out: String, headers: &Headers, body: &[u8]) -> Vec<u8> {
    let mut wrote_length = false;
    for h in &headers.0 {
        if let Header::ContentLength(_) = h {
            if wrote_length {
                continue;
            }
            wrote_length = true;
            let _ = write!(out, "Content-Length: {}\r\n", body.len());
            continue;
        }
        let _ = write!(out, "{h}\r\n");
    }
    if !wrote_length {
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
