//! Ringside's sans-IO SIP signalling core: the message model with its parser and serializer
//! (RFC 3261 §7, §20, §25), a stream framer for TCP/TLS, UAS request checks, SDP offer/answer
//! (RFC 4566/3264, SDES RFC 4568), transactions (RFC 3261 §17, RFC 6026), dialogs (§12) with
//! session timers (RFC 4028), and digest authentication (RFC 7616/2617/8760).
//!
//! Nothing here opens a socket or reads a clock: callers pass bytes and `Instant`s in and take
//! messages, events and deadlines out. The parser is written here rather than taken from a
//! crate: the Rust SIP parsers are either unmaintained (`rsip`, last commit 2022) or part of
//! tokio-bound stacks (`rsipstack`, `ezk`), see ../shared/reference/sip-gateway.md §2. It is
//! tested against the RFC 4475 torture messages, property tests and fuzz targets.

pub mod auth;
pub mod check;
pub mod dialog;
pub mod error;
pub mod framer;
pub mod headers;
pub mod message;
pub mod name_addr;
pub mod params;
mod parse;
pub mod sdp;
mod text;
pub mod transaction;
pub mod uri;

pub use check::{check_forwarding, check_request, UasPolicy};
pub use error::{parse_error_response, rejection_response, ParseError, ParseErrorKind, Rejection};
pub use framer::{Frame, FramerError, StreamFramer};
pub use headers::{AuthValue, CSeq, Contact, Header, Headers, Method, TokenParams, Via};
pub use message::{reason_phrase, Message, Request, Response};
pub use name_addr::NameAddr;
pub use params::{Param, Params};
pub use parse::{parse_message, parse_request};
pub use text::unescape;
pub use uri::{Host, SipUri, TelUri, Uri};
