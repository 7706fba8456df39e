//! The platform API's shared state: the node, the admin token that guards `/ringside/v1` (and
//! the [`Admin`] extractor that checks it, or the web console's session cookie in its place), the
//! token endpoint's settings and rate limiter, and the helpers that mint secrets (client secrets,
//! SIP passwords).

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ringside_http::{ApiError, RateLimitConfig, RateLimiter};
use ringside_runtime::Node;

/// Where the platform API is mounted.
pub(crate) const PREFIX: &str = "/ringside/v1";

/// What the platform API's handlers (and the identity door's) reach. Cheap to clone; derefs to
/// the [`Node`].
#[derive(Clone)]
pub struct PlatformState {
    inner: Arc<Inner>,
}

struct Inner {
    node: Node,
    admin_token: String,
    token_lifetime_secs: u64,
    rate_limiter: Mutex<RateLimiter>,
}

/// What [`PlatformState::new`] needs.
pub struct PlatformParts {
    /// The node.
    pub node: Node,
    /// The admin token for `/ringside/v1`.
    pub admin_token: String,
    /// Lifetime of issued access tokens, seconds.
    pub token_lifetime_secs: u64,
    /// Per-client limit of the token endpoint.
    pub rate_limit: RateLimitConfig,
}

impl Deref for PlatformState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.inner.node
    }
}

impl PlatformState {
    /// The platform's state from its parts.
    pub fn new(parts: PlatformParts) -> PlatformState {
        PlatformState {
            inner: Arc::new(Inner {
                node: parts.node,
                admin_token: parts.admin_token,
                token_lifetime_secs: parts.token_lifetime_secs,
                rate_limiter: Mutex::new(RateLimiter::new(parts.rate_limit)),
            }),
        }
    }

    /// The node (directory, call runtime, keys, base URL, clock).
    pub fn node(&self) -> &Node {
        &self.inner.node
    }

    /// The platform admin token that guards `/ringside/v1`.
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    /// Lifetime of issued access tokens, seconds.
    pub fn token_lifetime_secs(&self) -> u64 {
        self.inner.token_lifetime_secs
    }

    /// Hashes a client secret with a fresh salt, for storage.
    pub fn hash_secret(&self, secret: &str) -> String {
        let salt: [u8; 16] = self.random_bytes();
        ringside_identity::hash_secret(&salt, secret)
    }

    /// A new client secret in Entra's alphabet.
    pub fn new_client_secret(&self) -> String {
        ringside_identity::new_client_secret(&mut rand::rngs::OsRng)
    }

    /// A new SIP password: [`SIP_PASSWORD_LEN`] letters and digits from ring's system generator
    /// (`None` only if the OS generator fails).
    pub fn new_sip_password(&self) -> Option<String> {
        new_sip_password()
    }

    /// Checks `Authorization: Bearer <admin token>`; 401 in the platform envelope otherwise.
    pub fn check_admin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = ringside_http::bearer_token(headers).ok_or_else(|| {
            ApiError::unauthorized(
                "InvalidAuthenticationToken",
                "Missing admin token: send 'Authorization: Bearer <adminToken>' (see dev.json or RINGSIDE_ADMIN_TOKEN).",
            )
        })?;
        if ringside_identity::constant_time_eq(
            presented.as_bytes(),
            self.inner.admin_token.as_bytes(),
        ) {
            Ok(())
        } else {
            Err(ApiError::unauthorized(
                "InvalidAuthenticationToken",
                "The admin token is not valid.",
            ))
        }
    }

    /// Checks a request to `/ringside/v1`: the bearer admin token as [`Self::check_admin`] does;
    /// without one, a valid console session cookie ([`crate::session`]), and then, unless the
    /// method is safe, an `Origin` naming this server (403 otherwise: a cross-site request).
    pub fn check_admin_request(&self, parts: &Parts) -> Result<(), ApiError> {
        let cookie = crate::session::cookie_value(&parts.headers);
        let valid = |value: &str| crate::session::verify(self.admin_token(), value, self.now());
        match cookie {
            Some(value)
                if ringside_http::bearer_token(&parts.headers).is_none() && valid(value) =>
            {
                if crate::session::same_origin(
                    &parts.method,
                    &parts.headers,
                    &parts.uri,
                    self.base_url(),
                ) {
                    Ok(())
                } else {
                    Err(ApiError::forbidden(
                        "Forbidden",
                        "A request made with the console's cookie must come from the console (Origin).",
                    ))
                }
            }
            _ => self.check_admin(&parts.headers),
        }
    }

    /// Takes one request from `key`'s budget; `Err(retry_after_secs)` when it is exhausted.
    pub(crate) fn rate_limit(&self, key: &str) -> Result<(), u64> {
        let mut limiter = match self.inner.rate_limiter.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        limiter.check(key, std::time::Instant::now())
    }
}

/// Length of a generated SIP password (≈143 bits from 62 symbols).
pub(crate) const SIP_PASSWORD_LEN: usize = 24;

/// [`SIP_PASSWORD_LEN`] uniformly drawn letters and digits (rejection sampling over random bytes).
pub(crate) fn new_sip_password() -> Option<String> {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // 248 = 4 × 62: bytes at or above it would favour the first symbols.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let random = ring::rand::SystemRandom::new();
    let mut password = String::with_capacity(SIP_PASSWORD_LEN);
    let mut bytes = [0u8; 64];
    while password.len() < SIP_PASSWORD_LEN {
        random.fill(&mut bytes).ok()?;
        for b in bytes.iter().filter(|b| **b < limit) {
            if password.len() == SIP_PASSWORD_LEN {
                break;
            }
            password.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
        }
    }
    Some(password)
}

/// Proof that the request carried the admin token or the console's cookie (401 in the envelope
/// otherwise; 403 for a cross-site write with the cookie).
pub(crate) struct Admin;

impl FromRequestParts<PlatformState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PlatformState,
    ) -> Result<Admin, ApiError> {
        state.check_admin_request(parts).map(|()| Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_passwords_are_long_alphanumeric_and_fresh() {
        let a = new_sip_password().expect("password");
        let b = new_sip_password().expect("password");
        assert_eq!(a.len(), SIP_PASSWORD_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
