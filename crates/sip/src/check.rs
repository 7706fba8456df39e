//! What a UAS checks on a request that parsed before acting on it (RFC 3261 §8.2): URI scheme
//! (416), Require option tags (420 + Unsupported), body type (415 + Accept), Accept (406),
//! and for forwarding elements Max-Forwards (483).

use crate::error::Rejection;
use crate::headers::{Header, Method};
use crate::message::Request;

/// What this UAS understands.
#[derive(Debug, Clone)]
pub struct UasPolicy {
    /// URI schemes accepted in the Request-URI (lowercase).
    pub schemes: Vec<String>,
    /// Option tags this UAS supports (Require values outside this list get 420).
    pub supported: Vec<String>,
    /// Body types this UAS reads (lowercase `type/subtype`).
    pub accepted_bodies: Vec<String>,
}

impl Default for UasPolicy {
    fn default() -> Self {
        UasPolicy {
            schemes: vec!["sip".into(), "sips".into(), "tel".into()],
            supported: vec!["timer".into(), "replaces".into(), "norefersub".into()],
            accepted_bodies: vec![
                "application/sdp".into(),
                "application/dtmf-relay".into(),
                "message/sipfrag".into(),
                "multipart/mixed".into(),
            ],
        }
    }
}

/// Checks a request in RFC 3261 §8.2's order; `Err` carries the response to send.
pub fn check_request(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    check_scheme(req, policy)?;
    check_require(req, policy)?;
    check_body(req, policy)?;
    check_accept(req)
}

fn check_scheme(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    let scheme = req.uri.scheme();
    if policy.schemes.contains(&scheme) {
        Ok(())
    } else {
        Err(Rejection::new(416))
    }
}

fn check_require(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    if matches!(req.method, Method::Cancel | Method::Ack) {
        return Ok(());
    }
    let unknown: Vec<Header> = req
        .headers
        .require()
        .filter(|t| !policy.supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
        .map(|t| Header::Unsupported(t.clone()))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let mut r = Rejection::new(420);
    r.headers = unknown;
    Err(r)
}

/// Lowercase `type/subtype` of a Content-Type value.
pub fn mime_type(content_type: &str) -> String {
    let main = content_type.split(';').next().unwrap_or_default();
    main.split_whitespace()
        .collect::<String>()
        .to_ascii_lowercase()
}

fn check_body(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    let Some(ct) = req.headers.content_type() else {
        return Ok(());
    };
    let mime = mime_type(ct);
    let encoded = req
        .headers
        .get("Content-Encoding")
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    if req.body.is_empty() || (policy.accepted_bodies.contains(&mime) && !encoded) {
        return Ok(());
    }
    let mut r = Rejection::new(415);
    r.headers.push(Header::Other {
        name: "Accept".into(),
        value: policy.accepted_bodies.join(", "),
    });
    Err(r)
}

fn check_accept(req: &Request) -> Result<(), Rejection> {
    if !matches!(req.method, Method::Invite | Method::Options) {
        return Ok(());
    }
    let Some(accept) = req.headers.get("Accept") else {
        return Ok(());
    };
    if accept.trim().is_empty() {
        return Ok(());
    }
    let ok = accept
        .split(',')
        .map(mime_type)
        .any(|m| matches!(m.as_str(), "application/sdp" | "application/*" | "*/*"));
    if ok {
        Ok(())
    } else {
        let mut r = Rejection::new(406);
        r.headers.push(Header::Other {
            name: "Accept".into(),
            value: "application/sdp".into(),
        });
        Err(r)
    }
}

/// For an element that would forward `req`: 483 when Max-Forwards is 0 (RFC 3261 §16.3).
/// A UAS that is the request's target processes it normally (RFC 4475 §3.3.11).
pub fn check_forwarding(req: &Request) -> Result<(), Rejection> {
    match req.headers.max_forwards() {
        Some(0) => Err(Rejection::new(483)),
        _ => Ok(()),
    }
}
