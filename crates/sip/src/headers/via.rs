//! The Via header field value (RFC 3261 §20.42, §18.2.1; RFC 3581 `rport`): sent-protocol with
//! LWS around the slashes, sent-by, and `branch`/`received`/`rport`/`maddr`/`ttl` parameters.

use crate::params::Params;
use crate::text::{is_token, trim};
use crate::uri::{parse_hostport, Host};
use std::fmt;
use std::net::IpAddr;

/// The RFC 3261 magic cookie that opens every compliant branch.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// One Via value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Protocol name and version as received (`SIP/2.0`).
    pub protocol: String,
    /// Transport, uppercase (`UDP`, `TCP`, `TLS`, `WS`, ...).
    pub transport: String,
    /// sent-by host.
    pub host: Host,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters.
    pub params: Params,
}

impl Via {
    /// A Via for `transport` and `host:port` with a branch.
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::default();
        params.set("branch", Some(branch));
        Via {
            protocol: "SIP/2.0".into(),
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        }
    }

    /// Parses one Via value.
    pub fn parse(s: &str) -> Option<Via> {
        let mut parts = s.splitn(3, '/');
        let name = trim(parts.next()?);
        let version = trim(parts.next()?);
        let rest = parts.next()?.trim_start();
        if !is_token(name) || !is_token(version) {
            return None;
        }
        let t_end = rest
            .bytes()
            .position(|b| !crate::text::is_token_char(b))
            .unwrap_or(rest.len());
        let transport = &rest[..t_end];
        let after = &rest[t_end..];
        if transport.is_empty() || !after.starts_with([' ', '\t']) {
            return None;
        }
        let after = after.trim_start();
        let semi = memchr::memchr(b';', after.as_bytes()).unwrap_or(after.len());
        let sent_by: String = after[..semi].split_whitespace().collect();
        let (host, port) = parse_hostport(&sent_by)?;
        let params = Params::parse_header(&after[semi..])?;
        let branch_ok = params.get("branch").is_none_or(|b| b.is_some_and(is_token));
        branch_ok.then(|| Via {
            protocol: format!("{}/{}", name, version),
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&str> {
        self.params.value("received")
    }

    /// `rport`: `None` when absent, `Some(None)` when requested without a value.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// True when the branch carries the RFC 3261 magic cookie (and something after it).
    pub fn is_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))
    }

    /// What a server does to the top Via of a request received from `ip:port` (RFC 3261
    /// §18.2.1, RFC 3581 §4): `received` when the sent-by host is not that address (always when
    /// `rport` was asked for), and the `rport` value filled in.
    pub fn stamp_received(&mut self, ip: IpAddr, port: u16) {
        let same_host = match (&self.host, ip) {
            (Host::V4(a), IpAddr::V4(b)) => *a == b,
            (Host::V6(a), IpAddr::V6(b)) => *a == b,
            _ => false,
        };
        let wants_rport = self.params.has("rport");
        if !same_host || wants_rport {
            self.params.set("received", Some(&ip.to_string()));
        }
        if wants_rport {
            self.params.set("rport", Some(&port.to_string()));
        }
    }

    /// Where responses go for a request that arrived over an unreliable transport (RFC 3261
    /// §18.2.2, RFC 3581): `maddr` aside, the `received` address (else the sent-by host) and the
    /// `rport` value (else the sent-by port, else 5060, or 5061 for TLS).
    pub fn response_target(&self) -> (String, u16) {
        let host = match self.received() {
            Some(r) => r.to_string(),
            None => self.host.to_string(),
        };
        let default = if self.transport.eq_ignore_ascii_case("TLS") {
            5061
        } else {
            5060
        };
        let port = self.rport().flatten().or(self.port).unwrap_or(default);
        (host, port)
    }

    /// True for a stream transport (TCP, TLS, SCTP, WS, WSS): no retransmission timers.
    pub fn is_reliable(&self) -> bool {
        !self.transport.eq_ignore_ascii_case("UDP")
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} {}", self.protocol, self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lws_everywhere() {
        let v = Via::parse("SIP  /   2.0 /UDP    192.0.2.2;rport;branch=390skdjuw");
        let v = v.unwrap_or_else(|| panic!("via"));
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.rport(), Some(None));
        assert_eq!(v.branch(), Some("390skdjuw"));
        assert!(!v.is_rfc3261_branch());
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 192.0.2.2;rport;branch=390skdjuw"
        );
        let v = Via::parse(
            "SIP/2.0/TCP spindle.example.com ; branch = z9hG4bK9ikj8 ; received=192.0.2.9",
        );
        assert_eq!(v.as_ref().and_then(|v| v.received()), Some("192.0.2.9"));
        assert!(v.is_some_and(|v| v.is_reliable() && v.is_rfc3261_branch()));
    }

    #[test]
    fn received_and_rport_for_a_natted_client() {
        let parse = |s: &str| Via::parse(s).unwrap_or_else(|| panic!("{s}"));
        let nat: IpAddr = [203, 0, 113, 9].into();
        let mut v = parse("SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport");
        v.stamp_received(nat, 40123);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40123;received=203.0.113.9"
        );
        assert_eq!(v.response_target(), ("203.0.113.9".into(), 40123));
        let mut same = parse("SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKb");
        same.stamp_received(nat, 5060);
        assert_eq!(same.received(), None, "sent-by already is the source");
        assert_eq!(same.response_target(), ("203.0.113.9".into(), 5060));
        let mut named = parse("SIP/2.0/TLS pc.example.com;branch=z9hG4bKc");
        named.stamp_received(nat, 5999);
        assert_eq!(
            named.response_target(),
            ("203.0.113.9".into(), 5061),
            "no rport: the sent-by port or the default"
        );
    }

    #[test]
    fn ipv6_and_errors() {
        let v = Via::parse("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111");
        assert_eq!(v.and_then(|v| v.port), Some(5060));
        assert_eq!(Via::parse("SIP/2.0/UDP 192.0.2.15;;"), None);
        assert_eq!(Via::parse("SIP/2.0 192.0.2.15"), None);
        assert_eq!(Via::parse("SIP/2.0/UDP 192.0.2.15;branch"), None);
    }
}
