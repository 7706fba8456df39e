//! ACS data-plane authentication: the HMAC-SHA256 scheme both SDKs sign with (digest §1.2) checked
//! against every ACS resource's two access keys, with a clock-skew window and the body hash; or an
//! Entra bearer token (digest §1.3) issued by Ringside's token endpoint for
//! `https://communication.azure.com//.default`.
//!
//! Bearer rule: the token must verify against this server's keys and tenant issuer, carry an ACS
//! audience, and name an existing tenant and app; the app is granted the ACS resource(s) that its
//! resource accounts (application instances) in that tenant are bound to. Exactly one such resource
//! is required — none is 401 "not granted", several is 401 "ambiguous" (use the access key then).

use axum::http::{HeaderMap, Method};
use ringside_identity::{acs_sign, acs_string_to_sign, content_sha256, verify_acs_authorization};
use ringside_identity::{TokenError, Validation};
use ringside_model::{AcsResourceId, AppId, TenantId};

use super::error::AcsError;
use super::AcsState;

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
    state: &AcsState,
    method: &Method,
    path_and_query: &str,
    host: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<AcsCaller, AcsError> {
    let authorization = header(headers, "authorization")
        .ok_or_else(|| AcsError::unauthorized("The Authorization header is missing."))?;
    if let Some(token) = ringside_http::bearer_token(headers) {
        return authenticate_bearer(state, token, now);
    }
    if !authorization
        .get(..12)
        .is_some_and(|s| s.eq_ignore_ascii_case("hmac-sha256 "))
    {
        return Err(AcsError::unauthorized(
            "The Authorization header must use the HMAC-SHA256 scheme.",
        ));
    }
    let date = signed_date(headers, now)?;
    let hash = body_hash(headers, body)?;
    let strings_to_sign: Vec<String> = signed_hosts(headers, host)?
        .iter()
        .map(|host| acs_string_to_sign(method.as_str(), path_and_query, date, host, hash))
        .collect();
    signing_resource(state, &strings_to_sign, authorization)
}

/// The `x-ms-date` (or `Date`) the request was signed with: an RFC 1123 date within
/// [`MAX_CLOCK_SKEW_SECS`] of `now`.
fn signed_date(headers: &HeaderMap, now: i64) -> Result<&str, AcsError> {
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
    Ok(date)
}

/// The `x-ms-content-sha256` header, which must be the hash of `body`.
fn body_hash<'a>(headers: &'a HeaderMap, body: &[u8]) -> Result<&'a str, AcsError> {
    let hash = header(headers, "x-ms-content-sha256")
        .ok_or_else(|| AcsError::unauthorized("The x-ms-content-sha256 header is missing."))?;
    if hash != content_sha256(body) {
        return Err(AcsError::unauthorized(
            "The x-ms-content-sha256 header does not match the request body.",
        ));
    }
    Ok(hash)
}

/// The hosts the signature may cover, in the order they are tried.
fn signed_hosts(headers: &HeaderMap, host: Option<&str>) -> Result<Vec<String>, AcsError> {
    // Recording storage requests carry the ACS endpoint's host in `x-ms-host`: JS with its port,
    // Python without it although it signs the host with the port (digest §1.2), so a port-less
    // `x-ms-host` is also tried with the port of the `Host` the request came to.
    let mut hosts: Vec<String> = Vec::with_capacity(2);
    match header(headers, "x-ms-host") {
        Some(signed) => {
            hosts.push(signed.to_string());
            let port = host.and_then(|h| h.rsplit_once(':')).map(|(_, p)| p);
            if let Some(port) = port.filter(|p| !signed.contains(':') && !p.is_empty()) {
                hosts.push(format!("{signed}:{port}"));
            }
        }
        None => hosts.push(
            host.ok_or_else(|| AcsError::unauthorized("The Host header is missing."))?
                .to_string(),
        ),
    }
    Ok(hosts)
}

/// The ACS resource whose primary or secondary key signed one of `strings_to_sign` (tried in
/// order) into `authorization`.
fn signing_resource(
    state: &AcsState,
    strings_to_sign: &[String],
    authorization: &str,
) -> Result<AcsCaller, AcsError> {
    let keys: Vec<(AcsResourceId, String, String)> = state.directory().read(|d| {
        d.acs_resources()
            .map(|r| (r.id, r.primary_key.clone(), r.secondary_key.clone()))
            .collect()
    });
    for to_sign in strings_to_sign {
        for (resource, primary, secondary) in &keys {
            for key in [primary, secondary] {
                if let Ok(expected) = acs_sign(key, to_sign) {
                    if verify_acs_authorization(authorization, &expected) {
                        return Ok(AcsCaller {
                            resource: *resource,
                        });
                    }
                }
            }
        }
    }
    Err(AcsError::unauthorized(
        "The request signature does not match any access key of an ACS resource on this endpoint.",
    ))
}

/// Audiences an ACS bearer token may carry: the resource URI (with or without `/`) and the ACS app id.
const ACS_AUDIENCES: [&str; 3] = [
    "https://communication.azure.com",
    "https://communication.azure.com/",
    "1fd5118e-2576-4263-8130-9503064c837a",
];

/// The `tid` claim of a token, read before verification picks the issuer.
fn peek_tenant(token: &str) -> Option<TenantId> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    TenantId::parse(value.get("tid")?.as_str()?).ok()
}

/// Checks an Entra bearer token (see the module doc for the rule).
fn authenticate_bearer(state: &AcsState, token: &str, now: i64) -> Result<AcsCaller, AcsError> {
    let tenant = peek_tenant(token).ok_or_else(|| {
        AcsError::unauthorized("The bearer token is malformed or has no valid 'tid' claim.")
    })?;
    let issuer = ringside_identity::issuer(state.base_url(), &tenant.to_string());
    let validation = Validation::new(now.max(0) as u64, [issuer], ACS_AUDIENCES);
    let claims = ringside_identity::verify(token, state.key_set(), &validation).map_err(|e| {
        AcsError::unauthorized(match e {
            TokenError::Expired { .. } | TokenError::NotYetValid { .. } => {
                "The bearer token has expired or is not yet valid.".to_string()
            }
            TokenError::WrongAudience(_) => {
                "The bearer token is not for https://communication.azure.com.".to_string()
            }
            other => format!("The bearer token is invalid: {other}."),
        })
    })?;
    let app = claims
        .get("appid")
        .or_else(|| claims.get("azp"))
        .and_then(|v| v.as_str())
        .and_then(|s| AppId::parse(s).ok())
        .ok_or_else(|| AcsError::unauthorized("The bearer token has no valid 'appid' claim."))?;
    let granted: Result<Vec<AcsResourceId>, &str> = state.directory().read(|d| {
        if d.tenant(tenant).is_none() || d.application(app).is_none() {
            return Err("The token's tenant or application no longer exists.");
        }
        let mut resources: Vec<AcsResourceId> = d
            .instances(tenant)
            .filter(|i| i.app_id == app)
            .filter_map(|i| i.acs_resource)
            .filter(|r| d.acs_resource(*r).is_some())
            .collect();
        resources.sort_by_key(|r| r.to_string());
        resources.dedup();
        Ok(resources)
    });
    match granted.map_err(AcsError::unauthorized)?.as_slice() {
        [resource] => Ok(AcsCaller {
            resource: *resource,
        }),
        [] => Err(AcsError::unauthorized(
            "The application is not granted an ACS resource: none of its resource accounts is bound to one.",
        )),
        _ => Err(AcsError::unauthorized(
            "The application's resource accounts are bound to several ACS resources; sign with the resource's access key instead.",
        )),
    }
}
