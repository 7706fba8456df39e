//! SDES key exchange (RFC 4568): the `a=crypto` attribute for AES_CM_128_HMAC_SHA1_80 with an
//! inline key, read from a peer's SDP and written for ours.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use thiserror::Error;

use super::{MasterKey, MASTER_KEY_LEN, MASTER_SALT_LEN};

/// The one suite supported.
pub const SUITE: &str = "AES_CM_128_HMAC_SHA1_80";

/// Why an `a=crypto` value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdesError {
    /// Not `tag suite key-params`.
    #[error("malformed crypto attribute")]
    Malformed,
    /// Another crypto suite.
    #[error("unsupported crypto suite {0}")]
    Suite(String),
    /// Not `inline:` key material, or bad base64, or not 30 bytes.
    #[error("bad inline key")]
    Key,
    /// An MKI, several keys, or session parameters (not supported).
    #[error("unsupported key parameters")]
    Unsupported,
}

/// A parsed `a=crypto` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoAttribute {
    /// The tag (answers echo the offer's).
    pub tag: u32,
    /// The master key and salt.
    pub key: MasterKey,
    /// The key's lifetime in packets, when given (`2^20` or a number).
    pub lifetime: Option<u64>,
}

impl CryptoAttribute {
    /// The attribute value for our SDP: `1 AES_CM_128_HMAC_SHA1_80 inline:<base64>`.
    pub fn to_sdp_value(&self) -> String {
        format!(
            "{} {SUITE} inline:{}",
            self.tag,
            STANDARD.encode(self.key.to_bytes())
        )
    }
}

/// Parses an `a=crypto` value (after `a=crypto:`), e.g.
/// `1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20`.
pub fn parse_crypto(value: &str) -> Result<CryptoAttribute, SdesError> {
    let mut fields = value.split_ascii_whitespace();
    let tag = fields
        .next()
        .and_then(|t| t.parse::<u32>().ok())
        .ok_or(SdesError::Malformed)?;
    let suite = fields.next().ok_or(SdesError::Malformed)?;
    if suite != SUITE {
        return Err(SdesError::Suite(suite.to_string()));
    }
    let params = fields.next().ok_or(SdesError::Malformed)?;
    if fields.next().is_some() || params.contains(';') {
        return Err(SdesError::Unsupported);
    }
    let inline = params.strip_prefix("inline:").ok_or(SdesError::Key)?;
    let mut parts = inline.split('|');
    let key = decode_key(parts.next().unwrap_or_default())?;
    let lifetime = match parts.next() {
        Some(l) => Some(parse_lifetime(l)?),
        None => None,
    };
    if parts.next().is_some() {
        return Err(SdesError::Unsupported); // an MKI
    }
    Ok(CryptoAttribute { tag, key, lifetime })
}

fn decode_key(base64: &str) -> Result<MasterKey, SdesError> {
    let bytes = STANDARD.decode(base64).map_err(|_| SdesError::Key)?;
    let bytes: [u8; MASTER_KEY_LEN + MASTER_SALT_LEN] =
        bytes.try_into().map_err(|_| SdesError::Key)?;
    Ok(MasterKey::from_bytes(&bytes))
}

fn parse_lifetime(text: &str) -> Result<u64, SdesError> {
    if text.contains(':') {
        return Err(SdesError::Unsupported); // it was an MKI
    }
    match text.strip_prefix("2^") {
        Some(exp) => exp
            .parse::<u32>()
            .ok()
            .filter(|e| *e < 64)
            .map(|e| 1u64 << e)
            .ok_or(SdesError::Key),
        None => text.parse::<u64>().map_err(|_| SdesError::Key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4568_example_keys_parse() {
        // RFC 4568 §5.1's example key.
        let attr = parse_crypto(
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20",
        )
        .unwrap();
        assert_eq!(attr.tag, 1);
        assert_eq!(attr.lifetime, Some(1 << 20));
        let bytes = STANDARD
            .decode("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
            .unwrap();
        assert_eq!(attr.key.key.to_vec(), bytes[..16].to_vec());
        assert_eq!(attr.key.salt.to_vec(), bytes[16..].to_vec());
        assert_eq!(parse_crypto(&attr.to_sdp_value()).unwrap().key, attr.key);
    }

    #[test]
    fn what_we_cannot_do_is_refused() {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
        assert_eq!(
            parse_crypto(&format!("1 AES_CM_128_HMAC_SHA1_32 inline:{key}")),
            Err(SdesError::Suite("AES_CM_128_HMAC_SHA1_32".into()))
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} inline:{key}|2^20|1:4")),
            Err(SdesError::Unsupported)
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} inline:{key}|1:4")),
            Err(SdesError::Unsupported)
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} inline:{key} UNENCRYPTED_SRTP")),
            Err(SdesError::Unsupported)
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} inline:AAAA")),
            Err(SdesError::Key)
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} inline:!!")),
            Err(SdesError::Key)
        );
        assert_eq!(
            parse_crypto(&format!("1 {SUITE} {key}")),
            Err(SdesError::Key)
        );
        assert_eq!(parse_crypto("x AES"), Err(SdesError::Malformed));
        assert_eq!(parse_crypto(""), Err(SdesError::Malformed));
    }
}
