//! Splitting a TCP/TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3), with
//! RFC 5626 §3.5.1 keep-alives (a CRLF CRLF ping, a CRLF pong) reported separately.

use crate::error::ParseError;
use crate::message::Message;
use crate::parse::{parse_message, split_head};

/// Largest accepted message (header section plus body).
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024;

/// What the framer produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message.
    Message(Message),
    /// A message that did not parse (the stream stays in sync: it was framed by its
    /// Content-Length). Answer it with `parse_error_response`.
    Invalid(ParseError),
    /// A double-CRLF keep-alive ping; answer with a single CRLF.
    Ping,
    /// A single-CRLF keep-alive pong.
    Pong,
}

/// Why the stream must be closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramerError {
    /// A message exceeds the size limit (or its Content-Length does).
    TooLarge,
    /// The header section cannot be framed (no readable Content-Length).
    Unframeable,
}

/// Buffers stream bytes and yields frames.
#[derive(Debug)]
pub struct StreamFramer {
    buf: Vec<u8>,
    max: usize,
    failed: bool,
    /// Bytes already searched for the end of the header section.
    scanned: usize,
    /// End of the current message's header section and start of its body, once found.
    head: Option<(usize, usize)>,
}

impl Default for StreamFramer {
    fn default() -> Self {
        StreamFramer::new(DEFAULT_MAX_MESSAGE)
    }
}

impl StreamFramer {
    /// A framer accepting messages up to `max` bytes.
    pub fn new(max: usize) -> StreamFramer {
        StreamFramer {
            buf: Vec::new(),
            max,
            failed: false,
            scanned: 0,
            head: None,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Bytes buffered and not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next frame, `Ok(None)` when more bytes are needed. After an `Err` the stream must be
    /// closed; later calls return the same error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramerError> {
        if self.failed {
            return Err(FramerError::TooLarge);
        }
        if let Some(frame) = self.keepalive() {
            return Ok(Some(frame));
        }
        let result = self.message();
        if result.is_err() {
            self.failed = true;
            self.buf.clear();
        }
        result
    }

    fn keepalive(&mut self) -> Option<Frame> {
        let (frame, len) = if self.buf.starts_with(b"\r\n\r\n") {
            (Frame::Ping, 4)
        } else if self.buf.starts_with(b"\r\n") && self.buf.get(2).is_some_and(|b| *b != b'\r') {
            (Frame::Pong, 2)
        } else {
            return None;
        };
        self.consume(len);
        Some(frame)
    }

    fn consume(&mut self, len: usize) -> Vec<u8> {
        self.scanned = 0;
        self.head = None;
        self.buf.drain(..len).collect()
    }

    /// The header section's end and the body's start, searching only bytes not searched yet.
    fn head_bounds(&mut self) -> Option<(usize, usize)> {
        if self.head.is_none() {
            let from = self.scanned.saturating_sub(3);
            let found = split_head(&self.buf[from..]);
            self.head = found.map(|(head, body)| (from + head.len(), from + body));
            self.scanned = self.buf.len();
        }
        self.head
    }

    fn message(&mut self) -> Result<Option<Frame>, FramerError> {
        let Some((head_end, body_start)) = self.head_bounds() else {
            return if self.buf.len() > self.max {
                Err(FramerError::TooLarge)
            } else {
                Ok(None)
            };
        };
        let length = content_length(&self.buf[..head_end]).ok_or(FramerError::Unframeable)?;
        let total = body_start
            .checked_add(length)
            .ok_or(FramerError::TooLarge)?;
        if total > self.max {
            return Err(FramerError::TooLarge);
        }
        if self.buf.len() < total {
            return Ok(None);
        }
        let bytes = self.consume(total);
        Ok(Some(match parse_message(&bytes) {
            Ok(m) => Frame::Message(m),
            Err(e) => Frame::Invalid(e),
        }))
    }
}

/// The Content-Length of a raw header section (0 when absent); `None` when unreadable.
fn content_length(head: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(head);
    let mut found = None;
    for line in text.split('\n') {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
            let v: usize = value.trim().parse().ok()?;
            if found.is_some_and(|f| f != v) {
                return None;
            }
            found = Some(v);
        }
    }
    Some(found.unwrap_or(0))
}
