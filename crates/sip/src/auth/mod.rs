//! Digest authentication (RFC 7616, RFC 2617 compatible, RFC 8760 for SIP): MD5 and SHA-256
//! with their `-sess` variants, `qop=auth` with nc/cnonce or the RFC 2069 form without qop.
//! `client` answers 401/407 challenges; `server` issues challenges with stateless HMAC nonces
//! and checks credentials. Hashes are RustCrypto's `md-5`/`sha2`; comparisons use `subtle`.

pub mod client;
pub mod server;

use md5::Md5;
use sha2::{Digest, Sha256};

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// MD5 (the default when `algorithm` is absent).
    Md5,
    /// MD5-sess.
    Md5Sess,
    /// SHA-256 (RFC 7616, RFC 8760).
    Sha256,
    /// SHA-256-sess.
    Sha256Sess,
}

impl Algorithm {
    /// Parses an `algorithm` value (case-insensitive); absent means MD5.
    pub fn parse(s: Option<&str>) -> Option<Algorithm> {
        match s.map(str::to_ascii_uppercase).as_deref() {
            None | Some("MD5") => Some(Algorithm::Md5),
            Some("MD5-SESS") => Some(Algorithm::Md5Sess),
            Some("SHA-256") => Some(Algorithm::Sha256),
            Some("SHA-256-SESS") => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    /// The `algorithm` token.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Lowercase hex digest of `data`.
    pub fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex(&Sha256::digest(data.as_bytes())),
        }
    }

    /// Strength order for picking among several challenges (higher is preferred).
    fn rank(self) -> u8 {
        match self {
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The inputs of one digest computation.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Username.
    pub username: &'a str,
    /// Realm.
    pub realm: &'a str,
    /// Password.
    pub password: &'a str,
    /// Server nonce.
    pub nonce: &'a str,
    /// Request method.
    pub method: &'a str,
    /// The `uri` parameter (the Request-URI as sent).
    pub uri: &'a str,
    /// `Some((nc, cnonce))` for `qop=auth`; `None` for the RFC 2069 form.
    pub qop_auth: Option<(&'a str, &'a str)>,
}

/// The `response` value (RFC 7616 §3.4.1).
pub fn digest_response(i: &DigestInput<'_>) -> String {
    let h = |s: &str| i.algorithm.hash(s);
    let mut ha1 = h(&format!("{}:{}:{}", i.username, i.realm, i.password));
    if i.algorithm.is_sess() {
        let cnonce = i.qop_auth.map_or("", |(_, c)| c);
        ha1 = h(&format!("{ha1}:{}:{cnonce}", i.nonce));
    }
    let ha2 = h(&format!("{}:{}", i.method, i.uri));
    match i.qop_auth {
        Some((nc, cnonce)) => h(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", i.nonce)),
        None => h(&format!("{ha1}:{}:{ha2}", i.nonce)),
    }
}

/// Why a digest exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The response carries no Digest challenge we can answer (scheme, algorithm or qop).
    NoUsableChallenge,
    /// The response is not a 401 or 407.
    NotAChallenge,
    /// The request has no CSeq or top Via to update.
    BadRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
    #[test]
    fn rfc7616_example() {
        let mut input = DigestInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            method: "GET",
            uri: "/dir/index.html",
            qop_auth: Some(("00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        };
        assert_eq!(
            digest_response(&input),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        input.algorithm = Algorithm::Md5;
        assert_eq!(digest_response(&input), "8ca523f5e9506fed4657c9700eebdbec");
    }

    /// RFC 2617 §3.5 (the classic MD5 qop=auth example).
    #[test]
    fn rfc2617_example() {
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            method: "GET",
            uri: "/dir/index.html",
            qop_auth: Some(("00000001", "0a4f113b")),
        };
        assert_eq!(digest_response(&input), "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn algorithms() {
        assert_eq!(Algorithm::parse(None), Some(Algorithm::Md5));
        assert_eq!(Algorithm::parse(Some("sha-256")), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::parse(Some("SHA-512-256")), None);
    }
}
