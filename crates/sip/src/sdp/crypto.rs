//! SDES `a=crypto` attributes (RFC 4568): tag, suite, `inline:` master key and salt (base64),
//! optional lifetime and MKI, session parameters.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::fmt;

/// Length of an AES_CM_128 master key (16) plus salt (14).
pub const AES_CM_128_KEY_SALT_LEN: usize = 30;

/// A crypto suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptoSuite {
    /// AES_CM_128_HMAC_SHA1_80, the trunk/Teams common denominator.
    AesCm128HmacSha1_80,
    /// AES_CM_128_HMAC_SHA1_32.
    AesCm128HmacSha1_32,
    /// Anything else, as received.
    Other(String),
}

impl CryptoSuite {
    fn parse(s: &str) -> CryptoSuite {
        match s {
            "AES_CM_128_HMAC_SHA1_80" => CryptoSuite::AesCm128HmacSha1_80,
            "AES_CM_128_HMAC_SHA1_32" => CryptoSuite::AesCm128HmacSha1_32,
            other => CryptoSuite::Other(other.to_string()),
        }
    }

    /// The suite name.
    pub fn name(&self) -> &str {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            CryptoSuite::Other(s) => s,
        }
    }

    fn key_len(&self) -> Option<usize> {
        match self {
            CryptoSuite::Other(_) => None,
            _ => Some(AES_CM_128_KEY_SALT_LEN),
        }
    }
}

/// One `a=crypto` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    /// Tag (answer echoes the offer's).
    pub tag: u32,
    /// Suite.
    pub suite: CryptoSuite,
    /// Master key followed by master salt (decoded).
    pub key_salt: Vec<u8>,
    /// `|lifetime` as received (`2^31`, `1048576`).
    pub lifetime: Option<String>,
    /// `|MKI:length` as received.
    pub mki: Option<String>,
    /// Session parameters (`UNENCRYPTED_SRTCP`, ...), as received.
    pub session_params: Vec<String>,
}

impl CryptoAttribute {
    /// An attribute with a single inline key and no lifetime or MKI.
    pub fn new(tag: u32, suite: CryptoSuite, key_salt: &[u8]) -> CryptoAttribute {
        CryptoAttribute {
            tag,
            suite,
            key_salt: key_salt.to_vec(),
            lifetime: None,
            mki: None,
            session_params: Vec::new(),
        }
    }

    /// Parses the attribute value (after `a=crypto:`). Keys of known suites must have the
    /// suite's length.
    pub fn parse(v: &str) -> Option<CryptoAttribute> {
        let mut f = v.split_whitespace();
        let tag: u32 = f.next()?.parse().ok()?;
        let suite = CryptoSuite::parse(f.next()?);
        let key_params = f.next()?;
        let first = key_params.split(';').next()?;
        let mut parts = first.strip_prefix("inline:")?.split('|');
        let key_salt = STANDARD.decode(parts.next()?).ok()?;
        if suite.key_len().is_some_and(|n| n != key_salt.len()) {
            return None;
        }
        let (mut lifetime, mut mki) = (None, None);
        for p in parts {
            if p.contains(':') {
                mki = Some(p.to_string());
            } else {
                lifetime = Some(p.to_string());
            }
        }
        Some(CryptoAttribute {
            tag,
            suite,
            key_salt,
            lifetime,
            mki,
            session_params: f.map(str::to_string).collect(),
        })
    }

    /// True when this attribute uses a suite we implement without MKI.
    pub fn is_usable(&self) -> bool {
        !matches!(self.suite, CryptoSuite::Other(_)) && self.mki.is_none()
    }
}

impl fmt::Display for CryptoAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = STANDARD.encode(&self.key_salt);
        write!(f, "{} {} inline:{key}", self.tag, self.suite.name())?;
        if let Some(l) = &self.lifetime {
            write!(f, "|{l}")?;
        }
        if let Some(m) = &self.mki {
            write!(f, "|{m}")?;
        }
        for p in &self.session_params {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4568_example() {
        let v =
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
        let c = CryptoAttribute::parse(v).unwrap_or_else(|| panic!("parses"));
        assert_eq!(c.tag, 1);
        assert_eq!(c.suite, CryptoSuite::AesCm128HmacSha1_80);
        assert_eq!(c.key_salt.len(), 30);
        assert_eq!(c.lifetime.as_deref(), Some("2^20"));
        assert_eq!(c.mki.as_deref(), Some("1:32"));
        assert!(!c.is_usable(), "MKI is not supported");
        assert_eq!(c.to_string(), v);
    }

    #[test]
    fn build_and_reject() {
        let c = CryptoAttribute::new(2, CryptoSuite::AesCm128HmacSha1_32, &[7u8; 30]);
        assert_eq!(CryptoAttribute::parse(&c.to_string()), Some(c));
        assert_eq!(
            CryptoAttribute::parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA"),
            None
        );
        assert_eq!(
            CryptoAttribute::parse("x AES_CM_128_HMAC_SHA1_80 inline:AAAA"),
            None
        );
        assert_eq!(
            CryptoAttribute::parse("1 AES_CM_128_HMAC_SHA1_80 key:AAAA"),
            None
        );
    }
}
