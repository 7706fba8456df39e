//! The web console's session cookie, which the platform API accepts as well as the bearer admin
//! token: its value is `v1.<expiry>.<HMAC-SHA256(admin token, "ringside-console v1 <expiry>")>`
//! (base64url), so it needs no server-side store, ends with its expiry, and every cookie dies
//! when the admin token changes. Also the CSRF rule for requests authenticated by the cookie:
//! a non-GET request must carry an `Origin` naming this server.

use axum::http::{header, HeaderMap, Method, Uri};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;

/// The cookie's name.
pub const COOKIE: &str = "ringside_console";
/// How long a session lasts, seconds (12 hours).
pub const LIFETIME_SECS: i64 = 12 * 3_600;

/// A cookie value for `admin_token` that expires at `expires` (Unix seconds).
pub fn mint(admin_token: &str, expires: i64) -> String {
    format!("v1.{expires}.{}", signature(admin_token, expires))
}

/// The sign-in: a fresh cookie value (valid [`LIFETIME_SECS`] from `now`) when `presented` is the
/// admin token (compared in constant time), `None` otherwise.
pub fn sign_in(admin_token: &str, presented: &str, now: i64) -> Option<String> {
    ringside_identity::constant_time_eq(presented.as_bytes(), admin_token.as_bytes())
        .then(|| mint(admin_token, now.saturating_add(LIFETIME_SECS)))
}

/// Whether `value` is a cookie minted for `admin_token` that has not expired at `now`.
pub fn verify(admin_token: &str, value: &str, now: i64) -> bool {
    let mut parts = value.splitn(3, '.');
    let (Some("v1"), Some(expires), Some(presented)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    let Ok(presented) = URL_SAFE_NO_PAD.decode(presented) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, admin_token.as_bytes());
    expires > now && hmac::verify(&key, &message(expires), &presented).is_ok()
}

/// The session cookie's value among the request's `Cookie` headers, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
}

/// Whether a request made with the cookie may change something: safe methods always may; any
/// other needs an `Origin` whose host (and port) is the request's own `Host` (or `:authority`),
/// or which is exactly `base_url`'s origin.
pub fn same_origin(method: &Method, headers: &HeaderMap, uri: &Uri, base_url: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    if origin == base_url.trim_end_matches('/') {
        return true;
    }
    let Some((_, origin_host)) = origin.split_once("://") else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| uri.authority().map(|authority| authority.as_str()));
    host.is_some_and(|host| host.eq_ignore_ascii_case(origin_host))
}

fn message(expires: i64) -> Vec<u8> {
    format!("ringside-console v1 {expires}").into_bytes()
}

fn signature(admin_token: &str, expires: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, admin_token.as_bytes());
    URL_SAFE_NO_PAD.encode(hmac::sign(&key, &message(expires)).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_minted_cookie_verifies_until_it_expires_and_only_for_its_token() {
        let value = mint("secret", 1_000);
        assert!(verify("secret", &value, 999));
        assert!(!verify("secret", &value, 1_000));
        assert!(!verify("other", &value, 999));
        let forged = value.replace("v1.1000.", "v1.9000.");
        assert!(!verify("secret", &forged, 999));
        for junk in ["", "v1", "v1.x.y", "v2.1000.abc", "v1.1000.!!", "v1.1000"] {
            assert!(!verify("secret", junk, 0), "{junk:?}");
        }
    }

    #[test]
    fn signing_in_needs_the_admin_token() {
        assert!(sign_in("secret", "wrong", 10).is_none());
        assert!(sign_in("secret", "", 10).is_none());
        let value = sign_in("secret", "secret", 10).unwrap_or_default();
        assert!(verify("secret", &value, 10 + LIFETIME_SECS - 1));
        assert!(!verify("secret", &value, 10 + LIFETIME_SECS));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("x=y; ringside_console=v1.5.abc"),
        );
        assert_eq!(cookie_value(&headers), Some("v1.5.abc"));
        assert_eq!(cookie_value(&HeaderMap::new()), None);
    }

    #[test]
    fn writes_need_an_origin_naming_this_server() {
        let uri: Uri = "/ringside/v1/calls".parse().unwrap_or_default();
        let base = "https://127.0.0.1:8443";
        let with = |origin: Option<&'static str>, host: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static(host));
            if let Some(origin) = origin {
                headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
            }
            headers
        };
        let host = "127.0.0.1:8443";
        assert!(same_origin(&Method::GET, &with(None, host), &uri, base));
        assert!(same_origin(
            &Method::POST,
            &with(Some(base), host),
            &uri,
            base
        ));
        assert!(same_origin(
            &Method::POST,
            &with(Some("https://localhost:9000"), "localhost:9000"),
            &uri,
            base
        ));
        assert!(!same_origin(&Method::POST, &with(None, host), &uri, base));
        assert!(!same_origin(
            &Method::DELETE,
            &with(Some("https://evil.example"), host),
            &uri,
            base
        ));
        assert!(!same_origin(
            &Method::POST,
            &with(Some("null"), host),
            &uri,
            base
        ));
    }
}
