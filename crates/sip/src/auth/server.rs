//! The UAS side of digest: challenges whose nonce is `base64url(timestamp ‖ HMAC-SHA256(key,
//! timestamp ‖ realm)[..16])`, verifiable without state, with `stale=true` once it has expired;
//! credential checks with a constant-time comparison. Time is passed in (Unix seconds).
//! Stateless nonces cannot detect a replayed `nc`: the nonce lifetime bounds replays.

use super::{digest_response, Algorithm, DigestInput};
use crate::headers::{AuthValue, Header};
use crate::message::{Request, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use subtle::ConstantTimeEq;

/// Issues and checks challenges for one realm.
pub struct DigestServer {
    key: hmac::Key,
    realm: String,
    lifetime_secs: u64,
    algorithms: Vec<Algorithm>,
}

impl std::fmt::Debug for DigestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestServer")
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

/// The result of checking credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Authenticated as this username.
    Ok(String),
    /// The nonce was ours but has expired: challenge again with `stale=true`.
    Stale,
    /// Anything else (bad response, unknown user, foreign nonce, wrong realm): challenge again.
    Rejected,
    /// No credentials for this realm in the request.
    Missing,
}

impl DigestServer {
    /// A server for `realm` keyed by `secret` (at least 32 random bytes), nonces valid for
    /// `lifetime_secs`, offering SHA-256 then MD5 (RFC 8760 order).
    pub fn new(secret: &[u8], realm: &str, lifetime_secs: u64) -> DigestServer {
        DigestServer {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            realm: realm.to_string(),
            lifetime_secs,
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
        }
    }

    /// Offers `algorithms` in this order instead (challenges list them in order; many deployed
    /// clients answer only the first challenge, so MD5 first keeps them working).
    pub fn with_algorithms(mut self, algorithms: Vec<Algorithm>) -> DigestServer {
        if !algorithms.is_empty() {
            self.algorithms = algorithms;
        }
        self
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn nonce(&self, now: u64) -> String {
        let ts = now.to_be_bytes();
        let tag = hmac::sign(&self.key, &[&ts[..], self.realm.as_bytes()].concat());
        let mut raw = ts.to_vec();
        raw.extend_from_slice(&tag.as_ref()[..16]);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The nonce's timestamp if it is one of ours.
    fn nonce_time(&self, nonce: &str) -> Option<u64> {
        let raw = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        let (ts, tag) = raw.split_at_checked(8)?;
        let expected = hmac::sign(&self.key, &[ts, self.realm.as_bytes()].concat());
        let same: bool = tag.ct_eq(&expected.as_ref()[..16]).into();
        same.then(|| u64::from_be_bytes(ts.try_into().unwrap_or_default()))
    }

    /// One challenge per algorithm.
    pub fn challenges(&self, now: u64, stale: bool) -> Vec<AuthValue> {
        let nonce = self.nonce(now);
        self.algorithms
            .iter()
            .map(|alg| {
                let mut c = AuthValue::new("Digest");
                c.push("realm", &self.realm, true);
                c.push("nonce", &nonce, true);
                c.push("algorithm", alg.name(), false);
                c.push("qop", "auth", true);
                if stale {
                    c.push("stale", "true", false);
                }
                c
            })
            .collect()
    }

    /// The 401 (or 407 for a proxy) challenging `req`, with a To tag.
    pub fn challenge_response(
        &self,
        req: &Request,
        now: u64,
        stale: bool,
        proxy: bool,
        to_tag: &str,
    ) -> Response {
        let mut r = req.response(if proxy { 407 } else { 401 });
        r.set_to_tag(to_tag);
        for c in self.challenges(now, stale) {
            r.headers.push(if proxy {
                Header::ProxyAuthenticate(c)
            } else {
                Header::WwwAuthenticate(c)
            });
        }
        r
    }

    /// Checks `req`'s credentials for our realm; `password` looks a username up.
    pub fn verify(
        &self,
        req: &Request,
        now: u64,
        proxy: bool,
        password: impl Fn(&str) -> Option<String>,
    ) -> Verdict {
        let ours = |c: &&AuthValue| c.is_digest() && c.get("realm") == Some(self.realm.as_str());
        let found = if proxy {
            req.headers.proxy_authorization().find(ours)
        } else {
            req.headers.authorization().find(ours)
        };
        let Some(c) = found else {
            return Verdict::Missing;
        };
        match self.check(c, req, now, &password) {
            Some(v) => v,
            None => Verdict::Rejected,
        }
    }

    fn check(
        &self,
        c: &AuthValue,
        req: &Request,
        now: u64,
        password: &impl Fn(&str) -> Option<String>,
    ) -> Option<Verdict> {
        let issued = self.nonce_time(c.get("nonce")?)?;
        let algorithm = Algorithm::parse(c.get("algorithm"))?;
        if !self.algorithms.contains(&algorithm) || c.get("uri")? != req.uri.to_string() {
            return None;
        }
        let username = c.get("username")?;
        let qop = match c.get("qop") {
            Some(q) if q.eq_ignore_ascii_case("auth") => Some((c.get("nc")?, c.get("cnonce")?)),
            Some(_) => return None,
            None => None,
        };
        let input = DigestInput {
            algorithm,
            username,
            realm: &self.realm,
            password: &password(username)?,
            nonce: c.get("nonce")?,
            method: req.method.as_str(),
            uri: c.get("uri")?,
            qop_auth: qop,
        };
        let expected = digest_response(&input);
        let given = c.get("response")?.to_ascii_lowercase();
        let matches: bool = expected.as_bytes().ct_eq(given.as_bytes()).into();
        if !matches {
            return None;
        }
        let fresh =
            now.saturating_sub(issued) <= self.lifetime_secs && issued <= now.saturating_add(60);
        Some(if fresh {
            Verdict::Ok(username.to_string())
        } else {
            Verdict::Stale
        })
    }
}
