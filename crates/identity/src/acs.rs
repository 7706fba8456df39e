//! ACS access-key authentication: the HMAC-SHA256 string to sign, signatures, body hashes and the
//! `Authorization` header check.

use crate::ct::constant_time_eq;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The headers ACS SDKs sign, in order, as they appear in `SignedHeaders=`.
pub const ACS_SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";

/// Decodes access keys with or without `=` padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The access key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcsKeyError {
    /// The key is not base64.
    #[error("ACS access key is not base64")]
    NotBase64,
    /// The key decodes to no bytes.
    #[error("ACS access key is empty")]
    Empty,
}

/// `VERB\npath_and_query\ndate;host;content_sha256`: the text ACS SDKs sign.
///
/// `path_and_query` is the request target exactly as sent (percent-encoding kept); `date` is the
/// `x-ms-date` header; `host` is the `Host` header (or `x-ms-host` for recording storage routes);
/// `content_sha256` is the `x-ms-content-sha256` header. The verb is upper-cased.
pub fn acs_string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_sha256: &str,
) -> String {
    format!(
        "{}\n{path_and_query}\n{date};{host};{content_sha256}",
        method.to_ascii_uppercase()
    )
}

/// `base64(HMAC-SHA256(base64decode(access_key), string_to_sign))`.
pub fn acs_sign(access_key_b64: &str, string_to_sign: &str) -> Result<String, AcsKeyError> {
    let key = LENIENT
        .decode(access_key_b64.trim())
        .map_err(|_| AcsKeyError::NotBase64)?;
    if key.is_empty() {
        return Err(AcsKeyError::Empty);
    }
    // HMAC accepts keys of any length, so this cannot fail for a non-empty key.
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| AcsKeyError::Empty)?;
    mac.update(string_to_sign.as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// `base64(SHA-256(body))`, the `x-ms-content-sha256` value.
pub fn content_sha256(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// The `Authorization` header value ACS SDKs send for `signature`.
pub fn acs_authorization(signature: &str) -> String {
    format!("HMAC-SHA256 SignedHeaders={ACS_SIGNED_HEADERS}&Signature={signature}")
}

/// Checks an `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…`
/// header against the signature the server computed with [`acs_sign`]. The scheme and header names
/// match case-insensitively; the signature is compared in constant time. Anything else is `false`.
pub fn verify_acs_authorization(header_value: &str, expected_signature: &str) -> bool {
    let Some((scheme, parameters)) = header_value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("HMAC-SHA256") {
        return false;
    }
    let mut signed_headers = None;
    let mut signature = None;
    for parameter in parameters.trim().split('&') {
        let Some((name, value)) = parameter.split_once('=') else {
            return false;
        };
        let slot = if name.eq_ignore_ascii_case("SignedHeaders") {
            &mut signed_headers
        } else if name.eq_ignore_ascii_case("Signature") {
            &mut signature
        } else {
            return false;
        };
        if slot.replace(value).is_some() {
            return false;
        }
    }
    let (Some(signed_headers), Some(signature)) = (signed_headers, signature) else {
        return false;
    };
    signed_headers.eq_ignore_ascii_case(ACS_SIGNED_HEADERS)
        && !expected_signature.is_empty()
        && constant_time_eq(signature.as_bytes(), expected_signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "bW9jay1hY3MtYWNjZXNzLWtleS0wMTIzNDU2Nzg5YWJjZGVm";
    const EMPTY_SHA256: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    #[test]
    fn empty_body_hash_vector() {
        assert_eq!(content_sha256(b""), EMPTY_SHA256);
        assert_eq!(
            content_sha256(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn string_to_sign_layout() {
        let sts = acs_string_to_sign(
            "post",
            "/calling/callConnections/abc/participants/4%3A%2B14255550123?api-version=2026-03-12",
            "Sun, 22 Nov 2026 05:34:03 GMT",
            "127.0.0.1:47080",
            EMPTY_SHA256,
        );
        assert_eq!(
            sts,
            "POST\n/calling/callConnections/abc/participants/4%3A%2B14255550123?api-version=2026-03-12\n\
             Sun, 22 Nov 2026 05:34:03 GMT;127.0.0.1:47080;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn signature_matches_rfc4231_hmac_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let signature = acs_sign("SmVmZQ==", "what do ya want for nothing?").expect("sign");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let decoded = STANDARD.decode(&signature).expect("base64");
        let hex: String = decoded.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
        assert_eq!(
            acs_sign("SmVmZQ", "what do ya want for nothing?"),
            Ok(signature)
        );
    }

    #[test]
    fn bad_keys_are_errors() {
        assert_eq!(acs_sign("", "x"), Err(AcsKeyError::Empty));
        assert_eq!(acs_sign("not base64!", "x"), Err(AcsKeyError::NotBase64));
    }

    #[test]
    fn authorization_header_round_trip() {
        let sts = acs_string_to_sign(
            "GET",
            "/calling/callConnections/x?api-version=2026-03-12",
            "d",
            "h",
            EMPTY_SHA256,
        );
        let signature = acs_sign(KEY, &sts).expect("sign");
        let header = acs_authorization(&signature);
        assert_eq!(
            header,
            format!("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}")
        );
        assert!(verify_acs_authorization(&header, &signature));
        assert!(verify_acs_authorization(&format!("hmac-sha256 signedheaders=X-MS-DATE;HOST;X-MS-CONTENT-SHA256&signature={signature}"), &signature));
        assert!(verify_acs_authorization(
            &format!("HMAC-SHA256 Signature={signature}&SignedHeaders={ACS_SIGNED_HEADERS}"),
            &signature
        ));

        let other = acs_sign(KEY, &format!("{sts}x")).expect("sign");
        assert!(!verify_acs_authorization(&header, &other));
        let rejected = [
            String::new(),
            signature.clone(),
            format!("Bearer {signature}"),
            format!("HMAC-SHA256 Signature={signature}"),
            format!("HMAC-SHA256 SignedHeaders=host;x-ms-date;x-ms-content-sha256&Signature={signature}"),
            format!("HMAC-SHA256 SignedHeaders={ACS_SIGNED_HEADERS}&Signature={signature}&Signature={signature}"),
            format!("HMAC-SHA256 SignedHeaders={ACS_SIGNED_HEADERS}&Signature={signature}&Extra=1"),
            format!("HMAC-SHA256 SignedHeaders={ACS_SIGNED_HEADERS}&Signature"),
            format!("HMAC-SHA256 SignedHeaders={ACS_SIGNED_HEADERS}&Signature={}", &signature[1..]),
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=".to_owned(),
        ];
        for header in &rejected {
            assert!(!verify_acs_authorization(header, &signature), "{header}");
        }
        assert!(!verify_acs_authorization(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=",
            ""
        ));
    }
}
