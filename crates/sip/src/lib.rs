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
//!
//! A UAS receiving a datagram, in outline (the layer's destination type, here `&str`, is whatever
//! identifies the peer to the transport):
//!
//! ```
//! use ringside_sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
//! use ringside_sip::{check_request, parse_error_response, parse_message, rejection_response};
//! use ringside_sip::{Message, UasPolicy};
//! use std::time::Instant;
//!
//! let datagram = b"OPTIONS sip:bot@ringside.example SIP/2.0\r\n\
//!     Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776asdhds\r\n\
//!     From: <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bot@ringside.example>\r\n\
//!     Call-ID: a84b4c76e66710\r\nCSeq: 63104 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";
//! let mut layer: TransactionLayer<&str> = TransactionLayer::new(TimerConfig::default());
//! let now = Instant::now();
//! match parse_message(datagram) {
//!     Ok(Message::Request(req)) => match check_request(&req, &UasPolicy::default()) {
//!         Ok(()) => layer.handle_request(now, req, "192.0.2.7:5060", false),
//!         Err(rejection) => {
//!             let answer = rejection_response(&req, &rejection, "ourtag");
//!             layer.send_stateless(Message::Response(answer), "192.0.2.7:5060");
//!         }
//!     },
//!     Ok(Message::Response(resp)) => layer.handle_response(now, resp),
//!     Err(e) => {
//!         if let Some(answer) = parse_error_response(&e, "ourtag") {
//!             layer.send_stateless(Message::Response(answer), "192.0.2.7:5060");
//!         }
//!     }
//! }
//! while let Some(event) = layer.poll_event() {
//!     if let TxEvent::Request { tx, request } = event {
//!         let mut ok = request.response(200);
//!         ok.set_to_tag("ourtag");
//!         layer.respond(now, tx, ok);
//!     }
//! }
//! let sent = layer.poll_transmit().map(|t| t.message.to_bytes());
//! assert!(sent.is_some_and(|b| b.starts_with(b"SIP/2.0 200 OK\r\n")));
//! // Sleep until `layer.poll_timeout()`, then call `layer.handle_timeout(now)`.
//! ```

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
