//! ACS data-plane authentication: the HMAC-SHA256 scheme both SDKs sign with (digest §1.2) checked
//! against every ACS resource's two access keys, with a clock-skew window and the body hash.

use axum::http::{HeaderMap, Method};
use ringside_identity::{acs_sign, acs_string_to_sign, content_sha256, verify_acs_authorization};
use ringside_model::AcsResourceId;

use super::error::AcsError;
use crate::state::AppState;

/// Accepted distance between `x-ms-date` and the server clock (seconds). The SDKs set no limit; 15
/// minutes is the usual Azure allowance.
pub(crate) const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// Who signed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AcsCaller {
    pub(crate) resource: AcsResourceId,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks an HMAC-signed request. `path_and_query` is the target as sent, `host` the `Host` header
/// (or the URI authority on HTTP/2), `body` the exact bytes received, `now` unix seconds.
pub(crate) fn authenticate(
    state: &AppState,
    method: &Method,
    path_and_query: &str,
    host: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<AcsCaller, AcsError> {
    let authorization = header(headers, "authorization")
        .ok_or_else(|| AcsError::unauthorized("The Authorization header is missing."))?;
    if authorization
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("bearer "))
    {
        return Err(AcsError::unauthorized(
            "Bearer tokens are not accepted by this Ringside ACS endpoint yet; sign with the access key (HMAC-SHA256).",
        ));
    }
    if !authorization
        .get(..12)
        .is_some_and(|s| s.eq_ignore_ascii_case("hmac-sha256 "))
    {
        return Err(AcsError::unauthorized(
            "The Authorization header must use the HMAC-SHA256 scheme.",
        ));
    }
    let date = header(headers, "x-ms-date")
        .or_else(|| header(headers, "date"))
        .ok_or_else(|| AcsError::unauthorized("The x-ms-date header is missing."))?;
    let sent = httpdate::parse_http_date(date)
        .map_err(|_| AcsError::unauthorized("The x-ms-date header is not an RFC 1123 date."))?;
    let sent = sent
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if (now - sent).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(AcsError::unauthorized(format!(
            "The x-ms-date header is more than {} minutes away from the server time.",
            MAX_CLOCK_SKEW_SECS / 60
        )));
    }
    let hash = header(headers, "x-ms-content-sha256")
        .ok_or_else(|| AcsError::unauthorized("The x-ms-content-sha256 header is missing."))?;
    if hash != content_sha256(body) {
        return Err(AcsError::unauthorized(
            "The x-ms-content-sha256 header does not match the request body.",
        ));
    }
    let host = header(headers, "x-ms-host")
        .or(host)
        .ok_or_else(|| AcsError::unauthorized("The Host header is missing."))?;
    let to_sign = acs_string_to_sign(method.as_str(), path_and_query, date, host, hash);
    let keys: Vec<(AcsResourceId, String, String)> = state.directory().read(|d| {
        d.acs_resources()
            .map(|r| (r.id, r.primary_key.clone(), r.secondary_key.clone()))
            .collect()
    });
    for (resource, primary, secondary) in keys {
        for key in [primary, secondary] {
            if let Ok(expected) = acs_sign(&key, &to_sign) {
                if verify_acs_authorization(authorization, &expected) {
                    return Ok(AcsCaller { resource });
                }
            }
        }
    }
    Err(AcsError::unauthorized(
        "The request signature does not match any access key of an ACS resource on this endpoint.",
    ))
}
